"""What the Redis crawl tests and benchmarks/redis_crawl.py share: a throwaway
redis-server, a local clinic site that counts and times every fetch, and the command line
of one `crawl --redis` worker.

Decision: this module lives with the tests and imports neither pytest nor claimcheck, so
the benchmark can import it too: run from the repository root (`python
benchmarks/redis_crawl.py`), the benchmark puts the root on sys.path and imports
`tests.redis_support`. The pytest marker for a missing redis-server is
`tests.helpers.needs_redis`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.servers import QuietHandler, free_port, start_server

REDIS_SERVER = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
)
NO_REDIS_SERVER = "redis-server is not installed (apt-get install redis-server)"
CLAIMCHECK = [sys.executable, "-m", "claimcheck"]
PAGES = 30
NO_PERSISTENCE = ("--save", "", "--appendonly", "no")


def start_redis() -> tuple[subprocess.Popen, str]:
    """A throwaway redis-server on a free 127.0.0.1 port (no RDB, no AOF), once it accepts
    connections, and its URL; RuntimeError when it is missing or does not start in 10 s."""
    if REDIS_SERVER is None:
        raise RuntimeError(NO_REDIS_SERVER)
    port = free_port()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", *NO_PERSISTENCE],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server's URL for the duration of the block."""
    proc, url = start_redis()
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def clinic_page(n: int, links: Iterable[int], sentence: str) -> bytes:
    """Page n of a Spanish clinic site: a heading, `sentence` and links to /p/M."""
    nav = " ".join(f'<a href="/p/{m}">Página {m}</a>' for m in links)
    return (
        '<!DOCTYPE html><html lang="es-MX"><head><meta charset="utf-8">'
        f"<title>Clínica {n}</title></head><body><main><h1>Tratamiento {n}</h1>"
        f"<p>{sentence}, página {n}.</p><nav>{nav}</nav></main></body></html>"
    ).encode()


def tangled_page(n: int) -> bytes:
    """Page n of the tests' site of PAGES pages: three links each, a tangled graph, and a
    cure claim on every page."""
    links = ((n * 3 + 1) % PAGES, (n * 7 + 2) % PAGES, n + 1)
    return clinic_page(
        n, (m for m in links if 0 < m < PAGES), "Nuestras células madre curan la diabetes tipo 2"
    )


class ClinicSite:
    """A local site: / is page 0, /p/1 .. /p/N-1 the others, each answered by `page(n)`
    after `delay` seconds; robots.txt allows all; anything else is a 404. Every request is
    counted per path (`fetches`) and timed as it arrives (`times`: (monotonic, path))."""

    def __init__(
        self, delay: float, pages: int = PAGES, page: Callable[[int], bytes] = tangled_page
    ) -> None:
        self.pages = pages
        self.fetches: Counter[str] = Counter()
        self.times: list[tuple[float, str]] = []
        lock = threading.Lock()
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                with lock:
                    site.fetches[self.path] += 1
                    site.times.append((time.monotonic(), self.path))
                if self.path == "/robots.txt":
                    self.reply(200, b"User-agent: *\nAllow: /\n", "text/plain")
                    return
                tail = "0" if self.path == "/" else self.path.removeprefix("/p/")
                if tail.isdigit() and (self.path == "/" or 0 < int(tail) < pages):
                    time.sleep(delay)
                    self.reply(200, page(int(tail)), "text/html; charset=utf-8")
                    return
                self.reply(404, b"not here", "text/plain")

        self.server = start_server(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def page_paths(self) -> set[str]:
        """Every page of the site (what a complete crawl archives)."""
        return {"/"} | {f"/p/{n}" for n in range(1, self.pages)}

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def worker_command(
    target: Sequence[str], out: Path, redis_url: str, worker: str, audit: str, *extra: str
) -> list[str]:
    """`claimcheck crawl TARGET --redis URL` as worker `worker` of `audit` (TARGET: a URL,
    or --sites FILE): no delay (our own server), a 1 s idle rule, no history; `extra`
    options come last and so override these."""
    return [
        *CLAIMCHECK,
        *("crawl", *target, "--out", str(out), "--redis", redis_url),
        *("--worker-id", worker, "--audit-id", audit),
        *("--delay", "0", "--idle-timeout", "1", "--no-history", *extra),
    ]


def start_worker(
    target: Sequence[str], out: Path, redis_url: str, worker: str, audit: str, *extra: str
) -> subprocess.Popen:
    """One worker process (`worker_command`), its output captured as text."""
    return subprocess.Popen(
        worker_command(target, out, redis_url, worker, audit, *extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(procs: Sequence[subprocess.Popen], timeout: float = 90) -> list[tuple[str, str]]:
    """Wait for each process in turn and require that it exited 0 (the tail of its output
    is the failure message); their (stdout, stderr), '' where nothing was captured."""
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        out, err = out or "", err or ""
        assert proc.returncode == 0, out[-2000:] + err[-2000:]
        results.append((out, err))
    return results


def url_paths(urls: Iterable[str]) -> list[str]:
    """The paths of archived URLs ('/' for a bare host), to compare with `page_paths`."""
    return ["/" + u.split("/", 3)[3] if u.count("/") >= 3 else "/" for u in urls]
