"""The Scrapy scheduler of `crawl --redis`: scrapy-redis's, adapted to an audit crawl.

Kept apart from `redis_frontier` so that importing the frontier's constants (as `merge`
does) needs neither scrapy-redis nor redis; Scrapy loads this module by name from the
SCHEDULER setting.
"""

from __future__ import annotations

import contextlib
import uuid
from collections import deque

from scrapy_redis.scheduler import Scheduler

from claimcheck.crawl.redis_frontier import HEARTBEAT_SECONDS, one_line


class SharedScheduler(Scheduler):
    """scrapy-redis's Scheduler with the audit's additions (the adapter to Scrapy 2.19):

    - open() does not call `spider.log` (SiteSpider.log is its AuditLog, not a method);
    - robots.txt requests stay in a local queue, and no shared request is popped before
      this worker has read robots.txt (its scope and robots checks need the rules);
    - with --delay, a shared request is popped only when this worker holds the audit's
      turn (a Redis key set for --delay seconds), so all workers together send at most one
      request per --delay to the site;
    - each popped request is tracked in Redis until Scrapy's engine no longer has it in
      progress; a redirect or retry replacement is queued before its original is acked;
    - on the engine's idle signal the stop rule decides, and a heartbeat every second
      keeps this worker alive in Redis and wakes the engine to look at the shared queue.
    """

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        """The scheduler, its frontier and its heartbeat, wired to the crawler's signals."""
        from scrapy import signals

        instance = super().from_crawler(crawler)
        instance.crawler = crawler
        instance.frontier = crawler.settings.get("CLAIMCHECK_FRONTIER")
        instance.local = deque()
        instance.popped = {}
        instance.loop = None
        crawler.signals.connect(instance.on_idle, signal=signals.spider_idle)
        return instance

    def open(self, spider):  # type: ignore[no-untyped-def]
        """Open the shared queue and start the heartbeat."""
        from scrapy.utils.misc import load_object
        from twisted.internet import task

        # scrapy-redis's open() calls spider.log(...) when the queue is not empty, and
        # SiteSpider.log is its AuditLog: the queue and dupefilter are opened here instead
        self.spider = spider
        key = self.queue_key % {"spider": spider.name}
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=key, serializer=self.serializer
        )
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        self.loop = task.LoopingCall(self._beat)
        self.loop.start(HEARTBEAT_SECONDS, now=False)

    def close(self, reason):  # type: ignore[no-untyped-def]
        """Stop the heartbeat and leave the audit; the shared queue persists."""
        import redis

        if self.loop is not None and self.loop.running:
            self.loop.stop()
        with contextlib.suppress(redis.RedisError):
            self.frontier.leave(finished=reason == "finished" and not self.frontier.lost)
        # a sweep worker opens a scheduler per site: its connections go with the site
        for client in {id(c): c for c in (self.server, getattr(self.df, "server", None))}.values():
            if client is not None and client is not self.frontier.redis:
                with contextlib.suppress(redis.RedisError):
                    client.close()

    def _lose(self, exc: Exception) -> None:
        """Redis went away: remember why and close this worker's crawl (its part stays a
        complete audit of what it fetched; the CLI then exits 2)."""
        from scrapy.utils.defer import deferred_from_coro

        if self.frontier.lost:
            return
        self.frontier.lost = one_line(exc)
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.closing = deferred_from_coro(
            self.crawler.engine.close_spider_async(reason="redis lost")
        )

    def enqueue_request(self, request) -> bool:  # type: ignore[no-untyped-def]
        """robots.txt locally; anything else into the shared queue (see _enqueue)."""
        import redis

        try:
            return self._enqueue(request)
        except redis.RedisError as exc:
            self._lose(exc)
            return False

    def _enqueue(self, request) -> bool:  # type: ignore[no-untyped-def]
        """robots.txt locally; anything else into the shared queue, then ack the request
        it replaces (a redirect or retry carries its original's token)."""
        if request.meta.get("kind") == "robots":
            self.local.append(request)
            return True
        replaced = request.meta.pop("claimcheck_token", None)
        added = super().enqueue_request(request)
        if replaced is not None:
            self.spider.archive._file.flush()  # the redirect or error answer it replaces
            self.popped.pop(replaced, None)
            self.frontier.ack([replaced])
        return added

    def next_request(self):  # type: ignore[no-untyped-def]
        """The next request (see _next); None when Redis is lost."""
        import redis

        try:
            return self._next()
        except redis.RedisError as exc:
            self._lose(exc)
            return None

    def _next(self):  # type: ignore[no-untyped-def]
        """A local request first; a shared one only once robots.txt has been read."""
        self._ack_finished()
        if self.local:
            return self.local.popleft()
        if not getattr(self.spider, "log", None) or not self.spider.log.robots:
            return None
        if not len(self.queue):
            return None
        wait = self.frontier.take_turn()  # --delay holds across workers, not per process
        if wait:
            slot = getattr(self.crawler.engine, "_slot", None)
            if slot is not None:
                slot.nextcall.schedule(wait)
            return None
        request = self.queue.pop()
        if request is None:
            return None
        token = uuid.uuid4().hex
        self.frontier.track(token, self.queue._encode_request(request))
        request.meta["claimcheck_token"] = token
        self.popped[token] = request
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis", spider=self.spider)
        return request

    def has_pending_requests(self) -> bool:
        """Local requests, or shared ones this worker may take."""
        import redis

        if self.local:
            return True
        if self.frontier.lost:
            return False
        try:
            return len(self.queue) > 0
        except redis.RedisError as exc:
            self._lose(exc)
            return False

    def _in_progress(self) -> set | None:
        slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        return getattr(slot, "inprogress", None)

    def _ack_finished(self) -> None:
        """Ack every popped request the engine has finished with (callbacks done)."""
        in_progress = self._in_progress()
        if in_progress is None or not self.popped:
            return
        done = [t for t, r in self.popped.items() if r not in in_progress]
        if done:  # whatever is acked must be on disk first: a killed worker's part keeps it
            self.spider.archive._file.flush()
        for token in done:
            del self.popped[token]
        self.frontier.ack(done)

    def _beat(self) -> None:
        """Every second: liveness, acknowledgements, and a look at the shared queue."""
        import redis

        try:
            self._beat_once()
        except redis.RedisError as exc:
            self._lose(exc)

    def _beat_once(self) -> None:
        if not self.frontier.heartbeat():
            self._lose(RuntimeError("the audit's keys vanished: Redis restarted or was cleared"))
            return
        self._ack_finished()
        slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        if slot is not None:  # look at the shared queue (and the stop rule) again
            slot.nextcall.schedule()

    def on_idle(self, spider=None) -> None:  # type: ignore[no-untyped-def]
        """The engine is idle here: stop only when the whole audit has been idle long
        enough (DontCloseSpider otherwise)."""
        import redis
        from scrapy.exceptions import DontCloseSpider

        if self.frontier.lost:
            return
        try:
            self._idle_check()
        except redis.RedisError as exc:
            self._lose(exc)
            raise DontCloseSpider() from None

    def _idle_check(self) -> None:
        from scrapy.exceptions import DontCloseSpider

        self._ack_finished()
        if self.popped and self._in_progress() is None:  # no engine view: idle means done
            self.spider.archive._file.flush()
            self.frontier.ack(list(self.popped))
            self.popped.clear()
        if not self.frontier.may_stop():
            raise DontCloseSpider()
