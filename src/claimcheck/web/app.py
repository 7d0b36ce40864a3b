"""The clinic pre-check page and JSON API behind `claimcheck serve` (Starlette).

Routes: `GET /` (the form), `POST /check` (the result page, or a JSON / HTML report
download), `GET /healthz`, `POST /api/check` (JSON in, the JSON report out) and
`POST /api/check/file` (a multipart upload). The engine and lexicon are built once in
`create_app`; nothing submitted is written to disk or logged.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from claimcheck import __version__
from claimcheck.config import JURISDICTIONS, PAGE_TYPES, Config
from claimcheck.engine import Engine, build_report
from claimcheck.errors import SourceError
from claimcheck.extract import extract, extract_text
from claimcheck.model import Document, Origin, PageReport, Report
from claimcheck.render.html import page_view, render_html, report_css, strings, template_dir
from claimcheck.render.json import report_to_dict
from claimcheck.segment import document_text
from claimcheck.sources import read_bytes
from claimcheck.web.fetch import FetchError, fetch_url
from claimcheck.web.guard import Guard

MAX_BYTES = 2 * 1024 * 1024
"""The documented limit for submitted text, an uploaded file or a fetched page (2 MB)."""
MAX_BODY = MAX_BYTES + 64 * 1024  # room for form fields and multipart framing
TEXT_FORMATS = ("text", "html", "markdown")
UPLOAD_SUFFIXES = (".html", ".htm", ".md", ".mdx", ".txt")
_HERE = resources.files("claimcheck").joinpath("web")


class InputError(Exception):
    """A request the user can fix: answered with a 4xx and a one-line message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True, slots=True)
class Result:
    """One checked submission: the report, its page, and the text the offsets refer to."""

    report: Report
    page: PageReport
    text: str
    source: str
    format: str


class _InMemoryParser(MultiPartParser):
    spool_max_size = MAX_BODY  # uploads stay in memory: nothing submitted touches the disk


class Checker:
    """The engine and lexicon, loaded once, and the checks behind every route."""

    def __init__(self, config: Config, allow_fetch: bool, engine: Engine | None = None) -> None:
        self.engine = engine or Engine(config)
        self.allow_fetch = allow_fetch
        self.rules = {r.code: r for r in self.engine.lexicon.rules}

    def options(self, jurisdiction: Any, page_type: Any) -> Engine:
        """The engine for these request options ('auto' or empty: the server default)."""
        config = self.engine.config
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
            if page_type not in PAGE_TYPES:
                raise InputError(
                    400, "invalid_page_type", "page_type must be auto, commercial or editorial"
                )
            ptype = page_type
        return self.engine.with_page_options(juris, ptype)

    async def check(self, doc: Document, engine: Engine) -> Result:
        """Run the pipeline on a document in a worker thread."""
        page = await run_in_threadpool(engine.check_document, doc)
        report = build_report([page], engine)
        return Result(report, page, document_text(doc), doc.source_text, doc.format)

    def fetch(self, url: Any) -> Document:
        """Fetch a URL into a document (400 when fetching is off or the URL is refused)."""
        if not self.allow_fetch:
            raise InputError(
                400, "fetch_disabled", "fetching URLs is off (start with --allow-fetch)"
            )
        if not isinstance(url, str):
            raise InputError(400, "invalid_url", "url must be a string")
        try:
            final, data = fetch_url(url.strip(), MAX_BYTES)
            return extract(read_bytes(final, data, kind="url", max_bytes=MAX_BYTES))
        except FetchError as exc:
            raise InputError(400, "fetch_refused", str(exc)) from None
        except SourceError as exc:
            raise _source_error(exc) from None


def _text_document(text: Any, fmt: Any, name: str = "<text>") -> Document:
    if not isinstance(text, str) or not text.strip():
        raise InputError(400, "empty", "the text is empty")
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise InputError(413, "too_large", "the text is over the 2 MB limit")
    fmt = fmt or "text"
    if fmt not in TEXT_FORMATS:
        raise InputError(400, "invalid_format", "format must be text, html or markdown")
    return extract_text(text, fmt, Origin(path=name, kind="string"))


def _safe_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/"))
    return re.sub(r"[^\w.\- ]", "_", base)[:100] or "upload.txt"


def _source_error(exc: SourceError) -> InputError:
    if exc.kind == "too_large":
        return InputError(413, "too_large", "the file is over the 2 MB limit")
    if exc.kind == "binary":
        return InputError(415, "unsupported_type", "the file is binary, not text")
    return InputError(400, exc.kind, exc.detail)


async def _upload_document(upload: UploadFile) -> Document:
    name = _safe_name(upload.filename or "")
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise InputError(
            415, "unsupported_type", f"upload one of {', '.join(UPLOAD_SUFFIXES)} (got {name!r})"
        )
    data = await upload.read(MAX_BYTES + 1)
    try:
        return extract(read_bytes(name, data, max_bytes=MAX_BYTES))
    except SourceError as exc:
        raise _source_error(exc) from None


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
        return await request.form(max_part_size=MAX_BODY)
    raise InputError(415, "unsupported_type", "send multipart/form-data")


def _api_error(exc: InputError) -> JSONResponse:
    return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, exc.status)


def create_app(
    config: Config | None = None, *, allow_fetch: bool = False, engine: Engine | None = None
) -> Starlette:
    """The Starlette app; the engine (or `Engine(config)`) is built here, once."""
    checker = Checker(config or Config(), allow_fetch, engine)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(_HERE.joinpath("templates")), template_dir()]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def page(name: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
        t = strings(lang)
        html = env.get_template(name).render(
            t=t, lang=t["html_lang"], allow_fetch=allow_fetch, copy_buttons=True, **context
        )
        return HTMLResponse(html, status)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse(
            {"status": "ok", "version": __version__, "lexicon": checker.engine.lexicon.version}
        )

    async def api_check(request: Request) -> JSONResponse:
        try:
            if not request.headers.get("content-type", "").startswith("application/json"):
                raise InputError(415, "unsupported_type", "send application/json")
            try:
                body = json.loads(await request.body())
            except (ValueError, UnicodeDecodeError):
                raise InputError(400, "bad_json", "the body is not valid JSON") from None
            if not isinstance(body, dict):
                raise InputError(400, "bad_json", "the body must be a JSON object")
            engine = checker.options(body.get("jurisdiction"), body.get("page_type"))
            if body.get("url"):
                doc = await run_in_threadpool(checker.fetch, body["url"])
            else:
                doc = _text_document(body.get("text"), body.get("format"))
            result = await checker.check(doc, engine)
        except InputError as exc:
            return _api_error(exc)
        return JSONResponse(report_to_dict(result.report))

    async def api_check_file(request: Request) -> JSONResponse:
        try:
            form = await _form(request)
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InputError(400, "empty", "no file in the 'file' field")
            engine = checker.options(form.get("jurisdiction"), form.get("page_type"))
            result = await checker.check(await _upload_document(upload), engine)
        except InputError as exc:
            return _api_error(exc)
        return JSONResponse(report_to_dict(result.report))

    async def index(request: Request) -> HTMLResponse:
        return page("index.html", request.query_params.get("lang", "en"), form={})

    async def check_page(request: Request) -> Response:
        lang = request.query_params.get("lang", "en")
        fields: dict[str, Any] = {}
        try:
            form = await _form(request)
            lang = str(form.get("lang") or lang)
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            engine = checker.options(form.get("jurisdiction"), form.get("page_type"))
            upload = form.get("file")
            if isinstance(upload, UploadFile) and upload.filename:
                doc = await _upload_document(upload)
            elif fields.get("url"):
                doc = await run_in_threadpool(checker.fetch, fields["url"])
            else:
                name = _safe_name(fields["name"]) if fields.get("name") else "<text>"
                doc = _text_document(fields.get("text"), fields.get("format"), name)
            result = await checker.check(doc, engine)
        except InputError as exc:
            return page("index.html", lang, exc.status, error=exc.message, form=fields)
        download = fields.get("download")
        if download == "json":
            body = json.dumps(report_to_dict(result.report), ensure_ascii=False, indent=2)
            return _attachment(body + "\n", "application/json", "claimcheck-report.json")
        if download == "html":
            texts = {result.page.path: result.text}
            body = render_html(
                result.report, rules=tuple(checker.rules.values()), texts=texts, lang=lang
            )
            return _attachment(body, "text/html; charset=utf-8", "claimcheck-report.html")
        view = page_view(result.page, 0, result.text, checker.rules)
        return page("result.html", lang, view=view, result=result, form=fields)

    async def css(request: Request) -> Response:
        return Response(report_css(), media_type="text/css")

    routes = [
        Route("/", index),
        Route("/check", check_page, methods=["POST"]),
        Route("/healthz", healthz),
        Route("/api/check", api_check, methods=["POST"]),
        Route("/api/check/file", api_check_file, methods=["POST"]),
        Route("/static/report.css", css),
        Mount("/static", StaticFiles(directory=str(_HERE.joinpath("static"))), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(Guard, max_body=MAX_BODY)])


def _attachment(body: str, media_type: str, filename: str) -> Response:
    headers = {"content-disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=media_type, headers=headers)
