"""The throughput benchmark runs end to end on a tiny corpus (keeps the script from rotting)."""

from __future__ import annotations

from tests.helpers import run_python


def test_throughput_benchmark_smoke() -> None:
    result = run_python("benchmarks/throughput.py", "--pages", "20", "--jobs", "1", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pages/s" in result.stdout
    assert "deterministic: yes" in result.stdout
    assert "model: none" in result.stdout  # rules only unless --model says otherwise


def test_rescoring_benchmark_smoke() -> None:
    result = run_python("benchmarks/rescoring.py", "--pages", "12", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "re-score from the WARC" in result.stdout and "RSS after 100%" in result.stdout
