"""Page facts: what the page is about, whether it sells treatment, and which jurisdictions apply.

Each decision keeps its reasons so the report can say why a page was judged commercial or
Mexican, and each can be forced by configuration.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import regex

from claimcheck.match import (
    Candidates,
    CompiledLexicon,
    CompiledPattern,
    SentenceIndex,
    find_mentions,
    first_match,
)
from claimcheck.model import Document, Mention, Sentence

COMMERCIAL_GROUPS = ("price", "booking", "provider")
REFERENCE_HEADING = regex.compile(
    r"^(sources|references|bibliography|further reading|works cited|referencias|fuentes|"
    r"bibliograf[ií]a)\b",
    regex.IGNORECASE,
)
HEADING_WEIGHT = 3


@dataclass(frozen=True, slots=True)
class PageFacts:
    """Page-level conclusions with the evidence for each."""

    page_type: str
    page_type_reasons: tuple[str, ...]
    jurisdictions: tuple[str, ...]
    jurisdiction_reasons: tuple[str, ...]
    main_intervention: str | None
    main_condition: str | None


@dataclass(frozen=True, slots=True)
class Page:
    """A document ready for analysis: sentences, their text and the terms they mention."""

    doc: Document
    sentences: Sequence[Sentence]
    text: str
    index: SentenceIndex
    candidates: Candidates
    mentions: dict[int, list[Mention]] = field(default_factory=dict)
    facts: PageFacts | None = None
    references: frozenset[int] = frozenset()
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def visible(self) -> list[int]:
        """Indexes of sentences a visitor can see."""
        return [i for i, s in enumerate(self.sentences) if not s.hidden]


def collect_mentions(
    lex: CompiledLexicon, sentences: Sequence[Sentence], candidates: Candidates, timeout: float
) -> dict[int, list[Mention]]:
    """Interventions, conditions and anaphora ('our treatment') per sentence index."""
    by_sentence: dict[int, list[Mention]] = defaultdict(list)
    found = [
        *find_mentions(lex.interventions, "intervention", sentences, candidates, timeout),
        *find_mentions(lex.conditions, "condition", sentences, candidates, timeout),
        *find_mentions([("anaphor", lex.anaphora)], "anaphor", sentences, candidates, timeout),
    ]
    for mention in found:
        by_sentence[mention.sentence_index].append(mention)
    return dict(by_sentence)


def reference_blocks(doc: Document) -> frozenset[int]:
    """Blocks in a 'Sources' / 'References' section: citations, not claims."""
    out: set[int] = set()
    inside = False
    for i, block in enumerate(doc.blocks):
        heading = block.kind in ("heading", "title") or len(block.text) < 40
        if heading and block.kind != "list_item":
            inside = bool(REFERENCE_HEADING.match(block.text))
            if inside:
                continue
        if inside:
            out.add(i)
    return frozenset(out)


def _main_term(page: Page, kind: str, lex: CompiledLexicon) -> str | None:
    counts: Counter[str] = Counter()
    for i, mentions in page.mentions.items():
        weight = HEADING_WEIGHT if page.sentences[i].kind in ("title", "heading") else 1
        for m in mentions:
            term = lex.terms.get(m.term)
            if m.kind == kind and term and term.kind not in ("standard_care",):
                counts[m.term] += weight
    if not counts:
        return None
    # Most mentioned; on a tie the more specific term (longer ancestor chain) wins.
    return max(counts, key=lambda t: (counts[t], len(lex.ancestors(t))))


def _first(patterns: Sequence[CompiledPattern], page: Page, timeout: float) -> str | None:
    m = first_match(patterns, page.sentences, page.candidates, timeout)
    return m.group(0).strip() if m else None


def _cue_hits(lex: CompiledLexicon, group: str, page: Page, timeout: float) -> list[str]:
    hits = []
    for cp in lex.page_cues.get(group, ()):
        found = _first([cp], page, timeout)
        if found:
            hits.append(f"{group}: '{found}'")
    return hits


def detect_page_type(
    lex: CompiledLexicon, page: Page, timeout: float
) -> tuple[str, tuple[str, ...]]:
    """'commercial' when cues from two commercial groups (price, booking, provider) appear."""
    reasons: list[str] = []
    groups = 0
    for group in COMMERCIAL_GROUPS:
        hits = _cue_hits(lex, group, page, timeout)
        groups += bool(hits)
        reasons.extend(hits[:1])
    if groups >= 2:
        return "commercial", tuple(reasons)
    editorial = _cue_hits(lex, "editorial", page, timeout)
    if editorial or groups == 0:
        return "editorial", tuple(editorial or ["no offer, price or booking cues"])
    return "editorial", tuple([*reasons, "only one kind of commercial cue"])


def detect_jurisdictions(
    lex: CompiledLexicon, page: Page, timeout: float
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Jurisdictions whose profile cues appear (in a visible sentence or the page's path or
    URL): one strong cue, or two different weak cues; `es-MX` counts as a strong cue."""
    found: list[str] = []
    reasons: list[str] = []
    doc = page.doc
    lang = (doc.lang or "").lower()

    def hit(cp: CompiledPattern) -> bool:
        return bool(cp.compiled.search(doc.path, timeout=timeout) or _first([cp], page, timeout))

    for code, (strong, weak) in lex.profile_cues.items():
        strong_hits = [cp for cp in strong if hit(cp)]
        weak_hits = [cp for cp in weak if hit(cp)]
        lang_hit = code == "mx" and lang.endswith("-mx")
        if lang_hit:
            reasons.append(f"mx: page language {doc.lang}")
        if lang_hit or strong_hits or len(weak_hits) >= 2:
            found.append(code)
            reasons.extend(f"{code}: {cp.pattern.id}" for cp in (strong_hits + weak_hits)[:3])
    return tuple(found), tuple(dict.fromkeys(reasons))


def page_facts(
    page: Page,
    lex: CompiledLexicon,
    *,
    page_type: str | None,
    jurisdictions: Sequence[str] | None,
    timeout: float,
) -> PageFacts:
    """Decide page type, jurisdictions and main topic, honouring forced values."""
    if page_type:
        ptype, preasons = page_type, ("set by configuration",)
    else:
        ptype, preasons = detect_page_type(lex, page, timeout)
    if jurisdictions is not None:
        juris = tuple(j for j in jurisdictions if j != "none")
        jreasons: tuple[str, ...] = ("set by configuration",)
    else:
        juris, jreasons = detect_jurisdictions(lex, page, timeout)
    return PageFacts(
        page_type=ptype,
        page_type_reasons=preasons,
        jurisdictions=juris,
        jurisdiction_reasons=jreasons,
        main_intervention=_main_term(page, "intervention", lex),
        main_condition=_main_term(page, "condition", lex),
    )
