"""A crawl frontier shared by several worker processes through Redis (`crawl --redis`).

Scrapy's scheduler and duplicate filter become scrapy-redis's, under a key prefix named
by the audit (`claimcheck:<audit-id>:`), so workers on one machine or many share one
queue and one set of request fingerprints. Around that, this module adds what an audit
needs and scrapy-redis does not give:

- **admission**: a page URL is admitted once for the whole audit, and `--max-pages`
  counts admissions across workers (one Lua script: seen? over the limit? else admit);
- **in-flight tracking**: every request a worker pops is kept in its own Redis hash
  until Scrapy has finished with it (response archived and its links queued, or its
  replacement redirect/retry queued); a worker whose heartbeat key expires is dead and
  its in-flight requests are pushed back onto the queue by whichever worker sees it;
- **politeness across workers**: with `--delay`, a worker pops a request only when it
  holds the audit's turn (a key that lives `--delay` seconds), so N workers on one site
  send no faster than one would; parallelism pays off with `--delay 0` on servers you
  may load, or with many sites;
- **the stop rule**: a worker stops when the queue is empty, no live worker holds an
  in-flight request, and that has held for `idle_timeout` seconds on its own clock;
- **a JSON request codec** instead of scrapy-redis's default pickle, so nothing read
  from a shared server is unpickled.

The scheduler itself is `claimcheck.crawl.redis_scheduler.SharedScheduler` (it imports
scrapy-redis; this module needs redis-py only when a Frontier connects).

The robots.txt of the site is fetched by every worker for itself (each process needs the
rules, and each part records its decisions); it never enters the shared queue. Only
the first worker to read robots.txt queues the seed and the sitemaps.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import socket
import time
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from claimcheck.errors import CrawlError

if TYPE_CHECKING:
    from claimcheck.config import Config
    from claimcheck.crawl.settings import CrawlOptions
    from claimcheck.model import Report

HEARTBEAT_SECONDS = 1.0
"""How often a worker refreshes its liveness key and re-checks the shared queue."""
MIN_LIVENESS = 3
"""A worker silent for its idle timeout, and at least this many seconds, counts as dead."""
DEFAULT_IDLE_TIMEOUT = 10.0
"""Seconds the whole audit must stay idle (empty queue, nothing in flight) before a worker stops."""
KEY_TTL = 7 * 24 * 3600
"""Every key of an audit expires a week after the last worker activity."""
PARTS = "parts"
"""The subdirectory of --out that holds one part per worker."""
_ID_RE = re.compile(r"[^A-Za-z0-9._-]+")

_ADMIT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[2]) then return -1 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
return 1
"""
_REQUEUE_DEAD = """
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local items = redis.call('HVALS', KEYS[2])
for _, item in ipairs(items) do redis.call('ZADD', KEYS[3], -1000, item) end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[4], ARGV[1])
return #items
"""


def clean_id(value: str) -> str:
    """An audit or worker id made safe for Redis keys and directory names."""
    cleaned = _ID_RE.sub("-", value).strip("-.")[:80]
    if not cleaned:
        raise CrawlError(f"{value!r}: not usable as an id (letters, digits, '.', '_', '-')")
    return cleaned


def default_worker_id() -> str:
    """hostname-pid: unique per process on one machine, readable in the parts directory."""
    return clean_id(f"{socket.gethostname()}-{os.getpid()}")


def redacted(url: str) -> str:
    """The Redis URL without its password, as recorded in manifests."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class JsonRequestCodec:
    """scrapy-redis serializer (loads/dumps) in JSON; bytes become {"$b": base64}.

    Requests are read from a shared server: pickle would run whatever another client put
    there, JSON cannot.
    """

    @staticmethod
    def _enc(value: Any) -> Any:
        if isinstance(value, bytes):
            return {"$b": base64.b64encode(value).decode("ascii")}
        if isinstance(value, dict):
            return {
                (k.decode("latin-1") if isinstance(k, bytes) else str(k)): JsonRequestCodec._enc(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [JsonRequestCodec._enc(v) for v in value]
        if value is None or isinstance(value, str | int | float | bool):
            return value
        return str(value)

    @staticmethod
    def _dec(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"$b"}:
                return base64.b64decode(value["$b"])
            return {k: JsonRequestCodec._dec(v) for k, v in value.items()}
        if isinstance(value, list):
            return [JsonRequestCodec._dec(v) for v in value]
        return value

    @staticmethod
    def dumps(obj: dict[str, Any]) -> bytes:
        """A request dict (Request.to_dict) as JSON bytes."""
        return json.dumps(JsonRequestCodec._enc(obj), separators=(",", ":")).encode("utf-8")

    @staticmethod
    def loads(data: bytes | str) -> dict[str, Any]:
        """The request dict back from JSON bytes."""
        return JsonRequestCodec._dec(json.loads(data))


@dataclass(frozen=True)
class FrontierSpec:
    """Which shared frontier a worker joins: recorded (password removed) in its part."""

    url: str
    audit_id: str
    worker_id: str
    max_pages: int
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    delay: float = 0.0

    @property
    def liveness(self) -> int:
        """Seconds without a heartbeat after which this worker counts as dead and its
        in-flight requests go back on the queue: the idle timeout, at least MIN_LIVENESS."""
        return max(MIN_LIVENESS, math.ceil(self.idle_timeout))

    @property
    def prefix(self) -> str:
        """The key prefix every key of this audit starts with."""
        return f"claimcheck:{self.audit_id}"


class Frontier:
    """A worker's handle on the shared frontier: admission, seed claim, liveness, idle rule."""

    def __init__(self, spec: FrontierSpec) -> None:
        import redis

        self.spec = spec
        p = spec.prefix
        self.keys = {
            "queue": f"{p}:requests",
            "dupefilter": f"{p}:dupefilter",
            "admitted": f"{p}:admitted",
            "pages": f"{p}:pages",
            "seeded": f"{p}:seeded",
            "workers": f"{p}:workers",
            "finished": f"{p}:finished",
            "turn": f"{p}:turn",
        }
        try:
            self.redis = redis.Redis.from_url(spec.url, socket_connect_timeout=5, socket_timeout=30)
            self.redis.ping()
        except (redis.RedisError, ValueError) as exc:
            raise CrawlError(f"--redis {redacted(spec.url)}: {one_line(exc)}") from None
        self._admit = self.redis.register_script(_ADMIT)
        self._requeue = self.redis.register_script(_REQUEUE_DEAD)
        self.idle_since: float | None = None
        self.lost: str | None = None  # why the connection was lost mid-crawl, if it was

    def __deepcopy__(self, memo: dict) -> Frontier:
        return self  # Scrapy deep-copies its settings; one connection per worker is meant

    def alive_key(self, worker: str) -> str:
        """The key whose presence says `worker` is alive (refreshed by its heartbeat)."""
        return f"{self.spec.prefix}:alive:{worker}"

    def inflight_key(self, worker: str) -> str:
        """The hash of requests `worker` has popped and not finished with."""
        return f"{self.spec.prefix}:inflight:{worker}"

    def join(self) -> None:
        """Register this worker; CrawlError when the audit already finished on this server
        (a reused --audit-id would silently crawl nothing)."""
        if self.redis.exists(self.keys["finished"]):
            raise CrawlError(
                f"audit {self.spec.audit_id!r} already finished on {redacted(self.spec.url)}; "
                "give a new --audit-id"
            )
        self.redis.sadd(self.keys["workers"], self.spec.worker_id)
        self.heartbeat()

    def next_site(self) -> int:
        """A sweep's cursor: 0, 1, 2 ... across all workers (each index handed out once)."""
        key = f"{self.spec.prefix}:cursor"
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, KEY_TTL)
        return int(pipe.execute()[0]) - 1

    def finished(self) -> bool:
        """True when the stop rule already held for this audit (another worker finished it)."""
        return bool(self.redis.exists(self.keys["finished"]))

    def heartbeat(self) -> bool:
        """Say this worker is alive for the next `liveness` seconds and keep the audit's
        keys alive; False when the audit's keys vanished (this worker was no longer
        registered and the seed mark is gone: Redis restarted without persistence, or the
        keys were deleted). A worker taken for dead after a stall just registers again."""
        pipe = self.redis.pipeline()
        pipe.sadd(self.keys["workers"], self.spec.worker_id)
        pipe.exists(self.keys["seeded"])
        pipe.set(self.alive_key(self.spec.worker_id), "1", ex=self.spec.liveness)
        for name, key in self.keys.items():
            if name != "turn":  # the turn lives --delay seconds, never longer
                pipe.expire(key, KEY_TTL)
        added, seeded, *_ = pipe.execute()
        return not (added and not seeded)

    def claim_seed(self) -> bool:
        """True for exactly one worker of the audit: the one that queues seed and sitemaps."""
        return bool(self.redis.set(self.keys["seeded"], self.spec.worker_id, nx=True))

    def admit(self, url: str) -> str | None:
        """None when this worker should fetch `url` (first admission, within --max-pages),
        "seen" when another worker already has, "page limit" when the global limit is spent."""
        verdict = self._admit(
            keys=[self.keys["admitted"], self.keys["pages"]], args=[url, self.spec.max_pages]
        )
        return None if verdict == 1 else "seen" if verdict == 0 else "page limit"

    def take_turn(self) -> float:
        """0 when this worker may send the audit's next request now (the turn is then held
        for --delay seconds, for every worker), else the seconds until the turn is free."""
        if self.spec.delay <= 0:
            return 0.0
        if self.redis.set(self.keys["turn"], self.spec.worker_id, nx=True, px=self._delay_ms):
            return 0.0
        left = self.redis.pttl(self.keys["turn"]) / 1000
        return min(max(0.01, left), self.spec.delay)

    @property
    def _delay_ms(self) -> int:
        return max(1, round(self.spec.delay * 1000))

    def track(self, token: str, encoded: bytes) -> None:
        """Remember a popped request until this worker has finished with it."""
        self.redis.hset(self.inflight_key(self.spec.worker_id), token, encoded)

    def ack(self, tokens: list[str]) -> None:
        """Forget finished requests."""
        if tokens:
            self.redis.hdel(self.inflight_key(self.spec.worker_id), *tokens)

    def requeue_dead(self) -> int:
        """Push the in-flight requests of every worker whose heartbeat expired back onto the
        queue (atomically, once); returns how many requests were requeued."""
        total = 0
        for raw in self.redis.smembers(self.keys["workers"]):
            worker = raw.decode() if isinstance(raw, bytes) else raw
            keys = [
                self.alive_key(worker),
                self.inflight_key(worker),
                self.keys["queue"],
                self.keys["workers"],
            ]
            total += max(0, int(self._requeue(keys=keys, args=[worker])))
        return total

    def audit_idle(self) -> bool:
        """True when the queue is empty, the seed has been queued, and no live worker holds
        an in-flight request (dead workers' requests are requeued first)."""
        self.requeue_dead()
        if not self.redis.exists(self.keys["seeded"]) or self.redis.zcard(self.keys["queue"]):
            return False
        workers = [w.decode() for w in self.redis.smembers(self.keys["workers"])]
        return not any(self.redis.hlen(self.inflight_key(w)) for w in workers)

    def may_stop(self, now: float | None = None) -> bool:
        """The stop rule: the audit has been idle for `idle_timeout` seconds in a row."""
        now = time.monotonic() if now is None else now
        if not self.audit_idle():
            self.idle_since = None
            return False
        if self.idle_since is None:
            self.idle_since = now
        return now - self.idle_since >= self.spec.idle_timeout

    def leave(self, finished: bool) -> None:
        """This worker stops; `finished` (the stop rule held) marks the whole audit done."""
        pipe = self.redis.pipeline()
        if finished:
            pipe.set(self.keys["finished"], "1", ex=KEY_TTL)
        pipe.delete(self.inflight_key(self.spec.worker_id))
        pipe.delete(self.alive_key(self.spec.worker_id))
        pipe.srem(self.keys["workers"], self.spec.worker_id)
        pipe.execute()

    def describe(self) -> dict[str, Any]:
        """What the part's manifest records about the shared frontier."""
        return {
            "redis": redacted(self.spec.url),
            "audit_id": self.spec.audit_id,
            "worker_id": self.spec.worker_id,
            "key_prefix": self.spec.prefix,
            "max_pages_global": self.spec.max_pages,
            "idle_timeout": self.spec.idle_timeout,
            "delay_global": self.spec.delay,
        }

    def scrapy_settings(self) -> dict[str, Any]:
        """The Scrapy settings that put this frontier under the crawl.

        With --delay, the shared turn spaces the requests of all workers, so each worker
        sends one request at a time with no delay of its own: a request is sent when it is
        popped, and a per-process delay or AutoThrottle would decouple the two.
        """
        polite = {
            "CONCURRENT_REQUESTS": 1,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
        }
        return {
            **(polite if self.spec.delay > 0 else {}),
            "SCHEDULER": "claimcheck.crawl.redis_scheduler.SharedScheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_QUEUE_KEY": self.keys["queue"],
            "SCHEDULER_DUPEFILTER_KEY": self.keys["dupefilter"],
            "SCHEDULER_SERIALIZER": JsonRequestCodec,
            "SCHEDULER_PERSIST": True,  # the queue belongs to the audit, not to one worker
            "REDIS_URL": self.spec.url,
            "CLAIMCHECK_FRONTIER": self,
        }


def site_spec(spec: FrontierSpec, site_name: str, max_pages: int) -> FrontierSpec:
    """The frontier of one site of a sweep crawled through Redis: the sweep's id and the
    site's directory name make its key prefix (`claimcheck:<sweep-id>:<site>:`), so every
    worker of the sweep shares each site's queue and no two sites share one."""
    return replace(spec, audit_id=f"{spec.audit_id}:{site_name}", max_pages=max_pages)


def part_dir(options: CrawlOptions, spec: FrontierSpec) -> str:
    """Where this worker's part of the audit in `options.out` goes: OUT/parts/<worker-id>."""
    return os.path.join(options.out, PARTS, spec.worker_id)


def open_part(options: CrawlOptions, frontier: Frontier) -> tuple[str, dict[str, Any]]:
    """Join the shared frontier and record it beside this worker's part (merge reads the
    record); returns the part directory (not yet created) and the record. Raises
    CrawlError when the part exists, the directory cannot be made, or the audit already
    finished on the server."""
    part = part_dir(options, frontier.spec)
    if os.path.exists(part):
        raise CrawlError(f"{part}: already exists; give each worker its own --worker-id")
    try:
        os.makedirs(os.path.dirname(part), exist_ok=True)
    except OSError as exc:
        raise CrawlError(f"{options.out}: {exc.strerror or exc}") from None
    frontier.join()
    record = {
        **frontier.describe(),
        "seed": options.seed,
        "settings": {k: v for k, v in asdict(options).items() if k != "out"},
    }
    write_part_record(part, record)
    return part, record


def write_part_record(part: str, record: dict[str, Any]) -> None:
    """(Re)write the record beside a part: PART.json."""
    with open(f"{part}.json", "w", encoding="utf-8") as handle:
        json.dump(record, handle, ensure_ascii=False, indent=2)
        handle.write("\n")


def run_worker(
    options: CrawlOptions, spec: FrontierSpec, config: Config | None = None
) -> tuple[dict, Report]:
    """One worker of a shared crawl: its pages go to OUT/parts/<worker-id>/, an ordinary
    audit directory; returns that part's (manifest, report). Raises CrawlError when Redis
    is unreachable, the audit already finished there, or the part directory is in use."""
    from claimcheck.crawl.runner import run_crawl

    frontier = Frontier(replace(spec, delay=options.delay))
    part, _ = open_part(options, frontier)
    result = run_crawl(replace(options, out=part), config, frontier=frontier)
    if frontier.lost:
        raise CrawlError(
            f"--redis {redacted(spec.url)}: lost mid-crawl ({frontier.lost}); this worker's "
            f"part {part} holds what it fetched; start workers again to finish the audit"
        )
    return result


def one_line(exc: BaseException) -> str:
    """An exception as one short line, for the CLI's one-line errors."""
    return " ".join(str(exc).split())[:160] or type(exc).__name__
