"""The CPU side of `claimcheck serve`: one submission in, one finished HTTP body out.

Everything slow (extraction, the check, JSON and HTML rendering) happens in `respond`,
which runs in a worker process (or, for `create_app(workers=0)`, a thread), so the event
loop only parses requests and copies bytes. A report whose findings would make the answer
bigger than `MAX_RESPONSE` keeps the findings that fit (active ones first), says so in the
page's `warnings` and in the `X-Claimcheck-Truncated` header; score, grade and summary
still count every finding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any, Literal

import jinja2

from claimcheck import i18n
from claimcheck.engine import Engine, build_report
from claimcheck.errors import SourceError
from claimcheck.extract import extract, extract_text
from claimcheck.model import Document, Origin, PageReport, Report
from claimcheck.render.html import page_view, render_html, strings, template_dir
from claimcheck.render.json import explained, report_to_dict
from claimcheck.segment import document_text
from claimcheck.sources import read_bytes

MAX_BYTES = 2 * 1024 * 1024
"""The documented limit for submitted text, an uploaded file or a fetched page (2 MB)."""
MAX_RESPONSE = 4 * 1024 * 1024
"""Budget for the findings of one answer (their JSON); the rest are left out, flagged."""
TEXT_FORMATS = ("text", "html", "markdown")
TRUNCATED_HEADER = "x-claimcheck-truncated"
_HERE = resources.files("claimcheck").joinpath("web")

Output = Literal["api", "page", "json", "html"]


class InputError(Exception):
    """A request the user can fix: answered with a 4xx and a one-line message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def __reduce__(self) -> tuple[Any, tuple[int, str, str]]:
        """Pickle by the three fields, so a worker process can send it back."""
        return (InputError, (self.status, self.code, self.message))


@dataclass(frozen=True, slots=True)
class Job:
    """One submission as the worker needs it: raw text or bytes and the request options."""

    source: Literal["text", "file", "fetched"]
    data: str | bytes
    name: str
    format: str | None
    jurisdictions: tuple[str, ...] | None
    page_type: str | None
    output: Output
    lang: str = "en"
    form: tuple[tuple[str, str], ...] = ()
    allow_fetch: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    """A finished answer: status, media type, body and extra headers."""

    status: int
    media_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Result:
    """One checked submission: the report, its page, and the text the offsets refer to."""

    report: Report
    page: PageReport
    text: str
    source: str
    format: str


def make_env() -> jinja2.Environment:
    """The Jinja environment of the page templates (autoescaped)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(_HERE.joinpath("templates")), template_dir()]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(
    env: jinja2.Environment, name: str, lang: str, allow_fetch: bool, **context: Any
) -> str:
    """One page template rendered in `lang` (en or es)."""
    t = strings(lang)
    return env.get_template(name).render(
        t=t, lang=t["html_lang"], allow_fetch=allow_fetch, copy_buttons=True, **context
    )


def text_document(text: Any, fmt: Any, name: str = "<text>") -> Document:
    """Pasted text as a document; InputError when empty, too big, not UTF-8 or mistyped."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(400, "empty", "the text is empty")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise InputError(400, "bad_text", "the text holds a lone surrogate (not Unicode)") from None
    if size > MAX_BYTES:
        raise InputError(413, "too_large", "the text is over the 2 MB limit")
    fmt = fmt or "text"
    if not isinstance(fmt, str) or fmt not in TEXT_FORMATS:
        raise InputError(400, "invalid_format", "format must be text, html or markdown")
    return extract_text(text, fmt, Origin(path=name, kind="string"))


def source_error(exc: SourceError) -> InputError:
    """The 4xx a file or page that cannot be read becomes."""
    if exc.kind == "too_large":
        return InputError(413, "too_large", "the file is over the 2 MB limit")
    if exc.kind == "binary":
        return InputError(415, "unsupported_type", "the file is binary, not text")
    return InputError(400, exc.kind, exc.detail)


def job_document(job: Job) -> Document:
    """The document a job describes (extraction happens here, in the worker)."""
    if job.source == "text":
        return text_document(job.data, job.format, job.name)
    kind = "url" if job.source == "fetched" else "file"
    data = job.data if isinstance(job.data, bytes) else job.data.encode("utf-8")
    try:
        return extract(read_bytes(job.name, data, kind=kind, max_bytes=MAX_BYTES))
    except SourceError as exc:
        raise source_error(exc) from None
    except RecursionError:
        raise InputError(400, "too_deep", "markup nested too deeply to analyse") from None


def check(engine: Engine, job: Job) -> tuple[Result, int]:
    """Check the job's document; the result with its findings capped, and how many were
    left out."""
    doc = job_document(job)
    engine = engine.with_page_options(job.jurisdictions, job.page_type, job.lang)
    page = engine.check_document(doc)
    report = build_report([page], engine)
    rules = {r.code: r for r in engine.lexicon.rules}
    page, dropped = cap_findings(page, rules=rules, lang=i18n.output_lang(job.lang, page.lang))
    if dropped:
        report = replace(report, files=(page,))
    return Result(report, page, document_text(doc), doc.source_text, doc.format), dropped


def cap_findings(
    page: PageReport, budget: int | None = None, rules: dict | None = None, lang: str = "en"
) -> tuple[PageReport, int]:
    """Keep the findings whose JSON fits in `budget` bytes (default MAX_RESPONSE), active
    ones first; returns the page (with a warning when some were left out) and the number
    left out."""
    budget = budget or MAX_RESPONSE
    ordered = [*page.active_findings, *(f for f in page.findings if f.suppressed)]
    kept, used = [], 0
    for finding in ordered:
        rule = (rules or {}).get(finding.code)  # measured as sent: rationale and grounds too
        used += len(json.dumps(explained(finding, rule, page, lang), ensure_ascii=False).encode())
        if used > budget:
            break
        kept.append(finding)
    dropped = len(ordered) - len(kept)
    if not dropped:
        return page, 0
    note = (
        f"response truncated: {len(kept)} of {len(ordered)} findings shown (the server's "
        f"{budget:,}-byte cap); score and summary count them all"
    )
    keep = set(map(id, kept))
    findings = tuple(f for f in page.findings if id(f) in keep)
    return replace(page, findings=findings, warnings=(*page.warnings, note)), dropped


def respond(engine: Engine, env: jinja2.Environment, job: Job) -> Reply:
    """The whole answer to a job; raises InputError for a submission the user can fix."""
    result, dropped = check(engine, job)
    headers = ((TRUNCATED_HEADER, str(dropped)),) if dropped else ()
    rules = {r.code: r for r in engine.lexicon.rules}
    data = report_to_dict(result.report, tuple(rules.values()), job.lang)
    if job.output == "api":
        body = json.dumps(data, ensure_ascii=False)
        return Reply(200, "application/json", body.encode(), headers)
    if job.output == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        return _attachment(body, "application/json", "claimcheck-report.json", headers)
    if job.output == "html":
        texts = {result.page.path: result.text}
        body = render_html(result.report, rules=tuple(rules.values()), texts=texts, lang=job.lang)
        return _attachment(body, "text/html; charset=utf-8", "claimcheck-report.html", headers)
    view = page_view(result.page, 0, result.text, rules, lang=job.lang)
    html = render_page(
        env,
        "result.html",
        job.lang,
        job.allow_fetch,
        view=view,
        result=result,
        form=dict(job.form),
    )
    return Reply(200, "text/html; charset=utf-8", html.encode(), headers)


def _attachment(
    body: str, media_type: str, filename: str, headers: tuple[tuple[str, str], ...]
) -> Reply:
    disposition = ("content-disposition", f'attachment; filename="{filename}"')
    return Reply(200, media_type, body.encode(), (disposition, *headers))
