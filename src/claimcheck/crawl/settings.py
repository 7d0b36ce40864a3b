"""Crawl options and the Scrapy settings they become. No Scrapy import here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from claimcheck import __version__

DEFAULT_DELAY = 1.0
"""Seconds between requests to one host: at most one request per second by default."""

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_AFTER_MAX = 120.0
"""The longest Retry-After wait honoured (seconds); a longer one is recorded, not waited."""


@dataclass(frozen=True)
class CrawlOptions:
    """Everything a crawl is configured with; recorded verbatim in the manifest."""

    seed: str
    out: str
    max_pages: int = 100
    depth: int = 3
    allow_hosts: tuple[str, ...] = ()
    ignore_robots: bool = False
    contact: str | None = None
    delay: float = DEFAULT_DELAY
    timeout: float = DEFAULT_TIMEOUT
    retries: int = 2
    max_bytes: int = DEFAULT_MAX_BYTES
    sitemaps: bool = True
    retry_after_max: float = RETRY_AFTER_MAX


def user_agent(contact: str | None) -> str:
    """'claimcheck/<version> (+contact URL)'; the contact defaults to the project's name."""
    return f"claimcheck/{__version__} (+{contact or 'claimcheck audit; no contact given'})"


def scrapy_settings(options: CrawlOptions) -> dict[str, Any]:
    """Scrapy settings for a polite, single-site audit crawl.

    robots.txt is read by the spider itself (ROBOTSTXT_OBEY is off) so that every
    decision is recorded in the manifest. Compression is off so that the archived bodies
    are the bytes the server sent; a server that compresses anyway is decompressed by the
    spider, capped at max_bytes. AutoThrottle never goes below DOWNLOAD_DELAY, and one
    request at a time per host keeps the rate at or under 1/delay. Retry-After and
    redirect loops are handled by the spider's PolitenessMiddleware (650: after the
    archive, before Scrapy's redirect (600) and retry (550) middlewares).
    """
    polite = options.delay > 0
    return {
        "BOT_NAME": "claimcheck",
        "USER_AGENT": user_agent(options.contact),
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "COMPRESSION_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "CRITICAL",  # errors are recorded and printed by the spider
        "DOWNLOAD_TIMEOUT": options.timeout,
        "DOWNLOAD_MAXSIZE": options.max_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": options.retries > 0,
        "RETRY_TIMES": options.retries,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "HTTPERROR_ALLOW_ALL": True,
        "REDIRECT_MAX_TIMES": 5,
        "DEPTH_LIMIT": 0,  # the spider tracks depth itself (sitemap URLs count as depth 1)
        "CONCURRENT_REQUESTS": 4,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1 if polite else 4,
        "DOWNLOAD_DELAY": options.delay,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "AUTOTHROTTLE_ENABLED": polite,
        "AUTOTHROTTLE_START_DELAY": max(options.delay, 1.0),
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOADER_MIDDLEWARES": {
            "claimcheck.crawl.spider.ScopeMiddleware": 50,
            "claimcheck.crawl.spider.PolitenessMiddleware": 650,
            "claimcheck.crawl.spider.ArchiveMiddleware": 950,
        },
    }
