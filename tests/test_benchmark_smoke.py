"""The throughput benchmark runs end to end on a tiny corpus (keeps the script from rotting)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_throughput_benchmark_smoke() -> None:
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    result = subprocess.run(
        [sys.executable, "benchmarks/throughput.py", "--pages", "20", "--jobs", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pages/s" in result.stdout
    assert "deterministic: yes" in result.stdout


def test_rescoring_benchmark_smoke() -> None:
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    result = subprocess.run(
        [sys.executable, "benchmarks/rescoring.py", "--pages", "12"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "re-score from the WARC" in result.stdout and "RSS after 100%" in result.stdout
