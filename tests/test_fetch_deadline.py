"""`claimcheck check URL` bounds the whole body read, not only each socket wait: a local
server that drips one byte at a time is cut off at the deadline (loopback only)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from claimcheck.crawl.fetch import fetch_url
from claimcheck.errors import SourceError

PAGE = b"<html><body><p>Stem cell therapy is investigational.</p></body></html>"


class _Handler(BaseHTTPRequestHandler):
    gap = 0.0

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE) if not self.gap else 100_000))
        self.end_headers()
        try:
            if not self.gap:
                self.wfile.write(PAGE)
                return
            while True:
                self.wfile.write(b"a")
                self.wfile.flush()
                time.sleep(self.gap)
        except OSError:
            return

    def log_message(self, *args) -> None:
        return


@contextmanager
def server(gap: float) -> Iterator[str]:
    handler = type("Handler", (_Handler,), {"gap": gap})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/page.html"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_dripping_page_is_cut_at_the_deadline_not_the_per_read_timeout() -> None:
    with server(gap=0.5) as url:
        started = time.monotonic()
        with pytest.raises(SourceError, match="longer than the fetch deadline"):
            fetch_url(url, timeout=5.0, deadline=1.5)
        took = time.monotonic() - started
    assert 1.4 < took < 4.0, took


def test_an_honest_page_arrives_whole_within_the_deadline() -> None:
    with server(gap=0.0) as url:
        page = fetch_url(url, timeout=5.0, deadline=5.0)
    assert page.data == PAGE and page.format == "html"
