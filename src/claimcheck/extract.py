"""Raw input to Document: HTML, Markdown and plain text become Blocks a reader sees.

Every block remembers where it starts in the source (1-based line and column) and,
for HTML, whether a visitor can see it (`hidden`), where it sits on the page
(`region`) and whether it is styled as fine print. Extraction never raises for
malformed input: a page that yields nothing gives a Document without blocks.

HTML decisions worth knowing:

- Inline elements belong to their parent block's text, except that a change of
  visibility or fine-print styling starts a new block: a hidden `<span>` or a
  `<small>` disclaimer inside a paragraph is its own block, so its flags are right.
- Closed `<details>` content (not its `<summary>`) is `fine_print=True`, `hidden=False`:
  a visitor can open it, but it is not what the page shows.
- `<header>` is the page header only outside article/aside/main/nav/section (as in the
  HTML spec's banner role); `<footer>` and id/class "footer" always mean footer.
- Hiding by CSS classes in stylesheets is not detected; inline styles are.
"""

from __future__ import annotations

import html as htmllib
import re
import threading
from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate, repeat
from operator import add

from lxml import etree

from claimcheck.model import Block, BlockKind, Document, Format, Origin, Region
from claimcheck.sources import RawInput, decode_exact
from claimcheck.templates import front_matter_settings, strip_mdx, strip_template_tags


def _tags(names: str) -> frozenset[str]:
    return frozenset(names.split())


_SKIP = _tags(
    "script style template svg math iframe object embed canvas noembed noframes textarea"
    " select datalist"
)
_BLOCK_KIND: dict[str, BlockKind] = {
    "title": "title",
    "p": "paragraph",
    "li": "list_item",
    "dt": "list_item",
    "dd": "list_item",
    "td": "table_cell",
    "th": "table_cell",
    "blockquote": "quote",
    "caption": "other",
    "figcaption": "other",
    "legend": "other",
    "summary": "other",
    "pre": "other",
    "label": "other",
    "button": "other",
} | {f"h{n}": "heading" for n in range(1, 7)}
_CONTAINERS = _tags(
    "html body div section article main header footer nav aside form fieldset figure details"
    " ul ol dl menu table thead tbody tfoot tr hgroup dialog center address noscript search"
)
_SECTIONING = _tags("article aside main nav section")
_SPECIAL = _SECTIONING | _tags("footer header small noscript details summary blockquote")
_ROLE_REGION: dict[str, Region] = {
    "navigation": "nav",
    "contentinfo": "footer",
    "banner": "header",
    "complementary": "aside",
}
_TAG_REGION: dict[str, Region] = {
    "nav": "nav",
    "footer": "footer",
    "aside": "aside",
    "header": "header",
}
_STATE_ATTRS = frozenset(("class", "id", "style", "hidden", "aria-hidden", "role"))
_CLASS_WORDS = ("print", "disclaimer", "testimoni", "review")
_MARK_WORDS = ("testimonial", "review", "testimonio", "disclaimer")
_FINE_WORDS = ("fine-print", "fineprint", "small-print", "disclaimer-small")
_FONT_RE = re.compile(r"font-size\s*:\s*([\d.]+)\s*([a-z%]*)")
_DISPLAY_NONE_RE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?![.\d])"
)
_INVISIBLE_CHARS = "\u00ad\u200b\u2060\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS), None)
_BIG_LINE = 65535  # libxml2 caps sourceline here; treat as "unknown, later"
_WINDOW = 20_000  # how far ahead a block's text is looked for in its source
_local = threading.local()


def _parser() -> etree.HTMLParser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.HTMLParser(
            recover=True, huge_tree=True, encoding="utf-8", no_network=True, remove_pis=True
        )
        _local.parser = parser
    return parser


def normalize_space(text: str) -> str:
    """Collapse whitespace runs to one space, strip, and drop invisible format chars
    (soft hyphen, zero-width space) that would otherwise split words for the rules."""
    return " ".join(text.translate(_INVISIBLE).split())


def _is_normal(text: str) -> bool:
    """True when `normalize_space` would return `text` unchanged: the common case, and
    cheap to check because every whitespace character but " " is unprintable, and so
    are the invisible format characters."""
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


def extract(raw: RawInput) -> Document:
    """Decode a `RawInput` and extract its blocks (see `extract_text`)."""
    data = raw.data
    text, encoding, exact = decode_exact(data, raw.origin.encoding)
    origin = raw.origin
    if origin.encoding != encoding:
        origin = Origin(origin.path, origin.kind, origin.sha256, origin.fetched_at, encoding)
    if exact and encoding == "utf-8" and b"\r" not in data:
        # No CR and no NUL: the text is final, and `data` is its UTF-8 encoding.
        return _extract(text, raw.format, origin, data)
    return extract_text(text, raw.format, origin)


def extract_text(text: str, format: Format, origin: Origin) -> Document:
    """Extract blocks from already-decoded text (e.g. from an API or a test).

    Line endings are normalised to "\\n" and NUL characters removed first; the result
    is kept as `Document.source_text`, which the block lines and columns refer to.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return _extract(text, format, origin, None)


def _extract(text: str, format: Format, origin: Origin, utf8: bytes | None) -> Document:
    """`extract_text` for text without CR or NUL; `utf8` is its UTF-8 encoding, if known."""
    if format == "html":
        content = strip_template_tags(text)
        blocks, lang, title = _html_blocks(content, utf8 if content is text else None)
        return Document(origin, "html", tuple(blocks), lang, title, text)
    settings: dict = {}
    warnings: list[str] = []
    if format == "markdown":
        settings, warnings = front_matter_settings(text)
        content = strip_template_tags(text)
        if origin.path.lower().endswith(".mdx"):
            content = strip_mdx(content)
        blocks = _drop_repeated_meta([*front_matter_blocks(text), *_markdown_blocks(content)])
    else:
        blocks = _text_blocks(text)
    title = next((b.text for b in blocks if b.kind == "heading"), "")
    return Document(
        origin, format, tuple(blocks), None, title, text, tuple(settings.items()), tuple(warnings)
    )


# --------------------------------------------------------------------------- HTML


_PLAIN_PREFIX_RE = re.compile(r"[A-Za-z0-9]{3,20}")


def find_prefix(source: str, text: str, lo: int, hi: int) -> int:
    """Where `text` seems to start in `source[lo:hi]`, or -1: its first 20 characters,
    else its first word, else its leading ASCII letters/digits (entities and inline tags
    in the source break longer probes), the short probes within 2,000 characters."""
    pos = source.find(text[:20], lo, hi)
    if pos >= 0:
        return pos
    near = min(hi, lo + 2000)
    word = text.split(" ", 1)[0][:20]
    pos = source.find(word, lo, near)
    if pos < 0 and (plain := _PLAIN_PREFIX_RE.match(text)) and plain.group() != word:
        pos = source.find(plain.group(), lo, near)
    return pos


def line_starts(source: str) -> list[int]:
    """Offsets where each line of `source` starts; the last source's are kept (per
    thread), as segmentation needs them again for the document just extracted."""
    cached = getattr(_local, "line_starts", None)
    if cached is not None and cached[0] is source:
        return cached[1]
    starts = list(accumulate(map(add, map(len, source.split("\n")), repeat(1)), initial=0))
    starts.pop()  # the offset after the last line
    _local.line_starts = (source, starts)
    return starts


class _Locator:
    """Finds a block's first characters in the source to give it a line and column."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.starts = line_starts(source)
        self.lines = min(len(self.starts), _BIG_LINE)
        self.cursor = self.start = 0

    def locate(self, text: str, line: int | None, inner: bool = False) -> tuple[int, int]:
        """Line and column of `text`, looked for from its element's line onwards.

        Blocks come in document order and never overlap in the source, so the search
        starts after the previous block's text (`inner` blocks, image alt texts, lie
        inside the previous block and start from its beginning instead). libxml2 may give
        the line where a multi-line start tag ends, hence the retry from the previous
        block, and a wrong earlier match is recovered by the retry from the line start.
        """
        starts, source = self.starts, self.source
        line = line or 1
        line_start = starts[(line if line < self.lines else self.lines) - 1]
        floor = self.start if inner else self.cursor
        lo = line_start if line_start > floor else floor
        # The usual case, inlined: the first 20 characters soon after `lo`.
        pos = source.find(text[:20], lo, lo + _WINDOW)
        if pos < 0:
            pos = self._retry(text, lo, floor, line_start)
            if pos < 0:
                return min(line, _BIG_LINE), 1
        if not inner:
            self.start, self.cursor = pos, pos + len(text)
        found = bisect_right(starts, pos)
        return found, pos - starts[found - 1] + 1

    def _retry(self, text: str, first: int, floor: int, line_start: int) -> int:
        """`find_prefix` from `first`, then from `floor`, then from `line_start`."""
        source = self.source
        end = len(source)
        for lo in dict.fromkeys((first, floor, line_start)):
            pos = find_prefix(source, text, lo, min(end, lo + _WINDOW))
            if pos >= 0:
                return pos
        return -1


# A state is (region, hidden, fine_print, in_quote, marked classes, sectioned).
_State = tuple[Region, bool, bool, bool, str, bool]
_ROOT_STATE: _State = ("main", False, False, False, "", False)
# The kind of block a tag starts: its own kind, or "paragraph" for a container's text.
_RUN_KIND: dict[str, BlockKind] = dict.fromkeys(_CONTAINERS, "paragraph") | _BLOCK_KIND
_SKIP_OR_HEAD = _SKIP | {"head"}
_CLASS_RE = re.compile("|".join(_CLASS_WORDS))
_MARK_RE = re.compile("|".join(_MARK_WORDS))
_FINE_RE = re.compile("|".join(_FINE_WORDS))


class _Run:
    """The text collected for one block-level element, between its child blocks."""

    __slots__ = ("el", "fine", "has_text", "hidden", "kind", "line", "parts", "pending", "state")

    def __init__(self, el: etree._Element, kind: BlockKind, state: _State) -> None:
        self.el, self.kind, self.state = el, kind, state
        self.parts: list[str] = []
        self.pending: list[tuple[str, int | None, tuple]] = []
        self.has_text = self.hidden = self.fine = False
        self.line: int | None = None


def _child_state(
    el: etree._Element, tag: str, items: list[tuple[str, str]], states: list[_State]
) -> _State:
    """The state inside `el`: its tag and attributes (`items`) may change region,
    visibility, fine print, quoting and the testimonial/disclaimer class marks."""
    state = _tag_state(el, tag, states) if tag in _SPECIAL else states[-1]
    for key, value in items:
        if key in _STATE_ATTRS:
            state = _attr_state(key, value, state)
    return state


def _tag_state(el: etree._Element, tag: str, states: list[_State]) -> _State:
    region, hidden, fine, quote, marks, sectioned = states[-1]
    sectioned = sectioned or tag in _SECTIONING
    if tag in _TAG_REGION:
        if tag != "header" or not states[-1][5]:
            region = _TAG_REGION[tag]
    elif tag == "small":
        fine = True
    elif tag == "noscript":
        hidden = True
    elif tag == "blockquote":
        quote = True
    elif tag == "details":
        fine = fine or el.get("open") is None
    elif tag == "summary" and len(states) > 1:
        details = el.getparent()
        if details is not None and details.tag == "details" and details.get("open") is None:
            fine = states[-2][2]
    return region, hidden, fine, quote, marks, sectioned


def _attr_state(key: str, value: str, state: _State) -> _State:
    """The state after one of the element's `_STATE_ATTRS` attributes."""
    if key == "class" or key == "id":
        return _class_state(key, value.lower(), state)
    region, hidden, fine, quote, marks, sectioned = state
    if key == "style":
        hidden, fine = _style_flags(value.lower(), hidden, fine)
    elif key == "hidden" or (key == "aria-hidden" and value.strip().lower() == "true"):
        hidden = True
    elif key == "role":
        region = _ROLE_REGION.get(value.strip().lower(), region)
    return region, hidden, fine, quote, marks, sectioned


def _class_state(key: str, low: str, state: _State) -> _State:
    hinted = key == "class" and _CLASS_RE.search(low) is not None
    if not hinted and "footer" not in low:
        return state  # the usual case
    region, hidden, fine, quote, marks, sectioned = state
    if "footer" in low:
        region = "footer"
    if hinted:
        fine = fine or _FINE_RE.search(low) is not None
        if _MARK_RE.search(low):
            marks = f"{marks} {low}" if marks else low
    return region, hidden, fine, quote, marks, sectioned


def _style_flags(style: str, hidden: bool, fine: bool) -> tuple[bool, bool]:
    if _DISPLAY_NONE_RE.search(style):
        hidden = True
    match = _FONT_RE.search(style)
    if match:
        try:
            size = float(match.group(1))
        except ValueError:
            return hidden, fine
        if size == 0 or (match.group(2) == "px" and size <= 6):
            hidden = True
        elif match.group(2) == "px" and size < 11:
            fine = True
    return hidden, fine


class _HtmlWalker:
    """One pass over the lxml tree with an explicit stack (no recursion on depth)."""

    def __init__(self, source: str) -> None:
        self.blocks: list[Block] = []
        self.locator = _Locator(source)
        self.title = ""
        self.clean = not any(char in source for char in _INVISIBLE_CHARS)
        self.css_classes: dict[tuple[str | None, str], str] = {}
        self.inert: set[tuple[str, str]] = set()

    def child_state(
        self, el: etree._Element, tag: str, items: list[tuple[str, str]], states: list[_State]
    ) -> _State:
        """`_child_state`, skipping the class and id values already seen on this page to
        change nothing (most of them: page builders repeat the same classes)."""
        state = _tag_state(el, tag, states) if tag in _SPECIAL else states[-1]
        inert = self.inert
        for item in items:
            key = item[0]
            if key not in _STATE_ATTRS or item in inert:
                continue
            after = _attr_state(key, item[1], state)
            if after is state and (key == "class" or key == "id"):
                inert.add(item)  # `_class_state` returns the very state it got: no effect
            state = after
        return state

    def css(self, el: etree._Element, marks: str) -> str:
        """The block's css_class: the element's classes, then the marked ancestor ones."""
        key = (el.get("class"), marks)
        css = self.css_classes.get(key)
        if css is None:
            words = (key[0] or "").lower().split() + marks.split()
            css = self.css_classes[key] = " ".join(dict.fromkeys(words))
        return css

    def emit(
        self, text: str, kind: BlockKind, line: int | None, flags: tuple, meta: str = ""
    ) -> None:
        if not _is_normal(text):
            text = " ".join(text.split()) if self.clean else normalize_space(text)
        if not text:
            return
        hidden, region, fine, css = flags
        line, column = self.locator.locate(text, line, kind == "alt_text")
        self.blocks.append(Block(text, kind, line, column, hidden, region, fine, css, meta=meta))
        if kind == "title" and not self.title:
            self.title = text

    def flush(self, run: _Run) -> None:
        """Emit the run's text collected so far as a block, then any image alt texts."""
        if run.has_text:
            state = run.state
            kind: BlockKind = "quote" if state[3] and run.kind == "paragraph" else run.kind
            flags = (run.hidden, state[0], run.fine, self.css(run.el, state[4]))
            parts = run.parts
            self.emit(parts[0] if len(parts) == 1 else "".join(parts), kind, run.line, flags)
            run.parts.clear()
            run.has_text = False
        if run.pending:
            for alt, line, flags in run.pending:
                self.emit(alt, "alt_text", line, flags)
            run.pending.clear()

    def add(self, run: _Run, text: str, source_el: etree._Element, state: _State) -> None:
        """Append text to a run; a change of hidden/fine-print styling starts a new block."""
        if run.has_text:
            if text.isspace():
                run.parts.append(" ")
                return
            if run.hidden is state[1] and run.fine is state[2]:
                run.parts.append(text)
                return
            self.flush(run)
        elif text.isspace():
            return
        run.has_text, run.hidden, run.fine = True, state[1], state[2]
        run.line = source_el.sourceline
        run.parts.append(text)

    def walk(self, root: etree._Element) -> None:
        states: list[_State] = [_ROOT_STATE]
        runs: list[_Run] = []
        add, flush, push, pop = self.add, self.flush, states.append, states.pop
        walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
        for event, el in walker:
            if event == "start":
                tag = el.tag
                if tag in _SKIP_OR_HEAD:
                    if tag == "head":
                        self.head(el)
                    walker.skip_subtree()
                    push(states[-1])
                    continue
                items = el.items()
                if items or tag in _SPECIAL:
                    state = self.child_state(el, tag, items, states)
                else:
                    state = states[-1]
                push(state)
                kind = _RUN_KIND.get(tag)
                if kind is not None:
                    if runs and (runs[-1].has_text or runs[-1].pending):
                        flush(runs[-1])
                    run = _Run(el, kind, state)
                    runs.append(run)
                elif runs:
                    run = runs[-1]
                    if tag == "br":
                        add(run, " ", el, state)
                    elif tag == "img":
                        self.image(el, run, state)
                else:
                    continue
                text = el.text
                if text:
                    add(run, text, el, state)
            elif event == "end":
                pop()
                if runs:
                    if runs[-1].el is el:
                        run = runs.pop()
                        if run.has_text or run.pending:
                            flush(run)
                    text = el.tail
                    if text and runs:
                        add(runs[-1], text, el, states[-1])
            elif runs:
                text = el.tail
                if text:
                    add(runs[-1], text, el, states[-1])

    def head(self, head: etree._Element) -> None:
        """The `<title>` and the meta tags search results and link previews show, in source
        order; a meta text that repeats the title or an earlier one is left out."""
        seen: set[str] = set()
        titled = False
        for el in head.iter("title", "meta"):
            if el.tag == "title":
                if not titled:
                    titled = True
                    seen.add(_same_text(el.text or ""))
                    self.emit(el.text or "", "title", el.sourceline, (False, "main", False, ""))
                continue
            label = _meta_label(el)
            content = el.get("content") or ""
            key = _same_text(content)
            if label and key and key not in seen:
                seen.add(key)
                self.emit(content, "meta", el.sourceline, _META_FLAGS, label)

    def image(self, el: etree._Element, run: _Run, state: _State) -> None:
        alt = el.get("alt")
        if alt and not alt.isspace():
            flags = (state[1], state[0], state[2], self.css(el, state[4]))
            run.pending.append((alt, el.sourceline, flags))


# Meta tags whose text search engines and social sites show for the page, and the label a
# finding in them carries: `name=` or `property=` value -> label.
_META_TAGS = {
    "description": "meta description",
    "og:title": "og:title",
    "og:description": "og:description",
    "twitter:title": "twitter:title",
    "twitter:description": "twitter:description",
}
# Meta text is not hidden (search results show it); it belongs to the page head.
_META_FLAGS = (False, "header", False, "")


def _meta_label(el: etree._Element) -> str:
    """The label of a `<meta>` whose content is shown in search results, or ''."""
    key = (el.get("name") or el.get("property") or "").strip().lower()
    return _META_TAGS.get(key, "")


def _same_text(text: str) -> str:
    """Text compared for duplicates: case and whitespace ignored."""
    return " ".join(text.split()).casefold()


def _drop_repeated_meta(blocks: list[Block]) -> list[Block]:
    """Meta blocks whose text the page body also shows are left out (counted once)."""
    body = {_same_text(b.text) for b in blocks if b.kind != "meta"}
    return [b for b in blocks if b.kind != "meta" or _same_text(b.text) not in body]


_BODY_END = re.compile(rb"</(?:body|html)\s*>", re.IGNORECASE)


def _reopen_body(utf8: bytes) -> bytes:
    """libxml2 drops whatever follows `</html>`, but browsers show it as part of the body.
    When visible content follows it, blank out the `</body>` and `</html>` end tags with
    spaces (so lines and columns stay put) and let the parser close them at the end."""
    end = max(utf8.rfind(b"</html"), utf8.rfind(b"</HTML"))
    if end < 0 or not utf8[end:].partition(b">")[2].strip():
        return utf8
    return _BODY_END.sub(lambda m: b" " * len(m.group(0)), utf8)


def _parse_html(text: str, utf8: bytes | None = None) -> etree._Element | None:
    """Parse with lxml; fall back to BeautifulSoup when lxml fails, returns nothing, or
    stops at its nesting limit (2048 levels) and would silently drop the rest. `utf8` is
    the text's UTF-8 encoding when the caller already has it."""
    parser = _parser()
    if utf8 is None:
        utf8 = text.encode("utf-8", "surrogatepass")
    try:
        root = etree.fromstring(_reopen_body(utf8), parser)
    except (etree.LxmlError, ValueError, UnicodeError):
        root = None
    too_deep = any(
        "depth" in error.message
        for error in parser.error_log.filter_from_level(etree.ErrorLevels.FATAL)
    )
    if (root is None or too_deep) and "<" in text and text.strip():
        soup = _soup_tree(text)
        root = soup if soup is not None else root
    return root


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TAG_OK = re.compile(r"[a-z][a-z0-9-]*\Z")
_SOUP_DEPTH = 1000


def _soup_tree(text: str) -> etree._Element | None:
    """Fallback for markup lxml gives up on: parse with BeautifulSoup's html.parser and
    rebuild an lxml tree (iteratively, in document order, keeping source lines) for the
    same walk. Elements deeper than _SOUP_DEPTH are flattened into their ancestor there:
    their text is kept, their tags are not (lxml's ancestor checks make very deep
    building quadratic)."""
    try:
        from bs4 import BeautifulSoup, NavigableString, Tag
        from bs4.element import PreformattedString

        soup = BeautifulSoup(text, "html.parser")
    except Exception:  # the fallback must never be the thing that fails
        return None
    root = etree.Element("html")
    body = etree.SubElement(root, "body")
    stack = [(iter(soup.children), body, 0)]
    while stack:
        children, target, depth = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
        elif isinstance(child, Tag):
            if depth >= _SOUP_DEPTH:
                stack.append((iter(child.children), target, depth + 1))
                continue
            name = child.name.lower()
            sub = etree.SubElement(target, name if _TAG_OK.match(name) else "span")
            sub.sourceline = child.sourceline or 1
            for key, value in child.attrs.items():
                value = " ".join(value) if isinstance(value, list) else str(value)
                if _TAG_OK.match(key):
                    sub.set(key, _XML_BAD.sub("", value))
            stack.append((iter(child.children), sub, depth + 1))
        elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
            clean = _XML_BAD.sub("", str(child))
            if len(target):
                target[-1].tail = (target[-1].tail or "") + clean
            else:
                target.text = (target.text or "") + clean
    return root


def _html_blocks(text: str, utf8: bytes | None = None) -> tuple[list[Block], str | None, str]:
    root = _parse_html(text, utf8)
    if root is None:
        return [], None, ""
    walker = _HtmlWalker(text)
    walker.walk(root)
    lang = (root.get("lang") or root.get("xml:lang") or "").strip() or None
    return _drop_repeated_meta(walker.blocks), lang, walker.title


# ------------------------------------------------------------- Markdown and text

# A piece is verbatim source text with its line and 1-based column.
_Piece = tuple[str, int, int]
_RUN_RE = re.compile(r"\S+(?: \S+)*")


def _assemble(pieces: list[_Piece], kind: BlockKind) -> Block | None:
    """Join pieces into whitespace-normalised block text, recording an anchor for every
    run copied verbatim from the source so offsets map back to exact lines/columns."""
    out: list[str] = []
    anchors: list[tuple[int, int, int]] = []
    length, space, prev_line = 0, False, -1
    for text, line, col in pieces:
        if line != prev_line:  # a line break between pieces is a space
            space = True
        prev_line = line
        last = 0
        for m in _RUN_RE.finditer(text):
            if m.start() > last:
                space = True
            if out and space:
                out.append(" ")
                length += 1
            space = False
            anchors.append((length, line, col + m.start()))
            out.append(m.group())
            length += m.end() - m.start()
            last = m.end()
        if last < len(text):
            space = True
    if not out:
        return None
    _, line, col = anchors[0]
    return Block("".join(out), kind, line, col, anchors=tuple(anchors))


_MD_INLINE_RE = re.compile(
    r"(?P<img>!\[(?P<alt>[^\]]*)\]\([^)]*\))"
    r"|(?P<link>\[(?P<ltext>[^\]]*)\](?:\([^)]*\)|\[[^\]]*\]))"
    r"|(?P<auto><(?P<url>https?://[^>\s]+)>)"
    r"|(?P<br><br\s*/?>)"
    r"|(?P<tag></?[A-Za-z][^>]*>)"
    r"|\\(?P<esc>[!-/:-@\[-`{-~])"
    r"|(?P<ent>&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)"
    r"|\*+|~~|`+|(?<!\w)_+|_+(?!\w)"
)
"""Inline Markdown/HTML, for reference and tests: `_inline_tokens` finds the same matches
in linear time (with the regex, each of 40,000 `[` on a line searched the rest of it)."""

# (group, start, end, inner start, inner end); group None for emphasis and code marks.
_Token = tuple[str | None, int, int, int, int]
_INLINE_START = re.compile(r"!\[|[\[<\\&*~`_]")
_ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ENTITY_RE = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_RUN_END = {"*": re.compile(r"\*+"), "`": re.compile(r"`+"), "_": re.compile(r"_+")}
_WORD_CHAR = re.compile(r"\w")
_SPACES = re.compile(r"\s*")


class _Next:
    """The first match of a pattern at or after an index, remembered: a question inside
    the gap before the last answer costs nothing, so questions asked in increasing order
    scan each character once."""

    def __init__(self, text: str, pattern: str) -> None:
        self.text, self.pattern = text, re.compile(pattern)
        self.lo, self.hit = 1, 0  # no answer yet (lo > hit >= 0 never holds)

    def __call__(self, i: int) -> int:
        """Index of the first match at or after `i`, or -1."""
        if not (self.lo <= i and (self.hit < 0 or i <= self.hit)):
            m = self.pattern.search(self.text, i)
            self.lo, self.hit = i, (m.start() if m else -1)
        return self.hit


class _InlineScanner:
    """Finds `_MD_INLINE_RE`'s matches with one memo per closing character and question."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.bracket = _Next(text, r"\]")  # a link's or image's text ends
        self.ref_bracket = _Next(text, r"\]")  # a reference link's label ends
        self.paren = _Next(text, r"\)")
        self.url_end = _Next(text, r"[>\s]")
        self.tag_end = _Next(text, r">")

    def _close(self, p: int) -> int:
        """Where `[^\\]]*\\]` from `p` ends (after the bracket), or -1."""
        close = self.bracket(p)
        return close + 1 if close >= 0 else -1

    def image(self, p: int) -> _Token | None:
        text = self.text
        if not text.startswith("![", p) or (after := self._close(p + 2)) < 0:
            return None
        if not text.startswith("(", after) or (paren := self.paren(after + 1)) < 0:
            return None
        return "img", p, paren + 1, p + 2, after - 1

    def link(self, p: int) -> _Token | None:
        text = self.text
        if (after := self._close(p + 1)) < 0:
            return None
        if text.startswith("(", after):
            end = self.paren(after + 1)
        elif text.startswith("[", after):
            end = self.ref_bracket(after + 1)
        else:
            return None
        return ("link", p, end + 1, p + 1, after - 1) if end >= 0 else None

    def angle(self, p: int) -> _Token | None:
        """An autolink, a `<br>` or an HTML tag at `p` (tried in that order)."""
        text = self.text
        for scheme in ("<https://", "<http://"):
            if text.startswith(scheme, p):
                url = p + 1
                stop = self.url_end(p + len(scheme))
                if stop > p + len(scheme) and text[stop] == ">":
                    return "auto", p, stop + 1, url, stop
                break
        if text.startswith("<br", p):
            q = _SPACES.match(text, p + 3).end()
            q += text.startswith("/", q)
            if text.startswith(">", q):
                return "br", p, q + 1, p, q + 1
        q = p + 1 + text.startswith("/", p + 1)
        if q < len(text) and text[q].isascii() and text[q].isalpha():
            close = self.tag_end(q + 1)
            if close >= 0:
                return "tag", p, close + 1, p, close + 1
        return None

    def underscores(self, p: int) -> tuple[_Token | None, int]:
        """`(?<!\\w)_+|_+(?!\\w)` at `p`, and where to look next when it fails."""
        text = self.text
        end = _RUN_END["_"].match(text, p).end()
        before_ok = p == 0 or not _WORD_CHAR.match(text[p - 1])
        if before_ok or end == len(text) or not _WORD_CHAR.match(text[end]):
            return (None, p, end, p, end), end
        return None, end  # no match starts anywhere in the rest of this run

    def token(self, p: int) -> tuple[_Token | None, int]:
        """The match at `p` (a candidate position) and where to look next if there is none."""
        text = self.text
        char = text[p]
        if char == "!":
            return self.image(p), p + 1
        if char == "[":
            return self.link(p), p + 1
        if char == "<":
            return self.angle(p), p + 1
        if char == "\\":
            ok = p + 1 < len(text) and text[p + 1] in _ESCAPABLE
            return ("esc", p, p + 2, p + 1, p + 2) if ok else None, p + 1
        if char == "&":
            m = _ENTITY_RE.match(text, p)
            return ("ent", p, m.end(), p, m.end()) if m else None, p + 1
        if char == "~":
            ok = text.startswith("~~", p)
            return (None, p, p + 2, p, p + 2) if ok else None, p + 1
        if char == "_":
            return self.underscores(p)
        end = _RUN_END[char].match(text, p).end()  # * and `
        return (None, p, end, p, end), end


def _inline_tokens(text: str) -> Iterator[_Token]:
    """The matches `_MD_INLINE_RE.finditer(text)` gives, in linear time."""
    scanner = _InlineScanner(text)
    pos = 0
    while (candidate := _INLINE_START.search(text, pos)) is not None:
        token, pos = scanner.token(candidate.start())
        if token is not None:
            yield token
            pos = token[2]


def _inline(text: str, line: int, col: int, alts: list[_Piece]) -> list[_Piece]:
    """Strip inline Markdown/HTML from one line's content, keeping source columns."""
    pieces: list[_Piece] = []
    last = 0
    for group, start, end, inner, inner_end in _inline_tokens(text):
        if start > last:
            pieces.append((text[last:start], line, col + last))
        last = end
        if group == "img":
            if text[inner:inner_end].strip():
                alts.append((text[inner:inner_end], line, col + inner))
        elif group == "link":
            pieces.extend(_inline(text[inner:inner_end], line, col + inner, alts))
        elif group in ("auto", "esc"):
            pieces.append((text[inner:inner_end], line, col + inner))
        elif group == "br":
            pieces.append((" ", line, col + start))
        elif group == "ent":
            pieces.append((htmllib.unescape(text[start:end]), line, col + start))
    if last < len(text):
        pieces.append((text[last:], line, col + last))
    return pieces


_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})")
_ATX_RE = re.compile(r" {0,3}#{1,6}(?:[ \t]+|$)")
_ATX_CLOSE_RE = re.compile(r"[ \t]+#+[ \t]*$")
_SETEXT_RE = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
_HR_RE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_MD_ITEM_RE = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
_QUOTE_RE = re.compile(r" {0,3}(?:>[ \t]?)+")
_LINKDEF_RE = re.compile(r" {0,3}\[[^\]]+\]:\s*\S")
_TABLE_SEP_RE = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_CELL_RE = re.compile(r"(?:\\\||[^|])+")


def _comment_spans(text: str) -> Iterator[tuple[int, int]]:
    """The spans `_COMMENT_RE.finditer` gives, in linear time: once a `<!--` has no `-->`
    after it, no later one has (with the regex, 40,000 of them took 2.2 s)."""
    pos = 0
    while (start := text.find("<!--", pos)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            return
        yield start, end + 3
        pos = end + 3


def _mask_comments(text: str) -> str:
    """Blank out HTML comments but keep every newline, so positions stay exact."""
    out: list[str] = []
    last = 0
    for start, end in _comment_spans(text):
        out += (text[last:start], re.sub(r"[^\n]", " ", text[start:end]))
        last = end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _front_matter_end(lines: list[str]) -> int:
    if lines and lines[0].rstrip() == "---":
        for index in range(1, len(lines)):
            if lines[index].rstrip() in ("---", "..."):
                return index + 1
    return 0


# Front-matter keys whose text a site shows in search results and link previews.
_FRONT_MATTER_KEYS = ("title", "description", "summary", "excerpt")
_FRONT_KEY_RE = re.compile(r"(?P<key>[A-Za-z_]+)[ \t]*:[ \t]*(?P<value>.*?)[ \t]*$")
_BLOCK_SCALAR_RE = re.compile(r"[|>][+-]?\d?")


def _front_value(lines: list[str], index: int, value: str, col: int) -> list[_Piece]:
    """The pieces of one top-level front-matter value: a plain or quoted scalar on the
    key's line, or a `|` / `>` block scalar on the indented lines below it."""
    if _BLOCK_SCALAR_RE.fullmatch(value) or not value:
        pieces = []
        for j in range(index + 1, len(lines)):
            line = lines[j]
            if line.strip() and not line[:1].isspace():
                break
            indent = len(line) - len(line.lstrip())
            pieces.append((line.strip(), j + 1, indent + 1))
        return pieces
    if value[:1] in "'\"" and value[-1:] == value[:1] and len(value) > 1:
        return [(value[1:-1], index + 1, col + 1)]
    return [(value.split(" #", 1)[0], index + 1, col)]


def front_matter_blocks(text: str) -> list[Block]:
    """A Markdown page's front-matter `title`, `description`, `summary` and `excerpt` as
    `meta` blocks, each located at its value (what search results and link previews show
    is checked like the body)."""
    lines = text.split("\n")
    end = _front_matter_end(lines)
    blocks: list[Block] = []
    seen: set[str] = set()
    for index in range(1, max(end - 1, 1)):
        m = _FRONT_KEY_RE.match(lines[index])
        if not m or m.group("key").lower() not in _FRONT_MATTER_KEYS:
            continue
        pieces = _front_value(lines, index, m.group("value"), m.start("value") + 1)
        block = _assemble(pieces, "meta") if pieces else None
        if block is None or _same_text(block.text) in seen:
            continue
        seen.add(_same_text(block.text))
        label = f"front matter {m.group('key').lower()}"
        blocks.append(
            Block(
                block.text,
                "meta",
                block.line,
                block.column,
                region="header",
                anchors=block.anchors,
                meta=label,
            )
        )
    return blocks


class _BlockBuilder:
    """Collects the current block's pieces and the image alt texts met inside it."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.kind: BlockKind | None = None
        self.pieces: list[_Piece] = []
        self.alts: list[_Piece] = []

    def open(self, kind: BlockKind) -> None:
        self.close()
        self.kind = kind

    def close(self) -> None:
        if self.kind is not None:
            block = _assemble(self.pieces, self.kind)
            if block is not None:
                self.blocks.append(block)
        for alt in self.alts:
            block = _assemble([alt], "alt_text")
            if block is not None:
                self.blocks.append(block)
        self.kind, self.pieces, self.alts = None, [], []

    def add_markdown(self, text: str, line: int, start: int) -> None:
        self.pieces.extend(_inline(text[start:], line, start + 1, self.alts))


def _is_table_row(lines: list[str], index: int, in_table: bool) -> bool:
    line = lines[index]
    if "|" not in line:
        return False
    if line.lstrip().startswith("|") or in_table:
        return True
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return "|" in following and bool(_TABLE_SEP_RE.match(following))


def _markdown_blocks(text: str) -> list[Block]:
    lines = _mask_comments(text).split("\n")
    build = _BlockBuilder()
    fence: str | None = None
    in_table = False
    for index in range(_front_matter_end(lines), len(lines)):
        raw, number = lines[index], index + 1
        if fence is not None:
            if raw.strip().startswith(fence):
                fence = None
            continue
        fence_match = _FENCE_RE.match(raw)
        if fence_match:
            build.close()
            fence = fence_match.group(1)
            continue
        if not raw.strip():
            build.close()
            in_table = False
            continue
        row = _is_table_row(lines, index, in_table)
        in_table = row
        if _ATX_RE.match(raw):
            build.open("heading")
            content = _ATX_CLOSE_RE.sub("", raw)
            build.add_markdown(content, number, _ATX_RE.match(raw).end())
            build.close()
        elif build.kind == "paragraph" and _SETEXT_RE.match(raw):
            build.kind = "heading"
            build.close()
        elif _HR_RE.match(raw) or _LINKDEF_RE.match(raw):
            build.close()
        elif row:
            build.close()
            if _TABLE_SEP_RE.match(raw):
                continue
            for cell in _CELL_RE.finditer(raw):
                build.open("table_cell")
                build.pieces = _inline(cell.group(), number, cell.start() + 1, build.alts)
                build.close()
        elif item := _MD_ITEM_RE.match(raw):
            build.open("list_item")
            build.add_markdown(raw, number, item.end())
        elif quote := _QUOTE_RE.match(raw):
            if build.kind != "quote":
                build.open("quote")
            build.add_markdown(raw, number, quote.end())
        else:
            if build.kind is None:
                build.open("paragraph")
            build.add_markdown(raw, number, len(raw) - len(raw.lstrip()))
    build.close()
    return build.blocks


_TEXT_ITEM_RE = re.compile(r"[ \t]*(?:[-*•·‣▪◦]|\d{1,3}[.)])[ \t]+")


def _is_text_heading(line: str, following: str) -> bool:
    stripped = line.strip()
    if len(stripped) >= 90 or stripped[-1] in ".!?:;,…" or _TEXT_ITEM_RE.match(line):
        return False
    return not following.strip() or not following.lstrip()[:1].islower()


def _one_paragraph_per_line(lines: list[str]) -> bool:
    """Is this text laid out one paragraph per line (copied from a browser or a CMS), not
    hard-wrapped at a fixed width? Wrapped prose never has a line of 150+ characters."""
    return any(len(line) > 150 and line.count(" ") >= 10 for line in lines)


def _text_blocks(text: str) -> list[Block]:
    """Blocks of plain text: blank lines separate paragraphs; a short line without final
    punctuation before a capitalised line is a heading; bullets and numbers are items.
    When the text keeps one paragraph per line, every line is a block of its own unless
    the next line carries on in lower case, so headings are not glued to paragraphs."""
    lines = text.split("\n")
    per_line = _one_paragraph_per_line(lines)
    build = _BlockBuilder()
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    for index, raw in enumerate(lines):
        if not raw.strip():
            build.close()
            continue
        number = index + 1
        following = lines[index + 1] if index + 1 < len(lines) else ""
        starts_block = build.kind is None
        indent = len(raw) - len(raw.lstrip())
        if item := _TEXT_ITEM_RE.match(raw):
            build.open("list_item")
            build.pieces.append((raw[item.end() :], number, item.end() + 1))
        elif (
            starts_block
            and _is_text_heading(raw, following)
            and (per_line or index == first or not following.strip())
        ):
            build.open("heading")
            build.pieces.append((raw[indent:], number, indent + 1))
            build.close()
            continue
        else:
            if starts_block:
                build.open("paragraph")
            build.pieces.append((raw[indent:], number, indent + 1))
        if per_line and not following.lstrip()[:1].islower():
            build.close()
    build.close()
    return build.blocks
