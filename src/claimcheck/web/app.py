"""The clinic pre-check page and JSON API behind `claimcheck serve` (Starlette).

Routes: `GET /` (the form), `POST /check` (the result page, or a JSON / HTML report
download), `GET /healthz`, `POST /api/check` (JSON in, the JSON report out) and
`POST /api/check/file` (a multipart upload). This module only parses requests: the checks
run in worker processes (`web.pool`, `web.work`) under a deadline, and fetches in a small
pool of their own. Nothing submitted is written to disk or logged.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from claimcheck import __version__
from claimcheck.config import JURISDICTIONS, PAGE_TYPES, Config
from claimcheck.engine import Engine
from claimcheck.render.html import report_css
from claimcheck.web.fetch import DEADLINE as FETCH_DEADLINE
from claimcheck.web.fetch import FetchError, fetch_url
from claimcheck.web.guard import Guard
from claimcheck.web.pool import (
    BusyError,
    ClientGone,
    DeadlineError,
    ProcessPool,
    Runner,
    ThreadRunner,
)
from claimcheck.web.work import (
    MAX_BYTES,
    InputError,
    Job,
    Output,
    Reply,
    make_env,
    render_page,
)

MAX_BODY = MAX_BYTES + 64 * 1024  # room for form fields and multipart framing
UPLOAD_SUFFIXES = (".html", ".htm", ".md", ".mdx", ".txt")
_HERE = resources.files("claimcheck").joinpath("web")
__all__ = ["MAX_BYTES", "InputError", "Limits", "create_app"]


@dataclass(frozen=True, slots=True)
class Limits:
    """The server's time and concurrency limits (docs/serve.md, "Limits")."""

    deadline: float = 30.0
    """Seconds a request may take from its arrival to its answer (fetch included)."""
    body_timeout: float = 20.0
    """Seconds the client has to send the whole request body."""
    header_timeout: float = 10.0
    """Seconds the client has to send the request line and headers (web.server)."""
    workers: int = 0
    """Worker processes for checks; 0 runs them in threads of the server process."""
    fetch_slots: int = 4
    """Fetches (`--allow-fetch`) that may run at once; more are answered 503."""
    fetch_deadline: float = FETCH_DEADLINE
    """Seconds one fetch may take in all, redirects included."""


class _InMemoryParser(MultiPartParser):
    spool_max_size = MAX_BODY  # uploads stay in memory: nothing submitted touches the disk


class Fetcher:
    """Fetches URLs in a small thread pool of their own, so slow sites cannot take the
    threads or workers that checks need; a full pool answers 503 at once."""

    def __init__(self, allow: bool, limits: Limits) -> None:
        self.allow = allow
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.fetch_slots)
        self._threads = None

    async def fetch(self, url: Any) -> tuple[str, bytes]:
        """(final URL, body) of `url`; InputError when off, refused, busy or failing."""
        if not self.allow:
            raise InputError(
                400, "fetch_disabled", "fetching URLs is off (start with --allow-fetch)"
            )
        if not isinstance(url, str):
            raise InputError(400, "invalid_url", "url must be a string")
        if not self._slots.acquire(blocking=False):
            raise InputError(503, "busy", "too many fetches at once; try again shortly")
        try:
            return await asyncio.to_thread(self._fetch, url.strip())
        finally:
            self._slots.release()

    def _fetch(self, url: str) -> tuple[str, bytes]:
        try:
            return fetch_url(url, MAX_BYTES, self.limits.fetch_deadline)
        except FetchError as exc:
            raise InputError(400, "fetch_refused", str(exc)) from None


def _lang(value: Any, default: str = "auto") -> str:
    """The output language of a request: 'en', 'es' or 'auto' (the text's own language);
    InputError for anything else."""
    if value in (None, ""):
        return default
    if value not in ("auto", "en", "es"):
        raise InputError(400, "unknown_lang", "lang must be auto, en or es")
    return str(value)


def _page_lang(value: Any) -> str:
    """The web page's language (`?lang=`): Spanish for 'es', English otherwise; findings
    on the page are written in it too."""
    return "es" if value == "es" else "en"


def _options(config: Config, jurisdiction: Any, page_type: Any) -> tuple[Any, Any]:
    """(jurisdictions, page type) for these request options ('auto' or empty: the
    server default); InputError for an unknown value or a wrong type."""
    juris = config.jurisdictions
    if jurisdiction not in (None, "", "auto", []):
        values = jurisdiction.split(",") if isinstance(jurisdiction, str) else jurisdiction
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InputError(400, "unknown_jurisdiction", "jurisdiction must be a string")
        juris = tuple(v.strip() for v in values if v.strip())
        for value in juris:
            if value not in JURISDICTIONS:
                raise InputError(
                    400,
                    "unknown_jurisdiction",
                    f"unknown jurisdiction {value!r} (auto, {', '.join(JURISDICTIONS)})",
                )
    ptype = config.page_type
    if page_type not in (None, "", "auto"):
        if not isinstance(page_type, str) or page_type not in PAGE_TYPES:
            raise InputError(
                400, "invalid_page_type", "page_type must be auto, commercial or editorial"
            )
        ptype = page_type
    return juris, ptype


def _safe_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/"))
    return re.sub(r"[^\w.\- ]", "_", base)[:100] or "upload.txt"


async def _upload(upload: UploadFile) -> tuple[str, bytes]:
    """(safe name, bytes) of an uploaded file; InputError for a suffix not accepted."""
    name = _safe_name(upload.filename or "")
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise InputError(
            415, "unsupported_type", f"upload one of {', '.join(UPLOAD_SUFFIXES)} (got {name!r})"
        )
    return name, await upload.read(MAX_BYTES + 1)


async def _form(request: Request) -> FormData:
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        parser = _InMemoryParser(
            request.headers, request.stream(), max_files=1, max_fields=20, max_part_size=MAX_BODY
        )
        try:
            return await parser.parse()
        except MultiPartException as exc:
            raise InputError(400, "bad_form", exc.message) from None
    if kind.startswith("application/x-www-form-urlencoded"):
        try:
            return await request.form(max_part_size=MAX_BODY)
        except MultiPartException as exc:
            raise InputError(400, "bad_form", exc.message) from None
    raise InputError(415, "unsupported_type", "send multipart/form-data")


async def _json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; InputError for anything else (including JSON nested
    too deeply for Python's parser, and a non-object)."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise InputError(415, "unsupported_type", "send application/json")
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise InputError(400, "bad_json", "the body is not valid JSON") from None
    except RecursionError:
        raise InputError(400, "bad_json", "the JSON is nested too deeply") from None
    if not isinstance(body, dict):
        raise InputError(400, "bad_json", "the body must be a JSON object")
    return body


def _api_error(exc: InputError) -> JSONResponse:
    return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, exc.status)


def _reply(reply: Reply) -> Response:
    return Response(reply.body, reply.status, dict(reply.headers), media_type=reply.media_type)


def _runner(config: Config, engine: Engine | None, limits: Limits) -> Runner:
    if limits.workers > 0 and engine is None:
        return ProcessPool(config, limits.workers)
    return ThreadRunner(engine or Engine(config))


def _lexicon_version(config: Config, engine: Engine | None) -> str:
    """The lexicon version /healthz reports (loading it also fails early on a bad one)."""
    if engine is not None:
        return engine.lexicon.version
    from claimcheck.lexicon import lexicon_for

    return lexicon_for(config.lexicons).version


def create_app(
    config: Config | None = None,
    *,
    allow_fetch: bool = False,
    engine: Engine | None = None,
    limits: Limits | None = None,
) -> Starlette:
    """The Starlette app. With `limits.workers` > 0 checks run in that many worker
    processes (started with the app, killed at the deadline); otherwise in threads, with
    `engine` (or `Engine(config)`) built here, once."""
    config = config or (engine.config if engine else Config())
    limits = limits or Limits()
    runner = _runner(config, engine, limits)
    lexicon = _lexicon_version(config, engine if isinstance(runner, ThreadRunner) else None)
    fetcher = Fetcher(allow_fetch, limits)
    env = make_env()

    def page(name: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(render_page(env, name, lang, allow_fetch, **context), status)

    async def run(request: Request, job: Job, started: float) -> Reply:
        """Run a job before the request's deadline; InputError for 503/504 answers."""
        try:
            return await runner.run(job, started + limits.deadline, request.is_disconnected)
        except BusyError:
            raise InputError(503, "busy", "every worker is busy; try again shortly") from None
        except DeadlineError:
            message = f"the check took longer than {limits.deadline:g} s and was stopped"
            raise InputError(504, "deadline", message) from None

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse(
            {"status": "ok", "version": __version__, "lexicon": lexicon, **runner.stats()}
        )

    async def api_answer(request: Request, job_of: Callable[[Request], Awaitable[Job]]) -> Response:
        """Run the job `job_of` reads from an API request (the deadline counts from the
        request's arrival): its JSON reply, the JSON error for bad input, or 499 when the
        client hung up."""
        started = time.monotonic()
        try:
            return _reply(await run(request, await job_of(request), started))
        except InputError as exc:
            return _api_error(exc)
        except ClientGone:
            return Response(status_code=499)

    async def json_job(request: Request) -> Job:
        """/api/check: a JSON body with a URL to fetch, or text."""
        body = await _json_body(request)
        juris, ptype = _options(config, body.get("jurisdiction"), body.get("page_type"))
        lang = _lang(body.get("lang"), config.lang)
        url = body.get("url")
        if url:
            final, data = await fetcher.fetch(url)
            return Job("fetched", data, final, None, juris, ptype, "api", lang)
        text, fmt = body.get("text"), body.get("format")
        return Job("text", text, "<text>", fmt, juris, ptype, "api", lang)

    async def file_job(request: Request) -> Job:
        """/api/check/file: a multipart upload in the 'file' field."""
        form = await _form(request)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InputError(400, "empty", "no file in the 'file' field")
        juris, ptype = _options(config, form.get("jurisdiction"), form.get("page_type"))
        lang = _lang(form.get("lang"), config.lang)
        name, data = await _upload(upload)
        return Job("file", data, name, None, juris, ptype, "api", lang)

    async def api_check(request: Request) -> Response:
        return await api_answer(request, json_job)

    async def api_check_file(request: Request) -> Response:
        return await api_answer(request, file_job)

    async def index(request: Request) -> HTMLResponse:
        return page("index.html", _page_lang(request.query_params.get("lang")), form={})

    async def check_page(request: Request) -> Response:
        started = time.monotonic()
        lang = _page_lang(request.query_params.get("lang"))
        fields: dict[str, Any] = {}
        try:
            form = await _form(request)
            lang = _page_lang(form.get("lang") or lang)
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            juris, ptype = _options(config, form.get("jurisdiction"), form.get("page_type"))
            download = fields.get("download")
            output: Output = download if download in ("json", "html") else "page"
            common = (juris, ptype, output, lang, tuple(fields.items()), allow_fetch)
            upload = form.get("file")
            if isinstance(upload, UploadFile) and upload.filename:
                name, data = await _upload(upload)
                job = Job("file", data, name, None, *common)
            elif fields.get("url"):
                final, data = await fetcher.fetch(fields["url"])
                job = Job("fetched", data, final, None, *common)
            else:
                name = _safe_name(fields["name"]) if fields.get("name") else "<text>"
                job = Job("text", fields.get("text"), name, fields.get("format"), *common)
            return _reply(await run(request, job, started))
        except InputError as exc:
            return page("index.html", lang, exc.status, error=exc.message, form=fields)
        except ClientGone:
            return Response(status_code=499)

    async def css(request: Request) -> Response:
        return Response(report_css(), media_type="text/css")

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        """404 and 405 (and any other HTTPException) as the API's JSON error."""
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        codes = {404: "not_found", 405: "method_not_allowed"}
        detail = exc.detail if isinstance(exc, HTTPException) else "error"
        headers = getattr(exc, "headers", None)
        body = {"error": {"code": codes.get(status, "http_error"), "message": str(detail)}}
        return JSONResponse(body, status, headers=headers)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        if isinstance(runner, ProcessPool):
            runner.start()
        try:
            yield
        finally:
            runner.close()

    routes = [
        Route("/", index),
        Route("/check", check_page, methods=["POST"]),
        Route("/healthz", healthz),
        Route("/api/check", api_check, methods=["POST"]),
        Route("/api/check/file", api_check_file, methods=["POST"]),
        Route("/static/report.css", css),
        Mount("/static", StaticFiles(directory=str(_HERE.joinpath("static"))), name="static"),
    ]
    guard = Middleware(Guard, max_body=MAX_BODY, body_timeout=limits.body_timeout)
    return Starlette(
        routes=routes,
        middleware=[guard],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
