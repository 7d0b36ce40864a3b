"""The small public API, lazy imports, parallel determinism and monotone scoring."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st
from tests.helpers import SAMPLES

import claimcheck
from claimcheck.config import Config
from claimcheck.engine import check_paths
from claimcheck.model import Finding, Severity
from claimcheck.score import grade, score


def test_import_is_light() -> None:
    code = (
        "import sys, claimcheck; heavy = [m for m in ('sklearn', 'lxml', 'bs4', 'regex') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_api() -> None:
    report = claimcheck.check_paths([str(SAMPLES / "careful-clinic.html")])
    assert report.summary.files == 1 and report.files[0].score == 100
    assert claimcheck.__version__ == report.tool_version


def test_parallel_run_matches_sequential(tmp_path) -> None:
    for i in range(20):
        text = (
            (SAMPLES / "egregious-clinic.html").read_text()
            if i % 2
            else "Stem cells cure diabetes."
        )
        (tmp_path / f"page{i:02}.html").write_text(text)
    one = check_paths([str(tmp_path)], Config(jobs=1))
    two = check_paths([str(tmp_path)], Config(jobs=2))
    assert [p.path for p in one.files] == sorted(p.path for p in one.files)
    assert [(p.path, p.findings) for p in one.files] == [(p.path, p.findings) for p in two.files]


SEVERITIES = st.sampled_from(list(Severity))
CODES = st.sampled_from(["CC101", "CC102", "CC201", "CC301", "CC401"])


def _finding(code: str, severity: Severity) -> Finding:
    return Finding(code=code, name="x", severity=severity, message="m", path="p")


@given(st.lists(st.tuples(CODES, SEVERITIES), max_size=30), CODES, SEVERITIES)
def test_score_is_monotone(pairs, code, severity) -> None:
    findings = [_finding(c, s) for c, s in pairs]
    before = score(findings)
    assert 0 <= before <= 100
    assert score([*findings, _finding(code, severity)]) <= before


def test_grades() -> None:
    assert [grade(v) for v in (100, 90, 89, 80, 70, 60, 59, 0)] == list("AABBCDFF"[:8])
    assert score([]) == 100
