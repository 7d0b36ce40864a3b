"""`claimcheck check`: files, directories, stdin, URLs or an audit directory."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from claimcheck.cli.base import config_option, emit, fail, main, split_values, use_color
from claimcheck.errors import ClaimcheckError, ExitCode, SourceError

if TYPE_CHECKING:
    from claimcheck.config import Config
    from claimcheck.engine import Outcome
    from claimcheck.model import Report
    from claimcheck.render.jsonl import JsonLinesWriter

FORMATS = ("text", "json", "jsonl", "sarif", "github", "gitlab", "junit", "csv", "html")


def resolve_inputs(paths: Sequence[str], config: Config, changed_since: str | None) -> list[str]:
    """The paths to check: those given, else the config file's directory (or '.' when
    --include is given), narrowed to changed files with --changed-since."""
    roots = list(paths)
    if not roots:
        if config.config_file is None and not config.include:
            fail(
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


def _exit_code(outcome: Outcome, config: Config) -> ExitCode:
    """1 for findings at or above fail-on or a page below min-score (each said on stderr);
    fail-on "never" only reports, so neither gate applies. `outcome` is tallied as pages
    come (engine.ReportTally), so a streamed run decides it without keeping its pages."""
    from claimcheck.model import Severity

    code = ExitCode.CLEAN
    if config.fail_on == "never":
        return code
    if outcome.worst is not None and outcome.worst >= Severity.parse(config.fail_on):
        code = ExitCode.FINDINGS
    if config.min_score is not None:
        where = config.source("min_score")
        for path, score in outcome.below:
            click.echo(
                f"claimcheck: {path} scores {score}, below min-score {config.min_score} ({where})",
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


def _is_sweep_dir(path: str) -> bool:
    if not os.path.isfile(os.path.join(path, "sweep.json")):
        return False
    from claimcheck.crawl.sweep import is_sweep_dir

    return is_sweep_dir(path)


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


def _check_options(
    paths: Sequence[str], fmt: str, statistics: bool, stdin_filename: str | None
) -> None:
    """Refuse option combinations that would print something other than what was asked."""
    if statistics and fmt != "text":
        fail(f"--statistics prints a text table; it cannot be combined with --format {fmt}")
    if stdin_filename is not None and list(paths) != ["-"]:
        fail("--stdin-filename names standard input: pass '-' as the only input")


def _check_stdin_as(name: str, config: Config) -> Report:
    """Standard input checked as the file `name` (--stdin-filename): its path in the
    report and for per-file-ignores, its suffix for the format."""
    from claimcheck.engine import Engine, build_report
    from claimcheck.model import error_page
    from claimcheck.sources import read_stdin

    engine = Engine(config)
    try:
        page = engine.check_raw(read_stdin(sys.stdin, name=name))
    except SourceError as exc:
        page = error_page(exc.path, exc.kind, exc.detail)
    return build_report([page], engine)


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
    help="Exit 1 when a finding at or above this severity exists [error]; 'never' only "
    "reports (min-score is not enforced either).",
)
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 even when findings or scores would fail the run; unreadable inputs and "
    "usage errors still exit 2.",
)
@click.option(
    "--min-severity",
    type=click.Choice(["info", "warning", "error"]),
    default=None,
    help="Show only findings at or above this severity [info]. Scores and the exit code "
    "still count every finding.",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print the findings only: no score lines and no summary (text format).",
)
@click.option(
    "--statistics",
    is_flag=True,
    help="Print how many findings each rule has, most frequent first, instead of the "
    "findings (text format).",
)
@click.option(
    "--show-clean",
    is_flag=True,
    help="Print a score line for clean files too (text format; --explain does as well).",
)
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="With '-': the path stdin is reported as; its suffix gives the format and "
    "per-file-ignores match it.",
)
@click.option(
    "--min-score",
    type=click.IntRange(0, 100),
    default=None,
    help="Exit 1 when any page scores below this (0-100).",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Exit 0 when the include/exclude globs leave no file to check (default: exit 2).",
)
@click.option(
    "--jurisdiction",
    "jurisdictions",
    multiple=True,
    help="Force jurisdiction profiles (mx, us, none); repeatable. Default: auto-detect.",
)
@click.option(
    "--lang",
    type=click.Choice(["auto", "en", "es"]),
    default=None,
    help="Language of messages, reasons and labels; auto: each page's own [auto].",
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
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=None,
    help="Worker processes for many files (0 = one per core; never more than the cores) [0].",
)
@click.option(
    "--dask",
    metavar="local|ADDRESS",
    help="Score on a Dask cluster: 'local' starts workers here (--jobs of them), or a "
    "scheduler address such as tcp://host:8786 (needs claimcheck[scale]).",
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
    "or 'none' [default].",
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Only check files changed since this git ref, plus uncommitted and untracked ones.",
)
@config_option
@click.option(
    "--explain",
    is_flag=True,
    help="Show each finding's trigger, context, evidence and fix, and suppressed hits.",
)
@click.option(
    "--no-verify",
    is_flag=True,
    help="Score an audit directory without verifying its archive first.",
)
@click.option(
    "--no-prefilter",
    is_flag=True,
    help="Check every page of WARC/ARC files, also those naming no treatment or condition.",
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the text output [auto: on a TTY, off with NO_COLOR, on with FORCE_COLOR].",
)
def check(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    fail_on: str | None,
    exit_zero: bool,
    min_severity: str | None,
    quiet: bool,
    statistics: bool,
    show_clean: bool,
    stdin_filename: str | None,
    min_score: int | None,
    allow_empty: bool,
    jurisdictions: tuple[str, ...],
    lang: str | None,
    page_type: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    lexicon_dirs: tuple[str, ...],
    jobs: int | None,
    dask: str | None,
    baseline: str | None,
    model: str | None,
    changed_since: str | None,
    config_file: str | None,
    explain: bool,
    no_verify: bool,
    no_prefilter: bool,
    color: bool | None,
) -> None:
    """Check files, directories or '-' (stdin) and report overclaims and missing duties."""
    from claimcheck.baseline import apply_baseline, read_baseline
    from claimcheck.config import load_config
    from claimcheck.engine import ReportTally, check_paths, outcome_of
    from claimcheck.filtering import at_least
    from claimcheck.lexicon import lexicon_for
    from claimcheck.model import Severity
    from claimcheck.render import render
    from claimcheck.render.text import render_statistics

    config = load_config(config_file).with_overrides(
        fail_on=fail_on,
        min_score=min_score,
        jurisdictions=split_values(jurisdictions) or None,
        page_type=page_type,
        lang=lang,
        select=split_values(select) or None,
        ignore=split_values(ignore) or None,
        include=split_values(include) or None,
        exclude=split_values(exclude) or None,
        lexicons=lexicon_dirs or None,
        baseline=baseline,
        jobs=jobs,
        model=model,
    )
    if config.baseline:
        read_baseline(config.baseline)  # fail before a long run, not after it
    _check_options(paths, fmt, statistics, stdin_filename)
    if fmt == "jsonl" and (config.baseline or min_severity):
        fail(
            "--format jsonl streams every page as checked: filter its lines instead of "
            "--baseline or --min-severity"
        )
    inputs = resolve_inputs(paths, config, changed_since)
    audits = [p for p in inputs if _is_audit_dir(p)]
    sweeps = [p for p in inputs if _is_sweep_dir(p)]
    if sweeps and not no_verify:  # a sweep: every site's audit, and the index's hashes
        from claimcheck.crawl.sweep import require_sweep_verified

        for path in sweeps:
            require_sweep_verified(path)
    if audits and not no_verify:  # an audit is verified (as `claimcheck verify` does) first
        from claimcheck.crawl.verify import require_verified

        for path in audits:
            require_verified(path)
    tick, done = _progress(sys.stderr.isatty() and output is None and fmt == "text")
    stream: JsonLinesWriter | None = None
    if fmt == "jsonl":  # one line per page as it is scored (render/jsonl.py)
        from claimcheck.render.jsonl import open_stream

        try:
            stream = open_stream(output, lexicon_for(config.lexicons).rules, config.lang)
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
    on_page = stream.page if stream else tick
    tally: ReportTally | None = None
    if len(inputs) == 1 and _is_audit_dir(inputs[0]):  # a crawl: pages from its WARC + site
        from claimcheck.crawl.audit import audit_report

        if dask:
            from claimcheck.cluster import cluster_audit_report

            report = cluster_audit_report(dask, inputs[0], config)
        else:
            report = audit_report(inputs[0], config)
    elif len(inputs) == 1 and sweeps:  # a sweep: every site's pages, a site score per site
        from claimcheck.crawl.sweep import sweep_report

        if dask:
            from claimcheck.cluster import cluster_sweep_report

            report = cluster_sweep_report(dask, inputs[0], config)
        else:
            report = sweep_report(inputs[0], config)
    elif stdin_filename:
        report = _check_stdin_as(stdin_filename, config)
    else:
        # a stream keeps no page: summary and exit code are tallied as pages are written
        tally = ReportTally(config.min_score) if stream else None
        if dask:
            from claimcheck.cluster import cluster_report

            report = cluster_report(
                dask, inputs, config, progress=on_page, keyword_filter=not no_prefilter, tally=tally
            )
        else:
            report = check_paths(
                inputs, config, progress=on_page, keyword_filter=not no_prefilter, tally=tally
            )
        if inputs and not report.summary.files and not report.prefilter_skipped:  # glob typo
            globs = f" (include: {', '.join(config.include)})" if config.include else ""
            where = f"no files to check in {', '.join(inputs)}{globs}"
            if not allow_empty:
                fail(f"{where}; pass --allow-empty if that is expected")
            click.echo(f"claimcheck: warning: {where}", err=True)
    done()
    if config.baseline:
        report = apply_baseline(report, config.baseline)
    shown = at_least(report, Severity.parse(min_severity)) if min_severity else report
    colored = use_color(color, output)
    if stream is not None:
        stream.finish(report)  # the pages not streamed yet (an audit, stdin), then the summary
    text = (
        ""
        if stream is not None
        else render_statistics(shown)
        if statistics
        else render(
            shown,
            fmt,
            explain=explain,
            color=colored,
            rules=lexicon_for(config.lexicons).rules
            if fmt in ("sarif", "html", "json") or explain
            else (),
            fail_on=config.fail_on,
            texts=_page_texts(report) if fmt == "html" else None,
            lang=config.lang,
            quiet=quiet,
            show_clean=show_clean,
        )
    )
    if stream is None:
        emit(text, output, colored)
    if fmt == "text" and not quiet:
        for warning in (w for page in report.files for w in page.warnings):
            click.echo(f"claimcheck: warning: {warning}", err=True)
    outcome = tally.outcome() if tally is not None else outcome_of(report.files, config.min_score)
    errors = outcome.errors
    for e in errors:  # on stderr only: the text report counts them in its summary
        click.echo(f"claimcheck: error: {e.path}: {e.message}", err=True)
    if errors:
        sys.exit(ExitCode.USAGE)
    code = _exit_code(outcome, config)
    sys.exit(ExitCode.CLEAN if exit_zero else code)
