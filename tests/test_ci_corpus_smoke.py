"""The content-CI corpus benchmark runs end to end on a tiny corpus (keeps it from rotting)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import ROOT


def test_ci_corpus_benchmark_smoke() -> None:
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    result = subprocess.run(
        [sys.executable, "benchmarks/ci_corpus.py", "--files", "30", "--no-proselint"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "files/s" in result.stdout
    assert "deterministic: yes" in result.stdout
    assert "proselint: skipped" in result.stdout
