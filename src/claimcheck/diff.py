"""Compare two audits of a site: which findings are new, fixed or persisting.

Each audit's `report.json` is read (no re-scoring). Only active findings count (those
suppressed by context, configuration or a site-wide detail are left out). Findings are
matched page by page (by URL) and rule by rule (by code):

1. exactly, on the sentence normalised as fingerprints normalise it
   (`claimcheck.fingerprint.normalise_sentence`: case, spacing, end punctuation);
   (page-level duties, such as a missing disclaimer, by code and URL alone, whichever
   sentence they are anchored to);
2. then, for what is left, by similarity of the normalised sentences: the closest pair
   whose `difflib.SequenceMatcher` ratio is at least `SIMILARITY` (0.85) is the same
   finding, reworded (a word changed, a typo fixed).

A finding of audit B with no match is *new*; one of audit A with no match is *fixed*
(when its page is not in audit B at all, it is flagged `page_missing`: the page was not
crawled this time, which is not proof of a fix).
"""

from __future__ import annotations

import difflib
import json
import os
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from claimcheck.errors import ClaimcheckError
from claimcheck.fingerprint import normalise_sentence

SIMILARITY = 0.85
ICONS = {"error": "✖", "warning": "▲", "info": "ℹ"}


class DiffError(ClaimcheckError):
    """An audit directory cannot be compared (missing or unreadable report.json)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One active finding of one audit."""

    url: str
    code: str
    severity: str
    sentence: str
    message: str
    normalised: str


@dataclass(frozen=True, slots=True)
class Persisting:
    """A finding in both audits; `similarity` < 1 when the sentence was reworded."""

    before: Item
    after: Item
    similarity: float


@dataclass(frozen=True, slots=True)
class AuditInfo:
    directory: str
    audit_id: str | None
    started: str | None
    site_score: int | None
    site_grade: str | None
    pages: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class DiffResult:
    a: AuditInfo
    b: AuditInfo
    new: tuple[Item, ...]
    fixed: tuple[Item, ...]
    persisting: tuple[Persisting, ...]

    @property
    def new_errors(self) -> int:
        return sum(1 for i in self.new if i.severity == "error")


def _read(directory: str) -> tuple[AuditInfo, list[Item]]:
    if not os.path.isdir(directory):
        raise DiffError(f"{directory}: not a directory")
    path = os.path.join(directory, "report.json")
    try:
        with open(path, encoding="utf-8") as handle:
            report = json.load(handle)
        files = report["files"]
    except FileNotFoundError:
        raise DiffError(f"{directory}: not an audit directory (no report.json)") from None
    except RecursionError:
        raise DiffError(f"{path}: unreadable report (JSON nested too deeply)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DiffError(f"{path}: unreadable report ({str(exc)[:120]})") from None
    manifest: dict[str, Any] = {}
    try:
        with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError, RecursionError):
        manifest = {}
    if not isinstance(manifest, dict):
        manifest = {}
    try:
        items = [
            Item(
                url=page["path"],
                code=f["code"],
                severity=f["severity"],
                sentence=f.get("sentence", ""),
                message=f.get("message", ""),
                # a page-level duty (a missing disclaimer) is about the page, whichever
                # sentence it is anchored to: matched by code and URL alone
                normalised=""
                if f.get("scope") == "page"
                else normalise_sentence(f.get("sentence", "")),
            )
            for page in files
            for f in page.get("findings", [])
            if not f.get("suppressed")
        ]
        site = report.get("site") or {}
        info = AuditInfo(
            directory=directory,
            audit_id=manifest.get("audit_id"),
            started=manifest.get("started"),
            site_score=site.get("score"),
            site_grade=site.get("grade"),
            pages=frozenset(page["path"] for page in files),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise DiffError(f"{path}: unreadable report (bad {type(exc).__name__})") from None
    return info, items


def match(
    before: list[Item], after: list[Item], threshold: float = SIMILARITY
) -> tuple[list[Item], list[Item], list[Persisting]]:
    """(new, fixed, persisting) between two lists of findings."""
    groups_a: dict[tuple[str, str], list[Item]] = defaultdict(list)
    groups_b: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in before:
        groups_a[item.url, item.code].append(item)
    for item in after:
        groups_b[item.url, item.code].append(item)
    new: list[Item] = []
    fixed: list[Item] = []
    persisting: list[Persisting] = []
    for key in sorted(set(groups_a) | set(groups_b)):
        left, right = list(groups_a.get(key, [])), list(groups_b.get(key, []))
        for b in list(right):  # 1. exact on the normalised sentence
            a = next((a for a in left if a.normalised == b.normalised), None)
            if a is not None:
                left.remove(a)
                right.remove(b)
                persisting.append(Persisting(a, b, 1.0))
        pairs = sorted(  # 2. closest similar pairs first
            (
                (difflib.SequenceMatcher(None, a.normalised, b.normalised).ratio(), i, j)
                for i, a in enumerate(left)
                for j, b in enumerate(right)
            ),
            key=lambda p: (-p[0], p[1], p[2]),
        )
        used_a: set[int] = set()
        used_b: set[int] = set()
        for ratio, i, j in pairs:
            if ratio < threshold:
                break
            if i in used_a or j in used_b:
                continue
            used_a.add(i)
            used_b.add(j)
            persisting.append(Persisting(left[i], right[j], round(ratio, 3)))
        fixed.extend(a for i, a in enumerate(left) if i not in used_a)
        new.extend(b for j, b in enumerate(right) if j not in used_b)
    return new, fixed, persisting


def diff_audits(dir_a: str, dir_b: str, verify: bool = True) -> DiffResult:
    """Compare audit A (earlier) with audit B (later) from their report.json files.

    With `verify`, each audit is verified first (its report.json is covered by its
    manifest), and one that fails raises VerificationError instead of being compared.
    """
    info_a, items_a = _read(dir_a)
    info_b, items_b = _read(dir_b)
    if verify:
        from claimcheck.crawl.verify import require_verified

        for directory in (dir_a, dir_b):
            require_verified(directory)
    new, fixed, persisting = match(items_a, items_b)
    return DiffResult(info_a, info_b, tuple(new), tuple(fixed), tuple(persisting))


def _line(item: Item) -> str:
    quote = f' "{item.sentence.strip()}"' if item.sentence.strip() else f" {item.message}"
    return f"  {ICONS.get(item.severity, '?')} {item.severity:<7} {item.code} {item.url}{quote}"


def _score(info: AuditInfo) -> str:
    return "—" if info.site_score is None else f"{info.site_score} ({info.site_grade})"


def diff_text(result: DiffResult) -> str:
    """The text `claimcheck diff` prints: findings grouped by status."""
    a, b = result.a, result.b
    out = [
        f"A: {a.directory} ({a.audit_id or '?'}, {a.started or '?'}) site score {_score(a)}",
        f"B: {b.directory} ({b.audit_id or '?'}, {b.started or '?'}) site score {_score(b)}",
        "",
        f"new ({len(result.new)}):",
    ]
    out += [_line(i) for i in result.new] or ["  none"]
    out += ["", f"fixed ({len(result.fixed)}):"]
    for item in result.fixed:
        missing = item.url not in b.pages
        out.append(_line(item) + ("  [page not in B: not crawled, not proof of a fix]" * missing))
    if not result.fixed:
        out.append("  none")
    out += ["", f"persisting ({len(result.persisting)}):"]
    for p in result.persisting:
        out.append(_line(p.after))
        if p.similarity < 1:
            out.append(f'      reworded (similarity {p.similarity:.2f}) from "{p.before.sentence}"')
    if not result.persisting:
        out.append("  none")
    out += [
        "",
        f"{len(result.new)} new ({result.new_errors} error(s)), {len(result.fixed)} fixed, "
        f"{len(result.persisting)} persisting; site score {_score(a)} -> {_score(b)}",
    ]
    return "\n".join(out) + "\n"


def diff_json(result: DiffResult) -> str:
    """The JSON `claimcheck diff --format json` prints."""

    def info(i: AuditInfo) -> dict[str, Any]:
        return {
            "directory": i.directory,
            "audit_id": i.audit_id,
            "started": i.started,
            "site_score": i.site_score,
            "site_grade": i.site_grade,
        }

    def item(i: Item) -> dict[str, Any]:
        return {k: v for k, v in asdict(i).items() if k != "normalised"}

    data = {
        "a": info(result.a),
        "b": info(result.b),
        "new": [item(i) for i in result.new],
        "fixed": [{**item(i), "page_missing": i.url not in result.b.pages} for i in result.fixed],
        "persisting": [
            {"before": item(p.before), "after": item(p.after), "similarity": p.similarity}
            for p in result.persisting
        ],
        "summary": {
            "new": len(result.new),
            "new_errors": result.new_errors,
            "fixed": len(result.fixed),
            "persisting": len(result.persisting),
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True, slots=True)
class SweepDiff:
    """Two sweeps compared site by site (matched by site key, in sweep A's order, then
    B's new sites); sites with an audit on one side only are listed, not compared."""

    a: str
    b: str
    sites: tuple[tuple[str, DiffResult], ...]
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]

    @property
    def new_errors(self) -> int:
        return sum(result.new_errors for _, result in self.sites)


def _sweep_sites(directory: str) -> dict[str, str]:
    """Site key → audit directory for the sites of a sweep that have an audit."""
    from claimcheck.crawl.archive import load_manifest
    from claimcheck.crawl.sweep import is_sweep_dir, sweep_site_dirs

    if not is_sweep_dir(directory):
        raise DiffError(f"{directory}: not a sweep directory (compare a sweep with a sweep)")
    return {load_manifest(path)["site"]: path for path in sweep_site_dirs(directory)}


def diff_sweeps(dir_a: str, dir_b: str, verify: bool = True) -> SweepDiff:
    """Compare sweep A (earlier) with sweep B (later) site by site, each pair as
    `diff_audits` compares two audits (verified first with `verify`)."""
    sites_a, sites_b = _sweep_sites(dir_a), _sweep_sites(dir_b)
    common = [site for site in sites_a if site in sites_b]
    return SweepDiff(
        a=dir_a,
        b=dir_b,
        sites=tuple(
            (site, diff_audits(sites_a[site], sites_b[site], verify=verify)) for site in common
        ),
        only_a=tuple(site for site in sites_a if site not in sites_b),
        only_b=tuple(site for site in sites_b if site not in sites_a),
    )


def sweep_diff_text(result: SweepDiff) -> str:
    """The text `claimcheck diff SWEEP_A SWEEP_B` prints: each site's diff, then the
    sites on one side only and a total."""
    out = [f"A: {result.a}", f"B: {result.b}", ""]
    for site, diff in result.sites:
        out += [f"== {site} ==", diff_text(diff)]
    out.append(f"only in A ({len(result.only_a)}): {', '.join(result.only_a) or 'none'}")
    out.append(f"only in B ({len(result.only_b)}): {', '.join(result.only_b) or 'none'}")
    new = sum(len(d.new) for _, d in result.sites)
    fixed = sum(len(d.fixed) for _, d in result.sites)
    out.append(
        f"{len(result.sites)} site(s) compared: {new} new ({result.new_errors} error(s)), "
        f"{fixed} fixed"
    )
    return "\n".join(out) + "\n"


def sweep_diff_json(result: SweepDiff) -> str:
    """The JSON `claimcheck diff SWEEP_A SWEEP_B --format json` prints: each site's diff
    as `diff --format json` writes it, under its site key."""
    data = {
        "a": result.a,
        "b": result.b,
        "sites": [{"site": site, **json.loads(diff_json(diff))} for site, diff in result.sites],
        "only_in_a": list(result.only_a),
        "only_in_b": list(result.only_b),
        "summary": {
            "sites": len(result.sites),
            "new": sum(len(d.new) for _, d in result.sites),
            "new_errors": result.new_errors,
            "fixed": sum(len(d.fixed) for _, d in result.sites),
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
