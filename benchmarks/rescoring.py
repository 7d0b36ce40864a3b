"""Re-scoring an audit archive: `claimcheck check AUDIT_DIR` on a WARC of N pages (issue 4).

What: writes an audit directory directly, without crawling: a gzipped WARC (request and
response record per page, written by claimcheck's own `WarcArchive` with warcio) of N
deterministic clinic pages from the throughput corpus generator (`throughput.make_page`,
about 55 KB each), and a minimal `manifest.json` pointing at each response record. Then:

  (1) in process: the loop of `claimcheck.crawl.audit.audit_report` (stream the WARC, check
      each page, collect site details, site score), with RSS sampled after 25 % and 100 %
      of the pages;
  (2) the same N pages as files through the core engine, one process
      (`iter_reports(..., Config(jobs=1))`), the rate re-scoring should match;
  (3) the command line: `claimcheck check AUDIT_DIR --format json -o FILE` in a
      subprocess, wall time including start-up, and its peak RSS.

Run from the repository root:

    python benchmarks/rescoring.py               # 1,000 pages
    python benchmarks/rescoring.py --pages 20    # smoke test
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT / "src", ROOT / "benchmarks"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from claimcheck import __version__  # noqa: E402
from claimcheck.config import Config  # noqa: E402
from claimcheck.crawl.archive import (  # noqa: E402
    AUDIT_KIND,
    MANIFEST,
    WARC_NAME,
    WarcArchive,
    iter_audit_inputs,
    ref_to_dict,
)
from claimcheck.crawl.audit import _check  # noqa: E402
from claimcheck.engine import Engine, build_report, iter_reports  # noqa: E402
from claimcheck.site import SiteDetails, site_report  # noqa: E402
from throughput import current_rss_mb, machine, make_page, peak_rss_mb  # noqa: E402

SITE = "https://clinic.example"
CTYPE = "text/html; charset=utf-8"


def build_audit(directory: Path, pages: int) -> int:
    """Write an audit directory of `pages` pages; return the bytes of page bodies."""
    directory.mkdir(parents=True, exist_ok=True)
    archive = WarcArchive(str(directory))
    archive.write_warcinfo({"software": f"claimcheck/{__version__}", "audit-id": "bench"})
    entries = []
    total = 0
    for i in range(pages):
        body = make_page(i)
        total += len(body)
        url = f"{SITE}/page-{i:04d}"
        request = [("User-Agent", f"claimcheck/{__version__}")]
        _, response = archive.write_exchange(
            url, "GET", request, 200, [("Content-Type", CTYPE)], body
        )
        entries.append(
            {
                "url": url,
                "status": 200,
                "content_type": CTYPE,
                "bytes": len(body),
                "sha256": hashlib.sha256(body).hexdigest(),
                "parsed": True,
                "depth": 1,
                "warc": {
                    "record_id": response.id,
                    "offset": response.offset,
                    "length": response.length,
                },
            }
        )
    warc_sha = archive.close()
    manifest = {
        "kind": AUDIT_KIND,
        "manifest_version": "1.0",
        "audit_id": "clinic.example-bench",
        "tool": {"name": "claimcheck", "version": __version__},
        "started": "2026-11-27T00:00:00+00:00",
        "ended": "2026-11-27T00:00:00+00:00",
        "seed": SITE + "/",
        "site": "clinic.example",
        "settings": {"benchmark": True},
        "robots": {},
        "sitemaps": [],
        "pages": entries,
        "errors": [],
        "skipped": [],
        "warc": {
            "file": WARC_NAME,
            "sha256": warc_sha,
            "records": [ref_to_dict(r) for r in archive.records],
        },
    }
    (directory / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return total


def rescore_in_process(directory: Path, pages: int) -> tuple[float, int, list[str]]:
    """The audit_report loop with RSS checkpoints; returns (seconds, findings, notes)."""
    checkpoints = {max(1, pages // 4): "25%", pages: "100%"}
    notes = []
    start = time.perf_counter()
    engine = Engine(Config(jobs=1))
    details = SiteDetails(engine)
    reports = []
    for n, item in enumerate(iter_audit_inputs(str(directory)), 1):
        reports.append(_check(engine, details, item))
        if n in checkpoints:
            notes.append(
                f"RSS after {checkpoints[n]} of pages: {current_rss_mb():.0f} MB "
                f"(peak {peak_rss_mb():.0f} MB)"
            )
    report = site_report(build_report(reports, engine), details)
    seconds = time.perf_counter() - start
    assert len(report.files) == pages, (len(report.files), pages)
    return seconds, report.summary.findings, notes


def engine_on_files(directory: Path, pages: int) -> tuple[float, int]:
    """The same pages as HTML files through the core engine, one process."""
    corpus = directory / "files"
    corpus.mkdir()
    for i in range(pages):
        (corpus / f"page-{i:04d}.html").write_bytes(make_page(i))
    start = time.perf_counter()
    findings = sum(len(r.findings) for r in iter_reports([str(corpus)], Config(jobs=1)))
    return time.perf_counter() - start, findings


def cli(directory: Path, out: Path) -> tuple[float, float, int]:
    """`claimcheck check AUDIT_DIR --format json -o FILE`: (seconds, peak RSS MB, exit)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p)
    # the benchmark's audit is built in place, without a report.json, so it cannot verify
    command = [sys.executable, "-m", "claimcheck", "check", str(directory), "--no-verify"]
    start = time.perf_counter()
    result = subprocess.run(
        [*command, "--format", "json", "-o", str(out), "--jobs", "1"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"claimcheck check failed ({result.returncode}): {result.stderr}")
    return seconds, peak_rss_mb(resource.RUSAGE_CHILDREN), result.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages in the archive (1000)")
    parser.add_argument("--keep", metavar="DIR", help="build the audit in DIR and keep it")
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    with tempfile.TemporaryDirectory(prefix="claimcheck-rescore-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        audit = work / "audit"
        start = time.perf_counter()
        total = build_audit(audit, args.pages)
        warc_mb = (audit / WARC_NAME).stat().st_size / 2**20
        print(
            f"audit: {args.pages:,} pages, {total / 2**20:.1f} MB of HTML, WARC {warc_mb:.1f} MB "
            f"gzipped, built in {time.perf_counter() - start:.1f} s"
        )
        print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}")
        Engine(Config(jobs=1))  # load and compile the lexicon once, outside the timings
        seconds, findings, notes = rescore_in_process(audit, args.pages)
        rate = args.pages / seconds
        print(
            f"(1) re-score from the WARC, in process: {seconds:.2f} s, {rate:.1f} pages/s, "
            f"{findings:,} active findings"
        )
        for note in notes:
            print(f"    {note}")
        file_seconds, file_findings = engine_on_files(work, args.pages)
        file_rate = args.pages / file_seconds
        print(
            f"(2) core engine on the same pages as files: {file_seconds:.2f} s, "
            f"{file_rate:.1f} pages/s, {file_findings:,} findings (active and suppressed)"
        )
        print(f"    re-scoring runs at {100 * rate / file_rate:.0f} % of the core engine's rate")
        cli_seconds, cli_rss, code = cli(audit, work / "rescored.json")
        print(
            f"(3) claimcheck check AUDIT_DIR --format json: {cli_seconds:.2f} s wall "
            f"({args.pages / cli_seconds:.1f} pages/s incl. start-up), peak RSS "
            f"{cli_rss:.0f} MB, exit {code}"
        )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
