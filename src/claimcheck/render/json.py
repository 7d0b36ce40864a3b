"""The JSON report: a versioned contract described by schemas/report.schema.json."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from claimcheck.model import BaselineResult, FileError, Finding, PageReport, Report

SCHEMA_VERSION = "1.5"


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """One finding as the JSON report writes it."""
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
        "evidence": asdict(f.evidence) if f.evidence else None,
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


def _error(e: FileError) -> dict[str, str]:
    return {"path": e.path, "kind": e.kind, "message": e.message}


def page_to_dict(p: PageReport) -> dict[str, Any]:
    """One page (file or URL) as the JSON report writes it."""
    return {
        "path": p.path,
        "format": p.format,
        "lang": p.lang,
        "sha256": p.sha256,
        "page_type": p.page_type,
        "page_type_reasons": list(p.page_type_reasons),
        "jurisdictions": list(p.jurisdictions),
        "jurisdiction_reasons": list(p.jurisdiction_reasons),
        "countries": list(p.countries),
        "country_reasons": list(p.country_reasons),
        "main_intervention": p.main_intervention,
        "main_condition": p.main_condition,
        "sentences": p.sentence_count,
        "score": p.score,
        "grade": p.grade,
        "findings": [finding_to_dict(f) for f in p.findings],
        "errors": [_error(e) for e in p.errors],
        "warnings": list(p.warnings),
    }


def _baseline(b: BaselineResult) -> dict[str, Any]:
    fixed = [
        {"fingerprint": e.fingerprint, "code": e.code, "path": e.path, "sentence": e.sentence}
        for e in b.fixed
    ]
    return {"path": b.path, "matched": b.matched, "fixed": fixed}


def report_to_dict(report: Report) -> dict[str, Any]:
    """The whole report as a JSON-ready dict."""
    s = report.summary
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {
            "name": "claimcheck",
            "version": report.tool_version,
            "lexicon_version": report.lexicon_version,
            "model_version": report.model_version,
        },
        "files": [page_to_dict(p) for p in report.files],
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
    if report.baseline is not None:
        out["baseline"] = _baseline(report.baseline)
    if report.site is not None:
        site = report.site
        out["site"] = {
            "score": site.score,
            "grade": site.grade,
            "pages": site.pages,
            "reasons": list(site.reasons),
        }
    return out


def render_json(report: Report) -> str:
    """Pretty-printed JSON with a trailing newline."""
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=2) + "\n"
