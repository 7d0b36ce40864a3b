"""A sweep: many site audits in one directory (`claimcheck crawl --sites FILE`).

Layout (docs/sweep.md)::

    DIR/sweep.json          the index: kind "claimcheck-sweep", one entry per site, in
                            the order of the sites file
    DIR/sites/<name>/       an ordinary audit directory per site (manifest.json,
                            crawl.warc.gz, report.json): verify, report, history and diff
                            work on it unchanged

Each site entry holds `seed` (normalised URL), `site` (its site key), `dir` (relative to
DIR, always under `sites/`) and `status` ("done", "failed" or "incomplete"), with the
crawl's `pages` and `errors` counts and, when it failed, `reason`. A site whose audit was
written also has `manifest_sha256` (so the index anchors every site's manifest: `verify`
checks it) and its site `score` and `grade`. A sweep is read only
through this module, so the layout is decided in one place.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator

from claimcheck.crawl.archive import audit_path, is_audit_dir
from claimcheck.crawl.scope import site_key
from claimcheck.errors import ArchiveError

if TYPE_CHECKING:
    from claimcheck.model import Report

SWEEP_KIND = "claimcheck-sweep"
SWEEP_FILE = "sweep.json"
SITES_DIR = "sites"
STATUSES = ("done", "failed", "incomplete")
MAX_SWEEP_BYTES = 64 * 1024 * 1024

SWEEP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["kind", "sweep_version", "sites"],
    "properties": {
        "kind": {"const": SWEEP_KIND},
        "sweep_version": {"type": "string"},
        "started": {"type": "string"},
        "ended": {"type": "string"},
        "sites": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["seed", "site", "dir", "status"],
                "properties": {
                    "seed": {"type": "string"},
                    "site": {"type": "string"},
                    "dir": {"type": "string"},
                    "status": {"enum": list(STATUSES)},
                    "pages": {"type": "integer", "minimum": 0},
                    "errors": {"type": "integer", "minimum": 0},
                    "reason": {"type": "string"},
                    "manifest_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "score": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
                    "grade": {"type": ["string", "null"]},
                },
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(SWEEP_SCHEMA)


def site_dir_name(seed: str) -> str:
    """The directory name of a site's audit inside `sites/`: its site key, with the port's
    colon made safe for every file system (`127.0.0.1:8001` → `127.0.0.1_8001`)."""
    return site_key(seed).replace(":", "_")


def is_sweep_dir(path: str) -> bool:
    """True for a directory holding a sweep.json whose kind is a sweep's."""
    index = os.path.join(path, SWEEP_FILE)
    if not os.path.isfile(index):
        return False
    try:
        with open(index, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return SWEEP_KIND.encode() in head


def load_sweep(directory: str) -> dict[str, Any]:
    """The validated sweep index of `directory`. Raises ArchiveError naming the problem."""
    index = os.path.join(directory, SWEEP_FILE)
    try:
        if os.path.getsize(index) > MAX_SWEEP_BYTES:
            raise ArchiveError(f"{index}: larger than {MAX_SWEEP_BYTES} bytes; refused")
        with open(index, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"{index}: cannot read the sweep index ({exc})") from None
    error = next(iter(_VALIDATOR.iter_errors(data)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "top level"
        raise ArchiveError(f"{index}: not a sweep index ({where}: {error.message[:120]})")
    for entry in data["sites"]:
        if not entry["dir"].replace("\\", "/").startswith(SITES_DIR + "/"):
            raise ArchiveError(f"{index}: site dir {entry['dir']!r} is not under {SITES_DIR}/")
        audit_path(directory, entry["dir"], "site dir")
    return data


def sweep_site_dirs(directory: str, with_audit_only: bool = True) -> list[str]:
    """The site audit directories of a sweep, in sweep order. With `with_audit_only`, a site
    whose crawl left no audit (status "failed" before anything was written) is left out."""
    dirs = [
        audit_path(directory, entry["dir"], "site dir") for entry in load_sweep(directory)["sites"]
    ]
    return [d for d in dirs if is_audit_dir(d)] if with_audit_only else dirs


def write_sweep(directory: str, index: dict[str, Any]) -> None:
    """Write (or rewrite) the sweep index atomically, after validating it."""
    error = next(iter(_VALIDATOR.iter_errors(index)), None)
    if error is not None:
        raise ArchiveError(f"sweep index is invalid: {error.message[:200]}")
    path = os.path.join(directory, SWEEP_FILE)
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(index, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    os.replace(partial, path)


@dataclass(frozen=True)
class SiteVerification:
    """`verify` on one site of a sweep: its entry, whether it passed, and why not."""

    site: str
    dir: str
    status: str
    ok: bool
    summary: str
    problems: tuple[str, ...] = ()


def verify_sweep(
    directory: str, *, key: str | None = None, tsa_cert: str | None = None
) -> list[SiteVerification]:
    """Verify a sweep: its index (read by `load_sweep`: every site dir inside DIR), then
    every site's audit as `claimcheck verify` does, its manifest against the index's
    `manifest_sha256` and its site against the index's. A site that never wrote an audit
    (not started, or failed before its first byte) passes only when the index says so
    (no `manifest_sha256`). Raises ArchiveError when the index is unreadable."""
    from claimcheck.crawl.archive import load_manifest
    from claimcheck.crawl.verify import verify_audit

    results = []
    for entry in load_sweep(directory)["sites"]:
        path = audit_path(directory, entry["dir"], "site dir")
        base = {"site": entry["site"], "dir": entry["dir"], "status": entry["status"]}
        if not is_audit_dir(path):
            if "manifest_sha256" in entry or entry["status"] == "done":
                problem = f"{entry['dir']}: the index lists an audit but there is none"
                results.append(SiteVerification(**base, ok=False, summary=problem))
            else:
                why = entry.get("reason", entry["status"])
                results.append(SiteVerification(**base, ok=True, summary=f"no audit ({why})"))
            continue
        try:
            result = verify_audit(path, key=key, tsa_cert=tsa_cert)
            manifest_site = load_manifest(path).get("site")
        except ArchiveError as exc:
            results.append(SiteVerification(**base, ok=False, summary=str(exc)[:300]))
            continue
        problems = list(result.problems)
        expected = entry.get("manifest_sha256")
        if expected and expected != result.manifest_sha256:
            problems.append("manifest.json does not match the sweep index's manifest_sha256")
        if manifest_site != entry["site"]:
            problems.append(f"the audit is of {manifest_site!r}, the index says {entry['site']!r}")
        summary = f"{result.records} WARC record(s), {result.pages} page(s)"
        results.append(
            SiteVerification(**base, ok=not problems, summary=summary, problems=tuple(problems))
        )
    return results


def require_sweep_verified(directory: str) -> list[str]:
    """Verify a sweep before it is used; its site audit directories, in sweep order.
    Raises VerificationError naming the first site that fails."""
    from claimcheck.crawl.verify import VerificationError

    for result in verify_sweep(directory):
        if not result.ok:
            first = result.problems[0] if result.problems else result.summary
            raise VerificationError(
                f"{directory}: site {result.site} failed verification ({first}); run "
                f"`claimcheck verify {directory}` to see every problem, or pass --no-verify"
            )
    return sweep_site_dirs(directory)


def sweep_report(directory: str, config: Any = None) -> Report:
    """Every site of a sweep scored as `check AUDIT` scores one audit, in one report: the
    pages of every site (each named by its URL) and one site score per site in `sites`
    (`site` stays None: a sweep is not one site)."""
    from claimcheck.crawl.archive import load_manifest
    from claimcheck.crawl.audit import audit_report
    from claimcheck.engine import Engine
    from claimcheck.model import SiteScore
    from claimcheck.score import summarise

    engine = Engine(config)  # one for every site: building one costs seconds
    reports = []
    scores = []
    for path in sweep_site_dirs(directory):
        report = audit_report(path, config, engine=engine)
        reports.append(report)
        host = load_manifest(path)["site"]
        site = report.site or SiteScore(score=None, grade=None, pages=0)
        scores.append(replace(site, host=host))
    if not reports:
        raise ArchiveError(f"{directory}: no site of this sweep has an audit to score")
    files = tuple(page for report in reports for page in report.files)
    return replace(
        reports[0],
        files=files,
        summary=summarise(files),
        errors=tuple(e for report in reports for e in report.errors),
        site=None,
        sites=tuple(scores),
        prefilter_skipped=sum(report.prefilter_skipped for report in reports),
    )
