"""The Scrapy spider and the two downloader middlewares of an audit crawl.

`SiteSpider` reads robots.txt first (its first 500 KiB, as Google does, recording each
decision), then the sitemaps it names and /sitemap.xml (at most --max-pages of them, index
nesting at most --depth), then follows links from the seed breadth-first within scope,
depth and page limits. Its bookkeeping is bounded: skipped URLs are counted by reason with
a sample kept, and the set of URLs already decided on keeps 16-byte digests up to a cap.
`ScopeMiddleware` re-checks scope and robots for every request, so redirects cannot leave
the site. `PolitenessMiddleware` honours Retry-After (up to a cap, then records and moves
on) and records redirect loops. `ArchiveMiddleware` sits next to the downloader and writes
every response (redirects and retried errors included) to the WARC.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import scrapy
from protego import Protego
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.sitemap import Sitemap

from claimcheck.crawl.archive import WARC_NAME, BodyTooLarge, WarcArchive, decoded_body
from claimcheck.crawl.fetch import parsed_format, sniff_format
from claimcheck.crawl.scope import Scope, normalise_url
from claimcheck.crawl.settings import CrawlOptions
from claimcheck.errors import CrawlError

ROBOTS_AGENT = "claimcheck"
ROBOTS_MAX_BYTES = 500 * 1024
"""Only the first 500 KiB of robots.txt are read (RFC 9309 allows a limit; Google's)."""
SKIP_SAMPLE = 100
"""Skipped URLs kept in the manifest per reason (all of them are counted)."""
SEEN_CAP = 200_000
"""URLs remembered as already decided on; past this, a link met again is counted again."""


@dataclass
class AuditLog:
    """What the crawl saw, in order; becomes the manifest."""

    pages: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    skipped_counts: dict[str, int] = field(default_factory=dict)
    robots: dict[str, Any] = field(default_factory=dict)
    sitemaps: list[dict[str, Any]] = field(default_factory=list)
    redirect_loops: list[dict[str, Any]] = field(default_factory=list)
    retry_after: list[dict[str, Any]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    _last_progress: float = 0.0

    def skip(self, url: str, reason: str) -> None:
        """Count a URL that was not fetched; keep it in the sample while there is room."""
        count = self.skipped_counts.get(reason, 0)
        self.skipped_counts[reason] = count + 1
        if count < SKIP_SAMPLE:
            self.skipped.append({"url": url, "reason": reason})

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


class _HeaderView:
    """Just enough of warcio's header API for `decoded_body`: the Content-Encoding."""

    def __init__(self, content_encoding: str) -> None:
        self.content_encoding = content_encoding

    def get_header(self, name: str) -> str | None:
        """The Content-Encoding value (the only header asked for)."""
        return self.content_encoding if name.lower() == "content-encoding" else None


def _encoding(response: Response) -> str:
    """The encoding Scrapy found for a text response, else UTF-8."""
    return response.encoding if isinstance(response, TextResponse) else "utf-8"


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
        self.seen: set[bytes] = set()
        self.recorded: set[str] = set()
        self.requested: set[str] = set()  # at most --max-pages URLs
        self.scheduled = 0
        self.sitemaps_requested = 0
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
            body = response.body
            if len(body) > ROBOTS_MAX_BYTES:
                body = body[:ROBOTS_MAX_BYTES].rsplit(b"\n", 1)[0]  # no half rule
                self.log.robots["truncated"] = f"only the first {ROBOTS_MAX_BYTES} bytes read"
            text = body.decode("utf-8", errors="replace")
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

    @property
    def frontier(self) -> Any:
        """The shared Redis frontier of `crawl --redis` (redis_frontier.Frontier), else None."""
        settings = getattr(self, "settings", None)
        return settings.get("CLAIMCHECK_FRONTIER") if settings is not None else None

    def _start_crawl(self, sitemaps: list[str]) -> Iterator[Request]:
        if self.frontier is not None and not self.frontier.claim_seed():
            return  # another worker of the shared frontier queues the seed and sitemaps
        if self.options.sitemaps:
            for url in dict.fromkeys([*sitemaps, urljoin(self.seed, "/sitemap.xml")]):
                request = self.sitemap_request(url, 0)
                if request is not None:
                    yield request
        request = self.follow_url(self.seed, 0, "seed")
        if request is not None:
            yield request

    def sitemap_request(self, url: str, level: int) -> Request | None:
        """A request for a sitemap `level` indexes deep, if in scope and within limits:
        at most --max-pages sitemaps in all, nested at most --depth indexes deep."""
        reason = None
        if url not in self.scope:
            reason = "off-site sitemap"
        elif level > self.options.depth:
            reason = "sitemap depth"
        elif self.sitemaps_requested >= self.options.max_pages:
            reason = "sitemap limit"
        if reason:
            self.log.skip(url, reason)
            return None
        self.sitemaps_requested += 1
        meta = {"kind": "sitemap", "sitemap_level": level}
        return Request(url, callback=self.parse_sitemap, meta=meta)

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
        level = response.meta.get("sitemap_level", 0)
        for item in sitemap:
            loc = item.get("loc", "")
            if sitemap.type == "sitemapindex":
                request = self.sitemap_request(urljoin(response.url, loc), level + 1)
                if request is not None:
                    yield request
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
        """Record a URL that was not fetched, and why (counted; a sample is kept)."""
        self.log.skip(url, reason)
        if reason == "robots":
            disallowed = self.log.robots.setdefault("disallowed", [])
            if len(disallowed) < SKIP_SAMPLE:
                disallowed.append(url)

    def first_time(self, url: str) -> bool:
        """True the first time `url` is met (digests kept up to SEEN_CAP, then always
        True: a link met again is counted again, never fetched twice)."""
        key = hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if key in self.seen:
            return False
        if len(self.seen) < SEEN_CAP:
            self.seen.add(key)
        return True

    def follow_url(self, url: str, depth: int, via: str) -> Request | None:
        """A request for `url` if it is new, in scope, allowed and within the limits."""
        try:
            url = normalise_url(url)
        except CrawlError:
            return None  # mailto:, tel:, javascript: ...
        if url in self.requested or not self.first_time(url):
            return None
        reason = None
        if url not in self.scope:
            reason = "off-site"
        elif not self.robots_allow(url):
            reason = "robots"
        elif depth > self.options.depth:
            reason = "depth"
        elif self.frontier is not None:  # admitted once per audit, --max-pages across workers
            reason = self.frontier.admit(url)
            if reason == "seen":
                return None
        elif self.scheduled >= self.options.max_pages:
            reason = "page limit"
        if reason:
            self.skip(url, reason)
            return None
        self.scheduled += 1
        self.requested.add(url)
        meta = {"kind": "page", "page_depth": depth, "via": via}
        return Request(url, callback=self.parse_page, errback=self.page_failed, meta=meta)

    def parse_page(self, response: Response) -> Iterator[Request]:
        """Record the page; follow its links when it is parsed HTML within the depth limit."""
        final = normalise_url(response.url)
        depth = response.meta["page_depth"]
        if final in self.recorded:
            return
        self.recorded.add(final)
        self.first_time(final)
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        body, problem = self._decoded(response)
        if content_type:
            fmt = parsed_format(content_type)
        else:
            fmt = sniff_format(body) if body is not None else None
        # a body that cannot be decompressed stays "parsed": the report names its error
        parsed = fmt is not None and 200 <= response.status < 300
        entry = {
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
        if not content_type and parsed:
            entry["sniffed_format"] = fmt  # no Content-Type: scored as a browser would show it
        if problem:
            entry["error"] = problem
        self.log.pages.append(entry)
        self._progress()
        if parsed and fmt == "html" and body is not None:
            page = HtmlResponse(response.url, body=body, encoding=_encoding(response))
            for link in self.links.extract_links(page):
                request = self.follow_url(link.url, depth + 1, final)
                if request is not None:
                    yield request

    def _decoded(self, response: Response) -> tuple[bytes | None, str | None]:
        """The body with its Content-Encoding undone, at most --max-bytes of it (a gzip
        bomb costs at most that much memory), or None and the reason it cannot be read."""
        encoding = response.headers.get("Content-Encoding", b"").decode("latin-1")
        if not encoding.strip() or encoding.strip().lower() == "identity":
            return response.body, None
        headers = _HeaderView(encoding)
        try:
            return decoded_body(response.body, headers, self.options.max_bytes), None
        except BodyTooLarge:
            cap = self.options.max_bytes
            return None, f"the body decompresses to more than --max-bytes ({cap})"
        except Exception as exc:  # zlib, brotli and unknown encodings raise their own errors
            return None, f"the body cannot be decoded ({type(exc).__name__})"

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


class PolitenessMiddleware(_CrawlerAware):
    """Honours Retry-After on 429 and 503 (waits, then asks again, up to the crawl's
    retries and at most `retry_after_max` seconds a wait; past that records the answer and
    moves on) and stops a redirect back to a URL of its own chain, recording the loop.
    Sits between the archive (which has already kept the answer) and Scrapy's redirect
    and retry middlewares."""

    def process_response(self, request: Request, response: Response, spider: Any = None):
        """The response, or the request again after the wait the server asked for."""
        site: SiteSpider = self.crawler.spider
        if response.status in (429, 503) and b"Retry-After" in response.headers:
            return self._retry_after(site, request, response)
        if 300 <= response.status < 400 and b"Location" in response.headers:
            self._redirect_loop(site, request, response)
        return response

    def _retry_after(self, site: SiteSpider, request: Request, response: Response):
        header = response.headers.get("Retry-After", b"").decode("latin-1")
        delay = retry_after_seconds(header)
        tries = request.meta.get("retry_after_times", 0)
        cap = site.options.retry_after_max
        request.meta["dont_retry"] = True  # decided here, not by Scrapy's RetryMiddleware
        if delay is None or delay > cap or tries >= site.options.retries:
            why = (
                "unreadable"
                if delay is None
                else f"over the {cap:g} s cap"
                if delay > cap
                else "retries used up"
            )
            site.log.retry_after.append(
                {
                    "url": request.url,
                    "status": response.status,
                    "retry_after": header[:100],
                    "outcome": f"not retried: {why}",
                }
            )
            return response
        site.log.retry_after.append(
            {
                "url": request.url,
                "status": response.status,
                "retry_after": header[:100],
                "outcome": f"retried after {delay:g} s",
            }
        )
        again = request.replace(dont_filter=True)
        again.meta["retry_after_times"] = tries + 1
        again.meta.pop("dont_retry", None)
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        return deferLater(reactor, delay, lambda: again)

    def _redirect_loop(self, site: SiteSpider, request: Request, response: Response) -> None:
        target = urljoin(request.url, response.headers["Location"].decode("latin-1"))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        try:
            seen = {normalise_url(u) for u in chain}
            looped = normalise_url(target) in seen
        except CrawlError:
            return
        if looped:
            request.meta["dont_redirect"] = True
            if len(site.log.redirect_loops) < SKIP_SAMPLE:
                site.log.redirect_loops.append({"url": chain[0], "chain": [*chain, target]})


def retry_after_seconds(value: str) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), or None."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


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
