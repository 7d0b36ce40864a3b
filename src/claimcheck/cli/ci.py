"""`claimcheck baseline create` and `config show`: the content-CI commands."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from claimcheck.cli.base import config_option, main
from claimcheck.cli.check import resolve_inputs
from claimcheck.errors import ExitCode

if TYPE_CHECKING:
    pass


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
@config_option
def baseline_create(paths: tuple[str, ...], output: str | None, config_file: str | None) -> None:
    """Write every active finding of PATHS (default: the configured paths) to a baseline."""
    from claimcheck.baseline import BASELINE_NAME, write_baseline
    from claimcheck.config import load_config
    from claimcheck.engine import check_paths

    config = load_config(config_file)
    report = check_paths(resolve_inputs(paths, config, None), config)
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
@config_option
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
