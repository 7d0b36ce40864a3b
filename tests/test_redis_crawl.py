"""`crawl --redis` and `merge`: worker processes sharing one frontier on a real Redis.

A real `redis-server` (Debian's) runs on 127.0.0.1 for the module, without persistence;
a small clinic site of 30 pages, each answered after a short delay, counts the fetches
of every path. The tests that need redis-server skip with a reason when it is not
installed; the error-path and merge tests need no server.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers import needs_redis
from tests.helpers import run_claimcheck as _run
from tests.redis_support import (
    CLAIMCHECK,
    PAGES,
    ClinicSite,
    finish,
    free_port,
    redis_server,
    start_redis,
    start_worker,
    tangled_page,
)
from tests.redis_support import url_paths as _paths


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """One redis-server for the module, stopped after it."""
    with redis_server() as url:
        yield url


@pytest.fixture
def site_factory() -> Iterator:
    sites: list[ClinicSite] = []

    def make(delay: float) -> ClinicSite:
        sites.append(ClinicSite(delay))
        return sites[-1]

    yield make
    for s in sites:
        s.close()


def _worker(site: ClinicSite, out: Path, redis_url: str, worker: str, audit: str, *extra: str):
    return start_worker([site.url], out, redis_url, worker, audit, "--depth", "10", *extra)


@needs_redis
def test_two_workers_share_the_frontier_and_fetch_each_url_once(
    redis_url: str, site_factory, tmp_path: Path
) -> None:
    site = site_factory(0.3)
    out = tmp_path / "audit"
    workers = [_worker(site, out, redis_url, f"w{i}", "two-workers") for i in (1, 2)]
    finish(workers)
    pages = {
        w: json.loads((out / "parts" / w / "manifest.json").read_text())["pages"]
        for w in ("w1", "w2")
    }
    assert pages["w1"] and pages["w2"], "both workers archived pages"
    archived = _paths(p["url"] for part in pages.values() for p in part)
    assert sorted(archived) == sorted(site.page_paths())  # complete, each page in one part
    twice = {path: n for path, n in site.fetches.items() if path != "/robots.txt" and n > 1}
    assert not twice, f"fetched more than once: {twice}"
    assert site.fetches["/robots.txt"] <= 2  # each worker reads the rules for itself

    merged = _run("merge", str(out))
    assert merged.returncode == 0, merged.stderr
    assert "recorded in" in merged.stdout  # in the history, as a crawl is
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(_paths(p["url"] for p in manifest["pages"])) == sorted(site.page_paths())
    assert {p["status"] for p in manifest["parts"]} == {"complete"}
    verified = _run("verify", str(out))
    assert verified.returncode == 0, verified.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["summary"]["files"] == PAGES


@needs_redis
def test_two_workers_archive_what_one_process_does_on_the_clinic_site(
    redis_url: str, tmp_path: Path
) -> None:
    from tests.site_server import SiteServer

    fast = ["--delay", "0", "--timeout", "0.5", "--retries", "1", "--max-bytes", "1000000"]
    common = ["--max-pages", "30", "--depth", "3", "--no-history", *fast]
    with SiteServer() as site:
        seed = site.base + "/"
        single = subprocess.Popen(  # alongside the workers: the site serves all three
            [*CLAIMCHECK, "crawl", seed, "--out", str(tmp_path / "single"), *common],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        workers = [
            subprocess.Popen(
                [
                    *CLAIMCHECK,
                    *("crawl", seed, "--out", str(tmp_path / "shared"), "--redis", redis_url),
                    *("--worker-id", f"w{i}", "--idle-timeout", "1", *common),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in (1, 2)
        ]
        finish([single, *workers])
    assert _run("merge", str(tmp_path / "shared")).returncode == 0
    one = json.loads((tmp_path / "single" / "manifest.json").read_text())
    two = json.loads((tmp_path / "shared" / "manifest.json").read_text())
    # redirects, retries, robots refusals, errors and limits end the same way
    assert sorted(_paths(p["url"] for p in two["pages"])) == sorted(
        _paths(p["url"] for p in one["pages"])
    )
    assert {e["url"] for e in two["errors"]} == {e["url"] for e in one["errors"]}
    assert _run("verify", str(tmp_path / "shared")).returncode == 0


@needs_redis
def test_page_limit_and_delay_hold_across_workers(
    redis_url: str, site_factory, tmp_path: Path
) -> None:
    site = site_factory(0)
    out = tmp_path / "audit"
    extra = ("--max-pages", "10", "--delay", "0.25")
    workers = [_worker(site, out, redis_url, f"w{i}", "limited", *extra) for i in (1, 2)]
    finish(workers)
    counts = [
        len(json.loads((out / "parts" / w / "manifest.json").read_text())["pages"])
        for w in ("w1", "w2")
    ]
    assert sum(counts) == 10  # the limit counts across workers, not per worker
    # one request per --delay to the site from both workers together (robots.txt aside)
    times = [t for t, path in site.times if path != "/robots.txt"]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.2, gaps


def _responses_in(warc: Path) -> int:
    """Whole response records of pages (200, HTML: not robots.txt nor a missing sitemap)
    in a WARC that a live worker is still writing."""
    from warcio.archiveiterator import ArchiveIterator

    if not warc.exists():
        return 0
    count = 0
    try:
        for record in ArchiveIterator(io.BytesIO(warc.read_bytes())):
            http = record.http_headers
            count += (
                record.rec_type == "response"
                and http is not None
                and http.get_statuscode() == "200"
                and "text/html" in (http.get_header("Content-Type") or "")
            )
    except Exception:  # the member being written is cut short: count what came before
        pass
    return count


@needs_redis
def test_killed_worker_loses_no_url_and_its_part_is_salvaged(
    redis_url: str, site_factory, tmp_path: Path
) -> None:
    site = site_factory(0.3)
    out = tmp_path / "audit"
    victim = _worker(site, out, redis_url, "victim", "killed")
    time.sleep(0.5)
    survivor = _worker(site, out, redis_url, "survivor", "killed")
    warc = out / "parts" / "victim" / "crawl.warc.gz"
    deadline = time.monotonic() + 60
    # kill only once the victim has flushed a whole response record (under load, a count
    # of server fetches alone could kill it before its first record reached the disk)
    while time.monotonic() < deadline and (
        sum(site.fetches.values()) < 8 or _responses_in(warc) < 1
    ):
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    with open(warc, "ab") as handle:  # a record cut short by the kill, as a crash leaves it
        handle.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03truncated")
    ((_, stderr),) = finish([survivor])
    assert not (out / "parts" / "victim" / "manifest.json").exists()

    merged = _run("merge", str(out))
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "incomplete victim" in merged.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    archived = _paths(p["url"] for p in manifest["pages"])
    assert sorted(archived) == sorted(site.page_paths()), (merged.stdout, stderr[-3000:])
    parts = {p["worker_id"]: p for p in manifest["parts"]}
    assert parts["victim"]["status"] == "incomplete"
    assert parts["victim"]["truncated_bytes"] > 0
    assert parts["victim"]["pages"] > 0  # its whole records were kept
    assert parts["survivor"]["status"] == "complete"
    # only what the victim had popped and not finished may be fetched again: at most its
    # 4 downloads (CONCURRENT_REQUESTS) and the responses waiting for their callbacks
    twice = [path for path, n in site.fetches.items() if path != "/robots.txt" and n > 1]
    assert len(twice) <= 8, twice
    assert all(n <= 2 for n in site.fetches.values())
    verified = _run("verify", str(out))
    assert verified.returncode == 0, verified.stdout


@needs_redis
def test_redis_lost_mid_crawl_ends_the_worker_with_a_complete_part(
    site_factory, tmp_path: Path
) -> None:
    proc, url = start_redis()
    site = site_factory(0.3)
    out = tmp_path / "audit"
    try:
        worker = _worker(site, out, url, "w1", "lost")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and sum(site.fetches.values()) < 6:
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    _, stderr = worker.communicate(timeout=60)
    assert worker.returncode == 2
    assert "lost mid-crawl" in stderr.strip().splitlines()[-1]
    assert "Traceback" not in stderr
    verified = _run("verify", str(out / "parts" / "w1"))
    assert verified.returncode == 0, verified.stdout


def test_unreachable_redis_is_a_one_line_usage_error(site_factory, tmp_path: Path) -> None:
    site = site_factory(0)
    port = free_port()
    result = _run(
        "crawl", site.url, "--out", str(tmp_path / "a"), "--redis", f"redis://127.0.0.1:{port}/0"
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--redis redis://127.0.0.1" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_merge_without_parts_is_a_usage_error(tmp_path: Path) -> None:
    result = _run("merge", str(tmp_path))
    assert result.returncode == 2
    assert "nothing to merge" in result.stderr


def test_merge_keeps_only_records_that_verify(tmp_path: Path) -> None:
    from claimcheck.crawl.archive import WarcArchive

    audit = tmp_path / "audit"
    part = audit / "parts" / "w1"
    part.mkdir(parents=True)
    info = {"seed": "http://127.0.0.1:9/", "audit_id": "t", "settings": {}}
    (audit / "parts" / "w1.json").write_text(json.dumps(info))
    archive = WarcArchive(str(part))
    archive.write_warcinfo({"software": "test"})
    for n in range(3):
        html = [("Content-Type", "text/html; charset=utf-8")]
        archive.write_exchange(f"http://127.0.0.1:9/p/{n}", "GET", [], 200, html, tangled_page(n))
    archive.close()
    # the second response, re-compressed with one word of its body changed: a whole gzip
    # member whose WARC digests no longer match (no manifest: the worker was killed)
    data = (part / "crawl.warc.gz").read_bytes()
    ref = archive.records[3]
    assert ref.type == "response" and ref.uri.endswith("/p/1")
    member = gzip.decompress(data[ref.offset : ref.offset + ref.length])
    altered = gzip.compress(member.replace(b"Tratamiento 1<", b"Tratamiento X<"))
    spliced = data[: ref.offset] + altered + data[ref.offset + ref.length :]
    (part / "crawl.warc.gz").write_bytes(spliced)

    merged = _run("merge", str(audit))
    assert merged.returncode == 0, merged.stdout + merged.stderr
    manifest = json.loads((audit / "manifest.json").read_text())
    assert _paths(p["url"] for p in manifest["pages"]) == ["/p/0", "/p/2"]
    (entry,) = manifest["parts"]
    assert entry["status"] == "incomplete" and entry["records_dropped"] == 1
    assert _run("verify", str(audit)).returncode == 0
    again = _run("merge", str(audit))
    assert again.returncode == 2 and "already holds an audit" in again.stderr
