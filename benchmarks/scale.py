"""Scoring a WARC at scale: the process pool against Dask, 1 and 2 workers, two sizes.

What: writes a WARC (gzip per record, warcio's own writer) of claimcheck's sample pages
repeated under distinct URLs, then runs `claimcheck check WARC --format json -o FILE` as a
subprocess in four ways on the same file:

  jobs 1   the plain single-process path
  jobs 2   the local process pool (`--jobs 2`)
  dask 1   `--dask local --jobs 1`: a LocalCluster with one worker process
  dask 2   `--dask local --jobs 2`: two worker processes

For each run: wall time (start-up included), pages/s, the peak RSS summed over the whole
process tree and the largest single process (the client, or the biggest worker),
sampled every 0.1 s with psutil. Every run must print the same report (checked). Run
on two sizes (`--records` and twice that), the marginal cost per page (the time the
extra pages took, without start-up) and whether per-process memory stays flat follow.

Why: issue 14 asks for >= 1.7x from 1 to 2 Dask workers on 2 cores, flat memory per
worker, and a measured per-page cost for the projection in docs/performance.md.

Run from the repository root (needs claimcheck[scale] and claimcheck[crawl]):

    PYTHONPATH=src python benchmarks/scale.py                      # 1,000 and 2,000 records
    PYTHONPATH=src python benchmarks/scale.py --records 100         # smoke test
    PYTHONPATH=src python benchmarks/scale.py --only dask2 --keep /tmp/scale
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".md": "text/markdown; charset=utf-8"}
RUNS = {
    "jobs1": ("--jobs", "1"),
    "jobs2": ("--jobs", "2"),
    "dask1": ("--dask", "local", "--jobs", "1"),
    "dask2": ("--dask", "local", "--jobs", "2"),
}


@dataclass(frozen=True)
class Run:
    """One measured `check` run."""

    name: str
    records: int
    pages: int
    seconds: float
    peak_total_mb: float
    peak_process_mb: float
    output: str


def sample_pages() -> list[tuple[str, bytes, str]]:
    """(name, body, Content-Type) of every sample page (html, md, txt)."""
    pages = []
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix in (".html", ".md", ".txt"):
            kind = CONTENT_TYPES.get(path.suffix, "text/plain; charset=utf-8")
            pages.append((path.name, path.read_bytes(), kind))
    return pages


def write_warc(path: Path, records: int) -> None:
    """`records` response records cycling through the sample pages, one site per cycle."""
    pages = sample_pages()
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for i in range(records):
            name, body, kind = pages[i % len(pages)]
            uri = f"http://site-{i // len(pages)}.test/{name}"
            headers = StatusAndHeaders(
                "200 OK",
                [("Content-Type", kind), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            record = writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), http_headers=headers
            )
            writer.write_record(record)


def _tree_rss(proc: psutil.Process) -> tuple[float, float]:
    """(sum, max) RSS in MB over a process and all its descendants."""
    sizes = []
    for p in [proc, *proc.children(recursive=True)]:
        try:
            sizes.append(p.memory_info().rss)
        except psutil.Error:
            continue
    mb = [s / 2**20 for s in sizes] or [0.0]
    return sum(mb), max(mb)


def measure(name: str, warc: Path, records: int, out: Path) -> Run:
    """Run one configuration as a subprocess and sample its process tree's memory."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, "-m", "claimcheck", "check", str(warc), "--format", "json"]
    cmd += ["-o", str(out), *RUNS[name]]
    start = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    proc = psutil.Process(child.pid)
    total = single = 0.0
    while child.poll() is None:
        with_children = _tree_rss(proc)
        total, single = max(total, with_children[0]), max(single, with_children[1])
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    err = child.stderr.read() if child.stderr else ""
    if child.returncode not in (0, 1):
        raise SystemExit(f"{name}: exit {child.returncode}: {err.strip()[-400:]}")
    text = out.read_text("utf-8")
    pages = len(json.loads(text)["files"])
    return Run(name, records, pages, seconds, total, single, text)


def table(runs: list[Run]) -> str:
    """The measurements as a Markdown table."""
    lines = [
        "| run | records | pages | wall s | pages/s | peak RSS, all processes MB "
        "| peak RSS, largest process MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.name} | {r.records:,} | {r.pages:,} | {r.seconds:.1f} | "
            f"{r.pages / r.seconds:.1f} | {r.peak_total_mb:.0f} | {r.peak_process_mb:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Build the WARCs, run every configuration on both sizes, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1000, help="records of the small WARC")
    parser.add_argument("--only", nargs="*", choices=sorted(RUNS), help="runs to measure")
    parser.add_argument("--keep", type=Path, help="write the WARCs and reports here")
    args = parser.parse_args()
    names = args.only or list(RUNS)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="claimcheck-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")  # fmt: skip
    runs: list[Run] = []
    for records in (args.records, 2 * args.records):
        warc = workdir / f"samples-{records}.warc.gz"
        write_warc(warc, records)
        size = warc.stat().st_size / 2**20
        print(f"# {warc.name}: {records:,} records, {size:.1f} MB", flush=True)
        for name in names:
            run = measure(name, warc, records, workdir / f"{name}-{records}.json")
            print(f"  {name}: {run.seconds:.1f} s", flush=True)
            runs.append(run)
    print()
    print(table(runs))
    by = {(r.name, r.records): r for r in runs}
    small, large = args.records, 2 * args.records
    same = len({r.output for r in runs if r.records == large}) == 1
    print(f"\nsame report from every run on {large:,} records: {same}")
    print("\n| run | marginal s/page | marginal pages/s | largest process small -> large MB |")
    print("|---|---:|---:|---:|")
    for name in names:
        a, b = by[name, small], by[name, large]
        cost = (b.seconds - a.seconds) / max(1, b.pages - a.pages)
        print(
            f"| {name} | {cost:.4f} | {1 / cost if cost > 0 else float('inf'):.1f} | "
            f"{a.peak_process_mb:.0f} -> {b.peak_process_mb:.0f} |"
        )
    for base, two in (("jobs1", "jobs2"), ("dask1", "dask2")):
        if (base, large) in by and (two, large) in by:
            speed = by[base, large].seconds / by[two, large].seconds
            a, b = by[base, small], by[base, large]
            c, d = by[two, small], by[two, large]
            marginal = (b.seconds - a.seconds) / max(1e-9, d.seconds - c.seconds)
            print(
                f"\n{base} -> {two} on {large:,} records: {speed:.2f}x wall time, "
                f"{marginal:.2f}x on the marginal pages (start-up excluded)"
            )


if __name__ == "__main__":
    main()
