"""Regulator audits: a polite Scrapy crawl into a verifiable evidence archive.

Importing this package is cheap; Scrapy and Twisted are imported only by `run_crawl`.

    claimcheck crawl URL --out DIR   ->  DIR/crawl.warc.gz, DIR/manifest.json, DIR/report.json
    claimcheck verify DIR            ->  every hash and WARC digest recomputed
    claimcheck check DIR             ->  re-scored from the WARC, no network
"""

from __future__ import annotations

from claimcheck.crawl.settings import CrawlOptions, user_agent

__all__ = ["CrawlOptions", "user_agent"]
