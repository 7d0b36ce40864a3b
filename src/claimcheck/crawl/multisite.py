"""Many sites in one crawl (`claimcheck crawl --sites FILE`, or several URLs): a sweep.

All sites run in one Scrapy process, one `SiteSpider` crawler per site, at most
`concurrent_sites` at once. Each crawler has its own downloader, so each site keeps its
own scope, robots decisions, limits and politeness (one request at a time per host, at
most one per --delay, AutoThrottle), and no two sites share a host because sites are
merged by site key first. A finished site is scored exactly as a single-site crawl is
(`runner.finish_audit`), in one worker thread so that scoring never stalls the other
crawls, and its entry in sweep.json is rewritten at once (layout: `crawl.sweep`).

With a shared frontier (`crawl --sites FILE --redis URL`, docs/redis.md) each site's
crawler takes the Redis frontier of that site (`redis_frontier.site_spec`) and writes
this worker's part under DIR/sites/<name>/parts/<worker-id>/; a site another worker
already finished is skipped; sweep.json is written once, by the first worker, with every
site "not merged": `claimcheck merge DIR` (`crawl.merge.merge_sweep`) fills it in.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from claimcheck.config import Config
from claimcheck.crawl.redis_frontier import PARTS, FrontierSpec
from claimcheck.crawl.runner import AuditStart, finish_audit, start_audit
from claimcheck.crawl.scope import normalise_url, site_key
from claimcheck.crawl.settings import CrawlOptions, scrapy_settings
from claimcheck.crawl.spider import AuditLog
from claimcheck.crawl.sweep import (
    SITES_DIR,
    SWEEP_FILE,
    SWEEP_KIND,
    site_dir_name,
    write_sweep,
)
from claimcheck.errors import ClaimcheckError, CrawlError

if TYPE_CHECKING:
    from claimcheck.crawl.redis_frontier import Frontier
    from claimcheck.engine import Engine

DEFAULT_CONCURRENT_SITES = 8
"""Sites crawled at the same time; each has its own per-host politeness."""
MAX_SITES_FILE_BYTES = 16 * 1024 * 1024
NOT_MERGED = "not merged: crawled through Redis; `claimcheck merge DIR` when every worker stopped"


@dataclass(frozen=True)
class SitePlan:
    """The sites of a sweep, in the order given, merged by site key, with the warnings
    about merged duplicates."""

    seeds: tuple[str, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteOutcome:
    """One site of a finished sweep, as its sweep.json entry says."""

    seed: str
    site: str
    directory: str
    status: str
    pages: int = 0
    errors: int = 0
    reason: str | None = None
    score: int | None = None
    grade: str | None = None


def read_sites_file(path: str) -> list[tuple[str, str]]:
    """(where, url) for each URL line of a sites file: one URL a line, blank lines and
    lines starting with '#' ignored. Raises CrawlError for an unreadable file."""
    try:
        if os.path.getsize(path) > MAX_SITES_FILE_BYTES:
            raise CrawlError(f"{path}: larger than {MAX_SITES_FILE_BYTES} bytes; refused")
        with open(path, encoding="utf-8-sig") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CrawlError(f"{path}: cannot read the sites file ({exc})") from None
    entries = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text and not text.startswith("#"):
            entries.append((f"{path}:{number}", text))
    return entries


def plan_sites(entries: Iterable[tuple[str, str]]) -> SitePlan:
    """Normalise every URL and merge those of the same site (the first one is the seed).
    Raises CrawlError naming the first bad entry ("FILE:LINE" or "argument N")."""
    seeds: list[str] = []
    first: dict[str, str] = {}
    warnings: list[str] = []
    for where, url in entries:
        if any(ch.isspace() for ch in url):
            raise CrawlError(f"{where}: one URL a line expected, got {url[:120]!r}")
        try:
            seed = normalise_url(url)
            key = site_key(seed)
        except ValueError:  # urlsplit: a port out of range
            raise CrawlError(f"{where}: not an http(s) URL: {url[:120]!r}") from None
        except CrawlError as exc:
            raise CrawlError(f"{where}: {exc}") from None
        if key in first:
            warnings.append(
                f"{where}: {url[:120]} is the same site as {first[key]} ({key}); merged"
            )
            continue
        first[key] = where
        seeds.append(seed)
    if not seeds:
        raise CrawlError("no site to crawl: the sites file holds no URL")
    return SitePlan(tuple(seeds), tuple(warnings))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class SweepProgress:
    """The one progress line of a sweep on stderr: sites done / total, pages, errors,
    elapsed; at most once a second, and at the end."""

    total: int
    logs: list[AuditLog] = field(default_factory=list)
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    _last: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def site_done(self) -> None:
        """Count a finished site and say so."""
        with self._lock:
            self.done += 1
        self.tick(force=True)

    def tick(self, force: bool = False, final: bool = False) -> None:
        """Print the line if a second has passed since the last one (or `force`)."""
        now = time.monotonic()
        with self._lock:
            if not (force or final) and now - self._last < 1.0:
                return
            self._last = now
            pages = sum(len(log.pages) for log in self.logs)
            errors = sum(
                len(log.errors) + sum(1 for p in log.pages if p["status"] >= 400)
                for log in self.logs
            )
            line = (
                f"sweep: {self.done}/{self.total} site(s) done, {pages} page(s), "
                f"{errors} error(s), {now - self.started:.1f}s elapsed"
            )
            tty = sys.stderr.isatty()
            end = "\n" if final or not tty else ""
            sys.stderr.write(("\r" if tty else "") + line + end)
            sys.stderr.flush()


@dataclass
class SweepLog(AuditLog):
    """A site's AuditLog whose progress goes to the sweep's one line."""

    sweep: SweepProgress | None = None

    def progress(self, queued: int, final: bool = False) -> None:
        """Tick the sweep's progress line instead of printing a line per site."""
        if self.sweep is not None:
            self.sweep.tick()


class _SweepIndex:
    """sweep.json kept in memory and rewritten (atomically) whenever an entry changes;
    written from the reactor thread and the scoring thread, hence the lock."""

    def __init__(
        self,
        directory: str,
        seeds: tuple[str, ...],
        started: str,
        shared: FrontierSpec | None = None,
    ) -> None:
        self.directory = directory
        self.persist = shared is None  # a worker of a shared sweep keeps its view to itself
        self.lock = threading.Lock()
        self.data: dict[str, Any] = {
            "kind": SWEEP_KIND,
            "sweep_version": "1.0",
            "started": started,
            "sites": [
                {
                    "seed": seed,
                    "site": site_key(seed),
                    "dir": f"{SITES_DIR}/{site_dir_name(seed)}",
                    "status": "incomplete",
                    "reason": "not started",
                }
                for seed in seeds
            ],
        }
        if shared is None:
            self.write()
        else:
            self._write_once(shared)

    def update(self, index: int, **values: Any) -> None:
        """Change one site's entry (a value of None removes the key) and rewrite."""
        with self.lock:
            entry = self.data["sites"][index]
            for key, value in values.items():
                if value is None:
                    entry.pop(key, None)
                else:
                    entry[key] = value
            self.write()

    def finish(self) -> None:
        """Stamp the end time and rewrite."""
        with self.lock:
            self.data["ended"] = _now()
            self.write()

    def write(self) -> None:
        """Rewrite sweep.json (callers hold the lock, or are alone)."""
        if self.persist:
            write_sweep(self.directory, self.data)

    def _write_once(self, shared: FrontierSpec) -> None:
        """A shared sweep's sweep.json, every site "not merged", written by the first
        worker to get here (a hard link creates it or fails: workers never overwrite it)."""
        from claimcheck.crawl.redis_frontier import redacted

        data = {
            **self.data,
            "frontier": {"redis": redacted(shared.url), "sweep_id": shared.audit_id},
            "sites": [{**e, "reason": NOT_MERGED} for e in self.data["sites"]],
        }
        path = os.path.join(self.directory, SWEEP_FILE)
        partial = f"{path}.{shared.worker_id}.partial"
        with open(partial, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        try:
            os.link(partial, path)
        except FileExistsError:
            pass  # another worker wrote it: same sites, same keys
        finally:
            os.unlink(partial)


def _no_page_reason(manifest: dict[str, Any]) -> str:
    """Why a site archived no page, as the single-site crawl says it."""
    robots = manifest.get("robots") or {}
    why = [f"robots.txt {robots['note']}"] if robots.get("note") else []
    why += [f"{e['url']}: {e['error']}" for e in manifest["errors"]]
    why += [f"{s['url']}: skipped ({s['reason']})" for s in manifest["skipped"]]
    return "no page archived" + (f" ({'; '.join(why[:3])})" if why else "")


@dataclass
class _Site:
    """A site's crawl while it runs: its options, its open audit and how it ended."""

    index: int
    options: CrawlOptions
    start: AuditStart | None = None
    log: SweepLog | None = None
    closed_reason: str | None = None
    failure: str | None = None
    finished: bool = False
    frontier: Frontier | None = None
    part_record: dict[str, Any] | None = None

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Scrapy's spider_closed signal: remember why the crawl ended."""
        self.closed_reason = reason


class Sweep:
    """One sweep run: see the module docstring. Use `run_sweep`."""

    def __init__(
        self,
        plan: SitePlan,
        template: CrawlOptions,
        config: Config | None,
        concurrent_sites: int,
        shared: FrontierSpec | None = None,
    ) -> None:
        self.plan = plan
        self.shared = shared
        self.template = template
        self.config = config
        self.concurrent_sites = max(1, concurrent_sites)
        self.directory = template.out
        self.sites = [
            _Site(
                i,
                replace(
                    template,
                    seed=seed,
                    out=os.path.join(template.out, SITES_DIR, site_dir_name(seed)),
                ),
            )
            for i, seed in enumerate(plan.seeds)
        ]
        self.progress = SweepProgress(total=len(self.sites))
        self.stopping = False
        self.cursor: Frontier | None = None  # the sweep's own keys: its site cursor
        self.taken: set[int] = set()
        self.index: _SweepIndex | None = None
        self.engine: Engine | None = None

    def run(self) -> list[SiteOutcome]:
        """Crawl every site, score each as it finishes; returns the outcomes in order."""
        from scrapy.crawler import CrawlerProcess

        if self.shared is None:
            _prepare_sweep_dir(self.directory)
        else:
            self._prepare_shared()
        self.index = _SweepIndex(self.directory, self.plan.seeds, _now(), self.shared)
        from scrapy.utils.reactor import install_reactor

        process = CrawlerProcess(settings=scrapy_settings(self.template))
        # Scrapy would install its reactor when the first crawl starts; the sweep needs it
        # before (Twisted's default reactor is installed by the first import otherwise)
        install_reactor(process.settings["TWISTED_REACTOR"], process.settings["ASYNCIO_EVENT_LOOP"])
        from twisted.internet import defer, reactor
        from twisted.python.threadpool import ThreadPool

        pool = ThreadPool(1, 1, name="claimcheck-sweep-scoring")
        pool.start()
        semaphore = defer.DeferredSemaphore(self.concurrent_sites)
        if self.shared is None:
            runs = [semaphore.run(self._crawl_site, process, pool, site) for site in self.sites]
        else:  # which site a slot takes is decided when the slot frees (_next_shared)
            runs = [semaphore.run(self._crawl_next, process, pool) for _ in self.sites]
        every = defer.DeferredList(runs, consumeErrors=True)
        reactor.callWhenRunning(lambda: every.addBoth(lambda _: _stop(reactor)))
        try:
            process.start(stop_after_crawl=False)
        finally:
            pool.stop()  # runs every scoring job already queued
        for site in self.sites:  # interrupted before its crawl deferred fired
            if site.start is not None and not site.finished:
                self._finish_site(site)
            elif site.start is None and self.stopping and not site.finished:
                self.index.update(site.index, reason="not started: the sweep was interrupted")
        self.progress.tick(final=True)
        self.index.finish()
        return self.outcomes()

    def _crawl_site(self, process: Any, pool: Any, site: _Site):
        """Start one site's crawler (called when a slot is free); its Deferred fires when
        the crawl ends, and its scoring is queued on the scoring thread."""
        from scrapy import signals
        from twisted.internet import reactor, threads

        from claimcheck.crawl.spider import SiteSpider

        if self.stopping:
            return None
        assert self.index is not None
        try:
            if self.shared is not None and not self._open_part(site):
                site.finished = True
                self.index.update(site.index, status="done", reason="finished by other workers")
                self.progress.site_done()
                return None
            site.start = start_audit(site.options)
        except (CrawlError, OSError) as exc:
            site.finished = True
            self.index.update(site.index, status="failed", reason=str(exc)[:500])
            self.progress.site_done()
            if self.shared is not None and site.start is None:
                self.stopping = True  # Redis unreachable: every next site would fail alike
            return None
        site.log = SweepLog(sweep=self.progress)
        self.progress.logs.append(site.log)
        self.index.update(site.index, reason="crawling")
        if site.frontier is None:
            crawler = process.create_crawler(SiteSpider)
        else:  # the site's own frontier: its Scrapy settings are this crawler's alone
            from scrapy.crawler import Crawler

            settings = scrapy_settings(site.options)
            settings.update(site.frontier.scrapy_settings())
            crawler = process.create_crawler(Crawler(SiteSpider, settings))
        crawler.signals.connect(site.spider_closed, signal=signals.spider_closed)
        deferred = process.crawl(
            crawler, options=site.options, archive=site.start.archive, log=site.log
        )

        def ended(result: Any) -> Any:
            if hasattr(result, "getErrorMessage"):  # a Failure: the crawler itself broke
                site.failure = f"{result.type.__name__}: {result.getErrorMessage()}"[:500]
            if site.closed_reason not in (None, "finished"):
                self.stopping = True  # Ctrl-C: start no further site
            threads.deferToThreadPool(reactor, pool, self._finish_site, site).addErrback(
                lambda failure: None  # _finish_site records its own failures
            )
            return None

        return deferred.addBoth(ended)

    def _prepare_shared(self) -> None:
        """A shared sweep's directory: new, empty, or another local worker's sweep (maybe
        still being started: only sites/ and sweep.json files in it); no site may hold
        this worker's part yet. Raises CrawlError."""
        from claimcheck.crawl.redis_frontier import Frontier
        from claimcheck.crawl.sweep import is_sweep_dir

        assert self.shared is not None
        self.cursor = Frontier(self.shared)  # unreachable: one line before anything is written
        out = self.directory
        names = os.listdir(out) if os.path.isdir(out) else None
        starting = names is not None and all(
            n == SITES_DIR or n.startswith(SWEEP_FILE) for n in names
        )
        if os.path.exists(out) and not (starting or is_sweep_dir(out)):
            raise CrawlError(f"{out}: already exists and is not an empty or sweep directory")
        for site in self.sites:
            part = os.path.join(site.options.out, PARTS, self.shared.worker_id)
            if os.path.exists(part) or os.path.exists(f"{part}.json"):
                raise CrawlError(f"{part}: already exists; give each worker its own --worker-id")
        try:
            os.makedirs(os.path.join(out, SITES_DIR), exist_ok=True)
        except OSError as exc:
            raise CrawlError(f"{out}: {exc.strerror or exc}") from None

    def _crawl_next(self, process: Any, pool: Any):
        """Start this worker's next site of a shared sweep (see _next_shared)."""
        site = self._next_shared()
        return None if site is None else self._crawl_site(process, pool, site)

    def _next_shared(self) -> _Site | None:
        """The next site for this worker: first the sweep's shared cursor (each site handed
        to one worker first, so N workers start N x --concurrent-sites different sites),
        then, once every site is handed out, each site this worker has not taken, in
        order: it joins the sites still crawling and skips the finished ones."""
        import redis

        assert self.cursor is not None
        untaken = [site for site in self.sites if site.index not in self.taken]
        if not untaken or self.stopping:
            return None
        choice = untaken[0]
        try:
            handed = self.cursor.next_site()
        except redis.RedisError:
            handed = len(self.sites)  # _open_part reports the lost server per site
        if handed < len(self.sites) and handed not in self.taken:
            choice = self.sites[handed]
        self.taken.add(choice.index)
        return choice

    def _open_part(self, site: _Site) -> bool:
        """Join the site's shared frontier and point the site's crawl at this worker's
        part; False when other workers already finished the site. Raises CrawlError."""
        from claimcheck.crawl.redis_frontier import Frontier, open_part, site_spec

        assert self.shared is not None
        name = site_dir_name(site.options.seed)
        spec = site_spec(self.shared, name, site.options.max_pages)
        frontier = Frontier(replace(spec, delay=site.options.delay))
        if frontier.finished():
            return False
        try:
            part, site.part_record = open_part(site.options, frontier)
        except CrawlError:
            if frontier.finished():  # finished between the check and joining: skip it
                return False
            raise
        site.frontier = frontier
        site.options = replace(site.options, out=part)
        return True

    def _close_part(self, site: _Site, pages: int) -> None:
        """Say in the part's record how this worker's crawl of the site ended: "finished"
        means the site's stop rule held (its shared queue ran dry), which merge reads."""
        from claimcheck.crawl.redis_frontier import write_part_record

        assert site.frontier is not None and site.part_record is not None
        closed = "redis lost" if site.frontier.lost else site.closed_reason or "stopped"
        record = {**site.part_record, "closed": closed, "pages": pages, "ended": _now()}
        write_part_record(site.options.out, record)
        with suppress(Exception):  # one connection per site; a sweep may hold thousands
            site.frontier.redis.close()

    def _finish_site(self, site: _Site) -> None:
        """Write the site's manifest and report (as a single-site crawl does) and its
        sweep.json entry. Runs on the scoring thread, or at the end after an interrupt."""
        assert self.index is not None and site.start is not None and site.log is not None
        if site.finished:
            return
        site.finished = True
        try:
            if self.engine is None:  # built once, on the thread that scores every site
                from claimcheck.engine import Engine

                self.engine = Engine(self.config)
            manifest, report = finish_audit(
                site.options, self.config, site.start, site.log, engine=self.engine
            )
        except (ClaimcheckError, OSError) as exc:
            self.index.update(site.index, status="failed", reason=f"not scored: {exc}"[:500])
            self.progress.site_done()
            return
        from claimcheck.crawl.archive import MANIFEST, file_sha256

        pages, errors = len(manifest["pages"]), len(manifest["errors"])
        if site.frontier is not None:
            self._close_part(site, pages)
            if site.frontier.lost:
                site.closed_reason = "redis lost"
        interrupted = site.closed_reason not in (None, "finished") or (
            site.closed_reason is None and site.failure is None
        )
        if site.failure is not None:
            status, reason = "failed", site.failure
        elif interrupted:
            status, reason = "incomplete", f"interrupted ({site.closed_reason or 'stopped'})"
        elif not pages and self.shared is None:  # a worker's part may hold no page
            status, reason = "failed", _no_page_reason(manifest)[:500]
        else:
            status, reason = "done", None
        self.index.update(
            site.index,
            status=status,
            reason=reason,
            pages=pages,
            errors=errors,
            manifest_sha256=file_sha256(os.path.join(site.options.out, MANIFEST)),
            score=report.site.score if report.site else None,
            grade=report.site.grade if report.site else None,
        )
        self.progress.site_done()

    def outcomes(self) -> list[SiteOutcome]:
        """Each site as its sweep.json entry says, in sweep order."""
        assert self.index is not None
        return [
            SiteOutcome(
                seed=entry["seed"],
                site=entry["site"],
                directory=os.path.join(self.directory, entry["dir"]),
                status=entry["status"],
                pages=entry.get("pages", 0),
                errors=entry.get("errors", 0),
                reason=entry.get("reason"),
                score=entry.get("score"),
                grade=entry.get("grade"),
            )
            for entry in self.index.data["sites"]
        ]


def _stop(reactor: Any) -> None:
    from twisted.internet.error import ReactorNotRunning

    with suppress(ReactorNotRunning):  # already stopping after Ctrl-C
        reactor.stop()


def _prepare_sweep_dir(out: str) -> None:
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        raise CrawlError(f"{out}: already exists and is not an empty directory")
    try:
        os.makedirs(os.path.join(out, SITES_DIR), exist_ok=True)
    except OSError as exc:
        raise CrawlError(f"{out}: {exc.strerror or exc}") from None


def run_sweep(
    plan: SitePlan,
    template: CrawlOptions,
    config: Config | None = None,
    concurrent_sites: int = DEFAULT_CONCURRENT_SITES,
    shared: FrontierSpec | None = None,
) -> list[SiteOutcome]:
    """Crawl every site of `plan` into `template.out` (a sweep directory) with the limits
    of `template`; returns each site's outcome. Call once per process (Twisted's reactor
    cannot restart). Raises CrawlError when the directory cannot be used.

    With `shared` (the sweep's frontier: Redis URL, sweep id, worker id, idle timeout),
    this process is one worker of a sweep crawled through Redis: each site's outcome is
    this worker's part of it, and the sweep is whole after `claimcheck merge`."""
    if template.ignore_robots:
        print(
            "claimcheck: warning: --ignore-robots: robots.txt is not obeyed; "
            "this is recorded in each site's audit manifest",
            file=sys.stderr,
        )
    return Sweep(plan, template, config, concurrent_sites, shared).run()
