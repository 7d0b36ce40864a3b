"""Latency and throughput of `claimcheck serve`'s POST /api/check on loopback.

What: starts `claimcheck serve` in a subprocess on a free 127.0.0.1 port, then sends a
typical 5,000-word clinic page (text of samples/ repeated with numbered variations) as
JSON: N sequential requests, then N requests from 4 concurrent clients. Prints p50/p95
latency and requests/s for each. Bounded: at most --requests per phase and --budget
seconds in all (a phase stops early when the budget is spent).

Run from the repository root:

    python benchmarks/serve.py                  # 200 + 200 requests
    python benchmarks/serve.py --requests 20    # smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def page_text(words: int = 5000) -> str:
    """About `words` words of clinic copy built from the samples' visible text."""
    parts = []
    for path in sorted(SAMPLES.glob("*.*")):
        if path.suffix in (".html", ".md", ".txt"):
            text = re.sub(r"<[^>]+>", " ", path.read_text("utf-8"))
            parts.append(re.sub(r"\s+", " ", text).strip())
    base = " ".join(parts).split()
    out: list[str] = []
    n = 0
    while len(out) < words:
        n += 1
        out += [*base[: words - len(out)], f"(section {n})"]
    return " ".join(out[:words])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: bytes) -> float:
    start = time.perf_counter()
    request = urllib.request.Request(url, body, {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        json.loads(response.read())
    return time.perf_counter() - start


def _phase(url: str, body: bytes, count: int, workers: int, deadline: float) -> dict[str, float]:
    latencies: list[float] = []

    def one(_: int) -> None:
        if time.monotonic() < deadline:
            latencies.append(_post(url, body))

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(count)))
    wall = time.perf_counter() - start
    latencies.sort()
    return {
        "requests": len(latencies),
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[max(0, int(len(latencies) * 0.95) - 1)],
        "rps": len(latencies) / wall,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per phase [200]")
    parser.add_argument("--budget", type=float, default=300, help="seconds in all [300]")
    args = parser.parse_args()
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    launch = "from claimcheck.cli import main; main()"
    cmd = [sys.executable, "-c", launch, "serve", "--port", str(port)]
    server = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        text = page_text()
        body = json.dumps({"text": text, "format": "text", "jurisdiction": "mx"}).encode()
        print(f"page: {len(text.split())} words, {len(body) / 1024:.0f} KB of JSON")
        _post(f"{base}/api/check", body)  # warm-up
        deadline = time.monotonic() + args.budget
        for name, workers in (("sequential", 1), ("4 concurrent", 4)):
            r = _phase(f"{base}/api/check", body, args.requests, workers, deadline)
            print(
                f"{name:<13} {r['requests']:>4} requests  p50 {r['p50_ms']:7.1f} ms  "
                f"p95 {r['p95_ms']:7.1f} ms  {r['rps']:6.1f} requests/s"
            )
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
