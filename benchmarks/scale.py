"""Scoring a WARC at scale: the process pool against Dask, 1 and 2 workers, two sizes.

What: writes a WARC (gzip per record, warcio's own writer) of claimcheck's sample pages
repeated under distinct URLs, then runs `claimcheck check WARC --format jsonl -o FILE` as a
subprocess in four ways on the same file (JSON Lines: the scale format, streamed):

  jobs 1   the plain single-process path
  jobs 2   the local process pool (`--jobs 2`)
  dask 1   `--dask local --jobs 1`: a LocalCluster with one worker process
  dask 2   `--dask local --jobs 2`: two worker processes

For each run: wall time (start-up included), pages/s, CPU time of the whole process tree
(getrusage of reaped children: the per-page cost, which other load on a shared machine
inflates much less than wall time), the 1-minute load average when it ended, and the
peak RSS of the whole tree, of the client (the `claimcheck` process) and of the largest
worker (pool or Dask), sampled every 0.1 s with psutil; jobs1 has no worker, its client
does all the work. Every run must print the same report (checked; a lexicon edited while
the benchmark runs breaks this). Run on two sizes (`--records` and twice that), the
marginal cost per page (what the extra pages took, without start-up) and whether memory
stays flat follow.

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
import os
import platform
import resource
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
    cpu_seconds: float
    load: float
    peak_total_mb: float
    peak_client_mb: float
    peak_worker_mb: float
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


def tree_rss(proc: psutil.Process) -> tuple[float, float, float]:
    """RSS in MB: the whole tree, the process itself (the client), its largest descendant
    (a pool or Dask worker)."""
    sizes = []
    for p in [proc, *proc.children(recursive=True)]:
        try:
            sizes.append(p.memory_info().rss / 2**20)
        except psutil.Error:
            sizes.append(0.0)
    return sum(sizes), sizes[0], max(sizes[1:], default=0.0)


def measure(name: str, warc: Path, records: int, out: Path) -> Run:
    """Run one configuration as a subprocess and sample its process tree's memory."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, "-m", "claimcheck", "check", str(warc), "--format", "jsonl"]
    cmd += ["-o", str(out), *RUNS[name]]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    proc = psutil.Process(child.pid)
    total = client = worker = 0.0
    while child.poll() is None:
        now = tree_rss(proc)
        total, client, worker = max(total, now[0]), max(client, now[1]), max(worker, now[2])
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # grandchildren included once reaped
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    err = child.stderr.read() if child.stderr else ""
    if child.returncode not in (0, 1):
        raise SystemExit(f"{name}: exit {child.returncode}: {err.strip()[-400:]}")
    text = out.read_text("utf-8")
    pages = len(text.splitlines()) - 1  # JSON Lines: one line a page, then the summary
    load = os.getloadavg()[0]
    return Run(name, records, pages, seconds, cpu, load, total, client, worker, text)


def table(runs: list[Run]) -> str:
    """The measurements as a Markdown table."""
    lines = [
        "| run | records | pages | wall s | pages/s | CPU s | CPU ms/page | load (1 min) "
        "| peak RSS all processes MB | client MB | largest worker MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.name} | {r.records:,} | {r.pages:,} | {r.seconds:.1f} | "
            f"{r.pages / r.seconds:.1f} | {r.cpu_seconds:.1f} | "
            f"{1000 * r.cpu_seconds / max(1, r.pages):.1f} | {r.load:.1f} | "
            f"{r.peak_total_mb:.0f} | {r.peak_client_mb:.0f} | {r.peak_worker_mb:.0f} |"
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
            run = measure(name, warc, records, workdir / f"{name}-{records}.jsonl")
            print(f"  {name}: {run.seconds:.1f} s", flush=True)
            runs.append(run)
    print()
    print(table(runs))
    by = {(r.name, r.records): r for r in runs}
    small, large = args.records, 2 * args.records
    same = len({r.output for r in runs if r.records == large}) == 1
    print(f"\nsame report from every run on {large:,} records: {same}")
    print(
        "\n| run | marginal wall s/page | marginal pages/s | marginal CPU ms/page "
        "| client small -> large MB | largest worker small -> large MB |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name in names:
        a, b = by[name, small], by[name, large]
        extra = max(1, b.pages - a.pages)
        cost = (b.seconds - a.seconds) / extra
        rate = f"{1 / cost:.1f}" if cost > 0 else "n/a (noise)"
        cpu = 1000 * (b.cpu_seconds - a.cpu_seconds) / extra
        print(
            f"| {name} | {cost:.4f} | {rate} | {cpu:.1f} | "
            f"{a.peak_client_mb:.0f} -> {b.peak_client_mb:.0f} | "
            f"{a.peak_worker_mb:.0f} -> {b.peak_worker_mb:.0f} |"
        )
    for base, two in (("jobs1", "jobs2"), ("dask1", "dask2")):
        if (base, large) in by and (two, large) in by:
            speed = by[base, large].seconds / by[two, large].seconds
            a, b = by[base, small], by[base, large]
            c, d = by[two, small], by[two, large]
            extra = d.seconds - c.seconds
            marginal = f"{(b.seconds - a.seconds) / extra:.2f}x" if extra > 0 else "n/a (noise)"
            print(
                f"\n{base} -> {two} on {large:,} records: {speed:.2f}x wall time, "
                f"{marginal} on the marginal pages (start-up excluded)"
            )


if __name__ == "__main__":
    main()
