"""A self-contained HTML report, page by page: score, highlighted text, findings, checklist.

The report makes no external request (CSS inline, no script, no font or image links) and
every value passes through Jinja2's autoescaping. `page_view` builds the view model that
the report and the `claimcheck serve` result page share (`_page.html`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from claimcheck import i18n
from claimcheck.model import Finding, PageReport, Report, Severity

if TYPE_CHECKING:
    import jinja2

    from claimcheck.lexicon.types import Rule

LANGS = ("en", "es")
ICONS = {"error": "✖", "warning": "▲", "info": "ℹ"}


@dataclass(frozen=True, slots=True)
class FindingView:
    """One finding with the rule's rationale and the legal grounds of its page's
    jurisdictions (in the page's output language), ready for a template."""

    id: str
    finding: Finding
    severity: str
    icon: str
    rationale: str
    grounds: tuple[GroundView, ...] = ()
    level: str = ""
    citation: str = ""


@dataclass(frozen=True, slots=True)
class GroundView:
    """One legal ground as a report shows it: its jurisdiction's name, citation and link."""

    jurisdiction: str
    cite: str
    url: str


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of the page text; `severity` is set when it is a flagged sentence."""

    text: str
    severity: str | None = None
    icon: str = ""
    ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ShotMark:
    """One box of a flagged sentence over a page's screenshot, in percent of the image."""

    id: str
    severity: str
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class PageView:
    """What the templates show for one page."""

    page: PageReport
    index: int
    segments: tuple[Segment, ...]
    sentence_findings: tuple[FindingView, ...]
    checklist: tuple[FindingView, ...]
    counts: dict[str, int]
    archive: Mapping[str, Any] | None = None
    marks: tuple[ShotMark, ...] = ()
    lang: str = "en"
    page_type_label: str = ""


def strings(lang: str) -> dict[str, str]:
    """Interface strings for 'en' or 'es' (English for anything else): the message
    catalogues of claimcheck.i18n."""
    return i18n.catalogue(lang)


def _grounds(rule: Rule, page: PageReport, lang: str) -> tuple[GroundView, ...]:
    """The rule's grounds for the page's jurisdictions, labelled."""
    return tuple(
        GroundView(i18n.jurisdiction_name(g.jurisdiction, lang), g.cite(), g.url)
        for g in rule.grounds_for(page.jurisdictions)
    )


def _is_checklist(f: Finding) -> bool:
    return f.scope == "page" or f.code.startswith(("CC2", "CC3"))


def _sentence_span(text: str, f: Finding) -> tuple[int, int]:
    """The span of the finding's sentence in `text`, or its trigger span as a fallback."""
    if f.sentence:
        at = text.rfind(f.sentence, 0, f.start + len(f.sentence))
        if at >= 0 and at + len(f.sentence) >= f.end:
            return at, at + len(f.sentence)
    return f.start, max(f.end, f.start)


def _segments(text: str, views: Sequence[FindingView]) -> tuple[Segment, ...]:
    """Cut `text` into plain runs and flagged sentences (overlapping spans merged)."""
    spans = sorted(((*_sentence_span(text, v.finding), v) for v in views), key=lambda s: s[:2])
    merged: list[list[Any]] = []  # [start, end, worst severity, ids]
    for start, end, view in spans:
        if end <= start or end > len(text):
            continue
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            last[2] = max(last[2], view.finding.severity)
            last[3].append(view.id)
        else:
            merged.append([start, end, view.finding.severity, [view.id]])
    out: list[Segment] = []
    pos = 0
    for start, end, severity, ids in merged:
        if start > pos:
            out.append(Segment(text[pos:start]))
        label = Severity(severity).label
        out.append(Segment(text[start:end], label, ICONS[label], tuple(ids)))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return tuple(out)


def _shot_marks(
    shot: Mapping[str, Any] | None, views: Sequence[FindingView]
) -> tuple[ShotMark, ...]:
    """Boxes to draw over the page's screenshot: each sentence finding whose sentence was
    located when the screenshot was taken (`marks` in the manifest), in percent of the image
    so that they scale with it."""
    if not shot or not shot.get("src") or not shot.get("width") or not shot.get("height"):
        return ()
    located = {m["sentence"]: m["boxes"] for m in shot.get("marks", []) if m.get("boxes")}
    w, h = shot["width"], shot["height"]
    out: dict[tuple[int, ...], ShotMark] = {}
    for v in sorted(views, key=lambda v: -int(v.finding.severity)):
        for x, y, bw, bh in located.get(v.finding.sentence, []):
            box = ShotMark(v.id, v.severity, x * 100 / w, y * 100 / h, bw * 100 / w, bh * 100 / h)
            out.setdefault((x, y, bw, bh), box)  # the worst finding of a sentence draws it
    return tuple(out.values())


def page_view(
    page: PageReport,
    index: int = 0,
    text: str | None = None,
    rules: Mapping[str, Rule] | None = None,
    archive: Mapping[str, Any] | None = None,
    lang: str | None = None,
) -> PageView:
    """The view model of one page; `text` (the extracted text findings' offsets refer to)
    adds the highlighted text, `rules` (by code) adds each rule's rationale and grounds,
    `archive` (record_id, sha256, file, status, fetched) where its archived copy is;
    `lang` is the output language setting (None or 'auto': the page's own language)."""
    rules = rules or {}
    lang = i18n.output_lang(lang, page.lang)
    views = []
    for n, f in enumerate(page.active_findings, 1):
        rule = rules.get(f.code)
        views.append(
            FindingView(
                id=f"p{index}-f{n}",
                finding=f,
                severity=f.severity.label,
                icon=ICONS[f.severity.label],
                rationale=rule.rationale_for(lang) if rule else "",
                grounds=_grounds(rule, page, lang) if rule else (),
                level=i18n.level_name(f.evidence.level, lang) if f.evidence else "",
                citation=f.evidence.citation_for(lang) if f.evidence else "",
            )
        )
    sentence = tuple(v for v in views if not _is_checklist(v.finding))
    counts = {sev: sum(v.severity == sev for v in views) for sev in ICONS}
    return PageView(
        page=page,
        index=index,
        segments=_segments(text, sentence) if text else (),
        sentence_findings=sentence,
        checklist=tuple(v for v in views if _is_checklist(v.finding)),
        counts=counts,
        archive=archive,
        marks=_shot_marks((archive or {}).get("screenshot"), sentence),
        lang=lang,
        page_type_label=i18n.page_type_name(page.page_type, lang),
    )


def template_dir() -> str:
    """The directory of the report templates (shared with the web page)."""
    return str(resources.files("claimcheck").joinpath("render/templates"))


def report_css() -> str:
    """The report's stylesheet (inlined in the report, served as a file by the web page)."""
    return resources.files("claimcheck").joinpath("render/templates/report.css").read_text("utf-8")


@cache
def template_environment() -> jinja2.Environment:
    """The Jinja2 environment of the report templates (autoescaping on), one per process;
    the page report and the sweep report (claimcheck.sweephtml) render through it."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir()),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(
    report: Report,
    *,
    rules: Sequence[Rule] = (),
    texts: Mapping[str, str] | None = None,
    lang: str | None = None,
    audit: Mapping[str, Any] | None = None,
) -> str:
    """The whole report as one HTML document with inline CSS and no external requests.

    `texts` maps a page path to its extracted text, to show it with the flagged sentences
    highlighted; without it the report lists the flagged sentences with their findings.
    `audit` (from `claimcheck.crawl.report.audit_info`) adds a site section and, per page,
    its archived copy (`audit["pages"]` maps a URL to its WARC record), and groups each
    page's findings by severity. `lang` is the output language setting: pages are written
    in theirs, the report's labels in the language most pages are in ('auto' or None).
    """
    by_code = {r.code: r for r in rules}
    report_lang = i18n.report_lang(lang, [p.lang for p in report.files])
    texts = texts or {}
    archived = (audit or {}).get("pages", {})
    pages = [
        page_view(p, i, texts.get(p.path), by_code, archived.get(p.path), lang)
        for i, p in enumerate(report.files)
    ]
    return (
        template_environment()
        .get_template("report.html")
        .render(
            report=report,
            pages=pages,
            t=strings(report_lang),
            site_reasons=i18n.reasons(report.site.reasons, report_lang) if report.site else [],
            css=report_css(),
            copy_buttons=False,
            audit=audit,
        )
    )
