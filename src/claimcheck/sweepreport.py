"""`claimcheck sweep report DIR`: one report over every site audit of a sweep.

Each site's audit is verified first (every hash and digest, as `claimcheck verify` does),
and its report.json is read from the very bytes whose SHA-256 is checked against the
manifest's `report_sha256`. A site that does not verify is listed as not verified, with
the first problem, and is never ranked. Verified sites are ranked by site score, worst
first (docs/sweep.md). This module gathers the data; `claimcheck.sweephtml` draws it as
HTML and `claimcheck.sweepexport` writes it as CSV, JSON and text.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from claimcheck.errors import ArchiveError, ClaimcheckError
from claimcheck.history import HistoryError
from claimcheck.model import Severity
from claimcheck.score import FAMILY_FACTOR, SEVERITY_WEIGHT

SEVERITIES = ("error", "warning", "info")
DEFAULT_TOP = 20
MAX_REPORT_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One recorded audit of a site: when it started and its site score."""

    started: str
    score: int


@dataclass(frozen=True, slots=True)
class WorstFinding:
    """One finding of the sweep with its archived evidence. `screenshot` is the page's
    screenshot path relative to the sweep directory ("" when the audit has none)."""

    site: str
    url: str
    code: str
    name: str
    severity: str
    sentence: str
    message: str
    record_id: str
    screenshot: str
    impact: float
    page_score: int | None


@dataclass(frozen=True, slots=True)
class SiteResult:
    """One site of the sweep. `rank` is None for a site left out of the ranking (not
    verified, no audit, or no page scored); `problem` then says why."""

    site: str
    seed: str
    dir: str
    status: str
    verified: bool
    problem: str
    rank: int | None
    score: int | None
    grade: str | None
    pages: int
    crawl_errors: int
    by_severity: dict[str, int]
    by_code: dict[str, int]
    top_rule: str
    audit_id: str
    started: str
    ended: str
    history: tuple[HistoryPoint, ...] = ()
    audited: bool = True


@dataclass(frozen=True, slots=True)
class SweepReport:
    """Everything the sweep report shows. `sites` holds the ranked sites worst first, then
    the others in sweep order; counts cover verified sites only."""

    directory: str
    started: str
    ended: str
    sites: tuple[SiteResult, ...]
    by_code: tuple[tuple[str, str, int], ...]
    by_jurisdiction: tuple[tuple[str, int], ...]
    by_severity: dict[str, int]
    worst: tuple[WorstFinding, ...]
    history_db: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def ranked(self) -> tuple[SiteResult, ...]:
        """The ranked sites, worst first."""
        return tuple(s for s in self.sites if s.rank is not None)

    @property
    def not_verified(self) -> tuple[SiteResult, ...]:
        """Sites with an audit that failed verification or could not be read."""
        return tuple(s for s in self.sites if s.audited and not s.verified)

    @property
    def no_audit(self) -> tuple[SiteResult, ...]:
        """Sites whose crawl left no audit (failed before anything was written)."""
        return tuple(s for s in self.sites if not s.audited)


@dataclass(frozen=True, slots=True)
class _Loaded:
    """A verified site's manifest and report, and its findings as WorstFinding rows."""

    result: SiteResult
    findings: tuple[WorstFinding, ...]
    jurisdictions: Counter[str]
    names: dict[str, str]


def impact(severity: str, code: str) -> float:
    """The points a finding costs its page before the repeat decay (claimcheck.score):
    how the worst findings are ordered after severity."""
    return SEVERITY_WEIGHT[Severity.parse(severity)] * FAMILY_FACTOR.get(code[2:3], 1.0)


def _read_verified_report(site_dir: str, manifest: dict[str, Any]) -> dict[str, Any]:
    """report.json parsed from the bytes whose SHA-256 matched the manifest's
    report_sha256, so a file swapped after verification is never read."""
    from claimcheck.config import read_small_file

    path = os.path.join(site_dir, "report.json")
    data = read_small_file(path, MAX_REPORT_BYTES, ArchiveError, "report")
    if hashlib.sha256(data).hexdigest() != manifest.get("report_sha256"):
        raise ArchiveError("report.json: SHA-256 does not match the manifest")
    try:
        report = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ArchiveError(f"report.json: not JSON ({exc})") from None
    if not isinstance(report, dict) or not isinstance(report.get("files"), list):
        raise ArchiveError("report.json: not a claimcheck report")
    return report


def _site_findings(
    entry: dict[str, Any], manifest: dict[str, Any], report: dict[str, Any]
) -> tuple[list[WorstFinding], Counter[str], dict[str, str]]:
    """Every active finding of a site as a row with its WARC record and screenshot, the
    findings per jurisdiction, and rule names by code."""
    records = {p["url"]: p.get("warc", {}).get("record_id", "") for p in manifest["pages"]}
    shots = {
        s["url"]: f"{entry['dir'].rstrip('/')}/{s['path']}"
        for s in manifest.get("screenshots") or []
        if isinstance(s, dict) and isinstance(s.get("url"), str) and isinstance(s.get("path"), str)
    }
    rows: list[WorstFinding] = []
    where: Counter[str] = Counter()
    names: dict[str, str] = {}
    for page in report["files"]:
        url = str(page["path"])
        for f in page.get("findings", []):
            if f.get("suppressed"):
                continue
            code, severity = str(f["code"]), str(f["severity"])
            names.setdefault(code, str(f.get("name", "")))
            for j in page.get("jurisdictions") or ["none"]:
                where[str(j)] += 1
            rows.append(
                WorstFinding(
                    site=entry["site"],
                    url=url,
                    code=code,
                    name=str(f.get("name", "")),
                    severity=severity,
                    sentence=str(f.get("sentence") or ""),
                    message=str(f.get("message") or ""),
                    record_id=records.get(url, ""),
                    screenshot=shots.get(url, ""),
                    impact=impact(severity, code),
                    page_score=page.get("score"),
                )
            )
    return rows, where, names


def _unranked(entry: dict[str, Any], problem: str, audited: bool = True) -> SiteResult:
    """A site listed without a rank, with the sweep index's own counts."""
    return SiteResult(
        site=entry["site"],
        seed=entry["seed"],
        dir=entry["dir"],
        status=entry["status"],
        verified=False,
        problem=problem,
        rank=None,
        score=None,
        grade=None,
        pages=entry.get("pages", 0),
        crawl_errors=entry.get("errors", 0),
        by_severity=dict.fromkeys(SEVERITIES, 0),
        by_code={},
        top_rule="",
        audit_id="",
        started="",
        ended="",
        audited=audited,
    )


def _load_site(directory: str, entry: dict[str, Any]) -> _Loaded | SiteResult:
    """A verified site's data, or an unranked SiteResult saying why it is left out."""
    from claimcheck.crawl.archive import audit_path, is_audit_dir, read_manifest
    from claimcheck.crawl.verify import verify_audit

    site_dir = audit_path(directory, entry["dir"], "site dir")
    if not is_audit_dir(site_dir):
        reason = entry.get("reason") or "no audit in its directory"
        return _unranked(entry, f"{entry['status']}: {reason}", audited=False)
    try:
        # the index's manifest_sha256, when it has one, anchors the site's whole audit
        result = verify_audit(site_dir, expect=entry.get("manifest_sha256"))
        if not result.ok:
            return _unranked(entry, result.problems[0])
        data, manifest = read_manifest(site_dir)
        if hashlib.sha256(data).hexdigest() != result.manifest_sha256:
            return _unranked(entry, "manifest.json changed while it was read")
        if manifest.get("site") != entry["site"]:
            return _unranked(entry, f"the audit is of {manifest.get('site')!r}, not this site")
        report = _read_verified_report(site_dir, manifest)
        rows, where, names = _site_findings(entry, manifest, report)
    except ClaimcheckError as exc:
        return _unranked(entry, str(exc))
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        return _unranked(entry, f"report.json: malformed ({type(exc).__name__})")
    site = report.get("site") or {}
    if not _is_score(site.get("score")) or not all(_is_score(r.page_score) for r in rows):
        return _unranked(entry, "report.json: malformed (a score is not 0-100)")
    codes = Counter(r.code for r in rows)
    top = min(codes.items(), key=lambda kv: (-kv[1], kv[0]))[0] if codes else ""
    return _Loaded(
        SiteResult(
            site=entry["site"],
            seed=entry["seed"],
            dir=entry["dir"],
            status=entry["status"],
            verified=True,
            problem="" if site.get("score") is not None else "no page could be scored",
            rank=None,
            score=site.get("score"),
            grade=site.get("grade"),
            pages=len(manifest["pages"]),
            crawl_errors=len(manifest.get("errors", [])),
            by_severity={s: sum(r.severity == s for r in rows) for s in SEVERITIES},
            by_code=dict(sorted(codes.items())),
            top_rule=top,
            audit_id=str(manifest.get("audit_id", "")),
            started=str(manifest.get("started", "")),
            ended=str(manifest.get("ended", "")),
        ),
        tuple(rows),
        where,
        names,
    )


def _is_score(value: object) -> bool:
    """None or an int from 0 to 100 (a bool is not a score)."""
    return value is None or (type(value) is int and 0 <= value <= 100)


def _history(
    db_path: str | None, sites: Iterable[str]
) -> tuple[str | None, dict[str, tuple[HistoryPoint, ...]]]:
    """The history database used (None when there is none) and each site's recorded site
    scores over time in it. A report never creates a database."""
    from claimcheck.history import History, default_db_path

    path = db_path or str(default_db_path())
    if not os.path.isfile(path):
        return None, {}
    out: dict[str, tuple[HistoryPoint, ...]] = {}
    with History(path) as db:
        for site in sites:
            rows = db.audits(site)
            out[site] = tuple(
                HistoryPoint(str(r.started), r.site_score)
                for r in rows
                if _is_score(r.site_score) and r.site_score is not None
            )
    return path, out


def _rank_key(s: SiteResult) -> tuple[Any, ...]:
    """Worst first: lowest score, then most error-level findings, then most findings."""
    return (s.score, -s.by_severity["error"], -sum(s.by_severity.values()), s.site)


def _worst_key(f: WorstFinding, rank: dict[str, int]) -> tuple[Any, ...]:
    score = 101 if f.page_score is None else f.page_score
    return (-Severity.parse(f.severity), -f.impact, score, rank.get(f.site, 0), f.url, f.code)


def build_sweep_report(
    directory: str,
    *,
    top: int | None = DEFAULT_TOP,
    db_path: str | None = None,
    history: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> SweepReport:
    """Verify and read every site of the sweep in `directory` and rank them.

    `top` is how many worst findings to keep (None: all). Raises ArchiveError when
    `directory` is not a sweep or lists no site. `db_path` is the
    history database (the default one when None); `progress(done, total)` is called after
    each site.
    """
    from claimcheck.crawl.sweep import is_sweep_dir, load_sweep

    if not os.path.isdir(directory):
        raise ArchiveError(f"{directory}: not a directory")
    if not is_sweep_dir(directory):
        raise ArchiveError(f"{directory}: not a sweep (no sweep.json of a `crawl --sites` run)")
    index = load_sweep(directory)
    if not index["sites"]:
        raise ArchiveError(f"{directory}: the sweep lists no site")
    loaded: list[_Loaded] = []
    others: list[SiteResult] = []
    for n, entry in enumerate(index["sites"], 1):
        item = _load_site(directory, entry)
        if isinstance(item, _Loaded):
            loaded.append(item)
        else:
            others.append(item)
        if progress is not None:
            progress(n, len(index["sites"]))
    notes: list[str] = []
    db_used, points = None, {}
    if history:
        try:
            db_used, points = _history(db_path, [x.result.site for x in loaded])
        except HistoryError as exc:  # the sites are verified; only the chart is lost
            notes.append(f"history not read: {exc}")
    scored = sorted((x.result for x in loaded if x.result.score is not None), key=_rank_key)
    ranked = [_with(s, rank=n, history=points.get(s.site, ())) for n, s in enumerate(scored, 1)]
    unscored = [x.result for x in loaded if x.result.score is None]
    rank = {s.site: s.rank or 0 for s in ranked}
    findings = [f for x in loaded for f in x.findings]
    names: dict[str, str] = {}
    jurisdictions: Counter[str] = Counter()
    for x in loaded:
        names.update(x.names)
        jurisdictions.update(x.jurisdictions)
    codes = Counter(f.code for f in findings)
    return SweepReport(
        directory=directory,
        started=str(index.get("started", "")),
        ended=str(index.get("ended", "")),
        sites=(*ranked, *unscored, *others),
        by_code=tuple((c, names.get(c, ""), n) for c, n in sorted(codes.items(), key=_count)),
        by_jurisdiction=tuple(sorted(jurisdictions.items(), key=_count)),
        by_severity={s: sum(f.severity == s for f in findings) for s in SEVERITIES},
        worst=tuple(sorted(findings, key=lambda f: _worst_key(f, rank))[:top]),
        history_db=db_used,
        notes=tuple(notes),
    )


def _count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


def _with(site: SiteResult, **changes: Any) -> SiteResult:
    from dataclasses import replace

    return replace(site, **changes)
