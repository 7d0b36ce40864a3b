"""`claimcheck merge DIR`: one audit from the parts the workers of `crawl --redis` wrote.

Each worker wrote DIR/parts/<worker-id>/ (an audit directory) and DIR/parts/<worker-id>.json
(which frontier it joined, with which settings). Merging writes DIR/crawl.warc.gz,
DIR/manifest.json and DIR/report.json:

- a **complete** part (its manifest validates and every record it lists verifies) is
  copied into the merged WARC byte for byte; its gzip members are whole, so their
  SHA-256 and WARC digests stay valid and only the offsets move;
- an **incomplete** part (its worker was killed: no manifest, or records that do not
  verify) is scanned member by member; each whole member whose WARC digests verify is
  kept, the scan stops at the first truncated member, and the pages are rebuilt from
  its response records. The merged manifest lists the part as incomplete, with counts;
- a URL archived by two parts (a killed worker's request was requeued and fetched again)
  is one page: the complete part's copy wins, then the first part in name order.

The merged audit is scored as a crawl's is (audit_report -> report.json, report_sha256)
and passes `claimcheck verify`.

A sweep crawled through Redis (`crawl --sites FILE --redis URL`) is merged site by site
(`merge_sweep`): each DIR/sites/<name>/ with parts becomes that site's audit, and its
sweep.json entry gets the status, counts, manifest_sha256, score and grade a sweep
crawled in one process records.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from claimcheck import __version__
from claimcheck.crawl.archive import (
    AUDIT_KIND,
    BLOCK,
    MANIFEST,
    RECORD_SLACK,
    REPORT,
    WARC_NAME,
    file_sha256,
    load_manifest,
    max_body_bytes,
    parse_record,
)
from claimcheck.crawl.fetch import parsed_format
from claimcheck.crawl.redis_frontier import PARTS
from claimcheck.crawl.scope import normalise_url, site_key
from claimcheck.errors import ArchiveError, ClaimcheckError, CrawlError


@dataclass(frozen=True)
class PartRecord:
    """One whole, verified record of a part, and what a page entry needs from it."""

    offset: int
    length: int
    sha256: str
    id: str
    type: str
    uri: str
    concurrent_to: str | None = None
    status: int | None = None
    content_type: str = ""
    body_sha256: str = ""
    body_bytes: int = 0


@dataclass
class MergeState:
    """What the merge has written so far: records, pages, and per-part outcomes."""

    records: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    urls: set[str] = field(default_factory=set)
    parts: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    skipped_counts: dict[str, int] = field(default_factory=dict)
    sitemaps: list[dict[str, Any]] = field(default_factory=list)
    redirect_loops: list[dict[str, Any]] = field(default_factory=list)
    retry_after: list[dict[str, Any]] = field(default_factory=list)
    robots: dict[str, Any] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)


def part_names(directory: str) -> list[str]:
    """The worker ids with a part (a directory or its .json record) under DIR/parts/."""
    root = os.path.join(directory, PARTS)
    if not os.path.isdir(root):
        raise ArchiveError(f"{directory}: no {PARTS}/ directory (nothing to merge)")
    names = {
        name.removesuffix(".json")
        for name in os.listdir(root)
        if name.endswith(".json") or os.path.isdir(os.path.join(root, name))
    }
    if not names:
        raise ArchiveError(f"{root}: empty (nothing to merge)")
    return sorted(names)


def merge_parts(
    directory: str, config: Any = None, engine: Any = None
) -> tuple[dict[str, Any], Any]:
    """Build the whole audit in `directory` from its parts; returns (manifest, report).
    `engine` scores it when given (a sweep's merge builds one for all its sites).

    ArchiveError when there is nothing to merge or DIR already holds a merged audit.
    """
    from claimcheck.crawl.audit import audit_report
    from claimcheck.lexicon import lexicon_for
    from claimcheck.render.json import render_json

    if os.path.exists(os.path.join(directory, MANIFEST)):
        raise ArchiveError(f"{directory}: already holds an audit ({MANIFEST}); not merged again")
    names = part_names(directory)
    infos = {name: _part_info(directory, name) for name in names}
    checked = {name: _complete_manifest(os.path.join(directory, PARTS, name)) for name in names}
    order = [n for n in names if checked[n] is not None] + [n for n in names if checked[n] is None]
    state = MergeState()
    warc_path = os.path.join(directory, WARC_NAME)
    with open(warc_path, "wb") as out:
        for name in order:
            part_dir = os.path.join(directory, PARTS, name)
            manifest = checked[name]
            if manifest is not None:
                _copy_complete(part_dir, manifest, out, state, name)
            else:
                _recover(part_dir, infos[name], out, state, name)
    manifest = _merged_manifest(directory, names, infos, checked, state)
    manifest["warc"]["sha256"] = file_sha256(warc_path)
    manifest_path = os.path.join(directory, MANIFEST)
    _write_json(manifest_path, manifest)
    report = audit_report(directory, config, engine=engine)
    manifest["tool"]["lexicon_version"] = report.lexicon_version
    lang = getattr(config, "lang", None)
    rules = lexicon_for(getattr(config, "lexicons", None)).rules
    with open(os.path.join(directory, REPORT), "w", encoding="utf-8") as handle:
        handle.write(render_json(report, rules=rules, lang=lang))
    manifest["report_sha256"] = file_sha256(os.path.join(directory, REPORT))
    _write_json(manifest_path, manifest)
    return manifest, report


def _write_json(path: str, data: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2)
        handle.write("\n")


def _part_info(directory: str, name: str) -> dict[str, Any]:
    """The worker's record of the frontier it joined (empty when it is missing or damaged)."""
    try:
        with open(os.path.join(directory, PARTS, f"{name}.json"), encoding="utf-8") as handle:
            info = json.load(handle)
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _complete_manifest(part_dir: str) -> dict[str, Any] | None:
    """The part's manifest when the part is complete: the manifest validates and every
    record and page it lists verifies (report.json is not needed: the merge re-scores)."""
    from claimcheck.crawl.verify import verify_audit

    try:
        manifest = load_manifest(part_dir)
        result = verify_audit(part_dir)
    except ClaimcheckError:
        return None
    problems = [p for p in result.problems if not p.startswith(f"{REPORT}:")]
    return None if problems else manifest


def _copy_complete(
    part_dir: str, manifest: dict[str, Any], out: BinaryIO, state: MergeState, name: str
) -> None:
    """Append a complete part's WARC byte for byte; its records and pages move by `base`."""
    base = out.tell()
    with open(os.path.join(part_dir, manifest["warc"]["file"]), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            out.write(block)
    for ref in manifest["warc"]["records"]:
        state.records.append({**ref, "offset": ref["offset"] + base})
    kept = 0
    for page in manifest["pages"]:
        if page["url"] in state.urls:
            continue  # fetched twice (a requeued request): the first copy is the page
        warc = {**page["warc"], "file": WARC_NAME}
        if isinstance(warc.get("offset"), int):
            warc["offset"] += base
        state.pages.append({**page, "warc": warc, "part": name})
        state.urls.add(page["url"])
        kept += 1
    _union_logs(manifest, state)
    state.parts.append(
        {
            "worker_id": name,
            "status": "complete",
            "pages": kept,
            "records": len(manifest["warc"]["records"]),
        }
    )


def _union_logs(manifest: dict[str, Any], state: MergeState) -> None:
    """Errors, skipped URLs, sitemaps and politeness notes of a part, without repeats."""
    for key in ("errors", "skipped", "sitemaps", "redirect_loops", "retry_after"):
        target = getattr(state, key)
        for entry in manifest.get(key, []):
            if entry not in target:
                target.append(entry)
    for reason, count in manifest.get("skipped_counts", {}).items():
        state.skipped_counts[reason] = state.skipped_counts.get(reason, 0) + count
    if not state.robots and manifest.get("robots"):
        state.robots = manifest["robots"]
    for key, target in (("started", state.started), ("ended", state.ended)):
        if isinstance(manifest.get(key), str):
            target.append(manifest[key])


def gzip_members(handle: BinaryIO) -> Iterator[tuple[int, int]]:
    """(offset, length) of each whole gzip member from the start of the file; stops at the
    first truncated or damaged member (what a killed writer leaves at the end)."""
    handle.seek(0)
    start = 0
    block_end = 0
    pending = b""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    while True:
        if pending:
            block, pending = pending, b""
        else:
            block = handle.read(BLOCK)
            block_end += len(block)
            if not block:
                return
        try:
            inflater.decompress(block, BLOCK)
            while inflater.unconsumed_tail and not inflater.eof:
                inflater.decompress(inflater.unconsumed_tail, BLOCK)
        except zlib.error:
            return
        if inflater.eof:
            end = block_end - len(inflater.unused_data)
            yield start, end - start
            start = end
            pending = inflater.unused_data
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)


def _scan(warc_path: str, cap: int) -> tuple[list[PartRecord], int, int]:
    """The whole, verified records of a part's WARC, how many whole members failed to
    verify, and how many bytes at the end are not a whole member (a truncated write)."""
    records: list[PartRecord] = []
    dropped = 0
    end = 0
    try:
        handle = open(warc_path, "rb")  # noqa: SIM115 - closed below
    except OSError:
        return [], 0, 0
    with handle:
        for offset, length in list(gzip_members(handle)):
            end = offset + length
            handle.seek(offset)
            data = handle.read(length) if length <= cap + RECORD_SLACK else b""
            record = _verified(data, offset, cap) if data else None
            if record is None:
                dropped += 1
            else:
                records.append(record)
        size = os.fstat(handle.fileno()).st_size
    return records, dropped, size - end


def _verified(data: bytes, offset: int, cap: int) -> PartRecord | None:
    """The record in one gzip member, or None when it does not parse or its digests fail."""
    try:
        parsed = parse_record(data, cap)
    except Exception:  # warcio, gzip and zlib raise their own errors on damage
        return None
    if parsed.problems or parsed.extra_records:
        return None
    record = parsed.record
    headers = record.rec_headers
    status = None
    content_type = ""
    if record.rec_type == "response" and record.http_headers is not None:
        try:
            status = int(record.http_headers.get_statuscode())
        except (TypeError, ValueError):
            return None
        content_type = record.http_headers.get_header("Content-Type") or ""
    return PartRecord(
        offset=offset,
        length=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        id=headers.get_header("WARC-Record-ID") or "",
        type=record.rec_type,
        uri=headers.get_header("WARC-Target-URI") or "",
        concurrent_to=headers.get_header("WARC-Concurrent-To"),
        status=status,
        content_type=content_type,
        body_sha256=hashlib.sha256(parsed.payload).hexdigest(),
        body_bytes=len(parsed.payload),
    )


def _recovered_page(record: PartRecord, sitemaps: set[str]) -> dict[str, Any] | None:
    """A page entry rebuilt from a response record, or None for what is not a page: a
    redirect hop, robots.txt, or a sitemap (a URL another part read as one, a path ending
    in .xml or .xml.gz, or an XML content type)."""
    if record.type != "response" or record.status is None or 300 <= record.status < 400:
        return None
    try:
        url = normalise_url(record.uri)
    except CrawlError:
        return None
    path = urlsplit(url).path.lower()
    if (
        path.endswith(("/robots.txt", ".xml", ".xml.gz"))
        or url in sitemaps
        or "xml" in record.content_type.lower()
    ):
        return None  # robots.txt and sitemaps are the crawl's own reading, not pages
    fmt = parsed_format(record.content_type) if record.content_type else None
    return {
        "url": url,
        "status": record.status,
        "content_type": record.content_type,
        "bytes": record.body_bytes,
        "sha256": record.body_sha256,
        "parsed": fmt is not None and 200 <= record.status < 300,
        "depth": None,
        "via": "recovered",
        "redirected_from": [],
    }


def _recover(
    part_dir: str, info: dict[str, Any], out: BinaryIO, state: MergeState, name: str
) -> None:
    """Keep the verified records of an incomplete part and rebuild its pages from them."""
    cap = max_body_bytes({"settings": info.get("settings", {})})
    records, dropped, truncated = _scan(os.path.join(part_dir, WARC_NAME), cap)
    sitemaps = {s.get("url") for s in state.sitemaps if isinstance(s, dict)}
    skip_ids: set[str] = set()
    pages: dict[str, dict[str, Any]] = {}
    for record in records:
        page = _recovered_page(record, sitemaps)
        if page is None:
            continue
        if page["url"] in state.urls or page["url"] in pages:
            skip_ids.add(record.id)  # another part has this page: drop the duplicate
        else:
            pages[record.id] = page
    keep = [r for r in records if r.id not in skip_ids and (r.concurrent_to or "") not in skip_ids]
    if keep:
        with open(os.path.join(part_dir, WARC_NAME), "rb") as handle:
            for record in keep:
                _copy_record(handle, record, out, state, pages.get(record.id), name)
    state.parts.append(
        {
            "worker_id": name,
            "status": "incomplete",
            "reason": _why_incomplete(part_dir),
            "pages": len(pages),
            "records": len(keep),
            "records_dropped": dropped,
            "truncated_bytes": truncated,
            "duplicates_dropped": len(skip_ids),
        }
    )


def _copy_record(
    handle: BinaryIO,
    record: PartRecord,
    out: BinaryIO,
    state: MergeState,
    page: dict[str, Any] | None,
    name: str,
) -> None:
    """Append one verified record of an incomplete part (and its page, if it is one)."""
    handle.seek(record.offset)
    offset = out.tell()
    out.write(handle.read(record.length))
    state.records.append(
        {
            "id": record.id,
            "type": record.type,
            "uri": record.uri,
            "offset": offset,
            "length": record.length,
            "sha256": record.sha256,
        }
    )
    if page is not None:
        warc = {"file": WARC_NAME, "record_id": record.id, "offset": offset}
        warc["length"] = record.length
        state.pages.append({**page, "warc": warc, "part": name})
        state.urls.add(page["url"])


def _why_incomplete(part_dir: str) -> str:
    """One line on why a part is not complete."""
    if not os.path.isdir(part_dir):
        return "no part directory (the worker wrote nothing)"
    if not os.path.exists(os.path.join(part_dir, MANIFEST)):
        return "no manifest (the worker stopped before the end of its crawl)"
    return "its manifest or records do not verify"


def _merged_manifest(
    directory: str,
    names: list[str],
    infos: dict[str, dict[str, Any]],
    checked: dict[str, dict[str, Any] | None],
    state: MergeState,
) -> dict[str, Any]:
    """The manifest of the merged audit (warc.sha256 and report_sha256 filled in after)."""
    first = next((m for m in checked.values() if m is not None), None)
    info = next((i for i in infos.values() if i), {})
    seed = (first or {}).get("seed") or info.get("seed")
    if not seed:
        raise ArchiveError(f"{directory}: no part says which site was crawled; not merged")
    seed = normalise_url(seed)
    settings = dict((first or {}).get("settings") or info.get("settings") or {})
    shared = info.get("audit_id") or os.path.basename(os.path.normpath(directory))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return {
        "kind": AUDIT_KIND,
        "manifest_version": "1.0",
        "audit_id": f"{shared}-merged-{stamp}-{uuid.uuid4().hex[:8]}",
        "tool": {"name": "claimcheck", "version": __version__},
        "started": min(state.started, default=now),
        "ended": max(state.ended, default=now),
        "seed": seed,
        "site": site_key(seed),
        "settings": settings,
        "frontier": {
            k: info.get(k) for k in ("redis", "audit_id", "key_prefix", "max_pages_global")
        },
        "parts": state.parts,
        "robots": state.robots,
        "sitemaps": state.sitemaps,
        "pages": state.pages,
        "errors": state.errors,
        "skipped": state.skipped,
        "skipped_counts": state.skipped_counts,
        "redirect_loops": state.redirect_loops,
        "retry_after": state.retry_after,
        "warc": {"file": WARC_NAME, "sha256": "", "records": state.records},
    }


@dataclass(frozen=True)
class SiteMerge:
    """One site of a sweep merged (or not) by `merge_sweep`: its sweep.json entry after."""

    site: str
    status: str
    pages: int
    merged: bool
    directory: str
    reason: str | None = None
    score: int | None = None
    grade: str | None = None


def merge_sweep(directory: str, config: Any = None) -> list[SiteMerge]:
    """Merge every site of a sweep crawled through Redis that has parts and no audit yet,
    score it with one engine, and rewrite sweep.json; returns each site, in sweep order.

    A site's status: "done" when some worker's part says the site's stop rule held
    (closed "finished": its shared queue ran dry with nothing in flight), "failed" when
    the merged audit has no page, "incomplete" otherwise (every worker was stopped, or no
    worker reached the site). Sites merged before keep their entries. ArchiveError when
    the index is unreadable or no site had anything to merge.
    """
    from claimcheck.crawl.archive import audit_path
    from claimcheck.crawl.sweep import load_sweep, write_sweep

    index = load_sweep(directory)
    engine = None
    results = []
    for entry in index["sites"]:
        path = audit_path(directory, entry["dir"], "site dir")
        merged = False
        if os.path.exists(os.path.join(path, MANIFEST)):
            pass  # merged before: its entry stands
        elif not os.path.isdir(os.path.join(path, PARTS)) or not os.listdir(
            os.path.join(path, PARTS)
        ):
            _set(entry, status="incomplete", reason="no part: no worker crawled this site")
        else:
            if engine is None:
                from claimcheck.engine import Engine

                engine = Engine(config)  # one for every site: building one costs seconds
            try:
                manifest, report = merge_parts(path, config, engine=engine)
            except (ClaimcheckError, OSError) as exc:
                _set(entry, status="failed", reason=f"not merged: {exc}"[:500])
            else:
                merged = True
                _set(
                    entry,
                    **_site_status(path, manifest),
                    pages=len(manifest["pages"]),
                    errors=len(manifest["errors"]),
                    manifest_sha256=file_sha256(os.path.join(path, MANIFEST)),
                    score=report.site.score if report.site else None,
                    grade=report.site.grade if report.site else None,
                )
        results.append(
            SiteMerge(
                site=entry["site"],
                status=entry["status"],
                pages=entry.get("pages", 0),
                merged=merged,
                directory=path,
                reason=entry.get("reason"),
                score=entry.get("score"),
                grade=entry.get("grade"),
            )
        )
    if not any(r.merged for r in results):
        raise ArchiveError(f"{directory}: no site has parts left to merge (merged already?)")
    index["merged"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_sweep(directory, index)
    return results


def _set(entry: dict[str, Any], **values: Any) -> None:
    """Update a sweep.json entry; a value of None removes the key."""
    for key, value in values.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value


def _site_status(path: str, manifest: dict[str, Any]) -> dict[str, Any]:
    """status and reason of a merged site (see merge_sweep)."""
    closed = [_part_info(path, p["worker_id"]).get("closed") for p in manifest["parts"]]
    salvaged = sum(1 for p in manifest["parts"] if p["status"] != "complete")
    if not manifest["pages"]:
        return {"status": "failed", "reason": "no page archived by any worker"}
    if "finished" not in closed:
        why = ", ".join(sorted({c or "killed" for c in closed}))
        return {"status": "incomplete", "reason": f"no worker saw the site's queue run dry ({why})"}
    reason = f"{salvaged} part(s) of killed workers salvaged" if salvaged else None
    return {"status": "done", "reason": reason}
