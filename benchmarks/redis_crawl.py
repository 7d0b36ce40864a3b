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

The redis-server, the sites and the worker command line come from tests/redis_support.py,
which the Redis crawl tests use too (the repository root is put on sys.path for it).

Run from the repository root (needs redis-server):

    python benchmarks/redis_crawl.py                   # 200 pages, 200 ms latency
    python benchmarks/redis_crawl.py --pages 30        # smoke test
    python benchmarks/redis_crawl.py --sites 200 --pages 5   # 200 sites of 5 pages
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/redis_crawl.py`: the shared test helpers
    sys.path.insert(0, str(ROOT))

from tests.redis_support import (  # noqa: E402
    CLAIMCHECK,
    NO_REDIS_SERVER,
    REDIS_SERVER,
    ClinicSite,
    clinic_page,
    redis_server,
    worker_command,
)


def wide_page(n: int, pages: int) -> bytes:
    """Page n: a clinic page linking to five others (n*5+1 .. n*5+5), a wide tree."""
    links = (m for m in range(n * 5 + 1, n * 5 + 6) if m < pages)
    return clinic_page(n, links, "Terapia con células madre para la diabetes tipo 2")


def crawl(
    sites: list[ClinicSite],
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
    extra = ("--depth", "50", "--max-pages", str(pages))
    procs = [
        subprocess.Popen(
            worker_command(target, out, redis_url, f"w{i}", f"bench-{workers}", *extra),
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
    times = [t for site in sites for t, path in site.times if path in site.page_paths()]
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
    if REDIS_SERVER is None:
        sys.exit(NO_REDIS_SERVER)
    sites = [
        ClinicSite(args.latency, args.pages, lambda n: wide_page(n, args.pages))
        for _ in range(max(1, args.sites))
    ]
    try:
        with redis_server() as url, tempfile.TemporaryDirectory() as tmp:
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
