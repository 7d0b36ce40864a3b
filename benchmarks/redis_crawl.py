"""Crawl throughput of `crawl --redis` with 1 and with 2 worker processes.

What: starts a throwaway `redis-server` and a local test site on 127.0.0.1 (N pages, each
answered after --latency seconds, as a remote server would be; every page links to a few
others so the frontier stays wide), then crawls the whole site through Redis with one
worker process, then with two, each time into a new audit directory with --delay 0 (a
local server we may load). Prints, for each run, the crawl rate seen by the server
(pages / time from first to last page fetch), the wall time from launching the workers
to the last one exiting (start-up, the 1 s idle rule and each part's scoring included),
and the speed-ups; then merges and verifies the two-worker audit.

With --sites N: N such sites, each on its own port (--pages is then per site), crawled as
one sweep (`crawl --sites FILE --redis URL`, --concurrent-sites at once per worker) by
one worker process, then by two; the rates count the pages of every site, and the
two-worker sweep is merged (`merge SWEEP_DIR`) and verified.

Run from the repository root (needs redis-server):

    python benchmarks/redis_crawl.py                   # 200 pages, 200 ms latency
    python benchmarks/redis_crawl.py --pages 30        # smoke test
    python benchmarks/redis_crawl.py --sites 200 --pages 5   # 200 sites of 5 pages
"""

from __future__ import annotations

import argparse
import functools
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CLAIMCHECK = [sys.executable, "-m", "claimcheck"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def page(n: int, pages: int) -> bytes:
    """Page n: a clinic page linking to five others (n*5+1 .. n*5+5), a wide tree."""
    links = " ".join(
        f'<a href="/p/{m}">Tratamiento {m}</a>' for m in range(n * 5 + 1, n * 5 + 6) if m < pages
    )
    return (
        '<!DOCTYPE html><html lang="es-MX"><head><meta charset="utf-8">'
        f"<title>Clínica {n}</title></head><body><main><h1>Tratamiento {n}</h1>"
        f"<p>Terapia con células madre para la diabetes tipo 2, página {n}.</p>"
        f"<nav>{links}</nav></main></body></html>"
    ).encode()


class Site:
    """N pages on 127.0.0.1 (/ is page 0, /p/1 .. /p/N-1), each after `latency` seconds;
    the time of every page fetch is kept."""

    def __init__(self, pages: int, latency: float) -> None:
        self.times: list[float] = []
        lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/robots.txt":
                    self.reply(200, b"User-agent: *\nAllow: /\n", "text/plain")
                    return
                number = 0 if self.path == "/" else self.path.removeprefix("/p/")
                if str(number).isdigit() and int(number) < pages:
                    time.sleep(latency)
                    with lock:
                        site.times.append(time.monotonic())
                    self.reply(200, page(int(number), pages), "text/html; charset=utf-8")
                    return
                self.reply(404, b"not here", "text/plain")

            def reply(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        serve = functools.partial(self.server.serve_forever, poll_interval=0.05)  # quick close
        threading.Thread(target=serve, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def crawl(
    sites: list[Site],
    redis_url: str,
    out: Path,
    workers: int,
    pages: int,
    target: list[str],
) -> dict[str, float]:
    """Run `workers` worker processes on one audit (or sweep: `target` is the site URL or
    --sites FILE); the pages the servers answered, the crawl span and the wall time."""
    for site in sites:
        site.times.clear()
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [
                *CLAIMCHECK,
                "crawl",
                *target,
                "--out",
                str(out),
                "--redis",
                redis_url,
                "--worker-id",
                f"w{i}",
                "--audit-id",
                f"bench-{workers}",
                "--delay",
                "0",
                "--depth",
                "50",
                "--max-pages",
                str(pages),
                "--idle-timeout",
                "1",
                "--no-history",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(1, workers + 1)
    ]
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            sys.exit(f"worker failed ({proc.returncode}): {err.strip()[-500:]}")
    wall = time.monotonic() - started
    times = [t for site in sites for t in site.times]
    span = max(times) - min(times) if len(times) > 1 else float("nan")
    return {"pages": len(times), "crawl": span, "wall": wall}


def main() -> None:
    """Crawl the site with 1 then 2 workers and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200, help="pages on the test site")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per page answer")
    parser.add_argument("--sites", type=int, default=0, help="N sites crawled as one sweep")
    parser.add_argument(
        "--concurrent-sites", type=int, default=8, help="with --sites: sites at once per worker"
    )
    args = parser.parse_args()
    redis_server = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(redis_server).exists():
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    redis = subprocess.Popen(
        [
            redis_server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    sites = [Site(args.pages, args.latency) for _ in range(max(1, args.sites))]
    try:
        time.sleep(0.5)
        url = f"redis://127.0.0.1:{port}/0"
        with tempfile.TemporaryDirectory() as tmp:
            if args.sites:
                listing = Path(tmp) / "sites.txt"
                listing.write_text("".join(f"{site.url}\n" for site in sites))
                target = ["--sites", str(listing), "--concurrent-sites", str(args.concurrent_sites)]
            else:
                target = [sites[0].url]
            rows = {
                n: crawl(sites, url, Path(tmp) / f"audit-{n}", n, args.pages, target)
                for n in (1, 2)
            }
            merge_started = time.monotonic()
            merged = subprocess.run(
                [*CLAIMCHECK, "merge", str(Path(tmp) / "audit-2"), "--no-history"],
                capture_output=True,
                text=True,
            )
            merge_wall = time.monotonic() - merge_started
            verified = subprocess.run(
                [*CLAIMCHECK, "verify", str(Path(tmp) / "audit-2")], capture_output=True, text=True
            )
    finally:
        for site in sites:
            site.close()
        redis.terminate()
        redis.wait(timeout=10)
    what = f"{args.sites} sites of " if args.sites else "site: "
    print(f"{what}{args.pages} pages on 127.0.0.1, {args.latency * 1000:.0f} ms per answer")
    print(f"{'workers':>7} {'pages':>6} {'crawl s':>8} {'pages/s':>8} {'wall s':>7} {'pages/s':>8}")
    for n, row in rows.items():
        print(
            f"{n:>7} {row['pages']:>6} {row['crawl']:>8.2f} {row['pages'] / row['crawl']:>8.1f} "
            f"{row['wall']:>7.2f} {row['pages'] / row['wall']:>8.1f}"
        )
    one, two = rows[1], rows[2]
    print(
        f"speed-up 1 -> 2 workers: crawl {one['crawl'] / two['crawl']:.2f}x, "
        f"wall {one['wall'] / two['wall']:.2f}x"
    )
    verdict = [line for line in verified.stdout.splitlines() if line.startswith(("OK", "FAILED"))]
    done = merged.stdout.strip().splitlines()[-1:] if args.sites else []
    print(
        f"merge: exit {merged.returncode} in {merge_wall:.1f}s {' '.join(done)}; "
        f"verify: exit {verified.returncode}"
    )
    print((" ".join(verdict) or verified.stdout.strip().splitlines()[-1])[:200])


if __name__ == "__main__":
    main()
