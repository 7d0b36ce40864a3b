"""Run one audit crawl in-process with Scrapy's CrawlerProcess, then write the manifest
and the report. Call `run_crawl` once per process: Twisted's reactor cannot restart."""

from __future__ import annotations

import json
import os
import sys
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from claimcheck import __version__
from claimcheck.config import Config
from claimcheck.crawl.archive import (
    AUDIT_KIND,
    MANIFEST,
    REPORT,
    WARC_NAME,
    WarcArchive,
    ref_to_dict,
)
from claimcheck.crawl.audit import audit_report
from claimcheck.crawl.scope import normalise_url, site_key
from claimcheck.crawl.settings import CrawlOptions, scrapy_settings, user_agent
from claimcheck.errors import CrawlError
from claimcheck.model import Report

if TYPE_CHECKING:
    from claimcheck.crawl.spider import AuditLog
    from claimcheck.engine import Engine


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _prepare(out: str) -> None:
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        raise CrawlError(f"{out}: already exists and is not an empty directory")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        raise CrawlError(f"{out}: {exc.strerror or exc}") from None


def _write_json(path: str, data: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2)
        handle.write("\n")


def run_crawl(
    options: CrawlOptions,
    config: Config | None = None,
    screenshots: bool = False,
    frontier: Any = None,
) -> tuple[dict, Report]:
    """Crawl, archive, and score; returns (manifest, report). Raises CrawlError.

    With `screenshots`, each archived HTML page is then rendered in headless Chromium from
    the WARC (`claimcheck.crawl.screenshots`); without a browser the audit is still complete.
    """
    from scrapy.crawler import CrawlerProcess

    from claimcheck.crawl.spider import AuditLog, SiteSpider

    if options.ignore_robots:
        print(
            "claimcheck: warning: --ignore-robots: robots.txt is not obeyed; "
            "this is recorded in the audit manifest",
            file=sys.stderr,
        )
    start = start_audit(options)
    settings = scrapy_settings(options)
    if frontier is not None:  # crawl --redis: claimcheck.crawl.redis_frontier.Frontier
        settings.update(frontier.scrapy_settings())
    log = AuditLog()
    process = CrawlerProcess(settings=settings)
    process.crawl(SiteSpider, options=options, archive=start.archive, log=log)
    process.start()
    log.progress(0, final=True)
    return finish_audit(options, config, start, log, screenshots)


@dataclass(frozen=True)
class AuditStart:
    """An audit directory made ready for a crawl: its id, start time and open WARC."""

    audit_id: str
    started: str
    archive: WarcArchive


def start_audit(options: CrawlOptions) -> AuditStart:
    """Create the (empty) audit directory and open its WARC with the warcinfo record; used
    once per site, by a single-site crawl and by each site of a sweep. Raises CrawlError."""
    seed = normalise_url(options.seed)
    _prepare(options.out)
    started = _now()
    stamp = started.replace("-", "").replace(":", "").replace("+0000", "Z")
    audit_id = f"{site_key(seed).replace(':', '_')}-{stamp}-{uuid.uuid4().hex[:8]}"
    archive = WarcArchive(options.out)
    archive.write_warcinfo(
        {
            "software": f"claimcheck/{__version__}",
            "format": "WARC File Format 1.0",
            "http-header-user-agent": user_agent(options.contact),
            "robots": "ignore" if options.ignore_robots else "obey",
            "audit-id": audit_id,
        }
    )
    return AuditStart(audit_id, started, archive)


def finish_audit(
    options: CrawlOptions,
    config: Config | None,
    start: AuditStart,
    log: AuditLog,
    screenshots: bool = False,
    engine: Engine | None = None,
) -> tuple[dict, Report]:
    """Close the WARC of a finished (or interrupted) crawl, write its manifest, score it
    from the archive (with `engine` when given: a sweep builds one for all its sites) and
    write report.json; returns (manifest, report)."""
    from claimcheck.lexicon import lexicon_for
    from claimcheck.render.json import render_json

    config = config or Config()
    seed = normalise_url(options.seed)
    audit_id, started, archive = start.audit_id, start.started, start.archive
    ended = _now()
    warc_sha = archive.close()
    manifest: dict[str, Any] = {
        "kind": AUDIT_KIND,
        "manifest_version": "1.0",
        "audit_id": audit_id,
        "tool": {"name": "claimcheck", "version": __version__},
        "started": started,
        "ended": ended,
        "seed": seed,
        "site": site_key(seed),
        "settings": {
            **{k: v for k, v in asdict(options).items() if k != "out"},
            "user_agent": user_agent(options.contact),
            "robots": "ignored (--ignore-robots)" if options.ignore_robots else "obeyed",
        },
        "robots": log.robots,
        "sitemaps": log.sitemaps,
        "pages": log.pages,
        "errors": log.errors,
        "skipped": log.skipped,
        "skipped_counts": log.skipped_counts,
        "redirect_loops": log.redirect_loops,
        "retry_after": log.retry_after,
        "warc": {
            "file": WARC_NAME,
            "sha256": warc_sha,
            "records": [ref_to_dict(r) for r in archive.records],
        },
    }
    manifest_path = os.path.join(options.out, MANIFEST)
    _write_json(manifest_path, manifest)
    report = audit_report(options.out, config, engine=engine)
    manifest["tool"]["lexicon_version"] = report.lexicon_version
    if screenshots:
        from claimcheck.crawl.screenshots import screenshot_step

        manifest.update(screenshot_step(options.out, manifest, report))
    with open(os.path.join(options.out, REPORT), "w", encoding="utf-8") as handle:
        # the same JSON `claimcheck check AUDIT --format json` writes: rationale and legal
        # grounds included, in the configured output language
        rules = lexicon_for(config.lexicons).rules
        handle.write(render_json(report, rules=rules, lang=config.lang))
    from claimcheck.crawl.archive import file_sha256

    manifest["report_sha256"] = file_sha256(os.path.join(options.out, REPORT))
    _write_json(manifest_path, manifest)
    return manifest, report
