"""Shared test helpers: paths to real files and a finding assertion that explains itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimcheck.model import Finding, PageReport

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
SARIF_SCHEMA = SHARED / "reference" / "sarif-schema-2.1.0.json"

needs_shared = pytest.mark.skipif(
    not SEEDS.is_dir(), reason="../shared/seeds is absent (it sits beside the repository in CI)"
)


def codes(report: PageReport) -> list[str]:
    """Active finding codes of a page, in report order."""
    return [f.code for f in report.active_findings]


def assert_finding(report: PageReport, code: str, *, trigger: str | None = None) -> Finding:
    """Assert an active finding with this code (and trigger substring) exists; return it."""
    for f in report.active_findings:
        if f.code == code and (trigger is None or trigger.lower() in f.trigger.lower()):
            return f
    listing = "; ".join(f"{f.code} '{f.trigger}'" for f in report.active_findings) or "none"
    raise AssertionError(f"no active {code} (trigger {trigger!r}) in {report.path}; got {listing}")


def assert_no_finding(report: PageReport, code_prefix: str) -> None:
    """Assert that no active finding's code starts with the prefix."""
    hits = [f for f in report.active_findings if f.code.startswith(code_prefix)]
    assert not hits, "unexpected: " + "; ".join(f"{f.code} '{f.sentence}'" for f in hits)
