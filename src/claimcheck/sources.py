"""Inputs to raw bytes: files, directories and stdin become `RawInput`s.

This stage only reads and sniffs; it never parses markup. A bad file becomes a
`SourceError` (raised by `read_path`, yielded by `iter_inputs`) so that one broken
input never costs the results of the others.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO, Literal, Protocol, TextIO

from claimcheck.errors import SourceError
from claimcheck.model import Format, Origin

MAX_BYTES = 20 * 1024 * 1024
"""Default size limit for one input (20 MB)."""

SUPPORTED_SUFFIXES: dict[str, Format] = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "markdown",
    ".txt": "text",
    ".text": "text",
    ".j2": "html",
    ".jinja": "html",
    ".jinja2": "html",
    ".njk": "html",
    ".liquid": "html",
    ".tmpl": "html",
    ".gohtml": "html",
}

SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "site-packages"})
"""Directory names never entered by the walk (hidden directories are skipped too)."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# WHATWG: these labels mean windows-1252 on the web.
_LABEL_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252"}
_LABEL_ALIASES |= {"us-ascii": "cp1252", "ascii": "cp1252", "l1": "cp1252"}
# The WHATWG Encoding Standard's encodings, by the name of the Python codec that decodes
# them; a label Python resolves to anything else (UTF-7, UTF-32, EBCDIC...) is ignored,
# as browsers ignore it. Where the web's meaning of a label differs from Python's, the
# web wins (_WEB_CODEC).
_WEB_CODECS = frozenset(
    {"utf-8", "cp866", "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic", "cp874", "gbk"}
    | {"gb18030", "big5hkscs", "euc_jp", "iso2022_jp", "cp932", "cp949", "utf-16-be"}
    | {"utf-16-le"}
    | {f"cp{n}" for n in range(1250, 1259)}
    | {f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)}
)
_WEB_CODEC = {
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gbk",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "utf-16": "utf-16-le",
}
# Labels whose bytes a browser shows as one U+FFFD (WHATWG "replacement"): ISO-2022-KR/CN
# and HZ can smuggle ASCII-looking text, so browsers never decode them.
_REPLACEMENT_LABELS = frozenset(
    {"csiso2022kr", "hz-gb-2312", "iso-2022-cn", "iso-2022-cn-ext", "iso-2022-kr", "replacement"}
)
_HTML_START_RE = re.compile(r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|\?xml)", re.I | re.S)
_TAG_RE = re.compile(
    r"<(?:p|div|span|a|br|h[1-6]|ul|ol|li|body|head|meta|table|tr|td|img|section|article"
    r"|header|footer|nav|main|strong|em|b|i)\b[^>]*>",
    re.IGNORECASE,
)
_MD_LINE_RE = re.compile(r"^(?:#{1,6}\s|[-*+]\s|\d{1,3}[.)]\s|>\s?|```|~~~|\|)", re.MULTILINE)
_MD_INLINE_RE = re.compile(r"\]\([^)\s]+\)|\*\*\S")


@dataclass(frozen=True)
class RawInput:
    """One input's bytes, where they came from, and the format to extract them as."""

    origin: Origin
    data: bytes
    format: Format


def _bom(data: bytes) -> tuple[str, int] | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


def _declared_charset(data: bytes) -> str | None:
    match = _DECLARED_RE.search(data[:4096])
    if match is None:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    if label.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a multi-byte label without a BOM is wrong by construction
    return label


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(_LABEL_ALIASES.get(encoding, encoding))
    except (LookupError, UnicodeDecodeError):
        return None


def web_encoding(label: str) -> str | None:
    """The Python codec a browser's decoder for `label` matches, "replacement" for the
    labels browsers decode as U+FFFD, or None for a label browsers ignore (UTF-7 above
    all: browsers never decode it, so text hidden in it is never shown to anyone)."""
    label = label.strip().lower()
    if label in _REPLACEMENT_LABELS:
        return "replacement"
    try:
        name = codecs.lookup(_LABEL_ALIASES.get(label, label)).name
    except LookupError:
        return None
    name = _WEB_CODEC.get(name, name)
    return name if name in _WEB_CODECS else None


def utf16_without_bom(data: bytes) -> str | None:
    """The codec ("utf-16-le" or "utf-16-be") when the first 1 KB is Basic Latin text in UTF-16
    without a byte-order mark (every other byte zero, the others printable ASCII), else
    None. Firefox's detector recognises this case for unlabelled pages; claimcheck does
    too, so such a page is read instead of refused as binary."""
    head = data[:1024]
    if len(head) < 16:
        return None
    head = head[: len(head) // 2 * 2]
    even, odd = head[0::2], head[1::2]
    for text, zeros, encoding in ((even, odd, "utf-16-le"), (odd, even, "utf-16-be")):
        if zeros.count(0) == len(zeros) and all(b in _PRINTABLE for b in text):
            return encoding
    return None


_PRINTABLE = frozenset([9, 10, 12, 13, *range(0x20, 0x7F)])


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes to text and name the encoding used; never raises.

    Order: a byte-order mark (UTF-8/16/32), then `declared` (e.g. an HTTP header) or
    a charset declared in the first 4 KB (HTML meta, XML declaration), then strict
    UTF-8, then charset-normalizer's best guess, then latin-1. NUL characters are
    removed, so later stages never see them.
    """
    text, encoding, _ = decode_exact(data, declared)
    return text, encoding


# Codecs in which U+0000 comes from a 0x00 byte and from nothing else.
_NUL_IS_ZERO_BYTE = frozenset(("utf-8", "cp1252", "latin-1", "ascii"))
_last = threading.local()


def decode_exact(data: bytes, declared: str | None = None) -> tuple[str, str, bool]:
    """`decode`, plus whether the text is exactly `data` decoded with that encoding (no
    byte-order mark, no replaced bytes, no NUL removed): then `data` is its encoding.

    The last answer is remembered (per thread): reading a file decodes it to check it,
    and extraction decodes the same bytes again. For UTF-8, the answer without
    `declared` also holds for `declared="utf-8"`: both decode the same bytes strictly.
    """
    if type(data) is not bytes:  # only immutable bytes can be recognised again
        return _decode(bytes(data), declared)
    last = getattr(_last, "memo", None)
    if last is not None and last[0] is data and declared in last[1]:
        return last[1][declared]
    answer = _decode(data, declared)
    answers = {declared: answer}
    if declared is None and answer[1] == "utf-8" and answer[2]:
        answers["utf-8"] = answer
    _last.memo = (data, answers)
    return answer


def _decode(data: bytes, declared: str | None) -> tuple[str, str, bool]:
    text: str | None = None
    encoding = ""
    exact = True
    bom = _bom(data)
    if bom is not None:
        encoding = bom[0]
        text = data[bom[1] :].decode(encoding, errors="replace")
        exact = False
    if text is None and not declared:
        sniffed = utf16_without_bom(data)
        if sniffed is not None:
            text, encoding, exact = data.decode(sniffed, errors="replace"), sniffed, False
    if text is None:
        label = declared.strip().lower() if declared else _declared_charset(data)
        web = web_encoding(label) if label else None
        if web == "replacement":
            text, encoding, exact = ("\ufffd" if data else ""), "replacement", False
        elif web:
            text = _try(data, web)
            encoding = web
    if text is None:
        text, encoding = _try(data, "utf-8"), "utf-8"
    if text is None:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None and web_encoding(best.encoding) not in (None, "replacement"):
            text, encoding, exact = str(best), best.encoding, False
    if text is None:
        text, encoding = data.decode("latin-1"), "latin-1"
    if encoding in _NUL_IS_ZERO_BYTE and b"\x00" not in data:
        return text, encoding, exact  # no NUL to remove, and no need to scan the text
    clean = text.replace("\x00", "")
    return clean, encoding, exact and len(clean) == len(text)


def _head_text(data: bytes) -> str:
    head = data[:4096]
    bom = _bom(head)
    if bom is not None:
        return head[bom[1] :].decode(bom[0], errors="replace")
    return head.decode("utf-8", errors="replace")


def detect_format(path: str, data: bytes) -> Format:
    """Pick the extraction format: by file suffix, else by sniffing the first 4 KB.

    Sniffing says HTML for a leading doctype / <html> / XML declaration or at least
    three common tags; Markdown for two or more Markdown-looking lines or inline links;
    plain text otherwise.
    """
    suffix = os.path.splitext(path)[1].lower()
    if suffix in SUPPORTED_SUFFIXES:
        return SUPPORTED_SUFFIXES[suffix]
    head = _head_text(data).lstrip("\ufeff")
    if _HTML_START_RE.match(head) or len(_TAG_RE.findall(head, 0, 4096)) >= 3:
        return "html"
    if head.lstrip().startswith("---\n"):
        return "markdown"
    score = len(_MD_LINE_RE.findall(head)) + len(_MD_INLINE_RE.findall(head))
    return "markdown" if score >= 2 else "text"


def _is_binary(data: bytes) -> bool:
    if b"\x00" not in data[:8192]:
        return False
    bom = _bom(data)
    if bom is None:
        return utf16_without_bom(data) is None
    return bom[0] == "utf-8"


def _check(path: str, data: bytes) -> str:
    """Reject binary and empty content; return the encoding that decodes `data`."""
    if _is_binary(data):
        raise SourceError(path, "binary", "looks like a binary file (NUL bytes), not text")
    text, encoding = decode(data)
    if not data or not text or text.isspace():
        raise SourceError(path, "empty", "the input is empty")
    return encoding


def _require_regular(path: str, mode: int) -> None:
    """Refuse anything but a regular file: reading a FIFO named `page.html` waits for a
    writer forever, and a device such as /dev/zero never ends."""
    if not stat.S_ISREG(mode):
        raise SourceError(path, "unreadable", "not a regular file (a FIFO, socket or device)")


def _read_regular(path: str, limit: int) -> bytes:
    """Up to `limit` bytes of a regular file. Opened without blocking and checked again
    once open, so a file swapped for a FIFO after `stat` cannot hang the read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb", closefd=True) as handle:
        _require_regular(path, os.fstat(fd).st_mode)
        return handle.read(limit)


def read_path(path: str, max_bytes: int = MAX_BYTES) -> RawInput:
    """Read one file into a `RawInput`, or raise `SourceError`.

    Kinds: "missing" (no such file), "unreadable" (permissions, a directory, a FIFO,
    socket or device, an I/O error), "too_large" (more than `max_bytes`), "binary" (NUL
    bytes in the first 8 KB without a UTF-16/32 byte-order mark) and "empty" (nothing but
    whitespace).
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise SourceError(path, "missing", "no such file") from None
    except OSError as exc:
        raise SourceError(path, "unreadable", exc.strerror or str(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise SourceError(path, "unreadable", "is a directory, expected a file")
    _require_regular(path, info.st_mode)
    if info.st_size > max_bytes:
        raise SourceError(
            path, "too_large", f"{info.st_size} bytes is over the {max_bytes}-byte limit"
        )
    try:
        data = _read_regular(path, max_bytes + 1)
    except OSError as exc:
        raise SourceError(path, "unreadable", exc.strerror or str(exc)) from None
    return read_bytes(path, data, "file", max_bytes)


def read_stdin(
    stream: TextIO | BinaryIO | None = None, max_bytes: int = MAX_BYTES, name: str = "-"
) -> RawInput:
    """Read all of standard input (or `stream`) as the input `name` ("-" unless the user
    named it, as `--stdin-filename` does: its suffix then gives the format).

    A text stream is read through its binary buffer when it has one, so the bytes
    (and their hash) are what was piped in.
    """
    stream = sys.stdin if stream is None else stream
    source = getattr(stream, "buffer", stream)
    try:
        data = source.read(max_bytes + 1)
    except OSError as exc:
        raise SourceError(name, "unreadable", str(exc)) from None
    if isinstance(data, str):
        data = data.encode("utf-8")
    return read_bytes(name, data, "stdin", max_bytes)


def read_bytes(
    path: str,
    data: bytes,
    kind: Literal["file", "url", "stdin"] = "file",
    max_bytes: int = MAX_BYTES,
) -> RawInput:
    """Wrap bytes as the input `path`: an upload, a fetched page, and the bytes `read_path`
    and `read_stdin` have read.

    Raises `SourceError` for content over `max_bytes`, binary or empty; the format comes
    from the name's suffix or, failing that, from the content.
    """
    if len(data) > max_bytes:
        raise SourceError(path, "too_large", f"over the {max_bytes}-byte limit")
    encoding = _check(path, data)
    sha = hashlib.sha256(data).hexdigest()
    origin = Origin(path=path, kind=kind, sha256=sha, encoding=encoding)
    return RawInput(origin=origin, data=data, format=detect_format(path, data))


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a glob to a regex: `**/` is zero or more directories, `**` anything,
    `*` and `?` stay within one path segment, `[...]` is a character class."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _matches(relpath: str, patterns: Sequence[str]) -> bool:
    name = relpath.rsplit("/", 1)[-1]
    for pattern in patterns:
        pattern = pattern.strip().removeprefix("./").rstrip("/")
        if "/" in pattern:
            if _glob_regex(pattern).match(relpath) or (
                pattern.endswith("/**") and _glob_regex(pattern[:-3]).match(relpath)
            ):
                return True
        elif _glob_regex(pattern).match(name):
            return True
    return False


def glob_match(relpath: str, patterns: Sequence[str]) -> bool:
    """True when a '/'-separated relative path matches one of the globs (see `iter_inputs`)."""
    return _matches(relpath, patterns)


def _relative_paths(path: str, root: str, base: str | None) -> tuple[str, ...]:
    """`path` relative to the walked directory and, when it lies inside it, to `base`
    (the config file's directory), '/'-separated: a glob may be written either way."""
    rels = [os.path.relpath(path, root)]
    if base is not None:
        from_base = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
        if not from_base.startswith(os.pardir):
            rels.append(from_base)
    return tuple(dict.fromkeys(r.replace(os.sep, "/") for r in rels))


def _walk(
    root: str, include: Sequence[str], exclude: Sequence[str], base: str | None = None
) -> Iterator[str]:
    """Yield supported files under `root`, entries sorted by name, depth first."""
    stack: list[Iterator[os.DirEntry[str]]] = []
    try:
        with os.scandir(root) as it:
            stack.append(iter(sorted(it, key=lambda e: e.name)))
    except OSError:
        return
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        rels = _relative_paths(entry.path, root, base)
        if exclude and any(_matches(rel, exclude) for rel in rels):
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if is_dir:
            if entry.name in SKIPPED_DIRS:
                continue
            try:
                with os.scandir(entry.path) as it:
                    stack.append(iter(sorted(it, key=lambda e: e.name)))
            except OSError:
                continue
        elif os.path.splitext(entry.name)[1].lower() in SUPPORTED_SUFFIXES and (
            not include or any(_matches(rel, include) for rel in rels)
        ):
            yield os.path.normpath(entry.path)  # 'x.md', not './x.md', for `check .`


def iter_inputs(
    paths: Sequence[str],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    max_bytes: int = MAX_BYTES,
    base: str | None = None,
) -> Iterator[RawInput | SourceError]:
    """Stream the inputs named on a command line, one `RawInput` or `SourceError` each.

    "-" reads stdin. Registered readers come next (`register_reader`): with
    `claimcheck.crawl.readers` imported, an http(s) URL is fetched once and an audit
    directory written by `claimcheck crawl` yields its archived pages. A named file is
    always read, whatever its suffix (its format is sniffed) and whatever the globs say.
    A directory is walked recursively in sorted order, skipping hidden entries (.git,
    .venv ...), node_modules and __pycache__, keeping files with a supported suffix.

    Glob semantics (for walked files only): a pattern is matched against the path
    relative to the directory given and, when `base` (the config file's directory, as in
    ruff) contains the file, against the path relative to `base`, with "/" separators; so
    `site/**/*.html` in a root config selects the same files for `check site/` and
    `check .`. A pattern without "/" matches
    the entry's name at any depth (`*.md`, `drafts`); one with "/" matches the whole
    relative path (`docs/*.md`, `**/legacy/**`), where `**/` stands for zero or more
    directories, `**` for anything and `*`/`?` stay inside one segment. `include`, when
    given, selects files; `exclude` drops files and whole directories (a directory
    matching `name` or `name/**` is not entered). Bad files are yielded as
    `SourceError` objects, not raised, so the caller can record them and carry on.
    """
    for path in paths:
        reader = _reader_for(path)
        if reader is not None:
            yield from reader.read(path, max_bytes)
            continue
        if path == "-":
            try:
                yield read_stdin(sys.stdin, max_bytes)
            except SourceError as exc:
                yield exc
            continue
        if os.path.isdir(path):
            for file_path in _walk(path, include, exclude, base):
                try:
                    yield read_path(file_path, max_bytes)
                except SourceError as exc:
                    yield exc
            continue
        try:
            yield read_path(path, max_bytes)
        except SourceError as exc:
            yield exc


class Reader(Protocol):
    """An input reader beside files and stdin (a URL, an audit directory): it says which
    command-line inputs it takes and streams them as `RawInput`s or `SourceError`s."""

    def accepts(self, path: str) -> bool:
        """True when this reader handles `path`; the first reader that accepts it wins."""
        ...

    def read(self, path: str, max_bytes: int) -> Iterator[RawInput | SourceError]:
        """The inputs behind `path`; problems are yielded, not raised."""
        ...


_READERS: list[Reader] = []


def register_reader(reader: Reader) -> None:
    """Plug a reader into `iter_inputs`. The crawl package registers the URL and audit
    directory readers (`claimcheck.crawl.readers`), so this module never imports it."""
    if reader not in _READERS:
        _READERS.append(reader)


def _reader_for(path: str) -> Reader | None:
    if path == "-":
        return None
    return next((r for r in _READERS if r.accepts(path)), None)
