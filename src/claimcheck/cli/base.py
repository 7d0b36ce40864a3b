"""The command group, its error handling and the options several commands share."""

from __future__ import annotations

import os
import sys
import warnings
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


# Top-level modules of the optional dependencies, and the extra that installs each.
EXTRAS = {
    "sklearn": "train",
    "scipy": "train",
    "scrapy": "crawl",
    "twisted": "crawl",
    "warcio": "crawl",
    "w3lib": "crawl",
    "tldextract": "crawl",
    "cryptography": "crawl",
    "asn1crypto": "crawl",
    "redis": "scale",  # crawl --redis
    "scrapy_redis": "scale",
    "starlette": "serve",
    "uvicorn": "serve",
    "multipart": "serve",
    "python_multipart": "serve",
}


def missing_extra(exc: ModuleNotFoundError, command: str | None) -> str | None:
    """The one-line message for a command whose optional dependency is not installed, or
    None when the missing module is not one an extra provides (a real bug: re-raised)."""
    module = (exc.name or "").split(".")[0]
    extra = EXTRAS.get(module)
    if extra is None:
        return None
    what = f"claimcheck {command}" if command else "this command"
    return f"{what} needs {module}, which is not installed: pip install 'claimcheck[{extra}]'"


class _Group(click.Group):
    """Turns every ClaimcheckError into a one-line message and exit code 2, and a missing
    optional dependency into one line naming the extra that installs it."""

    def invoke(self, ctx: click.Context) -> object:
        tokens = _tokens(ctx)  # click empties them while invoking
        try:
            return super().invoke(ctx)
        except ClaimcheckError as exc:
            fail(str(exc))
        except ModuleNotFoundError as exc:
            message = missing_extra(exc, self._command_name(ctx, tokens))
            if message is None:
                raise
            fail(message)
        except KeyboardInterrupt:
            click.echo("claimcheck: interrupted", err=True)
            sys.exit(130)
        return None

    def _command_name(self, ctx: click.Context, tokens: list[str]) -> str | None:
        """'crawl' or 'model train': the command that ran, for messages."""
        name = ctx.invoked_subcommand
        command = self.get_command(ctx, name) if name else None
        rest = tokens[1:]
        if isinstance(command, click.Group) and rest and rest[0] in command.commands:
            return f"{name} {rest[0]}"
        return name


def _tokens(ctx: click.Context) -> list[str]:
    """The command line after the program name, as click holds it before invoking."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # protected_args goes in click 9
        return [*getattr(ctx, "protected_args", ()), *ctx.args]


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="claimcheck")
def main() -> None:
    """Audit health-care marketing for claims that go beyond the evidence."""
