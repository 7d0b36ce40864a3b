"""`claimcheck verify`: recompute every hash and digest of an audit directory.

Checks, in order: the WARC file's SHA-256; each record's SHA-256 over its exact bytes
(so any changed byte names its record); each record's WARC block and payload digests;
each page's body SHA-256; the SHA-256 of report.json. The manifest itself is trusted:
anchor it outside the directory by keeping the SHA-256 that `crawl` and `verify` print.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

from claimcheck.crawl.archive import (
    REPORT,
    file_sha256,
    load_manifest,
    parse_record,
    read_record,
)


@dataclass
class Verification:
    """What `verify` found: counts, and one line per record or file that does not match."""

    manifest_sha256: str
    records: int = 0
    pages: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_audit(directory: str) -> Verification:
    """Recompute every hash of the audit in `directory` (ArchiveError if it is not one)."""
    manifest = load_manifest(directory)
    result = Verification(manifest_sha256=file_sha256(os.path.join(directory, "manifest.json")))
    warc = os.path.join(directory, manifest["warc"]["file"])
    if not os.path.isfile(warc):
        result.problems.append(f"{manifest['warc']['file']}: missing")
        return result
    if file_sha256(warc) != manifest["warc"]["sha256"]:
        result.problems.append(f"{manifest['warc']['file']}: file SHA-256 does not match")
    body_hashes: dict[str, str] = {}
    page_ids = {p["warc"]["record_id"] for p in manifest["pages"]}
    for ref in manifest["warc"]["records"]:
        result.records += 1
        name = f"record {ref['id']} ({ref['type']} {ref['uri']})"
        data = read_record(warc, ref["offset"], ref["length"])
        if hashlib.sha256(data).hexdigest() != ref["sha256"]:
            result.problems.append(f"{name}: record SHA-256 does not match")
        try:
            record, payload, digest_problems = parse_record(data)
        except Exception as exc:  # warcio, gzip and zlib all raise their own errors
            result.problems.append(f"{name}: unreadable ({type(exc).__name__}: {str(exc)[:80]})")
            continue
        if record.rec_headers.get_header("WARC-Record-ID") != ref["id"]:
            result.problems.append(f"{name}: WARC-Record-ID does not match")
        result.problems.extend(f"{name}: {p}" for p in digest_problems)
        if ref["id"] in page_ids:
            body_hashes[ref["id"]] = hashlib.sha256(payload).hexdigest()
    for page in manifest["pages"]:
        result.pages += 1
        got = body_hashes.get(page["warc"]["record_id"])
        if got is not None and got != page["sha256"]:
            result.problems.append(
                f"record {page['warc']['record_id']} ({page['url']}): body SHA-256 does not match"
            )
    _check_report(directory, manifest, result)
    return result


def _check_report(directory: str, manifest: dict, result: Verification) -> None:
    expected = manifest.get("report_sha256")
    path = os.path.join(directory, REPORT)
    if expected and (not os.path.isfile(path) or file_sha256(path) != expected):
        result.problems.append(f"{REPORT}: SHA-256 does not match")
