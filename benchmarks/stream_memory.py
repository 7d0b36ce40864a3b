"""Peak memory of `check WARC --format jsonl` against `--format json`, at two sizes.

What: writes WARCs of N synthetic pages (claimcheck's sample pages repeated under
distinct URLs, warcio's own writer, as benchmarks/scale.py does) and runs

    claimcheck check X.warc.gz --format json  -o /dev/null   (keeps every page: the baseline)
    claimcheck check X.warc.gz --format jsonl -o /dev/null   (streams, keeps no page)

as subprocesses, sampling the RSS of the `claimcheck` process (the client, which collects
the pages) and of its whole process tree every 0.1 s. With `--before SRC` the jsonl run is
also made with another copy of the sources (a checkout of an older commit's `src/`,
its `lexicons/` and `models/` beside it) as "jsonl (before)". The growth from the small to
the large WARC, divided by the extra pages, is what each kept page costs the client.

Why: issue 14 asks that a bulk run's memory does not grow with the number of pages; the
client used to keep every page's report for the summary and the exit code (docs/scale.md).

Run from the repository root (needs claimcheck[crawl] for warcio, and psutil):

    PYTHONPATH=src python benchmarks/stream_memory.py                 # 2,000 and 8,000 pages
    PYTHONPATH=src python benchmarks/stream_memory.py --pages 200 800 # smoke test
    PYTHONPATH=src python benchmarks/stream_memory.py --dask --no-json  # the Dask client
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import tree_rss, write_warc

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    """One measured `check` run."""

    name: str
    pages: int
    seconds: float
    exit_code: int
    client_mb: float
    tree_mb: float


def measure(
    name: str, src: Path, fmt: str, warc: Path, pages: int, jobs: str, dask: bool = False
) -> Run:
    """Run `check` once as a subprocess with `src` on PYTHONPATH and sample its memory."""
    env = dict(os.environ, PYTHONPATH=str(src))
    cmd = [sys.executable, "-m", "claimcheck", "check", str(warc), "--format", fmt]
    cmd += ["-o", os.devnull, "--jobs", jobs, *(("--dask", "local") if dask else ())]
    start = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    proc = psutil.Process(child.pid)
    client = tree = 0.0
    while child.poll() is None:
        whole, own, _ = tree_rss(proc)
        client, tree = max(client, own), max(tree, whole)
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    err = child.stderr.read() if child.stderr else ""
    if child.returncode not in (0, 1):
        raise SystemExit(f"{name}: exit {child.returncode}: {err.strip()[-400:]}")
    return Run(name, pages, seconds, child.returncode, client, tree)


def main() -> None:
    """Build the WARCs, measure each format at each size, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, nargs=2, default=[2000, 8000], metavar="N")
    parser.add_argument("--jobs", default="2", help="--jobs of every run [2]")
    parser.add_argument("--before", type=Path, help="another src/ to run jsonl with")
    parser.add_argument("--keep", type=Path, help="write the WARCs here")
    parser.add_argument("--dask", action="store_true", help="every run with --dask local")
    parser.add_argument("--no-json", action="store_true", help="skip the --format json runs")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="claimcheck-stream-"))
    workdir.mkdir(parents=True, exist_ok=True)
    variants = [("json", ROOT / "src", "json"), ("jsonl", ROOT / "src", "jsonl")]
    if args.before:
        variants.insert(1, ("jsonl (before)", args.before.resolve(), "jsonl"))
    if args.no_json:
        variants = [v for v in variants if v[2] != "json"]
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    runs: list[Run] = []
    for pages in args.pages:
        warc = workdir / f"synthetic-{pages}.warc.gz"
        write_warc(warc, pages)
        print(f"# {warc.name}: {warc.stat().st_size / 2**20:.1f} MB", flush=True)
        for name, src, fmt in variants:
            run = measure(name, src, fmt, warc, pages, args.jobs, args.dask)
            print(f"  {name}: {run.seconds:.0f} s, client {run.client_mb:.0f} MB", flush=True)
            runs.append(run)
    small, large = args.pages
    by = {(r.name, r.pages): r for r in runs}
    print("\n| format | pages | wall s | exit | peak RSS client MB | peak RSS all MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in runs:
        print(
            f"| {r.name} | {r.pages:,} | {r.seconds:.0f} | {r.exit_code} | "
            f"{r.client_mb:.0f} | {r.tree_mb:.0f} |"
        )
    print(f"\n| format | client growth {small:,} -> {large:,} MB | KB per extra page |")
    print("|---|---:|---:|")
    for name, _, _ in variants:
        grow = by[name, large].client_mb - by[name, small].client_mb
        print(f"| {name} | {grow:+.0f} | {1024 * grow / (large - small):.1f} |")


if __name__ == "__main__":
    main()
