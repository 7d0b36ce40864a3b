"""The evidence archive of an audit directory: one gzipped WARC file plus `manifest.json`.

Every HTTP exchange of a crawl becomes a WARC request record and a response record
(warcio computes WARC-Block-Digest and WARC-Payload-Digest, and stamps WARC-Date). Each
record is its own gzip member, so the manifest can point at it by offset and length and
store the SHA-256 of its exact bytes. Reading streams one record at a time.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from claimcheck.errors import ArchiveError, SourceError
from claimcheck.model import Format, Origin
from claimcheck.sources import RawInput, _check

AUDIT_KIND = "claimcheck-audit"
MANIFEST = "manifest.json"
WARC_NAME = "crawl.warc.gz"
REPORT = "report.json"
PARSED_TYPES: dict[str, Format] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
}
_DROPPED_HEADERS = {"transfer-encoding"}  # the body is stored de-chunked


@dataclass(frozen=True)
class RecordRef:
    """Where one WARC record sits in the file, and the SHA-256 of its exact bytes."""

    id: str
    type: str
    uri: str
    offset: int
    length: int
    sha256: str


def parsed_format(content_type: str) -> Format | None:
    """The extraction format for a Content-Type, or None when claimcheck does not parse it."""
    return PARSED_TYPES.get(content_type.split(";")[0].strip().lower())


def charset(content_type: str) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').lower()
    return None


class WarcArchive:
    """Appends records to one .warc.gz file and remembers where each one is."""

    def __init__(self, directory: str) -> None:
        self.path = os.path.join(directory, WARC_NAME)
        self._file = open(self.path, "wb")  # noqa: SIM115 - closed by close()
        self.records: list[RecordRef] = []

    def _append(self, record) -> RecordRef:
        buffer = io.BytesIO()
        WARCWriter(buffer, gzip=True).write_record(record)
        data = buffer.getvalue()
        ref = RecordRef(
            id=record.rec_headers.get_header("WARC-Record-ID"),
            type=record.rec_type,
            uri=record.rec_headers.get_header("WARC-Target-URI") or "",
            offset=self._file.tell(),
            length=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        self._file.write(data)
        self.records.append(ref)
        return ref

    def write_warcinfo(self, info: dict[str, Any]) -> RecordRef:
        """The first record: what wrote the file and with which settings."""
        writer = WARCWriter(io.BytesIO(), gzip=True)
        return self._append(writer.create_warcinfo_record(WARC_NAME, info))

    def write_exchange(
        self,
        url: str,
        method: str,
        request_headers: list[tuple[str, str]],
        status: int,
        response_headers: list[tuple[str, str]],
        body: bytes,
    ) -> tuple[RecordRef, RecordRef]:
        """A response record and its request record (linked by WARC-Concurrent-To)."""
        writer = WARCWriter(io.BytesIO(), gzip=True)
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        headers = [(k, v) for k, v in response_headers if k.lower() not in _DROPPED_HEADERS]
        http = StatusAndHeaders(f"{status} {reason}", headers, protocol="HTTP/1.1")
        response = writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http
        )
        response_ref = self._append(response)
        target = url.split("://", 1)[-1]
        path = target[target.find("/") :] if "/" in target else "/"
        req_http = StatusAndHeaders(
            f"{method} {path} HTTP/1.1", request_headers, is_http_request=True
        )
        request = writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=req_http,
            warc_headers_dict={"WARC-Concurrent-To": response_ref.id},
        )
        return self._append(request), response_ref

    def close(self) -> str:
        """Close the file and return its SHA-256."""
        self._file.close()
        return file_sha256(self.path)


def file_sha256(path: str) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ref_to_dict(ref: RecordRef) -> dict[str, Any]:
    """A record reference as the manifest stores it."""
    return asdict(ref)


def is_audit_dir(path: str) -> bool:
    """True for a directory written by `claimcheck crawl` (it has an audit manifest)."""
    manifest = os.path.join(path, MANIFEST)
    if not os.path.isfile(manifest):
        return False
    try:
        with open(manifest, encoding="utf-8") as handle:
            return json.load(handle).get("kind") == AUDIT_KIND
    except (OSError, ValueError, AttributeError):
        return False


def load_manifest(directory: str) -> dict[str, Any]:
    """The audit's manifest, or ArchiveError when the directory is not an audit."""
    path = os.path.join(directory, MANIFEST)
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except FileNotFoundError:
        raise ArchiveError(f"{directory}: not an audit directory (no {MANIFEST})") from None
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"{path}: unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != AUDIT_KIND:
        raise ArchiveError(f"{path}: not a claimcheck audit manifest")
    return manifest


def read_record(path: str, offset: int, length: int) -> bytes:
    """The exact bytes of one record."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.read(length)


def parse_record(data: bytes) -> tuple[Any, bytes, list[str]]:
    """Parse one gzipped record: (record, raw payload, digest problems). Raises on damage."""
    for record in ArchiveIterator(io.BytesIO(data), check_digests=True):
        payload = record.raw_stream.read()
        checker = record.digest_checker
        return record, payload, list(checker.problems) if checker.passed is False else []
    raise ValueError("no WARC record at this offset")


def iter_audit_inputs(directory: str) -> Iterator[RawInput | SourceError]:
    """Stream the parsed pages of an audit from its WARC, in crawl order, one at a time.

    Each page is named by its URL; nothing is fetched.
    """
    manifest = load_manifest(directory)
    wanted = {p["warc"]["record_id"]: p for p in manifest["pages"] if p.get("parsed")}
    warc = os.path.join(directory, manifest["warc"]["file"])
    try:
        handle = open(warc, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise ArchiveError(f"{warc}: {exc.strerror or exc}") from None
    with handle:
        for record in ArchiveIterator(handle):
            page = wanted.get(record.rec_headers.get_header("WARC-Record-ID"))
            if page is None or record.rec_type != "response":
                continue
            yield _page_input(page, record.content_stream().read(), record)


def _page_input(page: dict[str, Any], body: bytes, record) -> RawInput | SourceError:
    url = page["url"]
    try:
        encoding = _check(url, body)
    except SourceError as exc:
        return exc
    origin = Origin(
        path=url,
        kind="url",
        sha256=hashlib.sha256(body).hexdigest(),
        fetched_at=record.rec_headers.get_header("WARC-Date"),
        encoding=charset(page.get("content_type", "")) or encoding,
    )
    fmt = parsed_format(page.get("content_type", "")) or "html"
    return RawInput(origin=origin, data=body, format=fmt)
