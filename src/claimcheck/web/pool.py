"""Where `claimcheck serve` runs checks: worker processes that can be killed.

Python holds the GIL while a pattern runs, so a check in a thread can freeze the whole
server. `ProcessPool` keeps N worker processes (spawned, each with its own engine built
once); a request borrows one, and when the deadline passes or the client hangs up the
worker is killed and a fresh one spawned in its place. `ThreadRunner` is the in-process
fallback (`create_app(workers=0)`, used by tests that patch the engine): the deadline still
answers, but the work runs on until it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol

from claimcheck.config import Config
from claimcheck.engine import Engine
from claimcheck.web.work import InputError, Job, Reply, make_env, respond

log = logging.getLogger("claimcheck.web")
POLL = 0.2
"""Seconds between checks that the client is still there while a worker runs."""
RECYCLE_MB = 400
"""A worker whose resident memory is above this after a job is replaced: Python keeps
the memory a 2 MB page needed (about 1 GB) long after the answer went out."""

Gone = Callable[[], Awaitable[bool]]


class DeadlineError(Exception):
    """The check did not finish before the request's deadline (answered with 504)."""


class BusyError(Exception):
    """No worker became free before the request's deadline (answered with 503)."""


class ClientGone(Exception):
    """The client hung up while its check ran; the work was stopped."""


class Runner(Protocol):
    """Runs a job before a deadline (a `time.monotonic()` value)."""

    async def run(self, job: Job, deadline: float, gone: Gone) -> Reply:
        """The reply, or DeadlineError / BusyError / ClientGone / InputError."""
        ...

    def stats(self) -> dict[str, int]:
        """Pool size and workers in use, for /healthz."""
        ...

    def close(self) -> None:
        """Stop every worker."""
        ...


def _worker_main(conn: Connection, config: Config) -> None:
    """A worker process: build the engine once, then answer jobs until the pipe closes."""
    engine, env = Engine(config), make_env()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer: Any = respond(engine, env, job)
        except InputError as exc:
            answer = exc
        except Exception as exc:  # reported by type only: never the submitted text
            answer = ("internal", type(exc).__name__)
        conn.send(answer)


@dataclass
class _Worker:
    process: Any
    conn: Connection

    def roundtrip(self, job: Job) -> Any:
        """Send a job and wait for its answer (runs in a helper thread)."""
        self.conn.send(job)
        return self.conn.recv()

    def kill(self) -> None:
        """Stop the process now and release its pipe."""
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.conn.close()
        with contextlib.suppress(Exception):
            self.process.join(5)


class ProcessPool:
    """`size` spawned worker processes; see the module docstring."""

    def __init__(self, config: Config, size: int) -> None:
        self.config = config
        self.size = max(1, size)
        self.killed = 0
        self.recycled = 0
        self._context = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: list[_Worker] = []
        self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="claimcheck-pool")

    def _spawn(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main, args=(theirs, self.config), daemon=True
        )
        process.start()
        theirs.close()  # so that a dead worker reads as EOF on our side
        worker = _Worker(process, ours)
        self._all.append(worker)
        return worker

    def start(self) -> None:
        """Spawn the workers (they build their engines in the background)."""
        if self._idle is not None:
            return
        self._idle = asyncio.Queue()
        for _ in range(self.size):
            self._idle.put_nowait(self._spawn())

    def stats(self) -> dict[str, int]:
        """Pool size, workers in use, workers killed and recycled so far."""
        idle = self._idle.qsize() if self._idle is not None else self.size
        busy = self.size - idle
        return {
            "workers": self.size,
            "busy": busy,
            "killed": self.killed,
            "recycled": self.recycled,
        }

    async def run(self, job: Job, deadline: float, gone: Gone) -> Reply:
        """Borrow a worker, run the job, and kill the worker on deadline or hang-up."""
        self.start()
        assert self._idle is not None
        try:
            worker = await asyncio.wait_for(self._idle.get(), _left(deadline))
        except TimeoutError:
            raise BusyError from None
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._threads, worker.roundtrip, job)
        try:
            answer = await _watch(future, deadline, gone)
        except BaseException:
            self._replace(worker)
            raise
        if _rss_mb(worker.process.pid) > RECYCLE_MB:
            self._replace(worker, killed=False)
        else:
            self._idle.put_nowait(worker)
        return _unpack(answer)

    def _replace(self, worker: _Worker, killed: bool = True) -> None:
        """Kill a worker (its job abandoned, or its memory grown) and put a fresh one in
        the pool."""
        worker.kill()
        if killed:
            self.killed += 1
        else:
            self.recycled += 1
        with contextlib.suppress(ValueError):
            self._all.remove(worker)
        assert self._idle is not None
        self._idle.put_nowait(self._spawn())

    def close(self) -> None:
        """Kill every worker (at server shutdown)."""
        for worker in self._all:
            worker.kill()
        self._all.clear()
        self._threads.shutdown(wait=False, cancel_futures=True)


class ThreadRunner:
    """Runs jobs in threads of this process (no kill: the deadline only answers early)."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.env = engine, make_env()
        self._threads = ThreadPoolExecutor(4, thread_name_prefix="claimcheck-check")

    def stats(self) -> dict[str, int]:
        """No worker processes."""
        return {"workers": 0, "busy": 0, "killed": 0, "recycled": 0}

    async def run(self, job: Job, deadline: float, gone: Gone) -> Reply:
        """Run the job in a thread and wait for it until the deadline."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._threads, respond, self.engine, self.env, job)
        return await _watch(future, deadline, gone)

    def close(self) -> None:
        """Let running checks finish in the background."""
        self._threads.shutdown(wait=False, cancel_futures=True)


def _rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc; 0 where unavailable)."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


async def _watch(future: asyncio.Future[Any], deadline: float, gone: Gone) -> Any:
    """Wait for `future`, checking every POLL seconds for the deadline and the client."""
    while True:
        done, _ = await asyncio.wait({future}, timeout=min(POLL, _left(deadline)))
        if done:
            return future.result()
        if _left(deadline) <= 0:
            raise DeadlineError
        if await gone():
            raise ClientGone


def _unpack(answer: Any) -> Reply:
    if isinstance(answer, InputError):
        raise answer
    if isinstance(answer, tuple) and answer[:1] == ("internal",):
        raise RuntimeError(f"worker error ({answer[1]})")
    return answer
