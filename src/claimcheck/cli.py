"""The command line: parses options and calls the library. Nothing else lives here.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import click

from claimcheck import __version__
from claimcheck.errors import ClaimcheckError, ExitCode

if TYPE_CHECKING:
    from claimcheck.config import Config
    from claimcheck.model import Report

FORMATS = ("text", "json", "sarif", "github", "junit", "csv", "html")


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _fail(message: str) -> None:
    click.echo(f"claimcheck: error: {message}", err=True)
    sys.exit(ExitCode.USAGE)


_config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Config file to use instead of the nearest pyproject.toml / claimcheck.toml.",
)


_db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="History database [$CLAIMCHECK_HOME/history.sqlite, else "
    "~/.local/share/claimcheck/history.sqlite].",
)


def _inputs(paths: Sequence[str], config: Config, changed_since: str | None) -> list[str]:
    """The paths to check: those given, else the config file's directory (or '.' when
    --include is given), narrowed to changed files with --changed-since."""
    roots = list(paths)
    if not roots:
        if config.config_file is None and not config.include:
            _fail(
                "no input: give files, directories or '-' for stdin "
                "(e.g. claimcheck check samples/), or add a claimcheck config file"
            )
        roots = [os.path.relpath(config.root) if config.root else "."]
    if not changed_since:
        return roots
    from claimcheck.changed import changed_files, select_changed

    selected = select_changed(changed_files(changed_since), roots, config.include, config.exclude)
    if not selected:
        click.echo(f"claimcheck: no changed files since {changed_since}", err=True)
    return selected


def _exit_code(report: Report, config: Config) -> ExitCode:
    """1 for findings at or above fail-on or a page below min-score (each said on stderr)."""
    from claimcheck.model import Severity

    code = ExitCode.CLEAN
    if config.fail_on != "never":
        floor = Severity.parse(config.fail_on)
        if any(f.severity >= floor for page in report.files for f in page.active_findings):
            code = ExitCode.FINDINGS
    if config.min_score is not None:
        where = config.source("min_score")
        for page in report.files:
            if page.score is not None and page.score < config.min_score:
                click.echo(
                    f"claimcheck: {page.path} scores {page.score}, below min-score "
                    f"{config.min_score} ({where})",
                    err=True,
                )
                code = ExitCode.FINDINGS
    return code


def _page_texts(report: Report) -> dict[str, str]:
    """Each checked file's extracted text, re-read for the HTML report (stdin is not)."""
    from claimcheck.extract import extract
    from claimcheck.segment import document_text
    from claimcheck.sources import read_path

    texts = {}
    for page in report.files:
        if page.score is not None and page.path != "-":
            try:
                texts[page.path] = document_text(extract(read_path(page.path)))
            except ClaimcheckError:
                continue
    return texts


def _is_audit_dir(path: str) -> bool:
    if not os.path.isfile(os.path.join(path, "manifest.json")):
        return False
    from claimcheck.crawl.archive import is_audit_dir

    return is_audit_dir(path)


class _Group(click.Group):
    """Turns every ClaimcheckError into a one-line message and exit code 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ClaimcheckError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            click.echo("claimcheck: interrupted", err=True)
            sys.exit(130)
        return None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="claimcheck")
def main() -> None:
    """Audit health-care marketing for claims that go beyond the evidence."""


def _progress(enabled: bool):
    count = 0

    def tick(page: object) -> None:
        nonlocal count
        count += 1
        if enabled and count % 25 == 0:
            click.echo(f"\rchecked {count} file(s)…", err=True, nl=False)

    def done() -> None:
        if enabled and count >= 25:
            click.echo("\r" + " " * 40 + "\r", err=True, nl=False)

    return tick, done


@main.command()
@click.argument("paths", nargs=-1, type=str)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to a file instead of stdout.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info", "never"]),
    default=None,
    help="Exit 1 when a finding at or above this severity exists [error].",
)
@click.option(
    "--min-score",
    type=click.IntRange(0, 100),
    default=None,
    help="Exit 1 when any page scores below this (0-100).",
)
@click.option(
    "--jurisdiction",
    "-j",
    "jurisdictions",
    multiple=True,
    help="Force jurisdiction profiles (mx, us, none); repeatable. Default: auto-detect.",
)
@click.option(
    "--page-type",
    type=click.Choice(["auto", "commercial", "editorial"]),
    default=None,
    help="Force the page type [auto].",
)
@click.option(
    "--select", multiple=True, help="Only these rule codes, prefixes or names (CC1,CC201)."
)
@click.option("--ignore", multiple=True, help="Skip these rule codes, prefixes or names.")
@click.option("--include", multiple=True, help="Glob of files to check inside directories.")
@click.option("--exclude", multiple=True, help="Glob of files or directories to skip.")
@click.option(
    "--lexicons",
    "lexicon_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra lexicon directory merged over the built-in one; repeatable.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=0),
    default=None,
    help="Worker processes for many files (0 = one per core) [0].",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="Baseline file: findings listed in it are suppressed and do not fail the run.",
)
@click.option(
    "--model",
    metavar="DIR|default|none",
    help="Sentence classifier beside the rules: 'default' (shipped), a model directory, "
    "or 'none' [none].",
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Only check files changed since this git ref, plus uncommitted and untracked ones.",
)
@_config_option
@click.option(
    "--explain",
    is_flag=True,
    help="Show each finding's trigger, context, evidence and fix, and suppressed hits.",
)
@click.option("--color/--no-color", default=None, help="Colour the text output [auto: on a TTY].")
def check(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    fail_on: str | None,
    min_score: int | None,
    jurisdictions: tuple[str, ...],
    page_type: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    lexicon_dirs: tuple[str, ...],
    jobs: int | None,
    baseline: str | None,
    model: str | None,
    changed_since: str | None,
    config_file: str | None,
    explain: bool,
    color: bool | None,
) -> None:
    """Check files, directories or '-' (stdin) and report overclaims and missing duties."""
    from claimcheck.baseline import apply_baseline, read_baseline
    from claimcheck.config import load_config
    from claimcheck.engine import check_paths
    from claimcheck.lexicon import default_lexicon, load_lexicon
    from claimcheck.render import render

    config = load_config(config_file).with_overrides(
        fail_on=fail_on,
        min_score=min_score,
        jurisdictions=_split(jurisdictions) or None,
        page_type=page_type,
        select=_split(select) or None,
        ignore=_split(ignore) or None,
        include=_split(include) or None,
        exclude=_split(exclude) or None,
        lexicons=lexicon_dirs or None,
        baseline=baseline,
        jobs=jobs,
        model=model,
    )
    if config.baseline:
        read_baseline(config.baseline)  # fail before a long run, not after it
    inputs = _inputs(paths, config, changed_since)
    tick, done = _progress(sys.stderr.isatty() and output is None and fmt == "text")
    if len(inputs) == 1 and _is_audit_dir(inputs[0]):  # a crawl: pages from its WARC + site
        from claimcheck.crawl.audit import audit_report

        report = audit_report(inputs[0], config)
    else:
        report = check_paths(inputs, config, progress=tick)
    done()
    if config.baseline:
        report = apply_baseline(report, config.baseline)
    use_color = (sys.stdout.isatty() if color is None else color) and output is None
    text = render(
        report,
        fmt,
        explain=explain,
        color=use_color,
        rules=(load_lexicon(config.lexicons) if config.lexicons else default_lexicon()).rules
        if fmt in ("sarif", "html")
        else (),
        fail_on=config.fail_on,
        texts=_page_texts(report) if fmt == "html" else None,
    )
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    if fmt == "text":
        for warning in (w for page in report.files for w in page.warnings):
            click.echo(f"claimcheck: warning: {warning}", err=True)
    errors = [e for page in report.files for e in page.errors]
    for e in errors:
        click.echo(f"claimcheck: error: {e.path}: {e.message}", err=True)
    if errors:
        sys.exit(ExitCode.USAGE)
    sys.exit(_exit_code(report, config))


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
        _fail(f"unknown rule {code!r} (see `claimcheck rules`)")
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


@main.group("baseline")
def baseline_group() -> None:
    """Accept today's findings so that only new ones fail later runs."""


@baseline_group.command("create")
@click.argument("paths", nargs=-1, type=str)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Baseline file to write [.claimcheck-baseline.json].",
)
@_config_option
def baseline_create(paths: tuple[str, ...], output: str | None, config_file: str | None) -> None:
    """Write every active finding of PATHS (default: the configured paths) to a baseline."""
    from claimcheck.baseline import BASELINE_NAME, write_baseline
    from claimcheck.config import load_config
    from claimcheck.engine import check_paths

    config = load_config(config_file)
    report = check_paths(_inputs(paths, config, None), config)
    target = output or BASELINE_NAME
    count = write_baseline(report, target)
    click.echo(f"wrote {count} finding(s) from {report.summary.files} file(s) to {target}")
    errors = [e for page in report.files for e in page.errors]
    for e in errors:
        click.echo(f"claimcheck: error: {e.path}: {e.message}", err=True)
    sys.exit(ExitCode.USAGE if errors else ExitCode.CLEAN)


@main.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("show")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@_config_option
def config_show(fmt: str, config_file: str | None) -> None:
    """Print the effective configuration and where each value came from."""
    from claimcheck.config import config_items, load_config

    config = load_config(config_file)
    items = config_items(config)
    if fmt == "json":
        data = {
            "config_file": config.config_file,
            "settings": {key: {"value": v, "source": src} for key, v, src in items},
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"# config file: {config.config_file or 'none found (packaged defaults)'}")
    for key, value, source in items:
        if value is None:
            text = f"{key} = ({'auto' if key in ('jurisdiction', 'page-type') else 'not set'})"
        else:
            text = f"{key} = {json.dumps(value, ensure_ascii=False)}"
        click.echo(f"{text:<48} # {source}")


@main.group("model")
def model_group() -> None:
    """Train and evaluate the sentence classifier."""


@model_group.command("train")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory to write model.json and weights.npz to.",
)
def model_train(corpus: tuple[str, ...], output: str) -> None:
    """Train on annotated sentences (JSONL or CSV with text and label; optional split).

    With a `split` column the model learns from `train`, thresholds are chosen on `dev`
    and `test` is reported; without one, every row is used for training.
    """
    from claimcheck.classify import read_records
    from claimcheck.training import train_model

    records = read_records(corpus)
    click.echo(f"training on {len(records)} annotated sentence(s)…", err=True)
    meta = train_model(records, output)
    model_hash = json.loads(Path(output, "model.json").read_text("utf-8"))["hash"]
    click.echo(f"model written to {output} (hash {model_hash})")
    click.echo(f"thresholds: {meta['thresholds']}")
    for name in ("dev", "test"):
        if meta[name]:
            click.echo(
                f"{name}: model macro-F1 {meta[name]['model']['macro_f1']:.3f}; "
                f"rules+model macro-F1 {meta[name]['rules+model']['macro_f1']:.3f}"
            )


@model_group.command("evaluate")
@click.option(
    "--model",
    "model_dir",
    default="default",
    show_default=True,
    help="Model directory or 'default'.",
)
@click.option(
    "--corpus",
    "corpus",
    multiple=True,
    type=click.Path(exists=True),
    help="Annotated sentences [the repository's corpus/ test split].",
)
@click.option(
    "--split",
    "split_name",
    default="test",
    show_default=True,
    help="Which split to score ('all' for every row).",
)
def model_evaluate(model_dir: str, corpus: tuple[str, ...], split_name: str) -> None:
    """Per-label precision / recall / F1 and macro-F1 of the model and of rules + model."""
    from claimcheck.classify import builtin_model_dir, load_named, read_records
    from claimcheck.training import LABELS, evaluate, split

    model = load_named(model_dir)
    paths = corpus or (str(builtin_model_dir().parents[1] / "corpus"),)
    records = read_records(paths)
    rows = records if split_name == "all" else split(records, split_name)
    if not rows:
        _fail(f"no annotated sentences in split {split_name!r}")
    result = evaluate(model, rows)
    click.echo(f"model {model.version}; {len(rows)} sentence(s), split {split_name}")
    click.echo(f"thresholds: {model.meta.get('thresholds')}")
    for system in ("model", "rules+model"):
        click.echo(f"\n{system}\n{'label':<18} precision  recall     f1  support")
        for label in LABELS:
            p, r, f, n = result[system]["labels"][label]
            click.echo(f"{label:<18} {p:9.3f} {r:7.3f} {f:6.3f} {n:8d}")
        click.echo(f"{'macro-F1':<18} {result[system]['macro_f1']:24.3f}")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="JSONL file [stdout].")
@click.option("--model", "model_dir", default="default", show_default=True)
def annotate(paths: tuple[str, ...], output: str | None, model_dir: str) -> None:
    """Dump visible sentences with the current predictions, ready for labelling.

    Each line has text, label (the prediction; correct it), probability, lang, source and
    line; the file feeds straight back into `claimcheck model train`.
    """
    from claimcheck.annotate import annotation_rows

    lines = [json.dumps(row, ensure_ascii=False) for row in annotation_rows(paths, model_dir)]
    text = "\n".join(lines) + ("\n" if lines else "")
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"{len(lines)} sentence(s) written to {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--jurisdiction",
    "-j",
    "jurisdictions",
    multiple=True,
    help="Default jurisdiction profiles (mx, us, none) when a request says 'auto'.",
)
@click.option(
    "--allow-fetch",
    is_flag=True,
    help="Let the page and API fetch a URL (public addresses only). Off by default.",
)
@_config_option
def serve(
    host: str, port: int, jurisdictions: tuple[str, ...], allow_fetch: bool, config_file: str | None
) -> None:
    """Serve the clinic pre-check page and JSON API (see docs/serve.md). Stores nothing."""
    try:
        import uvicorn

        from claimcheck.web.app import create_app
    except ImportError as exc:
        _fail(f"claimcheck serve needs {exc.name}: pip install 'claimcheck'")
        return
    from claimcheck.config import load_config

    config = load_config(config_file).with_overrides(jurisdictions=_split(jurisdictions) or None)
    app = create_app(config, allow_fetch=allow_fetch)
    click.echo(
        f"claimcheck {__version__} serving on http://{host}:{port} (Ctrl-C to stop)", err=True
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@main.command()
@click.argument("url")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help="Audit directory to create.",
)
@click.option("--max-pages", type=click.IntRange(min=1), default=100, show_default=True)
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Link depth from the seed.",
)
@click.option("--allow-host", "allow_hosts", multiple=True, help="Extra host in scope; repeatable.")
@click.option("--ignore-robots", is_flag=True, help="Do not obey robots.txt (warned and recorded).")
@click.option("--contact", metavar="URL", help="Contact URL put in the user agent.")
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Seconds between requests to the host (AutoThrottle never goes faster).",
)
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True)
@click.option("--retries", type=click.IntRange(min=0), default=2, show_default=True)
@click.option(
    "--max-bytes", type=click.IntRange(min=1), default=10 * 1024 * 1024, show_default=True
)
@_db_option
@click.option("--no-history", is_flag=True, help="Do not record the audit in the history database.")
@_config_option
def crawl(
    url: str,
    out: str,
    max_pages: int,
    depth: int,
    allow_hosts: tuple[str, ...],
    ignore_robots: bool,
    contact: str | None,
    delay: float,
    timeout: float,
    retries: int,
    max_bytes: int,
    db_path: str | None,
    no_history: bool,
    config_file: str | None,
) -> None:
    """Crawl a site politely into an audit directory: WARC, manifest.json, report.json.

    The finished audit is recorded in the history database (see `claimcheck history`).
    """
    from claimcheck.config import load_config
    from claimcheck.crawl import CrawlOptions
    from claimcheck.crawl.runner import run_crawl

    options = CrawlOptions(
        seed=url,
        out=out,
        max_pages=max_pages,
        depth=depth,
        allow_hosts=_split(allow_hosts),
        ignore_robots=ignore_robots,
        contact=contact,
        delay=delay,
        timeout=timeout,
        retries=retries,
        max_bytes=max_bytes,
    )
    manifest, report = run_crawl(options, load_config(config_file))
    s = report.summary
    click.echo(
        f"audit {manifest['audit_id']}: {len(manifest['pages'])} page(s) archived, "
        f"{s.files} scored, {s.findings} finding(s), {len(manifest['errors'])} error(s), "
        f"{len(manifest['skipped'])} skipped"
    )
    if report.site is not None and report.site.score is not None:
        click.echo(
            f"site score {report.site.score}/100 ({report.site.grade}): "
            + "; ".join(report.site.reasons)
        )
    from claimcheck.crawl.archive import MANIFEST, file_sha256

    click.echo(
        f"manifest sha256 {file_sha256(os.path.join(out, MANIFEST))} — keep it with the case file"
    )
    if not no_history:
        from claimcheck.history import History

        try:
            with History(db_path) as history:
                history.record_audit(out)
                click.echo(f"recorded in {history.path}")
        except ClaimcheckError as exc:  # the audit itself is complete: warn, do not fail
            click.echo(f"claimcheck: warning: audit not recorded in the history: {exc}", err=True)


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def verify(directory: str) -> None:
    """Recompute every hash and WARC digest of an audit directory; exit 1 on any mismatch."""
    from claimcheck.crawl.verify import verify_audit

    result = verify_audit(directory)
    for problem in result.problems:
        click.echo(f"FAIL {problem}")
    click.echo(
        f"{'OK' if result.ok else 'FAILED'}: {result.records} WARC record(s), "
        f"{result.pages} page(s); manifest sha256 {result.manifest_sha256}"
    )
    sys.exit(ExitCode.CLEAN if result.ok else ExitCode.FINDINGS)


@main.command()
@click.argument("host")
@_db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def history(host: str, db_path: str | None, fmt: str) -> None:
    """List the recorded audits of a site (a host, host:port or URL), oldest first."""
    from dataclasses import asdict

    from claimcheck.history import History, audits_table, host_key

    with History(db_path) as db:
        rows = db.audits(host)
        where = db.path
    if fmt == "json":
        data = {"host": host_key(host), "db": str(where), "audits": [asdict(r) for r in rows]}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"no audits of {host_key(host)} in {where}", err=True)
        return
    click.echo(f"{len(rows)} audit(s) of {host_key(host)} ({where})")
    click.echo(audits_table(rows), nl=False)


@main.command()
@click.argument("audit_a")
@click.argument("audit_b")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def diff(audit_a: str, audit_b: str, fmt: str) -> None:
    """Compare two audits (earlier, later): new, fixed and persisting findings.

    Exit 1 when audit B has new error-level findings, 0 otherwise, 2 on bad input.
    """
    from claimcheck.diff import diff_audits, diff_json, diff_text

    result = diff_audits(audit_a, audit_b)
    click.echo(diff_json(result) if fmt == "json" else diff_text(result), nl=False)
    sys.exit(ExitCode.FINDINGS if result.new_errors else ExitCode.CLEAN)


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["html", "json"]), default="html")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to a file instead of stdout.",
)
@click.option("--lang", type=click.Choice(["en", "es"]), default="en", show_default=True)
@_config_option
def report(
    directory: str, fmt: str, output: str | None, lang: str, config_file: str | None
) -> None:
    """The report of an audit directory, re-derived from its WARC: site score, every page
    with its archived copy (WARC record id, SHA-256) and its findings. Nothing is fetched."""
    from claimcheck.config import load_config
    from claimcheck.crawl.archive import load_manifest
    from claimcheck.crawl.report import audit_report_html, audit_report_json

    load_manifest(directory)  # exit 2 on a directory that is not an audit
    config = load_config(config_file)
    if fmt == "html":
        text = audit_report_html(directory, config, lang)
    else:
        text, _ = audit_report_json(directory, config)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
