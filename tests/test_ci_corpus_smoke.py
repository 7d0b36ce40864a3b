"""The content-CI corpus benchmark runs end to end on a tiny corpus (keeps it from rotting)."""

from __future__ import annotations

from tests.helpers import run_python


def test_ci_corpus_benchmark_smoke() -> None:
    result = run_python("benchmarks/ci_corpus.py", "--files", "30", "--no-proselint", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "files/s" in result.stdout
    assert "deterministic: yes" in result.stdout
    assert "proselint: skipped" in result.stdout
