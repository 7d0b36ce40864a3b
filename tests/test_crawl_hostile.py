"""A crawl of a hostile site (issue 11): a 600 KiB robots.txt, an endless chain of sitemap
indexes, a page of 5,000 links, a gzip bomb, Retry-After on 429 and 503, a redirect loop
and a page without a Content-Type. The site runs on 127.0.0.1 inside the test; the crawl
runs in a subprocess (Twisted's reactor cannot restart) whose peak memory is measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tests.helpers import ROOT

pytest.importorskip("scrapy", reason="claimcheck[crawl] is not installed")

BOMB_INFLATED = 1024 * 1024 * 1024  # 1 GiB of zeros once decompressed
ROBOTS_RULES = 30_000  # about 600 KiB of rules; the 500 KiB cap cuts the last ones
LINKS = 5_000
CLAIM = "Nuestro tratamiento con células madre cura la diabetes. Reserve su cita hoy."


@cache
def gzip_bomb() -> bytes:
    """1 GiB of zeros, gzipped (about 1 MB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(16 * 1024 * 1024)
    parts = [packer.compress(block) for _ in range(BOMB_INFLATED // len(block))]
    return b"".join(parts) + packer.flush()


def robots_txt() -> bytes:
    rules = "".join(f"Disallow: /x{n:06d}/\n" for n in range(ROBOTS_RULES))
    return f"User-agent: *\n{rules}Disallow: /late-rule\n".encode()


def _html(body: str) -> bytes:
    return f"<!doctype html><html lang='es'><body>{body}</body></html>".encode()


HOME = _html(
    "<h1>Clínica</h1><p>"
    + CLAIM
    + "</p>"
    + "".join(
        f'<a href="{p}">{p}</a>'
        for p in ("/links", "/bomb", "/busy", "/closed", "/loop-a", "/plain", "/late-rule")
    )
)


class _Hostile(BaseHTTPRequestHandler):
    server: HostileSite

    def log_message(self, format: str, *args: object) -> None:
        return

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # one branch per attack
        path = self.path.split("?", 1)[0]
        self.server.hits.append((path, time.monotonic()))
        html = {"Content-Type": "text/html; charset=utf-8"}
        count = sum(1 for p, _ in self.server.hits if p == path)
        try:
            if path == "/":
                self._send(200, HOME, html)
            elif path == "/robots.txt":
                self._send(200, robots_txt(), {"Content-Type": "text/plain"})
            elif path == "/sitemap.xml" or path.startswith("/sm/"):
                n = int(path.rsplit("/", 1)[1].split(".")[0]) if path.startswith("/sm/") else 0
                index = (
                    '<?xml version="1.0"?><sitemapindex '
                    'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<sitemap><loc>{self.server.base}/sm/{n + 1}.xml</loc></sitemap>"
                    "</sitemapindex>"
                )
                self._send(200, index.encode(), {"Content-Type": "application/xml"})
            elif path == "/links":
                links = "".join(f'<a href="http://h{n}.off.example/">{n}</a>' for n in range(LINKS))
                self._send(200, _html(links), html)
            elif path == "/bomb":
                self._send(200, gzip_bomb(), {**html, "Content-Encoding": "gzip"})
            elif path == "/busy" and count == 1:
                self._send(429, b"slow down", {"Retry-After": "1", "Content-Type": "text/plain"})
            elif path == "/busy":
                self._send(200, _html("<p>" + CLAIM + "</p>"), html)
            elif path == "/closed":
                self._send(503, b"later", {"Retry-After": "3600", "Content-Type": "text/plain"})
            elif path == "/loop-a":
                self._send(301, b"", {"Location": "/loop-b"})
            elif path == "/loop-b":
                self._send(301, b"", {"Location": "/loop-a"})
            elif path in ("/plain", "/late-rule"):
                self._send(200, CLAIM.encode(), {})  # no Content-Type at all
            else:
                self._send(404, b"not found", {"Content-Type": "text/plain"})
        except (BrokenPipeError, ConnectionResetError):
            pass


class HostileSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hostile)
        self.hits: list[tuple[str, float]] = []
        self.base = f"http://127.0.0.1:{self.server_address[1]}"


_MEASURE = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(f"{proc.returncode} {peak}\\n" + proc.stderr[-3000:])
"""


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Iterator[tuple[HostileSite, dict, int, float]]:
    """(site, manifest, peak RSS in KiB, seconds) of one crawl of the hostile site."""
    gzip_bomb()  # built before the clock starts
    site = HostileSite()
    threading.Thread(target=site.serve_forever, daemon=True).start()
    out = tmp_path_factory.mktemp("hostile") / "audit"
    args = [sys.executable, "-m", "claimcheck", "crawl", site.base + "/", "--out", str(out)]
    args += ["--max-pages", "20", "--depth", "2", "--delay", "0", "--timeout", "10"]
    args += ["--retries", "1", "--max-bytes", "2000000"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
    )
    took = time.monotonic() - started
    code, peak = proc.stdout.split("\n", 1)[0].split()
    try:
        manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    except FileNotFoundError:
        pytest.fail(f"no manifest (exit {code}): {proc.stdout[-2000:]}")
    yield site, manifest, int(peak), took
    site.shutdown()
    site.server_close()


def _page(manifest: dict, site: HostileSite, path: str) -> dict:
    return next(p for p in manifest["pages"] if p["url"] == site.base + path)


def test_gzip_bomb_stays_under_300_mb(crawled) -> None:
    """Before: the spider and the report inflated the bomb whole (1 MB -> 2.2 GB peak)."""
    site, manifest, peak_kib, _ = crawled
    assert peak_kib < 300 * 1024, f"peak RSS {peak_kib / 1024:.0f} MB"
    bomb = _page(manifest, site, "/bomb")
    assert "decompresses to more than --max-bytes" in bomb["error"]
    assert bomb["bytes"] == len(gzip_bomb())  # archived as sent


def test_robots_txt_is_read_up_to_500_kib(crawled) -> None:
    site, manifest, _, _ = crawled
    assert len(robots_txt()) > 500 * 1024
    assert "first 512000 bytes" in manifest["robots"]["truncated"]
    # the rule past the cap is ignored, as Google ignores it
    assert any(p["url"] == site.base + "/late-rule" for p in manifest["pages"])


def test_sitemap_index_chain_is_bounded_by_depth(crawled) -> None:
    """Before: an index of ever-new indexes never ended (7,912 sitemaps in 120 s)."""
    site, manifest, _, _ = crawled
    fetched = [s["url"] for s in manifest["sitemaps"]]
    assert fetched == [f"{site.base}/sitemap.xml", f"{site.base}/sm/1.xml", f"{site.base}/sm/2.xml"]
    assert manifest["skipped_counts"]["sitemap depth"] == 1


def test_skipped_urls_are_counted_with_a_bounded_sample(crawled) -> None:
    """Before: every skipped URL was listed (999,901 of them, a 97 MB manifest)."""
    _, manifest, _, _ = crawled
    assert manifest["skipped_counts"]["off-site"] == LINKS
    sample = [s for s in manifest["skipped"] if s["reason"] == "off-site"]
    assert len(sample) == 100
    assert len(json.dumps(manifest)) < 200_000


def test_retry_after_is_honoured_up_to_a_cap(crawled) -> None:
    """Before: a 429 was retried about a second later whatever Retry-After said, and a 503
    with Retry-After: 3600 was retried at once."""
    site, manifest, _, took = crawled
    busy = [t for p, t in site.hits if p == "/busy"]
    assert len(busy) == 2 and busy[1] - busy[0] >= 0.95
    assert _page(manifest, site, "/busy")["status"] == 200
    closed = [p for p, _ in site.hits if p == "/closed"]
    assert len(closed) == 1 and _page(manifest, site, "/closed")["status"] == 503
    outcomes = {(r["url"].removeprefix(site.base), r["outcome"]) for r in manifest["retry_after"]}
    assert ("/busy", "retried after 1 s") in outcomes
    assert ("/closed", "not retried: over the 120 s cap") in outcomes
    assert took < 120


def test_redirect_loop_is_in_the_manifest(crawled) -> None:
    site, manifest, _, _ = crawled
    loops = manifest["redirect_loops"]
    assert [loop["chain"] for loop in loops] == [
        [f"{site.base}/loop-a", f"{site.base}/loop-b", f"{site.base}/loop-a"]
    ]


def test_page_without_content_type_is_sniffed_and_parsed(crawled) -> None:
    """Before: a response without Content-Type was archived but never scored."""
    site, manifest, _, _ = crawled
    plain = _page(manifest, site, "/plain")
    assert plain["content_type"] == "" and plain["parsed"] is True
    assert plain["sniffed_format"] == "text"


def test_binary_without_content_type_is_not_parsed() -> None:
    from claimcheck.crawl.fetch import sniff_format

    assert sniff_format(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") is None
    assert sniff_format(b"%PDF-1.4\n\x00\x01\x02") is None
    assert sniff_format(b"<!doctype html><p>hola</p>") == "html"
    assert sniff_format("plain text here, cura".encode("utf-16-le")) == "text"
    assert sniff_format(b"\xff\xfe" + "bom text".encode("utf-16-le")) == "text"


def test_retry_after_values() -> None:
    from claimcheck.crawl.spider import retry_after_seconds

    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))
    assert 50 < (retry_after_seconds(future) or 0) <= 60


def test_manifest_schema_still_accepts_the_audit(crawled) -> None:
    import jsonschema

    from claimcheck.crawl.archive import MANIFEST_SCHEMA

    jsonschema.validate(crawled[1], MANIFEST_SCHEMA)
