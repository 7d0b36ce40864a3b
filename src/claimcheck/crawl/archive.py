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
import stat
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any, BinaryIO

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from claimcheck.crawl.fetch import PARSED_TYPES, charset, parsed_format  # noqa: F401
from claimcheck.crawl.settings import DEFAULT_MAX_BYTES
from claimcheck.errors import ArchiveError, SourceError
from claimcheck.model import Origin
from claimcheck.sources import RawInput, _check

AUDIT_KIND = "claimcheck-audit"
MANIFEST = "manifest.json"
WARC_NAME = "crawl.warc.gz"
REPORT = "report.json"
_DROPPED_HEADERS = {"transfer-encoding"}  # the body is stored de-chunked
MAX_MANIFEST_BYTES = 256 * 1024 * 1024
RECORD_SLACK = 1024 * 1024
"""Bytes a record may take beyond its body's cap: WARC and HTTP headers, gzip framing."""
BLOCK = 1 << 16
ALTERED = "archived record does not match the manifest (run `claimcheck verify`)"

_HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_STR = {"type": "string"}
_FILE_ENTRY = {"type": "object", "required": ["path", "sha256"]}
MANIFEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["kind", "warc", "pages"],
    "properties": {
        "kind": {"const": AUDIT_KIND},
        **{k: _STR for k in ("audit_id", "site", "seed", "started", "ended")},
        "settings": {
            "type": "object",
            "properties": {"max_bytes": {"type": "integer", "minimum": 1}},
        },
        "report_sha256": _HEX64,
        "errors": {"type": "array"},
        "skipped": {"type": "array"},
        "screenshots": {
            "type": "array",
            "items": {**_FILE_ENTRY, "properties": {"path": _STR, "sha256": _HEX64}},
        },
        "warc": {
            "type": "object",
            "required": ["file", "sha256", "records"],
            "properties": {
                "file": _STR,
                "sha256": _HEX64,
                "records": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "type", "uri", "offset", "length", "sha256"],
                        "properties": {
                            "id": _STR,
                            "type": _STR,
                            "uri": _STR,
                            "offset": {"type": "integer", "minimum": 0},
                            "length": {"type": "integer", "minimum": 1},
                            "sha256": _HEX64,
                        },
                    },
                },
            },
        },
        "pages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["url", "sha256", "warc"],
                "properties": {
                    "url": _STR,
                    "sha256": _HEX64,
                    "parsed": {"type": "boolean"},
                    "content_type": _STR,
                    "warc": {
                        "type": "object",
                        "required": ["record_id"],
                        "properties": {"record_id": _STR},
                    },
                },
            },
        },
    },
}
_MANIFEST_VALIDATOR = Draft202012Validator(MANIFEST_SCHEMA)


@dataclass(frozen=True)
class RecordRef:
    """Where one WARC record sits in the file, and the SHA-256 of its exact bytes."""

    id: str
    type: str
    uri: str
    offset: int
    length: int
    sha256: str


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
    """True for a directory written by `claimcheck crawl`: its manifest says so, or a
    manifest sits beside the WARC (then a damaged manifest is an error, not "no files")."""
    manifest = os.path.join(path, MANIFEST)
    if not os.path.isfile(manifest):
        return False
    if os.path.isfile(os.path.join(path, WARC_NAME)):
        return True
    try:
        _parse_manifest(_read_regular(manifest, MAX_MANIFEST_BYTES), manifest)
    except (ArchiveError, OSError):
        return False
    return True


def _read_regular(path: str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; ArchiveError otherwise.

    Opened without blocking and checked once open: a FIFO or device never hangs a read.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with open(fd, "rb", closefd=True) as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ArchiveError(f"{path}: not a regular file (a FIFO, socket or device); refused")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ArchiveError(f"{path}: larger than {limit} bytes; refused")
    return data


def open_regular(path: str) -> BinaryIO:
    """A regular file opened for reading; ArchiveError for a FIFO, device or missing file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ArchiveError(f"{path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ArchiveError(f"{path}: not a regular file (a FIFO, socket or device); refused")
    return open(fd, "rb", closefd=True)


def _parse_manifest(data: bytes, path: str) -> dict[str, Any]:
    """Decode and validate manifest bytes; one-line ArchiveError on any defect."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ArchiveError(f"{path}: unreadable manifest (JSON nested too deeply)") from None
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError
        raise ArchiveError(f"{path}: unreadable manifest ({str(exc)[:120]})") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != AUDIT_KIND:
        raise ArchiveError(f"{path}: not a claimcheck audit manifest")
    error = best_match(_MANIFEST_VALIDATOR.iter_errors(manifest))
    if error is not None:
        where = "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in error.path)
        raise ArchiveError(f"{path}: invalid manifest at {where or '.'}: {error.message[:160]}")
    return manifest


def read_manifest(directory: str) -> tuple[bytes, dict[str, Any]]:
    """The manifest's exact bytes (what is hashed and signed) and its validated content."""
    path = os.path.join(directory, MANIFEST)
    try:
        data = _read_regular(path, MAX_MANIFEST_BYTES)
    except FileNotFoundError:
        raise ArchiveError(f"{directory}: not an audit directory (no {MANIFEST})") from None
    except OSError as exc:
        raise ArchiveError(f"{path}: {exc.strerror or exc}") from None
    return data, _parse_manifest(data, path)


def load_manifest(directory: str) -> dict[str, Any]:
    """The audit's validated manifest, or ArchiveError (not an audit, unreadable, malformed)."""
    return read_manifest(directory)[1]


def audit_path(directory: str, name: object, what: str) -> str:
    """The path of a file the manifest names, kept strictly inside the audit directory.

    Absolute paths, `..` parts and symbolic links leading out are refused, so a forged
    manifest cannot make claimcheck hash or read files elsewhere.
    """
    shown = repr(name)[:80]
    if not isinstance(name, str) or not name or "\x00" in name:
        raise ArchiveError(f"{directory}: {what} {shown} is not a file name; refused")
    parts = name.replace("\\", "/").split("/")
    if os.path.isabs(name) or ".." in parts:
        raise ArchiveError(f"{directory}: {what} {shown} is outside the audit directory; refused")
    root = os.path.realpath(directory)
    full = os.path.realpath(os.path.join(root, name))
    if os.path.commonpath([root, full]) != root or full == root:
        raise ArchiveError(f"{directory}: {what} {shown} is outside the audit directory; refused")
    return full


def max_body_bytes(manifest: dict[str, Any]) -> int:
    """The crawl's --max-bytes, the cap on any archived body, compressed or decompressed."""
    value = manifest.get("settings", {}).get("max_bytes")
    return value if isinstance(value, int) and value > 0 else DEFAULT_MAX_BYTES


def read_record(handle: BinaryIO, offset: int, length: int, cap: int) -> bytes:
    """The exact bytes of one record; ValueError when its length exceeds what a body within
    `cap` can take (so a forged length cannot make a read of gigabytes)."""
    if length > cap + RECORD_SLACK:
        raise ValueError(f"record of {length} bytes is larger than the audit's max-bytes allows")
    handle.seek(offset)
    return handle.read(length)


@dataclass(frozen=True)
class ParsedRecord:
    """One WARC record read from its gzip member: headers, raw payload, digest problems."""

    record: Any
    payload: bytes
    problems: tuple[str, ...]
    extra_records: int


def parse_record(data: bytes, cap: int) -> ParsedRecord:
    """Parse one gzipped record, its payload read in blocks up to `cap` bytes.

    Raises ValueError (and warcio/zlib errors) on damage or a payload over the cap.
    """
    records = ArchiveIterator(io.BytesIO(data), check_digests=True)
    for record in records:
        payload = read_capped(record.raw_stream, cap)
        checker = record.digest_checker
        problems = tuple(checker.problems) if checker.passed is False else ()
        extra = sum(1 for _ in records)
        return ParsedRecord(record, payload, problems, extra)
    raise ValueError("no WARC record at this offset")


def read_capped(stream: Any, cap: int) -> bytes:
    """A record's payload read in blocks; BodyTooLarge (a ValueError) past `cap` bytes, so
    memory stays within the cap (the rest of the record is left for the iterator to skip).
    Shared by the audit reader and the WARC/ARC file reader."""
    chunks: list[bytes] = []
    size = 0
    while block := stream.read(BLOCK):
        size += len(block)
        if size > cap:
            raise BodyTooLarge(f"more than {cap} bytes")
        chunks.append(block)
    return b"".join(chunks)


class BodyTooLarge(ValueError):
    """An archived body (or its decompressed form) is over the audit's max-bytes."""


def decoded_body(payload: bytes, http_headers: Any, cap: int) -> bytes:
    """The body a browser would see: Content-Encoding undone in bounded steps, at most `cap`
    bytes out (BodyTooLarge past it, so a gzip bomb costs at most `cap` of memory)."""
    encoding = (http_headers.get_header("content-encoding") if http_headers else None) or ""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return _within(payload, cap)
    if encoding in ("gzip", "x-gzip"):
        return _inflate(payload, 16 + zlib.MAX_WBITS, cap)
    if encoding == "deflate":
        try:
            return _inflate(payload, zlib.MAX_WBITS, cap)
        except zlib.error:
            return _inflate(payload, -zlib.MAX_WBITS, cap)  # raw deflate, as servers send it
    if encoding == "br":
        return _unbrotli(payload, cap)
    raise ValueError(f"unsupported Content-Encoding {encoding[:40]!r}")


def _within(data: bytes, cap: int) -> bytes:
    if len(data) > cap:
        raise BodyTooLarge(f"more than {cap} bytes")
    return data


def _inflate(payload: bytes, wbits: int, cap: int) -> bytes:
    """zlib decompression that never produces more than cap + 1 bytes."""
    decompressor = zlib.decompressobj(wbits)
    out = decompressor.decompress(payload, cap + 1)
    return _within(out, cap)


def _unbrotli(payload: bytes, cap: int) -> bytes:
    """Brotli decompression bounded by `cap`, when the installed brotli can bound it."""
    try:
        import brotli
    except ImportError:
        raise ValueError("Content-Encoding br, and the brotli package is not installed") from None
    try:
        out = brotli.Decompressor().process(payload, output_buffer_limit=cap + 1)
    except TypeError:
        raise ValueError("Content-Encoding br: this brotli cannot bound its output") from None
    return _within(out, cap)


def iter_audit_inputs(directory: str) -> Iterator[RawInput | SourceError]:
    """Stream the parsed pages of an audit from its WARC, in crawl order, one at a time.

    Only records the manifest lists are read, each at its offset and checked against its
    SHA-256; bodies are decompressed up to the crawl's max-bytes. A page whose record is
    missing, altered, unreadable or too large is yielded as a SourceError. Nothing is
    fetched.
    """
    manifest = load_manifest(directory)
    cap = max_body_bytes(manifest)
    refs = {ref["id"]: ref for ref in manifest["warc"]["records"]}
    warc = audit_path(directory, manifest["warc"]["file"], "warc.file")
    with open_regular(warc) as handle:
        for page in manifest["pages"]:
            if page.get("parsed"):
                yield _archived_page(handle, page, refs.get(page["warc"]["record_id"]), cap)


def _archived_page(
    handle: BinaryIO, page: dict[str, Any], ref: dict[str, Any] | None, cap: int
) -> RawInput | SourceError:
    """One page's RawInput from its record, or the SourceError that says why not."""
    url = page["url"]
    if ref is None or ref["type"] != "response":
        return SourceError(url, "unreadable", "its response record is not in the manifest")
    try:
        data = read_record(handle, ref["offset"], ref["length"], cap)
        if hashlib.sha256(data).hexdigest() != ref["sha256"]:
            return SourceError(url, "unreadable", ALTERED)
        parsed = parse_record(data, cap)
        body = decoded_body(parsed.payload, parsed.record.http_headers, cap)
    except BodyTooLarge:
        return SourceError(
            url, "too_large", f"archived body decompresses to more than max-bytes ({cap})"
        )
    except Exception as exc:  # warcio, gzip, zlib and brotli all raise their own errors
        return SourceError(url, "unreadable", f"unreadable archived record ({type(exc).__name__})")
    return _page_input(page, body, parsed.record)


def archived_origin(url: str, body: bytes, record: Any, content_type: str) -> Origin:
    """The Origin of a page read from a WARC record: named by its URL, dated by the record's
    WARC-Date, its charset from the Content-Type or sniffed. Raises SourceError for a binary
    or empty body."""
    encoding = _check(url, body)
    return Origin(
        path=url,
        kind="url",
        sha256=hashlib.sha256(body).hexdigest(),
        fetched_at=record.rec_headers.get_header("WARC-Date"),
        encoding=charset(content_type) or encoding,
    )


def _page_input(page: dict[str, Any], body: bytes, record) -> RawInput | SourceError:
    content_type = page.get("content_type", "")
    try:
        origin = archived_origin(page["url"], body, record, content_type)
    except SourceError as exc:
        return exc
    return RawInput(origin=origin, data=body, format=parsed_format(content_type) or "html")
