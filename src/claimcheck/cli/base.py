"""The command group, its error handling and the options several commands share."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from claimcheck import __version__
from claimcheck.errors import ClaimcheckError, ExitCode


def split_values(values: Sequence[str]) -> tuple[str, ...]:
    """Repeated and comma-separated option values as one tuple (`--select CC1,CC2 --select CC3`)."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def fail(message: str) -> None:
    """Print a one-line error and exit 2: the CLI's answer to bad usage or input."""
    click.echo(f"claimcheck: error: {message}", err=True)
    sys.exit(ExitCode.USAGE)


def use_color(flag: bool | None, output: str | None) -> bool:
    """Colour for stdout: `--color/--no-color` first, then NO_COLOR (any value turns it off)
    and FORCE_COLOR (any value but "0" turns it on), then whether stdout is a terminal.
    A report written to a file is never coloured."""
    if output not in (None, "-"):
        return False
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") != "0":
        return True
    return sys.stdout.isatty()


def emit(text: str, output: str | None, color: bool = False) -> bool:
    """Write a report to `output` (a file; stdout for None or '-'); True when a file was
    written. A file that cannot be written is a one-line error and exit 2. `color` keeps
    ANSI colour even on a pipe (click strips it otherwise)."""
    if not output or output == "-":
        click.echo(text, nl=False, color=color or None)
        return False
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    return True


config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Config file to use instead of the nearest pyproject.toml / claimcheck.toml.",
)


db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="History database [$CLAIMCHECK_HOME/history.sqlite, else "
    "~/.local/share/claimcheck/history.sqlite].",
)


class _Group(click.Group):
    """Turns every ClaimcheckError into a one-line message and exit code 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ClaimcheckError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            click.echo("claimcheck: interrupted", err=True)
            sys.exit(130)
        return None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="claimcheck")
def main() -> None:
    """Audit health-care marketing for claims that go beyond the evidence."""
