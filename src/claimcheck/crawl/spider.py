"""The Scrapy spider and the two downloader middlewares of an audit crawl.

`SiteSpider` reads robots.txt first (recording each decision), then the sitemaps it names
and /sitemap.xml, then follows links from the seed breadth-first within scope, depth and
page limits. `ScopeMiddleware` re-checks scope and robots for every request, so redirects
cannot leave the site. `ArchiveMiddleware` sits next to the downloader and writes every
response (redirects and retried errors included) to the WARC.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import scrapy
from protego import Protego
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.sitemap import Sitemap

from claimcheck.crawl.archive import WARC_NAME, WarcArchive, parsed_format
from claimcheck.crawl.scope import Scope, normalise_url
from claimcheck.crawl.settings import CrawlOptions
from claimcheck.errors import CrawlError

ROBOTS_AGENT = "claimcheck"


@dataclass
class AuditLog:
    """What the crawl saw, in order; becomes the manifest."""

    pages: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    robots: dict[str, Any] = field(default_factory=dict)
    sitemaps: list[dict[str, Any]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    _last_progress: float = 0.0

    def error(self, url: str, message: str) -> None:
        """Record a URL that could not be fetched, and say so on stderr."""
        self.errors.append({"url": url, "error": message})
        sys.stderr.write(f"{chr(10) if sys.stderr.isatty() else ''}crawl: error {url}: {message}\n")

    def progress(self, queued: int, final: bool = False) -> None:
        """One progress line on stderr, at most once a second (and at the end)."""
        now = time.monotonic()
        if not final and now - self._last_progress < 1.0:
            return
        self._last_progress = now
        failed = len(self.errors) + sum(1 for p in self.pages if p["status"] >= 400)
        line = (
            f"crawl: {len(self.pages)} page(s) fetched, {queued} queued, {failed} error(s), "
            f"{now - self.started:.1f}s elapsed"
        )
        end = "\n" if final or not sys.stderr.isatty() else ""
        sys.stderr.write(("\r" if sys.stderr.isatty() else "") + line + end)
        sys.stderr.flush()


def _headers(headers) -> list[tuple[str, str]]:
    return [
        (key.decode("latin-1"), value.decode("latin-1"))
        for key, values in headers.items()
        for value in values
    ]


class SiteSpider(scrapy.Spider):
    """Crawls one site for an audit; see the module docstring for the order of work."""

    name = "claimcheck"

    def __init__(
        self, options: CrawlOptions, archive: WarcArchive, log: AuditLog, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.options = options
        self.archive = archive
        self.log = log
        self.scope = Scope(options.seed, options.allow_hosts)
        self.seed = normalise_url(options.seed)
        self.robots: Protego | None = None
        self.disallow_all = False
        self.seen: set[str] = set()
        self.recorded: set[str] = set()
        self.scheduled = 0
        self.links = LinkExtractor(deny_extensions=(), unique=True)

    async def start(self):  # Scrapy >= 2.13
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[Request]:  # Scrapy < 2.13
        yield Request(
            urljoin(self.seed, "/robots.txt"),
            callback=self.parse_robots,
            errback=self.robots_failed,
            meta={"kind": "robots"},
            dont_filter=True,
        )

    # robots.txt and sitemaps

    def parse_robots(self, response: Response) -> Iterator[Request]:
        """RFC 9309: 2xx rules apply, 4xx means no rules, 5xx means disallow everything."""
        self.log.robots = {
            "url": response.url,
            "status": response.status,
            "obeyed": not self.options.ignore_robots,
            "disallowed": [],
        }
        sitemaps: list[str] = []
        if 200 <= response.status < 300:
            text = response.body.decode("utf-8", errors="replace")
            self.robots = Protego.parse(text)
            sitemaps = list(self.robots.sitemaps)
        elif response.status >= 500:
            self.disallow_all = True
            self.log.robots["note"] = "server error: everything treated as disallowed"
        yield from self._start_crawl(sitemaps)

    def robots_failed(self, failure) -> Iterator[Request]:
        self.disallow_all = True
        self.log.robots = {
            "url": failure.request.url,
            "status": None,
            "obeyed": not self.options.ignore_robots,
            "disallowed": [],
            "note": f"unreachable ({failure.type.__name__}): everything treated as disallowed",
        }
        yield from self._start_crawl([])

    def _start_crawl(self, sitemaps: list[str]) -> Iterator[Request]:
        if self.options.sitemaps:
            for url in dict.fromkeys([*sitemaps, urljoin(self.seed, "/sitemap.xml")]):
                if url in self.scope:
                    yield Request(url, callback=self.parse_sitemap, meta={"kind": "sitemap"})
        request = self.follow_url(self.seed, 0, "seed")
        if request is not None:
            yield request

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """Queue the URLs of a sitemap (as depth 1) or the sitemaps of a sitemap index."""
        entry: dict[str, Any] = {"url": response.url, "status": response.status, "urls": 0}
        self.log.sitemaps.append(entry)
        if response.status != 200 or not response.body.strip():
            return
        try:
            sitemap = Sitemap(response.body)
        except Exception as exc:  # lxml raises several types on garbage
            entry["error"] = f"{type(exc).__name__}: {exc}"
            return
        for item in sitemap:
            loc = item.get("loc", "")
            if sitemap.type == "sitemapindex":
                if loc in self.scope:
                    yield Request(loc, callback=self.parse_sitemap, meta={"kind": "sitemap"})
                continue
            entry["urls"] += 1
            request = self.follow_url(urljoin(response.url, loc), 1, "sitemap")
            if request is not None:
                yield request

    # pages

    def robots_allow(self, url: str) -> bool:
        """The robots decision for `url` (always True with --ignore-robots)."""
        if self.options.ignore_robots:
            return True
        if self.disallow_all:
            return False
        return self.robots is None or self.robots.can_fetch(url, ROBOTS_AGENT)

    def skip(self, url: str, reason: str) -> None:
        """Record a URL that was not fetched, and why."""
        self.log.skipped.append({"url": url, "reason": reason})
        if reason == "robots":
            self.log.robots.setdefault("disallowed", []).append(url)

    def follow_url(self, url: str, depth: int, via: str) -> Request | None:
        """A request for `url` if it is new, in scope, allowed and within the limits."""
        try:
            url = normalise_url(url)
        except CrawlError:
            return None  # mailto:, tel:, javascript: ...
        if url in self.seen:
            return None
        self.seen.add(url)
        reason = None
        if url not in self.scope:
            reason = "off-site"
        elif not self.robots_allow(url):
            reason = "robots"
        elif depth > self.options.depth:
            reason = "depth"
        elif self.scheduled >= self.options.max_pages:
            reason = "page limit"
        if reason:
            self.skip(url, reason)
            return None
        self.scheduled += 1
        meta = {"kind": "page", "page_depth": depth, "via": via}
        return Request(url, callback=self.parse_page, errback=self.page_failed, meta=meta)

    def parse_page(self, response: Response) -> Iterator[Request]:
        """Record the page; follow its links when it is parsed HTML within the depth limit."""
        final = normalise_url(response.url)
        depth = response.meta["page_depth"]
        if final in self.recorded:
            return
        self.recorded.add(final)
        self.seen.add(final)
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        fmt = parsed_format(content_type)
        parsed = fmt is not None and 200 <= response.status < 300
        self.log.pages.append(
            {
                "url": final,
                "status": response.status,
                "content_type": content_type,
                "bytes": len(response.body),
                "sha256": hashlib.sha256(response.body).hexdigest(),
                "parsed": parsed,
                "depth": depth,
                "via": response.meta.get("via", ""),
                "redirected_from": response.meta.get("redirect_urls", []),
                "warc": response.meta.get("warc", {}),
            }
        )
        self._progress()
        if parsed and fmt == "html" and isinstance(response, TextResponse):
            for link in self.links.extract_links(response):
                request = self.follow_url(link.url, depth + 1, final)
                if request is not None:
                    yield request

    def page_failed(self, failure) -> None:
        """A request that ended without a response: timeout, size limit, connection error."""
        if failure.check(IgnoreRequest) and not failure.value.args:
            return  # skipped by ScopeMiddleware, already recorded
        url = failure.request.url
        message = str(failure.value).strip() or failure.type.__name__
        self.log.error(url, f"{failure.type.__name__}: {message}")
        self._progress()

    def _progress(self) -> None:
        done = len(self.log.pages) + len(self.log.errors)
        self.log.progress(max(0, self.scheduled - done))


class _CrawlerAware:
    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class ScopeMiddleware(_CrawlerAware):
    """Drops any request (redirect targets included) that leaves scope or robots rules."""

    def process_request(self, request: Request, spider: Any = None) -> None:
        site: SiteSpider = self.crawler.spider
        if request.meta.get("kind") == "robots":
            return None
        reason = None
        if request.url not in site.scope:
            reason = "off-site"
        elif not site.robots_allow(request.url):
            reason = "robots"
        if reason is None:
            return None
        site.skip(
            request.url, f"{reason} (redirect)" if "redirect_urls" in request.meta else reason
        )
        raise IgnoreRequest()


class ArchiveMiddleware(_CrawlerAware):
    """Writes each response and its request to the WARC; puts the record ids in meta."""

    def process_response(self, request: Request, response: Response, spider: Any = None):
        site: SiteSpider = self.crawler.spider
        request_ref, response_ref = site.archive.write_exchange(
            response.url,
            request.method,
            _headers(request.headers),
            response.status,
            _headers(response.headers),
            response.body,
        )
        request.meta["warc"] = {
            "file": WARC_NAME,
            "record_id": response_ref.id,
            "request_record_id": request_ref.id,
            "offset": response_ref.offset,
            "length": response_ref.length,
        }
        return response
