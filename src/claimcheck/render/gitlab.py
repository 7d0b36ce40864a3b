"""GitLab Code Quality: a JSON array of issues for a merge request's Code Quality widget.

Each active finding is one issue with `description`, `check_name` (the rule code),
`fingerprint`, `severity` and `location.path` / `location.lines.begin`, the fields GitLab
requires; `categories` and `engine_name` are extras GitLab shows when present. A file that
could not be checked is a `blocker` issue on line 1, so the widget never looks clean when a
page was not read.

The fingerprint is the baseline's and SARIF's (rule, normalised sentence, path), made
unique per repeat within a file, so an issue keeps its identity when lines move.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from claimcheck.fingerprint import fingerprint, normalise_path
from claimcheck.model import FileError, Finding, Report, Severity

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}
CATEGORIES = {"CC1": "Overclaim", "CC2": "Disclaimer", "CC3": "Regulatory", "CC4": "Testimonial"}


def _issue(f: Finding, seen: dict[str, int]) -> dict[str, Any]:
    base = fingerprint(f.code, f.sentence, f.path)
    seen[base] = seen.get(base, 0) + 1
    unique = base if seen[base] == 1 else _md5(f"{base}:{seen[base]}")
    return {
        "type": "issue",
        "engine_name": "claimcheck",
        "check_name": f.code,
        "description": f"{f.code} {f.name}: {f.message}",
        "categories": [CATEGORIES.get(f.code[:3], "Style")],
        "fingerprint": unique,
        "severity": SEVERITIES[f.severity],
        "location": {"path": normalise_path(f.path), "lines": {"begin": max(f.line, 1)}},
    }


def _error_issue(e: FileError) -> dict[str, Any]:
    return {
        "type": "issue",
        "engine_name": "claimcheck",
        "check_name": f"claimcheck-{e.kind}",
        "description": f"claimcheck could not check this file: {e.message}",
        "categories": ["Bug Risk"],
        "fingerprint": _md5(f"error\x1f{e.kind}\x1f{normalise_path(e.path)}"),
        "severity": "blocker",
        "location": {"path": normalise_path(e.path), "lines": {"begin": 1}},
    }


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def render_gitlab(report: Report) -> str:
    """The Code Quality report: active findings and unreadable files, as a JSON array."""
    seen: dict[str, int] = {}
    issues = [_issue(f, seen) for page in report.files for f in page.active_findings]
    errors = {(e.path, e.kind, e.message): e for p in report.files for e in p.errors}
    errors.update({(e.path, e.kind, e.message): e for e in report.errors})
    issues += [_error_issue(e) for e in errors.values()]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
