"""Any WARC or ARC file as input to `check`: Common Crawl segments, other archives' WARCs.

Records are streamed one at a time with warcio (gzip member per record or uncompressed,
WARC/1.0 and 1.1, ARC). Only successful (2xx) HTTP responses with an HTML or text
Content-Type become pages; everything else is counted and passed over. Bodies are read and
their Content-Encoding undone under the `max_bytes` cap (archive.decoded_body), so one
huge or hostile record costs at most the cap in memory. `warc_ranges` cuts a
gzip-per-record file into byte ranges at record starts so that workers can score parts of
one file; `iter_warc_inputs` reads one such range. docs/warc.md records the decisions.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, BinaryIO, ClassVar

from warcio.archiveiterator import ArchiveIterator

from claimcheck.crawl.archive import (
    BodyTooLarge,
    archived_origin,
    decoded_body,
    open_regular,
    read_capped,
)
from claimcheck.crawl.fetch import parsed_format, sniff_format
from claimcheck.errors import ArchiveError, SourceError
from claimcheck.sources import RawInput

SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
GZIP_MAGIC = b"\x1f\x8b\x08"
BLOCK = 1 << 16
PROBE_BYTES = 64
"""Decompressed bytes read at a candidate gzip member to confirm a record starts there."""
_ARC_HEADER = re.compile(rb"\A(?:filedesc:|[a-z][a-z0-9+.-]*:)\S* \S+ \d{14} \S+ \d+\r?\n", re.I)
_KEPT_FORMATS = ("html", "text", "markdown")


@dataclass(frozen=True)
class ArchivedInput(RawInput):
    """A page read from a WARC/ARC file. The engine's keyword pre-filter applies only to
    inputs of this kind (pagefilter.py): named files are always checked in full."""

    keyword_filter: ClassVar[bool] = True


class ReadCounts:
    """What one read passed over: records that are not pages (requests, metadata,
    non-2xx, images ...) and empty bodies. Counted, never reported as errors."""

    def __init__(self) -> None:
        self.records = 0
        self.pages = 0
        self.not_pages = 0
        self.errors = 0


def is_warc_name(path: str) -> bool:
    """True for a name ending .warc, .warc.gz, .arc or .arc.gz (any case)."""
    return path.lower().endswith(SUFFIXES)


def warc_ranges(path: str, parts: int) -> list[tuple[int, int]]:
    """Byte ranges `[start, end)` covering the whole file, cut at record (gzip member)
    starts into about `parts` pieces of similar size, for scoring one WARC in parallel.

    An uncompressed or single-member file is one range `(0, size)`. A cut is placed at the
    first gzip member at or after each of the `parts - 1` evenly spaced offsets whose
    decompressed start is a WARC or ARC record header, so no record is split.
    """
    size = os.path.getsize(path)
    if parts <= 1 or size == 0:
        return [(0, size)]
    with open_regular(path) as handle:
        if handle.read(len(GZIP_MAGIC)) != GZIP_MAGIC:
            return [(0, size)]
        cuts: list[int] = [0]
        for k in range(1, parts):
            target = max(size * k // parts, cuts[-1] + 1)
            cut = _next_member(handle, target, size)
            if cut is None:
                break
            if cut > cuts[-1]:
                cuts.append(cut)
    cuts.append(size)
    return [(a, b) for a, b in pairwise(cuts) if b > a]


def _next_member(handle: BinaryIO, offset: int, size: int) -> int | None:
    """The offset of the first gzip member at or after `offset` that holds a record."""
    while offset < size:
        handle.seek(offset)
        window = handle.read(BLOCK + len(GZIP_MAGIC))
        found = window.find(GZIP_MAGIC)
        while found >= 0:
            if _starts_record(handle, offset + found):
                return offset + found
            found = window.find(GZIP_MAGIC, found + 1)
        offset += BLOCK
    return None


def _starts_record(handle: BinaryIO, offset: int) -> bool:
    """Does a WARC or ARC header start at `offset`, as it is or in a gzip member?"""
    return _record_kind(handle, offset) is not None


def _record_kind(handle: BinaryIO, offset: int) -> str | None:
    """ "warc" or "arc" for the header starting at `offset` (plain or gzipped), else None."""
    handle.seek(offset)
    if handle.read(len(GZIP_MAGIC)) != GZIP_MAGIC:
        handle.seek(offset)
        return _kind(handle.read(PROBE_BYTES))
    handle.seek(offset)
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    head = b""
    try:
        while len(head) < PROBE_BYTES and not decompressor.eof:
            chunk = handle.read(4096)
            if not chunk:
                break
            head += decompressor.decompress(chunk, PROBE_BYTES - len(head))
            while decompressor.unconsumed_tail and len(head) < PROBE_BYTES:
                head += decompressor.decompress(decompressor.unconsumed_tail, PROBE_BYTES)
    except zlib.error:
        return None
    return _kind(head)


def _kind(head: bytes) -> str | None:
    if head.startswith(b"WARC/"):
        return "warc"
    return "arc" if _ARC_HEADER.match(head) else None


def iter_warc_inputs(
    path: str,
    max_bytes: int,
    start: int = 0,
    end: int | None = None,
    *,
    counts: ReadCounts | None = None,
    reader: str | None = None,
) -> Iterator[RawInput | SourceError]:
    """The pages of the records whose start offset lies in `[start, end)`, in file order.

    Each page is an `ArchivedInput` (origin: the WARC-Target-URI, kind "url", fetched_at
    the WARC-Date, encoding from the Content-Type's charset). A record that cannot be read
    or is over `max_bytes` (raw or decompressed) is a SourceError and reading goes on; a
    file that is not a WARC/ARC, or that ends inside a record, ends with one SourceError.
    WARC files are read with FastWARC when it is installed (`reader` "fastwarc" or
    "warcio" forces one; docs/warc.md), ARC files always with warcio.
    """
    counts = counts if counts is not None else ReadCounts()
    try:
        handle = open_regular(path)
    except ArchiveError as exc:
        yield SourceError(path, "unreadable", str(exc).removeprefix(f"{path}: "))
        return
    with handle:
        kind = _record_kind(handle, start)
        if kind is None:
            yield _file_error(path, 0, ValueError(f"no WARC or ARC record at byte {start}"))
            return
        use = reader or ("fastwarc" if kind == "warc" and fastwarc_available() else "warcio")
        records = _fastwarc_records if use == "fastwarc" else _warcio_records
        try:
            for offset, record in records(handle, start, end):
                item = _record_input(path, offset, record, max_bytes)
                while record.raw_stream.read(BLOCK):
                    pass  # the rest of a record not read (or over the cap), streamed
                if getattr(record.raw_stream, "limit", 0):
                    raise ValueError("record shorter than its Content-Length")
                counts.records += 1
                if item is None:
                    counts.not_pages += 1
                    continue
                if isinstance(item, SourceError):
                    counts.errors += 1
                else:
                    counts.pages += 1
                yield item
        except Exception as exc:  # warcio, FastWARC, gzip and zlib each raise their own
            counts.errors += 1
            yield _file_error(path, counts.records, exc)


def _warcio_records(handle: BinaryIO, start: int, end: int | None) -> Iterator[tuple[int, Any]]:
    """(offset, record) from `start` until a record starts at or after `end`, with warcio."""
    handle.seek(start)
    records = ArchiveIterator(handle, arc2warc=True, block_size=BLOCK)
    records.offset = start  # warcio counts later offsets from the file's position
    for record in records:
        offset = records.offset  # this record's start (get_record_offset reads it)
        if end is not None and offset >= end:
            return
        if not record.rec_type:  # what warcio yields for a record cut short
            raise ValueError("incomplete record at the end")
        yield offset, record
    # warcio also stops quietly at a header cut short: bytes left mean damage.
    if end is None and records.offset < os.fstat(handle.fileno()).st_size:
        raise ValueError("incomplete record at the end")


def fastwarc_available() -> bool:
    """True when FastWARC (the `scale` extra) can be imported."""
    try:
        import fastwarc.warc  # noqa: F401
    except ImportError:
        return False
    return True


def _fastwarc_records(handle: BinaryIO, start: int, end: int | None) -> Iterator[tuple[int, Any]]:
    """(offset, record) as `_warcio_records`, read with FastWARC and shown through the
    small part of warcio's record interface `_record_input` uses. FastWARC stops quietly
    at a record cut short, so the last record onwards is read again with warcio, which
    notices."""
    from fastwarc.warc import ArchiveIterator as FastIterator
    from fastwarc.warc import WarcRecordType

    handle.seek(start)
    last = start
    for record in FastIterator(handle, record_types=WarcRecordType.any_type, parse_http=False):
        last = record.stream_pos
        if end is not None and last >= end:
            return
        yield last, _FastRecord(record)
    if end is None:
        for _offset, record in _warcio_records(handle, last, None):
            while record.raw_stream.read(BLOCK):
                pass
            if getattr(record.raw_stream, "limit", 0):
                raise ValueError("record shorter than its Content-Length")


class _FastRecord:
    """A FastWARC record seen as warcio's: rec_type, rec_headers, http_headers, raw_stream."""

    def __init__(self, record: Any) -> None:
        self.rec_type = str(record.record_type)
        self.rec_headers = _Headers(record.headers)
        self.http_headers = None
        if self.rec_type == "response" and record.is_http:
            record.parse_http()
            if record.is_http_parsed and record.http_headers is not None:
                self.http_headers = _Headers(record.http_headers)
        self.raw_stream = _Counted(record.reader, record.content_length)


class _Counted:
    """A FastWARC record's reader that, like warcio's, keeps in `limit` how many of the
    promised bytes have not come: more than 0 at the end means the record was cut short."""

    def __init__(self, reader: Any, length: int) -> None:
        self._reader = reader
        self.limit = length

    def read(self, size: int) -> bytes:
        """Up to `size` bytes of the record's (remaining) content."""
        data = self._reader.read(size)
        self.limit = max(0, self.limit - len(data))
        return data


class _Headers:
    """FastWARC headers with warcio's `get_header` and `get_statuscode`."""

    def __init__(self, headers: Any) -> None:
        self._headers = headers

    def get_header(self, name: str) -> str | None:
        """The header's value, or None."""
        return self._headers.get(name)

    def get_statuscode(self) -> str:
        """The HTTP status code as text ("" when there is none)."""
        code = self._headers.status_code
        return str(code) if code else ""


def _file_error(path: str, seen: int, exc: Exception) -> SourceError:
    """The one error that ends a read: not an archive at all, or damaged after `seen`."""
    why = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    if seen == 0:
        return SourceError(path, "unreadable", f"not a readable WARC or ARC file ({why})")
    return SourceError(
        path, "unreadable", f"archive damaged or truncated after {seen} record(s) ({why})"
    )


def _record_input(
    path: str, offset: int, record: Any, max_bytes: int
) -> RawInput | SourceError | None:
    """One record as a page, an error, or None when it is not an HTML/text 2xx response."""
    if record.rec_type != "response":
        return None
    http = record.http_headers
    status = (http.get_statuscode() if http is not None else "") or ""
    if not status.startswith("2") or len(status) != 3:
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or f"{path}@{offset}"
    content_type = http.get_header("content-type") or ""
    declared = content_type or record.rec_headers.get_header("WARC-Identified-Payload-Type") or ""
    fmt = parsed_format(declared) if declared else None
    if declared and fmt not in _KEPT_FORMATS:
        return None
    try:
        payload = read_capped(record.raw_stream, max_bytes)
        if "chunked" in (http.get_header("transfer-encoding") or "").lower():
            payload = _dechunk(payload)
        body = decoded_body(payload, http, max_bytes)
    except BodyTooLarge:
        return SourceError(url, "too_large", f"record body is over the {max_bytes}-byte limit")
    except Exception as exc:  # zlib, brotli and malformed chunking raise their own errors
        return SourceError(url, "unreadable", f"unreadable record body ({type(exc).__name__})")
    if not body.strip():
        return None
    if fmt is None:
        fmt = sniff_format(body)
        if fmt not in _KEPT_FORMATS:
            return None
    try:
        origin = archived_origin(url, body, record, content_type)
    except SourceError as exc:
        return exc
    return ArchivedInput(origin=origin, data=body, format=fmt)


def _dechunk(data: bytes) -> bytes:
    """An HTTP/1.1 chunked body joined; the bytes as they are when they are not chunked
    (archives often store the body de-chunked but keep the header)."""
    try:
        return _join_chunks(data)
    except ValueError:
        return data


def _join_chunks(data: bytes) -> bytes:
    out: list[bytes] = []
    pos = 0
    while True:
        line_end = data.find(b"\r\n", pos)
        if line_end < 0:
            raise ValueError("chunk size line missing")
        size = int(data[pos:line_end].split(b";")[0].strip() or b"x", 16)
        if size == 0:
            return b"".join(out)
        out.append(data[line_end + 2 : line_end + 2 + size])
        pos = line_end + 4 + size
