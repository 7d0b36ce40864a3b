"""`claimcheck sweep report DIR`: one report over every site audit of a sweep."""

from __future__ import annotations

import os
import sys

import click

from claimcheck.cli.base import db_option, emit, main

FORMATS = ("text", "html", "csv", "findings-csv", "json")
SUFFIXES = {".html": "html", ".htm": "html", ".csv": "csv", ".json": "json"}


@main.group()
def sweep() -> None:
    """Work with a sweep: many site audits in one directory (`crawl --sites`)."""


def _format(fmt: str | None, output: str | None) -> str:
    """The output format: --format, else the -o file's suffix, else the text summary."""
    if fmt:
        return fmt
    suffix = os.path.splitext(output or "")[1].lower()
    return SUFFIXES.get(suffix, "text")


def _progress(done: int, total: int) -> None:
    """`sweep: 12/500 site(s) verified` on stderr, overwritten in place on a terminal."""
    if sys.stderr.isatty():
        end = "\n" if done == total else ""
        sys.stderr.write(f"\rsweep: {done}/{total} site(s) verified{end}")
        sys.stderr.flush()


def _link_base(directory: str, output: str | None) -> str:
    """The sweep directory relative to the folder the HTML is written to (the current
    folder for stdout), for the screenshot links."""
    start = os.path.dirname(os.path.abspath(output)) if output and output != "-" else os.getcwd()
    try:
        return os.path.relpath(os.path.abspath(directory), start)
    except ValueError:  # another drive on Windows: no relative path exists
        return os.path.abspath(directory)


@sweep.command("report")
@click.argument("directory")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format [default: from the -o suffix (.html, .csv, .json), else text].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the report to this file instead of stdout.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "es"]),
    default="en",
    show_default=True,
    help="Language of the headings and labels (findings keep the language of their crawl).",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=None,
    help="Worst findings to list [default: 20; findings-csv: every finding].",
)
@db_option
@click.option("--no-history", is_flag=True, help="Do not read the history database.")
def report(
    directory: str,
    fmt: str | None,
    output: str | None,
    lang: str,
    top: int | None,
    db_path: str | None,
    no_history: bool,
) -> None:
    """Rank the sites of a sweep by score (worst first), with counts per rule and
    jurisdiction, the worst findings and their archived evidence, and charts.

    Every site's audit is verified first; one that fails is listed as not verified and
    left out of the ranking. Nothing is fetched. Exit 0 when the report is written,
    2 when DIR is not a readable sweep.
    """
    from claimcheck.sweepexport import sweep_csv, sweep_findings_csv, sweep_json, sweep_text
    from claimcheck.sweepreport import DEFAULT_TOP, build_sweep_report

    fmt = _format(fmt, output)
    if top is None and fmt != "findings-csv":
        top = DEFAULT_TOP
    data = build_sweep_report(
        directory, top=top, db_path=db_path, history=not no_history, progress=_progress
    )
    if fmt == "html":
        from claimcheck.sweephtml import render_sweep_html

        text = render_sweep_html(data, lang, _link_base(directory, output))
    elif fmt == "csv":
        text = sweep_csv(data)
    elif fmt == "findings-csv":
        text = sweep_findings_csv(data)
    elif fmt == "json":
        text = sweep_json(data)
    else:
        text = sweep_text(data, lang)
    if emit(text, output):
        click.echo(f"wrote {output}", err=True)
    for note in data.notes:
        click.echo(f"claimcheck: warning: {note}", err=True)
    if data.not_verified:
        from claimcheck.crawl.verify import shown

        names = ", ".join(shown(s.site, 80) for s in data.not_verified[:5])
        click.echo(
            f"claimcheck: warning: {len(data.not_verified)} site audit(s) failed verification, "
            f"left out of the ranking: {names}",
            err=True,
        )
