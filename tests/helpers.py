"""Shared test helpers: paths to real files and a finding assertion that explains itself."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from tests.redis_support import NO_REDIS_SERVER, REDIS_SERVER

from claimcheck.model import Finding, PageReport

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
SARIF_SCHEMA = SHARED / "reference" / "sarif-schema-2.1.0.json"

needs_shared = pytest.mark.skipif(
    not SEEDS.is_dir(), reason="../shared/seeds is absent (it sits beside the repository in CI)"
)
needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason=NO_REDIS_SERVER)


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


def run_python(
    *args: str, timeout: float = 300, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python ARGS` from the repository root with src/ importable (benchmark smoke tests,
    `-m claimcheck` in a fresh process), `env` added to the environment; never raises on a
    non-zero exit."""
    src = str(ROOT / "src")
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, **(env or {})}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_claimcheck(
    *args: str, timeout: float = 180, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`claimcheck ARGS` in a fresh process (`run_python`), for commands that must not share
    the test's process (a crawl's Twisted reactor, a browser, a killed worker)."""
    return run_python("-m", "claimcheck", *args, timeout=timeout, env=env)


def open_watched(browser: Any, url: str) -> tuple[Any, list[str], list[str]]:
    """A 1100x900 page of a Playwright `browser`, loaded from `url`, with the URLs it has
    requested and the console and script errors it has raised (both lists keep growing):
    what the browser tests of the self-contained reports assert on."""
    requests: list[str] = []
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, requests, errors


def page_report(
    path: str,
    value: int | None,
    page_type: str = "commercial",
    findings: tuple[Finding, ...] = (),
) -> PageReport:
    """A hand-built page report for site-score and scoring tests (score `value`, its grade)."""
    from claimcheck.score import grade

    return PageReport(
        path=path,
        format="html",
        lang="es",
        page_type=page_type,  # type: ignore[arg-type]
        page_type_reasons=(),
        jurisdictions=("mx",),
        jurisdiction_reasons=(),
        main_intervention=None,
        main_condition=None,
        sentence_count=1,
        score=value,
        grade=grade(value) if value is not None else None,
        findings=findings,
    )
