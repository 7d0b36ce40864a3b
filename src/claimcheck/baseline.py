"""Baselines: accept today's findings so that only new ones fail a run.

A baseline file lists fingerprints (rule code + normalised sentence + path, see
`fingerprint.py`), so an entry survives its sentence moving to another line. Paths are
stored relative to the baseline file's directory, so the file works from any working
directory. Entries are counted: a sentence baselined once and now written twice has one
new finding. An entry whose file was checked but which no longer occurs is "fixed";
entries for files not checked in this run (e.g. with --changed-since) are left alone.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from claimcheck import __version__
from claimcheck.config import parse_json, read_small_file
from claimcheck.errors import ConfigError
from claimcheck.fingerprint import fingerprint
from claimcheck.model import BaselineEntry, BaselineResult, Finding, PageReport, Report
from claimcheck.score import summarise

BASELINE_NAME = ".claimcheck-baseline.json"
BASELINE_VERSION = 1
SUPPRESSED_BY = "baseline"
_ENTRY_KEYS = ("fingerprint", "code", "path", "sentence")


MAX_BASELINE_BYTES = 256 * 1024 * 1024
"""A baseline larger than this (256 MB, about a million findings) is refused."""


def relative_path(path: str, base_dir: str | Path) -> str:
    """A page path relative to the baseline's directory, with '/' ('-' and URLs as given)."""
    if path == "-" or "://" in path:
        return path
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base_dir))
    except ValueError:  # another drive on Windows
        rel = os.path.abspath(path)
    return rel.replace(os.sep, "/")


def _entry(f: Finding, path: str) -> BaselineEntry:
    return BaselineEntry(fingerprint(f.code, f.sentence, path), f.code, path, f.sentence)


def baseline_entries(report: Report, base_dir: str | Path) -> list[BaselineEntry]:
    """An entry for every active finding of the report."""
    return [
        _entry(f, relative_path(page.path, base_dir))
        for page in report.files
        for f in page.active_findings
    ]


def write_baseline(report: Report, path: str | Path) -> int:
    """Write the report's active findings as a baseline file; return the entry count."""
    path = Path(path)
    entries = baseline_entries(report, path.resolve().parent)
    data = {
        "version": BASELINE_VERSION,
        "tool_version": __version__,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "entries": [{k: getattr(e, k) for k in _ENTRY_KEYS} for e in entries],
    }
    try:
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write baseline {path}: {exc.strerror}") from None
    return len(entries)


def read_baseline(path: str | Path) -> list[BaselineEntry]:
    """The entries of a baseline file; a missing or malformed file is a ConfigError."""
    path = Path(path)
    raw = read_small_file(path, MAX_BASELINE_BYTES, ConfigError, "baseline file")
    data = parse_json(raw, ConfigError, f"baseline file {path}")
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise ConfigError(f"baseline file {path} is not a version {BASELINE_VERSION} baseline")
    entries = data.get("entries")
    ok = isinstance(entries, list) and all(
        isinstance(e, dict) and all(isinstance(e.get(k), str) for k in _ENTRY_KEYS) for e in entries
    )
    if not ok:
        raise ConfigError(f"baseline file {path}: 'entries' must be a list of {_ENTRY_KEYS}")
    return [BaselineEntry(*(e[k] for k in _ENTRY_KEYS)) for e in entries]


def _apply_page(page: PageReport, base_dir: Path, remaining: Counter[str]) -> PageReport:
    path = relative_path(page.path, base_dir)
    findings = []
    for f in page.findings:
        fp = fingerprint(f.code, f.sentence, path)
        if not f.suppressed and remaining[fp] > 0:
            remaining[fp] -= 1
            f = replace(f, suppressed=True, suppressed_by=SUPPRESSED_BY)
        findings.append(f)
    # The score stays the page's real score: a baseline decides which findings fail the
    # run, not how good the page is (a min-score gate must still see a known bad page).
    return replace(page, findings=tuple(findings))


def apply_baseline(report: Report, path: str | Path) -> Report:
    """The report with baselined findings suppressed (`suppressed_by: "baseline"`), the
    summary recomputed, and `report.baseline` saying what matched and what was fixed. Page
    scores are unchanged: they describe the page, whatever the baseline accepts."""
    entries = read_baseline(path)
    base_dir = Path(path).resolve().parent
    remaining = Counter(e.fingerprint for e in entries)
    files = tuple(_apply_page(p, base_dir, remaining) for p in report.files)
    checked = {relative_path(p.path, base_dir) for p in report.files}
    fixed = []
    for e in entries:
        if remaining[e.fingerprint] > 0 and e.path in checked:
            remaining[e.fingerprint] -= 1
            fixed.append(e)
    matched = sum(1 for p in files for f in p.findings if f.suppressed_by == SUPPRESSED_BY)
    result = BaselineResult(str(path), matched, tuple(fixed))
    return replace(report, files=files, summary=summarise(files), baseline=result)
