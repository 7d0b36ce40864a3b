"""Blocks to Sentences, in English and Spanish, with offsets and source positions.

A sentence never crosses a block. Offsets (`start`/`end`) index `document_text(doc)`;
`line`/`column` point into the source: exactly for Markdown and plain text (via the
block's anchors), best effort for HTML (the sentence's first characters are looked for
in the source after the block's own position).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import repeat

from claimcheck.extract import find_prefix, line_starts
from claimcheck.model import Block, Document, Sentence

MAX_SENTENCE = 1000
"""No sentence is longer than this many characters; longer runs are cut."""

# A terminator run (. ! ? … and closing quotes/brackets) followed by whitespace. The
# look-behind lets a match start only where a run starts: a run not followed by whitespace
# fails once, not once per character (50,000 dots took 37 s without it).
_CANDIDATE_RE = re.compile(r"(?<![.!?…])[.!?…]+[\"'”’»)\]]*(\s+)")
_OPENERS = "\"'“‘«(¿¡["


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


_ABBREVIATIONS = _words(
    """dr. dra. dres. mr. mrs. ms. sr. sra. srta. sres. lic. lcda. lcdo. ing. prof. mtro.
    mtra. gral. approx. aprox. vs. etc. e.g. i.e. u.s. ee.uu. fig. figs. st. inc. ltd. s.a.
    c.v. s.c. jr. ph.d. m.d. céd. ced. tel. av. ave. blvd. col. c.p. min. máx. mín. max.
    p.ej. ej. a.m. p.m. dept. depto. art. cap. pág. pp. vol. ed. edo. cía. co. corp.
    mg. ml. aprox. cf. al. sig. nº. núm. num. no."""
)
_NUMBER_ABBREVIATIONS = _words("no. núm. num. nº. pp. pág.")
_ACRONYM_RE = re.compile(r"(?:[^\W\d_]\.){2,}")
_LIST_NUMBER_RE = re.compile(r"\(?\d{1,3}\.")
_WORD_RE = re.compile(r"[^\W\d_]+")

_ES_WORDS = _words(
    """de la el que los las para con por una un del y en es se su sus al lo como más pero
    sin sobre este esta estos estas son tratamiento tratamientos células madre también puede
    pueden pacientes paciente nuestro nuestra nuestros usted ya muy hasta desde entre cuando
    donde sí años salud médico clínica está están ser fue hay porque"""
)
_EN_WORDS = _words(
    """the and of to is for with your are this that our can you be by it or not have from
    an in on at we will treatment treatments cells patients patient has was were been
    their they which who what when how about more may into these those its than"""
)
_ACCENTED_RE = re.compile("[áéíóúñ¿¡]")
# Function words weigh 1 (Spanish) or _EN (English), so one sum counts both.
_EN = 1 << 40
_WEIGHTS = dict.fromkeys(_ES_WORDS, 1) | dict.fromkeys(_EN_WORDS, _EN)
_LATIN1_WEIGHTS = {word.encode("latin-1"): weight for word, weight in _WEIGHTS.items()}


def _latin1_tables() -> tuple[bytes, bytes]:
    """For Latin-1 bytes: a translation to the lowercase letter or a space (so `split()`
    gives the `_WORD_RE` words of the lowercased text), and the bytes that are not an
    accented letter, ¿ or ¡ once lowercased (to delete before counting those)."""
    words, other = bytearray(), bytearray()
    for code in range(256):
        low = chr(code).lower()
        words.append(ord(low) if _WORD_RE.fullmatch(low) else 0x20)
        if not _ACCENTED_RE.fullmatch(low):
            other.append(code)
    return bytes(words), bytes(other)


_LATIN1_WORDS, _NOT_ACCENTED = _latin1_tables()


def document_text(document: Document) -> str:
    """The extracted text that sentence offsets refer to: block texts joined by "\\n\\n"."""
    return "\n\n".join(block.text for block in document.blocks)


def _lang_scores(text: str) -> tuple[int, int]:
    """Count Spanish and English function words; accented letters, ¿ and ¡ count as Spanish."""
    try:
        data = text.encode("latin-1")  # nearly always: bytes make the counting cheap
    except UnicodeEncodeError:
        lower = text.lower()
        words = _WORD_RE.findall(lower)
        es = sum(map(_ES_WORDS.__contains__, words)) + len(_ACCENTED_RE.findall(lower))
        return es, sum(map(_EN_WORDS.__contains__, words))
    total = sum(map(_LATIN1_WEIGHTS.get, data.translate(_LATIN1_WORDS).split(), repeat(0)))
    accents = 0 if text.isascii() else len(data.translate(None, _NOT_ACCENTED))
    return total % _EN + accents, total // _EN


def guess_lang(text: str, default: str = "en") -> str:
    """Guess "es" or "en" from function words and accents; `default` on a tie.

    Cheap on purpose: it runs on every sentence, and the rules only need to know
    which of the two lexicons to use.
    """
    es, en = _lang_scores(text[:20_000])
    if es == en:
        return default
    return "es" if es > en else "en"


def _is_boundary(text: str, dot: int, after: int, sentence_start: int) -> bool:
    """Decide whether the terminator run starting at `dot` ends a sentence; the next
    sentence would start at `after`."""
    if after >= len(text):
        return False
    nxt = text[after]
    if not (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
        return False
    if text[dot] != "." or text.startswith("..", dot):
        return True  # ! ? … and "..." always end a sentence before a capital
    word_start = text.rfind(" ", sentence_start, dot) + 1
    if word_start < sentence_start:
        word_start = sentence_start
    token = text[word_start : dot + 1].lstrip(_OPENERS)
    lower = token.lower()
    if lower in _NUMBER_ABBREVIATIONS:
        return not nxt.isdigit()
    if lower in _ABBREVIATIONS or (token.count(".") > 1 and _ACRONYM_RE.fullmatch(token)):
        return False
    if len(token) == 2 and token[0].isupper():
        return False  # an initial: "J. Smith"
    return not (word_start == sentence_start and _LIST_NUMBER_RE.fullmatch(token))


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a span longer than MAX_SENTENCE at "; ", else ", ", else a space, else hard."""
    spans: list[tuple[int, int]] = []
    while end - start > MAX_SENTENCE:
        limit = start + MAX_SENTENCE
        cut = limit
        for sep in ("; ", ", ", " "):
            found = text.rfind(sep, start + MAX_SENTENCE // 2, limit)
            if found >= 0:
                cut = found + (0 if sep == " " else 1)  # keep ";" or "," on the left
                break
        spans.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        spans.append((start, end))
    return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans `(start, end)` in one block's text, stripped of outer whitespace."""
    spans: list[tuple[int, int]] = []
    start = len(text) - len(text.lstrip())
    for match in _CANDIDATE_RE.finditer(text):
        after = match.end()
        if _is_boundary(text, match.start(), after, start):
            spans.append((start, match.start(1)))
            start = after
    end = len(text.rstrip())
    if end > start:
        spans.append((start, end))
    if len(text) <= MAX_SENTENCE or all(end - start <= MAX_SENTENCE for start, end in spans):
        return spans
    return [cut for begin, finish in spans for cut in _cut_long(text, begin, finish)]


class _SourceMap:
    """Source positions for offsets inside blocks; line starts are computed once."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.starts = line_starts(source)

    def offset(self, line: int, column: int) -> int:
        line = min(max(line, 1), len(self.starts))
        return self.starts[line - 1] + max(column, 1) - 1

    def window_end(self, line: int) -> int:
        """Where the search for text near `line` stops: 200 lines further on."""
        end_line = min(line + 200, len(self.starts))
        return self.starts[end_line] if end_line < len(self.starts) else len(self.source)


def _anchored(block: Block, keys: list[int], offset: int) -> tuple[int, int]:
    index = max(bisect_right(keys, offset) - 1, 0)
    base, line, column = block.anchors[index]
    return line, column + max(offset - base, 0)


def _positions(
    block: Block, spans: list[tuple[int, int]], pieces: list[str], source: _SourceMap | None
) -> list[tuple[int, int]]:
    """Source line and column of each sentence span of `block` (`pieces` are their texts)."""
    if block.anchors:
        keys = [anchor[0] for anchor in block.anchors]
        return [_anchored(block, keys, start) for start, _ in spans]
    first = (block.line, block.column)
    if len(spans) == 1 or source is None:
        return [first] * len(spans)
    # The source is never shorter than the text it renders, so a sentence starts at
    # least `start` characters after its block (or, once one is found, after the
    # previous sentence plus the text between them); it is looked for within 200 lines
    # and 50,000 characters.
    positions = [first]
    text, starts = source.source, source.starts
    floor = source.offset(block.line, block.column)
    window_end = source.window_end(block.line)
    for index in range(1, len(spans)):
        start = spans[index][0]
        lo = floor + start
        found = find_prefix(text, pieces[index], lo, min(window_end, lo + 50_000))
        if found >= 0:
            floor = found - start
            line = bisect_right(starts, found)
            positions.append((line, found - starts[line - 1] + 1))
        else:
            positions.append(first)
    return positions


def _sentence_lang(piece: str, default: str) -> str:
    """The sentence's own language with four function words of evidence, else `default`."""
    es, en = _lang_scores(piece)
    if es + en >= 4 and es != en:
        return "es" if es > en else "en"
    return default


def _block_sentences(
    block: Block,
    index: int,
    base: int,
    spans: list[tuple[int, int]],
    source: _SourceMap | None,
    default: str,
) -> list[Sentence]:
    """The sentences of one block, whose text starts at `base` in the document text."""
    text = block.text
    pieces = [text[start:end] for start, end in spans]
    positions = _positions(block, spans, pieces, source)
    hidden, region, kind = block.hidden, block.region, block.kind
    sentences = []
    for (start, end), piece, (line, column) in zip(spans, pieces, positions, strict=True):
        lang = _sentence_lang(piece, default)
        sentences.append(
            Sentence(
                piece, index, base + start, base + end, line, column, lang, hidden, region, kind
            )
        )
    return sentences


def segment(document: Document) -> list[Sentence]:
    """Split every block of `document` into sentences with offsets, positions and language.

    Each sentence copies `hidden`, `region` and `kind` from its block. Its language is
    its own guess when it has at least four function words of evidence, else the
    document's (`<html lang>` when it says "en" or "es", else a guess over the text).
    """
    text_lang = (document.lang or "").split("-")[0].lower()
    if text_lang not in ("en", "es"):
        text_lang = guess_lang(" ".join(b.text for b in document.blocks[:400]))
    source = _SourceMap(document.source_text) if document.source_text else None
    sentences: list[Sentence] = []
    base = 0
    for index, block in enumerate(document.blocks):
        text = block.text
        if _one_sentence(block):  # the usual case (menus, headings, cells): no splitting
            lang = _sentence_lang(text, text_lang)
            end = base + len(text)
            hidden, region, kind = block.hidden, block.region, block.kind
            sentences.append(
                Sentence(
                    text, index, base, end, block.line, block.column, lang, hidden, region, kind
                )
            )
        else:
            spans = split_sentences(text)
            if spans:
                sentences += _block_sentences(block, index, base, spans, source, text_lang)
        base += len(text) + 2
    return sentences


def _one_sentence(block: Block) -> bool:
    """True when `split_sentences` would give the block's whole text as one sentence at
    the block's own position: no outer whitespace, no boundary candidate, not too long."""
    text = block.text
    return (
        not block.anchors
        and 0 < len(text) <= MAX_SENTENCE
        and not text[0].isspace()
        and not text[-1].isspace()
        and _CANDIDATE_RE.search(text) is None
    )
