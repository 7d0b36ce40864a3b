"""benchmarks/stream_memory.py runs end to end on two tiny WARCs (keeps it from rotting)."""

from __future__ import annotations

import pytest
from tests.helpers import run_python


def test_stream_memory_benchmark_smoke() -> None:
    pytest.importorskip("warcio", reason="warcio (claimcheck[crawl]) writes the WARCs")
    pytest.importorskip("psutil", reason="psutil samples the memory")
    args = ("--pages", "13", "26", "--jobs", "1", "--no-json")
    result = run_python("benchmarks/stream_memory.py", *args, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| jsonl | 26 |" in result.stdout and "KB per extra page" in result.stdout
