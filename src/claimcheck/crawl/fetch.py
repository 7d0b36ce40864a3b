"""`claimcheck check URL`: fetch one page with the crawler's user agent, timeout and size
limit, using only the standard library. Nothing is archived."""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

from claimcheck.crawl.settings import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, user_agent
from claimcheck.errors import SourceError
from claimcheck.model import Format, Origin
from claimcheck.sources import RawInput, _check, detect_format, utf16_without_bom

PARSED_TYPES: dict[str, Format] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
}


def parsed_format(content_type: str) -> Format | None:
    """The extraction format for a Content-Type, or None when claimcheck does not parse it."""
    return PARSED_TYPES.get(content_type.split(";")[0].strip().lower())


# WHATWG MIME sniffing: bytes that make a resource binary, and signatures of binary types.
_BINARY_BYTES = frozenset([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_TEXT_BOMS = (b"\xfe\xff", b"\xff\xfe", b"\xef\xbb\xbf")
_SNIFF_BYTES = 1445


def sniff_format(data: bytes) -> Format | None:
    """The format of a response that came without a Content-Type, sniffed the way the
    WHATWG MIME Sniffing standard tells browsers to: a byte-order mark means text; a
    binary byte (a control other than tab, newline, form feed, carriage return or escape)
    in the first 1445 bytes means binary (None: not parsed) unless the bytes are
    BOM-less UTF-16 text as `sources` sniffs it; otherwise HTML, Markdown or text by
    content, as for a file without a suffix."""
    head = data[:_SNIFF_BYTES]
    binary = not head.startswith(_TEXT_BOMS) and any(b in _BINARY_BYTES for b in head)
    if binary and utf16_without_bom(data) is None:
        return None
    return detect_format("", data)


def charset(content_type: str) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').lower()
    return None


def is_url(value: str) -> bool:
    """True for an http(s) URL given on the command line."""
    return value.lower().startswith(("http://", "https://"))


FETCH_DEADLINE = 60.0  # two per-read timeouts: a slow but honest page still arrives


def _read_body(response, limit: int, end: float) -> bytes:
    """At most `limit` bytes of the body, one socket read at a time (`read1` returns what
    one read gave), stopping with a TimeoutError when the deadline `end` has passed."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        if time.monotonic() >= end:
            raise TimeoutError("the page took longer than the fetch deadline")
        block = response.read1(min(1 << 16, limit - size))
        if not block:
            break
        chunks.append(block)
        size += len(block)
    return b"".join(chunks)


def fetch_url(
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    contact: str | None = None,
    deadline: float = FETCH_DEADLINE,
) -> RawInput:
    """GET `url` (redirects followed) and return its body as a `RawInput` named by the URL.

    `timeout` bounds each socket wait; `deadline` bounds the body read in all, so a server
    that drips a byte every few seconds is cut off (at most one `timeout` past it).
    Raises `SourceError` (kind "fetch", "too_large", "unsupported", "binary", "empty").
    """
    request = urllib.request.Request(url, headers={"User-Agent": user_agent(contact)})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = response.headers.get("Content-Type", "")
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise SourceError(url, "too_large", f"{length} bytes is over {max_bytes}")
            data = _read_body(response, max_bytes + 1, time.monotonic() + deadline)
            final = response.geturl()
    except urllib.error.HTTPError as exc:
        raise SourceError(url, "fetch", f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(url, "fetch", f"could not fetch: {reason}") from None
    if len(data) > max_bytes:
        raise SourceError(url, "too_large", f"over the {max_bytes}-byte limit")
    fmt = parsed_format(content_type) if content_type else sniff_format(data)
    if fmt is None:
        raise SourceError(url, "unsupported", f"content type {content_type!r} is not parsed")
    encoding = _check(url, data)
    origin = Origin(
        path=final,
        kind="url",
        sha256=hashlib.sha256(data).hexdigest(),
        fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        encoding=charset(content_type) or encoding,
    )
    return RawInput(origin=origin, data=data, format=fmt)
