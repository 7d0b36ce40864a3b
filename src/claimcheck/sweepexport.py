"""The sweep report as CSV (one row per site, or per finding), JSON and a text summary.

CSV cells are copied verbatim, as in the per-finding CSV of `check` (claimcheck.render.csv):
a spreadsheet may read a cell starting with '=' as a formula, so open untrusted output as
text. JSON keeps a fixed key order (the dataclasses' field order).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from claimcheck import i18n
from claimcheck.sweepreport import SEVERITIES, SiteResult, SweepReport

SITE_COLUMNS = (
    "rank",
    "site",
    "seed",
    "verified",
    "status",
    "score",
    "grade",
    "pages",
    "errors",
    "findings_error",
    "findings_warning",
    "findings_info",
    "top_rule",
    "problem",
    "audit_id",
    "dir",
)
FINDING_COLUMNS = (
    "site",
    "url",
    "code",
    "name",
    "severity",
    "sentence",
    "message",
    "record_id",
    "screenshot",
    "impact",
    "page_score",
)


def _site_row(s: SiteResult) -> dict[str, object]:
    return {
        "rank": "" if s.rank is None else s.rank,
        "site": s.site,
        "seed": s.seed,
        "verified": "true" if s.verified else "false",
        "status": s.status,
        "score": "" if s.score is None else s.score,
        "grade": s.grade or "",
        "pages": s.pages,
        "errors": s.crawl_errors,
        "findings_error": s.by_severity["error"],
        "findings_warning": s.by_severity["warning"],
        "findings_info": s.by_severity["info"],
        "top_rule": s.top_rule,
        "problem": s.problem,
        "audit_id": s.audit_id,
        "dir": s.dir,
    }


def _csv(columns: tuple[str, ...], rows: Iterable[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def sweep_csv(report: SweepReport) -> str:
    """One row per site, ranked sites first (worst first), header first. Cells are copied
    verbatim: open untrusted output in a spreadsheet as text."""
    return _csv(SITE_COLUMNS, (_site_row(s) for s in report.sites))


def sweep_findings_csv(report: SweepReport) -> str:
    """One row per finding of `report.worst` (every finding when built with top=None),
    worst first, header first."""
    return _csv(FINDING_COLUMNS, (asdict(f) for f in report.worst))


def sweep_dict(report: SweepReport) -> dict[str, Any]:
    """The sweep report as JSON-ready data with a fixed key order."""
    return {
        "kind": "claimcheck-sweep-report",
        "version": "1.0",
        "directory": report.directory,
        "started": report.started,
        "ended": report.ended,
        "summary": {
            "sites": len(report.sites),
            "ranked": len(report.ranked),
            "left_out": len(report.sites) - len(report.ranked),
            "not_verified": len(report.not_verified),
            "no_audit": len(report.no_audit),
            "by_severity": report.by_severity,
        },
        "sites": [asdict(s) for s in report.sites],
        "by_code": [{"code": c, "name": n, "findings": k} for c, n, k in report.by_code],
        "by_jurisdiction": [{"jurisdiction": j, "findings": k} for j, k in report.by_jurisdiction],
        "worst_findings": [asdict(f) for f in report.worst],
        "notes": list(report.notes),
    }


def sweep_json(report: SweepReport) -> str:
    """Pretty-printed JSON with a trailing newline."""
    return json.dumps(sweep_dict(report), indent=2, ensure_ascii=False) + "\n"


def sweep_text(report: SweepReport, lang: str = "en") -> str:
    """The terminal summary: the ranking, the sites left out and why, the top rules."""
    t = i18n.catalogue(lang)
    out = [
        t["sweep.summary"].format(
            sites=len(report.sites),
            ranked=len(report.ranked),
            left_out=len(report.sites) - len(report.ranked),
        )
    ]
    head = f"{t['sweep.rank']:>6}  {t['score']:>10} {t['sweep.pages']:>7}  E/W/I     "
    out.append(head + t["sweep.site"])
    for s in report.ranked:
        sev = "/".join(str(s.by_severity[k]) for k in SEVERITIES)
        score = f"{s.score} ({s.grade})"
        mark = f" ({t['sweep.incomplete']})" if s.status == "incomplete" else ""
        out.append(f"{s.rank:>6}  {score:>10} {s.pages:>7}  {sev:<9} {_one_line(s.site)}{mark}")
    for s in report.sites:
        if s.rank is None:
            label = _left_out_label(s, t)
            out.append(f"{'-':>6}  {label}: {_one_line(s.site)}: {_one_line(s.problem)}")
    if report.by_code:
        top = ", ".join(f"{c} ×{n}" for c, _, n in report.by_code[:8])
        out.append(f"{t['sweep.by_rule']}: {top}")
    return "\n".join(out) + "\n"


def _left_out_label(site: SiteResult, t: dict[str, str]) -> str:
    """Why a site has no rank, in one word: no audit, not verified, or not scored."""
    if not site.audited:
        return t["sweep.no_audit"]
    return t["sweep.not_verified"] if not site.verified else t["sweep.not_ranked"]


def _one_line(text: str) -> str:
    from claimcheck.crawl.verify import shown

    return shown(text, 200)
