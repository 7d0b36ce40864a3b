"""What a run shows: a report narrowed to findings at or above a severity (`--min-severity`,
like Vale's `--minAlertLevel`). Scores are kept as checked: hiding a finding from the output
never raises a page's score."""

from __future__ import annotations

from dataclasses import replace

from claimcheck.model import Report, Severity
from claimcheck.score import summarise


def at_least(report: Report, floor: Severity) -> Report:
    """The report with findings below `floor` (active or suppressed) left out and the
    summary counted again; pages, scores, errors and the baseline are unchanged."""
    files = tuple(
        replace(page, findings=tuple(f for f in page.findings if f.severity >= floor))
        for page in report.files
    )
    return replace(report, files=files, summary=summarise(files))
