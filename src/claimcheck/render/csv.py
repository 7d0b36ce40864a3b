"""CSV: one row per finding, suppressed ones included and flagged, for spreadsheets.

Columns: path, line, column, code, name, severity, message, sentence, suggestion,
evidence_level, context, suppressed (true/false), suppressed_by. Written with the csv
module (minimal quoting, embedded quotes doubled, newlines kept inside quoted fields);
rows end in LF so that writing the text to a file does not double carriage returns.
Cells are copied verbatim from the page: a spreadsheet may treat a cell starting with
'=' as a formula, so open untrusted output as text.
"""

from __future__ import annotations

import csv
import io

from claimcheck.model import Finding, Report

COLUMNS = (
    "path",
    "line",
    "column",
    "code",
    "name",
    "severity",
    "message",
    "sentence",
    "suggestion",
    "evidence_level",
    "context",
    "suppressed",
    "suppressed_by",
)


def _row(f: Finding) -> dict[str, object]:
    return {
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "code": f.code,
        "name": f.name,
        "severity": f.severity.label,
        "message": f.message,
        "sentence": f.sentence,
        "suggestion": f.suggestion,
        "evidence_level": f.evidence.level if f.evidence else "",
        "context": f.context.status,
        "suppressed": "true" if f.suppressed else "false",
        "suppressed_by": f.suppressed_by or "",
    }


def render_csv(report: Report) -> str:
    """The CSV text, header first."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for page in report.files:
        writer.writerows(_row(f) for f in page.findings)
    return buffer.getvalue()
