"""`claimcheck rules`, `lexicon validate` and `schema`: the rule data and the report schema."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import click

from claimcheck.cli.base import fail, main
from claimcheck.errors import ExitCode

if TYPE_CHECKING:
    pass


@main.group(invoke_without_command=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
@click.pass_context
def rules(ctx: click.Context, fmt: str) -> None:
    """List the rules; `rules explain CODE` prints one in full."""
    if ctx.invoked_subcommand is not None:
        return
    from claimcheck.lexicon import default_lexicon
    from claimcheck.render.rules import rules_markdown_table, rules_table

    lexicon = default_lexicon()
    if fmt == "json":
        data = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.label,
                "family": r.family,
                "jurisdictions": list(r.jurisdictions),
                "page_types": list(r.page_types),
                "status": r.status,
            }
            for r in lexicon.rules
        ]
        click.echo(json.dumps(data, indent=2))
    elif fmt == "markdown":
        click.echo(rules_markdown_table(lexicon.rules), nl=False)
    else:
        click.echo(rules_table(lexicon.rules), nl=False)


@rules.command("explain")
@click.argument("code")
def rules_explain(code: str) -> None:
    """Rationale, legal basis, examples and fix for one rule (code or name)."""
    from claimcheck.lexicon import default_lexicon
    from claimcheck.render.rules import explain_rule

    try:
        rule = default_lexicon().rule(code)
    except KeyError:
        fail(f"unknown rule {code!r} (see `claimcheck rules`)")
        return
    click.echo(explain_rule(rule), nl=False)


@main.group()
def lexicon() -> None:
    """Work with lexicon directories."""


@lexicon.command("validate")
@click.argument("directories", nargs=-1, type=click.Path(exists=True, file_okay=False))
def lexicon_validate(directories: tuple[str, ...]) -> None:
    """Validate lexicon directories against the schema and run their rules' examples.

    Each directory is merged over the built-in lexicon, as `check --lexicons` would.
    Exit 1 when an example fails, 2 when a file is invalid.
    """
    from claimcheck.lexicon import builtin_dir, load_lexicon
    from claimcheck.lexicon.load import yaml_files
    from claimcheck.selftest import run_examples

    dirs = [Path(d) for d in directories] or [builtin_dir()]
    extra = [d for d in dirs if d.resolve() != builtin_dir().resolve()]
    lex = load_lexicon(extra)
    defined = {str(p.resolve()) for d in dirs for p in yaml_files(d)}
    own = [r for r in lex.rules if str(Path(r.source.split(": ")[0]).resolve()) in defined]
    results = list(run_examples(lex, own))
    failed = [r for r in results if not r.ok]
    for r in failed:
        click.echo(f"{r.rule} {r.kind} example {r.example.text!r}: {r.detail}", err=True)
    files = sum(len(yaml_files(d)) for d in dirs)
    click.echo(
        f"{files} file(s) valid; {len(own)} rule(s); "
        f"{len(results) - len(failed)}/{len(results)} example(s) behave as written."
    )
    sys.exit(ExitCode.FINDINGS if failed else ExitCode.CLEAN)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the JSON report."""
    text = resources.files("claimcheck").joinpath("schemas/report.schema.json").read_text("utf-8")
    click.echo(text, nl=False)
