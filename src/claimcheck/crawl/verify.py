"""`claimcheck verify`: recompute every hash and digest of an audit directory.

Checks, in order: every path the manifest names stays inside the audit directory; the
WARC file's SHA-256; the manifest's records tile the WARC from its first byte to its last
(so a record appended or slipped in between, whatever its id, fails); each record's
SHA-256 over its exact bytes, its id, type and URI, and its WARC block and payload digests;
each page's record exists and its body SHA-256 matches; report.json's SHA-256 (required);
every other file the manifest lists with a `path` and a `sha256` (screenshots); then the
signature (`manifest.sig`) and the RFC 3161 time-stamp token (`manifest.tsr`) when present
or asked for. The manifest itself is anchored outside the directory by the SHA-256 that
`crawl` prints (`--expect`), by a signature (`--key`), or both.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, BinaryIO

from claimcheck.crawl.archive import (
    REPORT,
    BodyTooLarge,
    audit_path,
    max_body_bytes,
    open_regular,
    parse_record,
    read_manifest,
    read_record,
)
from claimcheck.errors import ArchiveError, ConfigError

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Verification:
    """What `verify` found: counts, one line per mismatch, and what the signature and
    time-stamp (when present) establish."""

    manifest_sha256: str
    records: int
    pages: int
    files: int
    problems: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.problems


class VerificationError(ArchiveError):
    """An audit failed verification, so `check`, `report` or `diff` refuse to use it."""


def shown(value: object, limit: int = 120) -> str:
    """A manifest-supplied string made safe to print on one terminal line."""
    return _CONTROL.sub("?", str(value))[:limit]


def verify_audit(
    directory: str,
    *,
    key: str | None = None,
    expect: str | None = None,
    tsa_cert: str | None = None,
) -> Verification:
    """Recompute every hash of the audit in `directory`.

    Raises ArchiveError when it is not a readable audit (no manifest, malformed, a path
    outside the directory, a FIFO or device) and ConfigError for a malformed `expect`,
    `key` or `tsa_cert`; a mismatch is a problem in the result, not an exception.
    """
    data, manifest = read_manifest(directory)
    manifest_sha = hashlib.sha256(data).hexdigest()
    problems: list[str] = []
    if expect is not None:
        problems += _check_expected(expect, manifest_sha)
    warc = audit_path(directory, manifest["warc"]["file"], "warc.file")
    listed = _listed_files(directory, manifest)  # every path resolved before any is hashed
    records, bodies = _check_warc(warc, manifest, problems)
    pages = _check_pages(manifest, bodies, problems)
    _check_report(directory, manifest, problems)
    for name, path, expected in listed:
        _check_file(name, path, expected, problems)
    from claimcheck.crawl.signing import check_signature
    from claimcheck.crawl.tsa import check_timestamp

    notes: list[str] = []
    for check in (
        check_signature(directory, data, key),
        check_timestamp(directory, data, tsa_cert),
    ):
        problems += check.problems
        notes += check.notes
    return Verification(manifest_sha, records, pages, len(listed), tuple(problems), tuple(notes))


def require_verified(directory: str) -> Verification:
    """Verify an audit before it is used; VerificationError naming the first problem."""
    result = verify_audit(directory)
    if not result.ok:
        raise VerificationError(
            f"{directory}: audit failed verification ({len(result.problems)} problem(s), "
            f"first: {result.problems[0]}); run `claimcheck verify {directory}` to see them, "
            "or pass --no-verify to use it anyway"
        )
    return result


def _check_expected(expect: str, manifest_sha: str) -> list[str]:
    """A problem when the manifest's hash is not the one printed at crawl time."""
    wanted = expect.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", wanted):
        raise ConfigError(f"--expect {shown(expect, 80)!r}: not a SHA-256 (64 hex digits)")
    if wanted == manifest_sha:
        return []
    return [f"manifest.json: SHA-256 {manifest_sha} is not the expected {wanted}"]


def _listed_files(directory: str, manifest: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(name, resolved path, sha256) of every file entry anywhere in the manifest: any
    object with a string `path` and `sha256`, such as the screenshots."""
    found: list[tuple[str, str, str]] = []
    stack: list[Any] = [v for k, v in manifest.items() if k != "warc"]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("path"), str) and isinstance(item.get("sha256"), str):
                path = audit_path(directory, item["path"], "listed file")
                found.append((item["path"], path, item["sha256"]))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return sorted(found)


def _check_file(name: str, path: str, expected: str, problems: list[str]) -> None:
    """A listed file must exist, be a regular file and hash to its recorded SHA-256."""
    try:
        with open_regular(path) as handle:
            got = _sha256(handle)
    except ArchiveError:
        problems.append(f"{shown(name)}: missing or not a regular file")
        return
    if got != expected:
        problems.append(f"{shown(name)}: SHA-256 does not match")


def _sha256(handle: BinaryIO) -> str:
    """SHA-256 of an open file from its start, read in blocks."""
    handle.seek(0)
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def _check_warc(
    warc: str, manifest: dict[str, Any], problems: list[str]
) -> tuple[int, dict[str, str]]:
    """Check the WARC file and every record; return (records checked, body SHA-256 of each
    response record by id)."""
    name = shown(manifest["warc"]["file"])
    refs = manifest["warc"]["records"]
    if not os.path.lexists(warc):
        problems.append(f"{name}: missing")
        return 0, {}
    with open_regular(warc) as handle:  # a FIFO or device is refused (ArchiveError), not read
        if _sha256(handle) != manifest["warc"]["sha256"]:
            problems.append(f"{name}: file SHA-256 does not match")
        problems += _coverage(name, refs, os.fstat(handle.fileno()).st_size)
        cap = max_body_bytes(manifest)
        bodies: dict[str, str] = {}
        for ref in refs:
            _check_record(handle, ref, cap, bodies, problems)
    return len(refs), bodies


def _coverage(name: str, refs: list[dict[str, Any]], size: int) -> list[str]:
    """The listed records must tile the file exactly: any byte outside them is an unlisted
    record (appended, or slipped between two), any overlap a forged offset."""
    problems = [
        f"record {shown(rid)}: listed {count} times"
        for rid, count in Counter(ref["id"] for ref in refs).items()
        if count > 1
    ]
    position = 0
    for ref in sorted(refs, key=lambda r: (r["offset"], r["length"])):
        if ref["offset"] > position:
            problems.append(f"{name}: bytes {position}-{ref['offset'] - 1} are not a listed record")
        elif ref["offset"] < position:
            problems.append(f"record {shown(ref['id'])}: overlaps the record before it")
        position = max(position, ref["offset"] + ref["length"])
    if position < size:
        problems.append(f"{name}: bytes {position}-{size - 1} are not a listed record (appended?)")
    elif position > size:
        problems.append(f"{name}: listed records run past the end of the file")
    return problems


def _check_record(
    handle: BinaryIO,
    ref: dict[str, Any],
    cap: int,
    bodies: dict[str, str],
    problems: list[str],
) -> None:
    """One record: its bytes' SHA-256, then its headers and digests as warcio reads them."""
    name = f"record {shown(ref['id'])} ({shown(ref['type'], 20)} {shown(ref['uri'])})"
    try:
        data = read_record(handle, ref["offset"], ref["length"], cap)
    except ValueError as exc:
        problems.append(f"{name}: {exc}")
        return
    if hashlib.sha256(data).hexdigest() != ref["sha256"]:
        problems.append(f"{name}: record SHA-256 does not match")
    try:
        parsed = parse_record(data, cap)
    except BodyTooLarge:
        problems.append(f"{name}: payload larger than the audit's max-bytes")
        return
    except Exception as exc:  # warcio, gzip and zlib all raise their own errors
        problems.append(f"{name}: unreadable ({type(exc).__name__}: {shown(exc, 80)})")
        return
    headers = parsed.record.rec_headers
    if headers.get_header("WARC-Record-ID") != ref["id"]:
        problems.append(f"{name}: WARC-Record-ID does not match")
    if parsed.record.rec_type != ref["type"]:
        problems.append(f"{name}: WARC-Type does not match")
    if (headers.get_header("WARC-Target-URI") or "") != ref["uri"]:
        problems.append(f"{name}: WARC-Target-URI does not match")
    if parsed.extra_records:
        problems.append(f"{name}: holds {parsed.extra_records} more record(s), not listed")
    problems.extend(f"{name}: {shown(p)}" for p in parsed.problems)
    if parsed.record.rec_type == "response":
        bodies[ref["id"]] = hashlib.sha256(parsed.payload).hexdigest()


def _check_pages(manifest: dict[str, Any], bodies: dict[str, str], problems: list[str]) -> int:
    """Each page's response record must exist and hold the body the manifest hashed."""
    for page in manifest["pages"]:
        record_id = page["warc"]["record_id"]
        name = f"record {shown(record_id)} ({shown(page['url'])})"
        got = bodies.get(record_id)
        if got is None:
            problems.append(f"{name}: page's response record is not in the archive")
        elif got != page["sha256"]:
            problems.append(f"{name}: body SHA-256 does not match")
    return len(manifest["pages"])


def _check_report(directory: str, manifest: dict[str, Any], problems: list[str]) -> None:
    """report.json must be listed (report_sha256) and match."""
    expected = manifest.get("report_sha256")
    if not expected:
        problems.append(f"{REPORT}: not covered by the manifest (no report_sha256)")
        return
    _check_file(REPORT, os.path.join(directory, REPORT), expected, problems)
