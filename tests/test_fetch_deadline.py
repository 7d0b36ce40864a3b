"""`claimcheck check URL` bounds the whole body read, not only each socket wait: a local
server that drips one byte at a time is cut off at the deadline (loopback only)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from tests.servers import QuietHandler, drip_handler, serving

from claimcheck.crawl.fetch import fetch_url
from claimcheck.errors import SourceError

PAGE = b"<html><body><p>Stem cell therapy is investigational.</p></body></html>"


class _Honest(QuietHandler):
    def do_GET(self) -> None:
        self.reply(200, PAGE, "text/html; charset=utf-8")


@contextmanager
def server(gap: float) -> Iterator[str]:
    """The page whole at once (gap 0), or dripped a byte every `gap` seconds."""
    handler = drip_handler(gap, content_type="text/html; charset=utf-8") if gap else _Honest
    with serving(handler) as base:
        yield base + "/page.html"


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
