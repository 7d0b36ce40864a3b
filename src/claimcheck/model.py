"""The nouns of claimcheck: frozen dataclasses that flow one way through the pipeline.

source -> Document -> Sentence -> Match -> Finding -> PageReport -> Report
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

BlockKind = Literal[
    "title",
    "heading",
    "paragraph",
    "list_item",
    "table_cell",
    "alt_text",
    "quote",
    "other",
    "meta",
]
Region = Literal["main", "header", "nav", "footer", "aside"]
Format = Literal["html", "markdown", "text"]


class Severity(IntEnum):
    """Finding severities, ordered so that comparisons mean 'at least as bad as'."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, name: str) -> Severity:
        """Turn 'error' / 'warning' / 'info' into a Severity (case-insensitive)."""
        return cls[name.strip().upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a document came from: a path, a URL or stdin, with its content hash."""

    path: str
    kind: Literal["file", "stdin", "string", "url"] = "file"
    sha256: str = ""
    fetched_at: str | None = None
    encoding: str | None = None


@dataclass(frozen=True, slots=True)
class Block:
    """A run of text a reader sees as one unit (a heading, a paragraph, a list item ...).

    `line` and `column` are 1-based positions of the block's first character in the
    source file. `hidden` is True when a visitor cannot see the text (hidden attribute,
    display:none, aria-hidden, noscript, font-size <= 6px). `region` says whether the
    block sits in the main content, the page header, navigation, footer or an aside.
    `fine_print` marks text styled to be inconspicuous (<small>, tiny fonts, fine-print
    classes) without being hidden. `anchors` (Markdown and plain text only) maps the text
    back to the source exactly: each `(offset, line, column)` starts a run of `text` copied
    verbatim from one source line; empty when unknown (HTML). `meta` names where a `meta`
    block's text comes from, what search results and link previews show rather than the
    page body: 'meta description', 'og:title', 'twitter:description', 'front matter title'.
    """

    text: str
    kind: BlockKind
    line: int
    column: int = 1
    hidden: bool = False
    region: Region = "main"
    fine_print: bool = False
    css_class: str = ""
    anchors: tuple[tuple[int, int, int], ...] = ()
    meta: str = ""


@dataclass(frozen=True, slots=True)
class Document:
    """One input page after extraction: its origin, format, language hints and blocks."""

    origin: Origin
    format: Format
    blocks: tuple[Block, ...]
    lang: str | None = None
    title: str = ""
    source_text: str = ""
    settings: tuple[tuple[str, Any], ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return self.origin.path


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence with its position.

    `start`/`end` are character offsets into the document's extracted text (blocks joined
    by a blank line, see `segment.document_text`); `line`/`column` are 1-based positions
    in the source file.
    """

    text: str
    block_index: int
    start: int
    end: int
    line: int
    column: int
    lang: str = "en"
    hidden: bool = False
    region: Region = "main"
    kind: BlockKind = "paragraph"


@dataclass(frozen=True, slots=True)
class ContextDecision:
    """How a trigger is used in its sentence: asserted, or qualified by a context modifier."""

    status: Literal[
        "asserted", "negated", "attributed", "hypothetical", "question", "quoted", "nonhuman"
    ] = "asserted"
    modifier: str | None = None
    modifier_id: str | None = None

    @property
    def asserted(self) -> bool:
        return self.status == "asserted"


@dataclass(frozen=True, slots=True)
class Evidence:
    """The evidence level for an intervention x condition pair, with its citation.

    `citation` is English; `citation_es` the Spanish text ("" when the lexicon row has
    none). Renderers call `citation_for(lang)` rather than reading either field.
    """

    intervention: str | None
    condition: str | None
    level: str
    citation: str = ""
    ref: str = ""
    intervention_inferred: bool = False
    citation_es: str = ""

    def citation_for(self, lang: str) -> str:
        """The citation in the output language: Spanish when there is one, else English."""
        return (self.citation_es if lang == "es" else "") or self.citation


@dataclass(frozen=True, slots=True)
class Finding:
    """One reported problem. Sentence-scoped findings carry the sentence and its span;
    `meta` names the meta tag or front-matter key the sentence comes from, when it is
    text search results show rather than the page body ('meta description', 'og:title')."""

    code: str
    name: str
    severity: Severity
    message: str
    path: str
    line: int = 1
    column: int = 1
    start: int = 0
    end: int = 0
    sentence: str = ""
    trigger: str = ""
    pattern_id: str = ""
    context: ContextDecision = field(default_factory=ContextDecision)
    evidence: Evidence | None = None
    suggestion: str = ""
    engine: Literal["rule", "model", "rule+model"] = "rule"
    scope: Literal["sentence", "page"] = "sentence"
    suppressed: bool = False
    suppressed_by: str | None = None
    model_label: str | None = None
    model_probability: float | None = None
    meta: str = ""


@dataclass(frozen=True, slots=True)
class FileError:
    """A problem that stopped one input from being checked (the others carry on)."""

    path: str
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class PageReport:
    """Everything claimcheck concluded about one page."""

    path: str
    format: str
    lang: str
    page_type: Literal["commercial", "editorial", "unknown"]
    page_type_reasons: tuple[str, ...]
    jurisdictions: tuple[str, ...]
    jurisdiction_reasons: tuple[str, ...]
    main_intervention: str | None
    main_condition: str | None
    sentence_count: int
    score: int | None
    grade: str | None
    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...] = ()
    sha256: str = ""
    warnings: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    country_reasons: tuple[str, ...] = ()
    prefilter_skipped: bool = False
    """A WARC/ARC page the keyword pre-filter skipped: counted in the report, not listed."""

    @property
    def active_findings(self) -> tuple[Finding, ...]:
        """Findings that count: not suppressed by context, config or inline comments."""
        return tuple(f for f in self.findings if not f.suppressed)


def unchecked_page(
    path: str,
    fmt: str = "",
    lang: str = "",
    *,
    reasons: tuple[str, ...] = (),
    errors: tuple[FileError, ...] = (),
    sha256: str = "",
    prefilter_skipped: bool = False,
) -> PageReport:
    """A report entry for a page that was not analysed (unknown type, no sentences, score
    or findings): the one shape of an error page and of a page the pre-filter skipped."""
    return PageReport(
        path=path,
        format=fmt,
        lang=lang,
        page_type="unknown",
        page_type_reasons=reasons,
        jurisdictions=(),
        jurisdiction_reasons=(),
        main_intervention=None,
        main_condition=None,
        sentence_count=0,
        score=None,
        grade=None,
        findings=(),
        errors=errors,
        sha256=sha256,
        prefilter_skipped=prefilter_skipped,
    )


def error_page(path: str, kind: str, message: str, fmt: str = "") -> PageReport:
    """A report entry for an input that could not be checked (no score, one error).

    It lives with the nouns so that the engine and the renderers build it alike."""
    return unchecked_page(path, fmt, errors=(FileError(path, kind, message),))


@dataclass(frozen=True, slots=True)
class Summary:
    """Totals across every input of one run."""

    files: int
    files_with_errors: int
    findings: int
    by_severity: dict[str, int]
    by_code: dict[str, int]
    suppressed: int
    mean_score: float | None
    min_score: int | None
    grade: str | None


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """One accepted finding in a baseline file, identified by its fingerprint."""

    fingerprint: str
    code: str
    path: str
    sentence: str


@dataclass(frozen=True, slots=True)
class BaselineResult:
    """How a run compared with its baseline: findings matched, entries no longer found."""

    path: str
    matched: int
    fixed: tuple[BaselineEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class SiteScore:
    """The score of a crawled site (docs/scoring.md, "Site score"), with how it was reached."""

    score: int | None
    grade: str | None
    pages: int
    reasons: tuple[str, ...] = ()
    host: str | None = None
    """The site's key (its host) when the score is one of a sweep's `Report.sites`."""


@dataclass(frozen=True, slots=True)
class Report:
    """The result of one run over one or more inputs; what every renderer prints."""

    files: tuple[PageReport, ...]
    summary: Summary
    tool_version: str
    lexicon_version: str
    errors: tuple[FileError, ...] = ()
    baseline: BaselineResult | None = None
    model_version: str | None = None
    site: SiteScore | None = None
    sites: tuple[SiteScore, ...] = ()
    """A sweep's site scores, one per site in sweep order (`site` is then None)."""
    prefilter_skipped: int = 0
    """Archived pages the keyword pre-filter skipped (no treatment, condition or cue)."""


@dataclass(frozen=True, slots=True)
class Mention:
    """An intervention or condition named in a sentence (`start`/`end` within the sentence)."""

    term: str
    kind: Literal["intervention", "condition", "anaphor"]
    sentence_index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Match:
    """A rule pattern that matched inside one sentence (`start`/`end` within the sentence)."""

    rule: str
    pattern_id: str
    sentence_index: int
    start: int
    end: int
    text: str
    strength: str | None = None
