"""Score inputs on a Dask cluster: `claimcheck check --dask local|ADDRESS`.

The client plans tasks (a few files, a URL, an audit, a byte range of a WARC), keeps a
bounded window of them in flight and hands the page reports back in input order, so the
report is the one a `--jobs 1` run prints. Workers read the inputs themselves (they must
see the same paths) and build one Engine per Config, which is all a task ships: the
lexicon and the model are loaded from their files on the worker, never sent.
"""

from __future__ import annotations

import logging
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Literal

from claimcheck import __version__
from claimcheck.config import Config
from claimcheck.errors import ArchiveError, ClaimcheckError, SourceError
from claimcheck.model import PageReport, Report, error_page
from claimcheck.score import summarise
from claimcheck.sources import MAX_BYTES, RawInput, iter_inputs, read_path, read_stdin

if TYPE_CHECKING:
    from distributed import Client

    from claimcheck.engine import Engine, ReportTally

CONNECT_TIMEOUT = 10.0
"""Seconds to reach a scheduler and see a worker (CLAIMCHECK_DASK_TIMEOUT overrides)."""
FILES_PER_TASK = 4
TASKS_PER_THREAD = 4
RANGE_BYTES = 2 * 1024 * 1024
"""Target size of one WARC byte range: a task's pages wait on its worker until the client
takes them, so a range holds a bounded number of records whatever the file's size (about
100 Common Crawl responses, a few hundred small pages), and Dask's few milliseconds per
task stay small beside them."""

LOCAL_WORKER_CONFIG = {"distributed.worker.profile.enabled": False}
"""The statistical profiler samples every thread's stack each 10 ms, which costs a pure
Python workload CPU and GIL time; `--dask local` turns it off (docs/scale.md)."""

TaskKind = Literal["files", "reader", "range", "raw", "audit"]


class ClusterError(ClaimcheckError):
    """The Dask scheduler cannot be reached, has no worker, or a task failed on a worker."""


@dataclass(frozen=True)
class Task:
    """One unit of work for a worker: named or walked files, one input a reader takes
    (URL, audit directory, WARC), a byte range of a WARC, stdin's bytes, or a whole audit
    scored with its site (`audit`)."""

    kind: TaskKind
    paths: tuple[str, ...] = ()
    start: int = 0
    end: int | None = None
    raw: RawInput | None = None


@dataclass(frozen=True)
class TaskResult:
    """What a task sends back: its pages in order, the audit's whole report, or the
    one-line message of a ClaimcheckError raised on the worker."""

    pages: tuple[PageReport, ...] = ()
    report: Report | None = None
    error: str | None = None


# --- worker side -----------------------------------------------------------------------

_ENGINES: dict[tuple[Config, bool], Engine] = {}


def _engine(config: Config, keyword_filter: bool) -> Engine:
    """This worker's Engine for `config` (and the archive pre-filter setting), built on
    first use and kept."""
    engine = _ENGINES.get((config, keyword_filter))
    if engine is None:
        from claimcheck.engine import Engine

        engine = Engine(config, keyword_filter=keyword_filter)
        _ENGINES[config, keyword_filter] = engine
    return engine


def _warcfile() -> Any | None:
    """The WARC reader module when this installation has it (byte ranges), else None."""
    try:
        from claimcheck.crawl import warcfile
    except ImportError:
        return None
    ok = hasattr(warcfile, "warc_ranges") and hasattr(warcfile, "iter_warc_inputs")
    return warcfile if ok else None


def _task_inputs(task: Task) -> Iterator[RawInput | SourceError]:
    if task.kind == "raw":
        assert task.raw is not None
        yield task.raw
    elif task.kind == "range":
        warcfile = _warcfile()
        assert warcfile is not None
        yield from warcfile.iter_warc_inputs(task.paths[0], MAX_BYTES, task.start, task.end)
    elif task.kind == "reader":
        yield from iter_inputs(list(task.paths))
    else:  # named or walked files, read as `iter_inputs` reads them
        for path in task.paths:
            try:
                yield read_path(path, MAX_BYTES)
            except SourceError as exc:
                yield exc


def run_task(config: Config, task: Task, keyword_filter: bool = True) -> TaskResult:
    """Score one task on a worker (Dask calls this by name; claimcheck is installed there)."""
    from claimcheck.engine import _safe_check

    try:
        engine = _engine(config, keyword_filter)
        if task.kind == "audit":  # the worker's Engine serves every site of a sweep
            from claimcheck.crawl.audit import audit_report

            return TaskResult(report=audit_report(task.paths[0], config, engine=engine))
        return TaskResult(pages=tuple(_safe_check(engine, item) for item in _task_inputs(task)))
    except ClaimcheckError as exc:  # sent as text: typed errors do not all unpickle
        return TaskResult(error=str(exc))


def engine_versions(config: Config, keyword_filter: bool = True) -> tuple[str, str | None]:
    """The lexicon and model versions a worker's Engine reports (warms its Engine too)."""
    engine = _engine(config, keyword_filter)
    return engine.lexicon.version, engine.model_version


def worker_state() -> tuple[str, str]:
    """A worker's claimcheck version and working directory, checked against the client's."""
    return __version__, os.getcwd()


# --- client side -----------------------------------------------------------------------


def _timeout() -> float:
    value = os.environ.get("CLAIMCHECK_DASK_TIMEOUT")
    try:
        return float(value) if value else CONNECT_TIMEOUT
    except ValueError:
        raise ClusterError(
            f"CLAIMCHECK_DASK_TIMEOUT={value!r} is not a number of seconds"
        ) from None


def local_workers(config: Config) -> int:
    """Workers of `--dask local`: --jobs, never more than the CPUs; 0 means one per CPU
    (the same count as the process pool)."""
    from claimcheck.engine import cpu_count

    cpus = cpu_count()
    return min(config.jobs, cpus) if config.jobs > 0 else cpus


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            "--dask needs dask and distributed, which are not installed: "
            "pip install 'claimcheck[scale]'"
        ) from None
    return distributed


@contextmanager
def open_client(spec: str, config: Config, paths: Sequence[str] = ()) -> Iterator[Client]:
    """A Client on `spec`: 'local' starts a LocalCluster of worker processes (no
    dashboard), anything else is a scheduler address, whose workers must run this
    claimcheck version and, when `paths` has relative ones, this working directory.
    Cluster and client are closed on the way out, also on errors and Ctrl-C."""
    distributed = _import_distributed()
    timeout = _timeout()
    if spec == "local":
        import dask

        with (
            dask.config.set(LOCAL_WORKER_CONFIG),
            distributed.LocalCluster(
                n_workers=local_workers(config),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                scheduler_kwargs={"dashboard_address": ":0"},  # health routes: any free port
                silence_logs=logging.ERROR,
            ) as cluster,
            distributed.Client(cluster, timeout=timeout) as client,
        ):
            yield client
        return
    with _connect(distributed, spec, timeout) as client:
        relative = any(p != "-" and not os.path.isabs(p) for p in paths)
        _check_workers(client, spec, timeout, relative)
        yield client


def _connect(distributed: Any, address: str, timeout: float) -> AbstractContextManager[Client]:
    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # one line, not a log
    try:
        return distributed.Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} within {timeout:g} s ({why}); "
            "start one with `dask scheduler` or use --dask local"
        ) from None


def _check_workers(client: Client, address: str, timeout: float, relative: bool) -> None:
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise ClusterError(
            f"the Dask scheduler at {address} has no worker after {timeout:g} s; "
            f"start one with `dask worker {address}`"
        ) from None
    here = os.getcwd()
    for worker, (version, cwd) in client.run(worker_state).items():
        if version != __version__:
            raise ClusterError(
                f"Dask worker {worker} runs claimcheck {version}, this is {__version__}: "
                "install the same version on every worker"
            )
        if relative and cwd != here:
            raise ClusterError(
                f"Dask worker {worker} runs in {cwd}, not {here}: give absolute paths or "
                "start workers in the directory the inputs are named from (they read them)"
            )


def _range_parts(path: str, threads: int) -> int:
    try:
        size = os.path.getsize(path)
    except OSError:
        return 1
    return max(2 * threads, size // RANGE_BYTES + 1)


def plan_tasks(paths: Sequence[str], config: Config, threads: int) -> Iterator[Task | PageReport]:
    """The tasks for `paths` in input order, mirroring `sources.iter_inputs`: walked and
    named files in small batches, one task per reader input (URL, audit directory), WARC
    files split at record boundaries into byte ranges when the WARC reader offers them,
    stdin read here. An unreadable stdin is a finished error page, not a task."""
    from claimcheck.sources import _reader_for, _walk

    warcfile = _warcfile()
    batch: list[str] = []

    def flush() -> Iterator[Task]:
        if batch:
            yield Task("files", tuple(batch))
            batch.clear()

    for path in paths:
        if path != "-" and _reader_for(path) is not None:
            yield from flush()
            if warcfile is not None and _is_warc(path):
                for start, end in warcfile.warc_ranges(path, _range_parts(path, threads)):
                    yield Task("range", (path,), start, end)
            else:
                yield Task("reader", (path,))
        elif path == "-":
            yield from flush()
            try:
                yield Task("raw", raw=read_stdin(sys.stdin))
            except SourceError as exc:
                yield error_page(exc.path, exc.kind, exc.detail)
        else:
            walked = (
                _walk(path, config.include, config.exclude, config.root)
                if os.path.isdir(path)
                else [path]
            )
            for file_path in walked:
                batch.append(file_path)
                if len(batch) >= FILES_PER_TASK:
                    yield from flush()
    yield from flush()


def _is_warc(path: str) -> bool:
    from claimcheck.crawl import readers
    from claimcheck.sources import _reader_for

    reader = getattr(readers, "WarcFileReader", None)
    return reader is not None and isinstance(_reader_for(path), reader)


def _result(future: Any) -> TaskResult:
    from concurrent.futures import CancelledError

    from distributed import KilledWorker

    try:
        result: TaskResult = future.result()
    except KilledWorker as exc:
        raise ClusterError(f"a Dask worker died while scoring ({exc})") from None
    except (CancelledError, OSError) as exc:  # the scheduler went away or cancelled the run
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClusterError(f"lost the Dask cluster while scoring ({why})") from None
    if result.error is not None:
        raise ClusterError(result.error)
    return result


def iter_cluster_reports(
    client: Client, paths: Sequence[str], config: Config, keyword_filter: bool = True
) -> Iterator[PageReport]:
    """Page reports for every input under `paths`, in input order then record order,
    streamed (see `_in_order`). Pages the archive pre-filter skipped come back marked, as
    from `engine.iter_reports`."""
    threads = max(1, sum(client.nthreads().values()))
    tasks = plan_tasks(paths, config, threads)
    for entry in _in_order(client, config, tasks, keyword_filter):
        yield from (entry,) if isinstance(entry, PageReport) else entry.pages


def _in_order(
    client: Client,
    config: Config,
    tasks: Iterable[Task | PageReport],
    keyword_filter: bool = True,
) -> Iterator[TaskResult | PageReport]:
    """Each task's result in task order: at most TASKS_PER_THREAD tasks per worker thread
    are in flight, the oldest is waited for (later ones keep running) and released once
    handed on, so results never pile up on the cluster. A finished page passes through."""
    threads = max(1, sum(client.nthreads().values()))
    window: deque[Any] = deque()
    for task in tasks:
        if isinstance(task, PageReport):
            window.append(task)
        else:
            window.append(client.submit(run_task, config, task, keyword_filter, pure=False))
        while len(window) >= threads * TASKS_PER_THREAD:
            yield _take(window.popleft())
    while window:
        yield _take(window.popleft())


def _take(entry: Any) -> TaskResult | PageReport:
    if isinstance(entry, PageReport):
        return entry
    result = _result(entry)
    entry.release()
    return result


def cluster_report(
    spec: str,
    paths: Sequence[str],
    config: Config,
    progress: Callable[[PageReport], None] | None = None,
    keyword_filter: bool = True,
    tally: ReportTally | None = None,
) -> Report:
    """The report `engine.check_paths` gives, computed on the Dask cluster `spec`; with a
    `tally`, pages are added to it and not kept, as there."""
    from claimcheck.engine import tally_pages

    with open_client(spec, config, paths) as client:
        versions = client.submit(engine_versions, config, keyword_filter, pure=False)
        pages = iter_cluster_reports(client, paths, config, keyword_filter)
        tally, kept = tally_pages(pages, progress, tally)
        lexicon_version, model_version = versions.result()
    # the report reads only these two versions of an Engine: a worker's, not one built here
    reported = SimpleNamespace(
        lexicon=SimpleNamespace(version=lexicon_version), model_version=model_version
    )
    return tally.report(reported, kept)  # type: ignore[arg-type]


def cluster_audit_report(spec: str, directory: str, config: Config) -> Report:
    """An audit directory scored as one task on the cluster: its pages and its site score,
    as `crawl.audit.audit_report` gives them here."""
    with open_client(spec, config, [directory]) as client:
        future = client.submit(run_task, config, Task("audit", (directory,)), pure=False)
        result = _result(future)
    assert result.report is not None
    return result.report


def cluster_sweep_report(spec: str, directory: str, config: Config) -> Report:
    """A sweep scored on the cluster, one task per site audit (`audit_report` on a worker),
    put together as `crawl.sweep.sweep_report` puts it: every site's pages in sweep order,
    one site score per host (tests/test_dask.py compares the two)."""
    from claimcheck.crawl.archive import load_manifest
    from claimcheck.crawl.sweep import sweep_site_dirs
    from claimcheck.model import SiteScore

    dirs = sweep_site_dirs(directory)
    if not dirs:
        raise ArchiveError(f"{directory}: no site of this sweep has an audit to score")
    with open_client(spec, config, dirs) as client:
        tasks = (Task("audit", (path,)) for path in dirs)
        reports = [r.report for r in _in_order(client, config, tasks) if isinstance(r, TaskResult)]
    scores = []
    for path, report in zip(dirs, reports, strict=True):
        assert report is not None
        site = report.site or SiteScore(score=None, grade=None, pages=0)
        scores.append(replace(site, host=load_manifest(path)["site"]))
    files = tuple(page for report in reports if report for page in report.files)
    first = reports[0]
    assert first is not None
    return replace(
        first,
        files=files,
        summary=summarise(files),
        errors=tuple(e for report in reports if report for e in report.errors),
        site=None,
        sites=tuple(scores),
        prefilter_skipped=sum(report.prefilter_skipped for report in reports if report),
    )
