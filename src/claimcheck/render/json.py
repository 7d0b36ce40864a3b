"""The JSON report: a versioned contract described by schemas/report.schema.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from claimcheck import i18n
from claimcheck.lexicon.types import Ground, Rule
from claimcheck.model import BaselineResult, Evidence, FileError, Finding, PageReport, Report

SCHEMA_VERSION = "1.7"


def evidence_to_dict(e: Evidence, lang: str = "en") -> dict[str, Any]:
    """A finding's evidence as the JSON report writes it: one `citation`, in `lang`."""
    out = asdict(e)
    out["citation"] = e.citation_for(lang)
    del out["citation_es"]
    return out


def finding_to_dict(f: Finding, lang: str = "en") -> dict[str, Any]:
    """One finding as the JSON report writes it; the evidence citation in `lang`."""
    out: dict[str, Any] = {
        "code": f.code,
        "name": f.name,
        "severity": f.severity.label,
        "scope": f.scope,
        "line": f.line,
        "column": f.column,
        "start": f.start,
        "end": f.end,
        "sentence": f.sentence,
        "trigger": f.trigger,
        "pattern_id": f.pattern_id,
        "message": f.message,
        "suggestion": f.suggestion,
        "context": asdict(f.context),
        "evidence": evidence_to_dict(f.evidence, lang) if f.evidence else None,
        "engine": f.engine,
        "suppressed": f.suppressed,
    }
    if f.meta:
        out["meta"] = f.meta
    if f.model_label is not None:
        out["model"] = {"label": f.model_label, "probability": f.model_probability}
    if f.suppressed:
        out["suppressed_by"] = f.suppressed_by
    return out


def ground_to_dict(g: Ground, lang: str) -> dict[str, str]:
    """One legal ground as the JSON report writes it, its jurisdiction labelled."""
    return {
        "jurisdiction": g.jurisdiction,
        "label": i18n.jurisdiction_name(g.jurisdiction, lang),
        "instrument": g.instrument,
        "article": g.article,
        "url": g.url,
        "confidence": g.confidence,
        "kind": g.kind,
    }


def explained(f: Finding, rule: Rule | None, p: PageReport, lang: str) -> dict[str, Any]:
    """A finding with its rule's rationale and the grounds of its page's jurisdictions."""
    out = finding_to_dict(f, lang)
    if f.suppressed_by:
        out["suppressed_by"] = i18n.suppressed_reason(f.suppressed_by, lang)
    if rule is not None:
        out["rationale"] = rule.rationale_for(lang)
        out["grounds"] = [ground_to_dict(g, lang) for g in rule.grounds_for(p.jurisdictions)]
    return out


def _error(e: FileError) -> dict[str, str]:
    return {"path": e.path, "kind": e.kind, "message": e.message}


def page_to_dict(
    p: PageReport, rules: dict[str, Rule] | None = None, setting: str | None = None
) -> dict[str, Any]:
    """One page (file or URL) as the JSON report writes it. `page_type` and other codes
    stay stable identifiers; `output_lang` is the language of messages and reasons, and
    `page_type_label` the page type in it. `rules` adds each finding's rationale and grounds."""
    lang = i18n.output_lang(setting, p.lang)
    rules = rules or {}
    return {
        "path": p.path,
        "format": p.format,
        "lang": p.lang,
        "output_lang": lang,
        "sha256": p.sha256,
        "page_type": p.page_type,
        "page_type_label": i18n.page_type_name(p.page_type, lang),
        "page_type_reasons": i18n.reasons(p.page_type_reasons, lang),
        "jurisdictions": list(p.jurisdictions),
        "jurisdiction_reasons": i18n.reasons(p.jurisdiction_reasons, lang),
        "countries": list(p.countries),
        "country_reasons": i18n.reasons(p.country_reasons, lang),
        "main_intervention": p.main_intervention,
        "main_condition": p.main_condition,
        "sentences": p.sentence_count,
        "score": p.score,
        "grade": p.grade,
        "findings": [explained(f, rules.get(f.code), p, lang) for f in p.findings],
        "errors": [_error(e) for e in p.errors],
        "warnings": list(p.warnings),
    }


def _baseline(b: BaselineResult) -> dict[str, Any]:
    fixed = [
        {"fingerprint": e.fingerprint, "code": e.code, "path": e.path, "sentence": e.sentence}
        for e in b.fixed
    ]
    return {"path": b.path, "matched": b.matched, "fixed": fixed}


def report_to_dict(
    report: Report, rules: Sequence[Rule] = (), lang: str | None = None
) -> dict[str, Any]:
    """The whole report as a JSON-ready dict; `lang` is the output language setting."""
    s = report.summary
    by_code = {r.code: r for r in rules}
    report_lang = i18n.report_lang(lang, [p.lang for p in report.files])
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {
            "name": "claimcheck",
            "version": report.tool_version,
            "lexicon_version": report.lexicon_version,
            "model_version": report.model_version,
        },
        "lang": lang or i18n.DEFAULT_SETTING,
        "files": [page_to_dict(p, by_code, lang) for p in report.files],
        "summary": {
            "files": s.files,
            "files_with_errors": s.files_with_errors,
            "findings": s.findings,
            "by_severity": s.by_severity,
            "by_code": s.by_code,
            "suppressed": s.suppressed,
            "mean_score": s.mean_score,
            "min_score": s.min_score,
            "grade": s.grade,
        },
    }
    if report.prefilter_skipped:  # archived pages not listed (docs/warc.md)
        out["summary"]["prefilter_skipped"] = report.prefilter_skipped
    if by_code:
        out["grounds_legend"] = i18n.tr(report_lang, "grounds.legend")
    if report.baseline is not None:
        out["baseline"] = _baseline(report.baseline)
    if report.site is not None:
        site = report.site
        out["site"] = {
            "score": site.score,
            "grade": site.grade,
            "pages": site.pages,
            "reasons": i18n.reasons(site.reasons, report_lang),
        }
    if report.sites:  # a sweep: one site score per site (docs/sweep.md)
        out["sites"] = [
            {
                "site": s.host,
                "score": s.score,
                "grade": s.grade,
                "pages": s.pages,
                "reasons": i18n.reasons(s.reasons, report_lang),
            }
            for s in report.sites
        ]
    return out


def render_json(report: Report, *, rules: Sequence[Rule] = (), lang: str | None = None) -> str:
    """Pretty-printed JSON with a trailing newline."""
    data = report_to_dict(report, rules, lang)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
