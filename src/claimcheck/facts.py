"""Page facts: what the page is about, whose voice it is in (commercial, editorial or
unknown), which jurisdictions apply and which countries it shows.

Each decision keeps its reasons so the report can say why a page was judged commercial or
Mexican, and each can be forced by configuration.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import regex

from claimcheck.context import inside_quotes
from claimcheck.match import (
    Candidates,
    CompiledLexicon,
    CompiledPattern,
    SentenceIndex,
    find_mentions,
    first_match,
)
from claimcheck.model import Document, Finding, Mention, Sentence

EDITORIAL_PREFIX = "editorial"
COUNTRY_PREFIX = "country-"
# Cue groups written in the seller's first person: inside quotation marks they are someone
# else's words.
FIRST_PERSON_GROUPS = ("provider", "patient_story")
CUE_CAP = 2  # a cue counts at most this many times on a page
MIN_SENTENCES = 3  # a text shorter than this with no cue is 'unknown'
MIN_TREATMENT_SENTENCES = 2
# Below this editorial score (one weak cue such as a date or a reference list) a page
# without seller cues is judged by its content, as a page without cues.
EDITORIAL_MIN = 1.0
REASONS_PER_SIDE = 3
# Profile cues that say whom a page addresses or which regulator it names, not where it is.
AUDIENCE_CUES = frozenset({"us-patients", "usd", "fda", "insurance"})
# Weak profile cues that still place a page in the country on their own (a US city or
# state is weak for the rules of a Mexican clinic that names its US patients' home towns,
# but it does say where a page is).
PLACE_CUES = frozenset({"us-cities", "us-states"})
WEAK_COUNTRY_CUE = 0.5
COUNTRY_MIN = 1.0
REFERENCE_HEADING = regex.compile(
    r"^(sources|references|bibliography|further reading|works cited|referencias|fuentes|"
    r"bibliograf[ií]a)\b",
    regex.IGNORECASE,
)
HEADING_WEIGHT = 3
MAIN_SHARE = 0.5  # the share of condition mentions the page's main condition must hold


@dataclass(frozen=True, slots=True)
class PageFacts:
    """Page-level conclusions with the evidence for each."""

    page_type: str
    page_type_reasons: tuple[str, ...]
    jurisdictions: tuple[str, ...]
    jurisdiction_reasons: tuple[str, ...]
    main_intervention: str | None
    main_condition: str | None
    countries: tuple[str, ...] = ()
    country_reasons: tuple[str, ...] = ()


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
    lang: str = "en"  # the language findings are written in (i18n.output_lang)
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
    """The page's main intervention or condition: the most mentioned (headings count more).

    A condition must hold at least MAIN_SHARE of the condition mentions; otherwise the
    narrowest group holding that share ('orthopedic' for knees, discs and tendons), and on
    a page that lists unrelated conditions, none: its messages then say 'this condition'.
    """
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
    best = max(counts, key=lambda t: (counts[t], len(lex.ancestors(t))))
    if kind != "condition" or counts[best] >= MAIN_SHARE * counts.total():
        return best
    return _main_group(counts, lex)


def _main_group(counts: Counter[str], lex: CompiledLexicon) -> str | None:
    """The narrowest condition group holding MAIN_SHARE of the mentions, or None."""
    groups: Counter[str] = Counter()
    for term, n in counts.items():
        for ancestor in lex.ancestors(term):
            groups[ancestor] += n
    held = [g for g, n in groups.items() if n >= MAIN_SHARE * counts.total()]
    if not held:
        return None
    return max(held, key=lambda g: (len(lex.ancestors(g)), groups[g]))


def _first(patterns: Sequence[CompiledPattern], page: Page, timeout: float) -> str | None:
    m = first_match(patterns, page.sentences, page.candidates, timeout)
    return m.group(0).strip() if m else None


@dataclass(frozen=True, slots=True)
class CueHit:
    """One page cue found on a page: its group, pattern, weight and first match."""

    group: str
    pattern_id: str
    weight: float
    count: int
    example: str

    @property
    def score(self) -> float:
        """The cue's weight times how often it was seen (at most CUE_CAP times)."""
        return self.weight * min(self.count, CUE_CAP)

    def reason(self) -> str:
        """'provider: 'our clinic' (x2)' for the report."""
        times = f" (x{self.count})" if self.count > 1 else ""
        return f"{self.group}: '{self.example}'{times}"


def _cue_matches(cp: CompiledPattern, page: Page, group: str, timeout: float) -> list[str]:
    """The text of the pattern's first hit in each visible sentence where it matches; for
    first-person seller cues, hits inside quotation marks (a story quoting a clinic) are
    left out."""
    found = []
    for i in page.candidates.sentences(cp):
        sentence = page.sentences[i]
        if sentence.hidden:
            continue
        for m in cp.compiled.finditer(sentence.text, timeout=timeout):
            quoted = group in FIRST_PERSON_GROUPS and inside_quotes(
                sentence.text, m.start(), m.end(), True
            )
            if not quoted:
                found.append(m.group(0).strip())
                break
    return found


def cue_hits(
    lex: CompiledLexicon, page: Page, timeout: float, groups: Sequence[str]
) -> list[CueHit]:
    """Every cue of the named groups seen on the page, strongest first."""
    hits = []
    for group in groups:
        for cp in lex.page_cues.get(group, ()):
            found = _cue_matches(cp, page, group, timeout)
            if found:
                hits.append(
                    CueHit(group, cp.pattern.id, cp.pattern.confidence, len(found), found[0])
                )
    return sorted(hits, key=lambda h: -h.score)


def _page_type_groups(lex: CompiledLexicon) -> tuple[list[str], list[str]]:
    """The seller's cue groups and the editorial ones (country cues are neither)."""
    names = [g for g in lex.page_cues if not g.startswith(COUNTRY_PREFIX)]
    editorial = [g for g in names if g.startswith(EDITORIAL_PREFIX)]
    return [g for g in names if g not in editorial], editorial


def _treatment_sentences(lex: CompiledLexicon, page: Page) -> int:
    """How many visible sentences name a treatment that is not standard care."""
    count = 0
    for i, mentions in page.mentions.items():
        if page.sentences[i].hidden:
            continue
        for m in mentions:
            term = lex.terms.get(m.term)
            if m.kind == "intervention" and term is not None and term.kind != "standard_care":
                count += 1
                break
    return count


def _without_cues(lex: CompiledLexicon, page: Page) -> tuple[str, tuple[str, ...]]:
    """Page type when neither side shows a (real) cue: 'unknown' when too short to tell,
    'commercial' when it presents a treatment, else 'editorial'."""
    visible = len(page.visible())
    if visible < MIN_SENTENCES:
        return "unknown", (f"too short to tell: {visible} sentence(s), no seller or editorial cue",)
    treated = _treatment_sentences(lex, page)
    if treated >= MIN_TREATMENT_SENTENCES:
        return "commercial", (
            f"no seller or editorial cue; {treated} sentences present a treatment in the "
            "page's own voice (a clinic's treatment page, FAQ or blog is its advertising)",
        )
    return "editorial", ("no seller or editorial cue, and no treatment presented",)


def detect_page_type(
    lex: CompiledLexicon, page: Page, timeout: float
) -> tuple[str, tuple[str, ...]]:
    """Whose voice the page is in: weighted seller cues (first-person offer, treatment-page
    structure, booking, contact, prices, patient stories) against weighted editorial cues
    (byline, photo credits, reported speech, regulators, a critical stance, sources). The
    higher score wins, a tie goes to editorial; with no seller cue and less than
    EDITORIAL_MIN of editorial ones, see `_without_cues`."""
    seller_groups, editorial_groups = _page_type_groups(lex)
    seller = cue_hits(lex, page, timeout, seller_groups)
    editorial = cue_hits(lex, page, timeout, editorial_groups)
    s_score = sum(h.score for h in seller)
    e_score = sum(h.score for h in editorial)
    summary = f"seller cues {s_score:g} vs editorial cues {e_score:g}"
    if s_score <= e_score < EDITORIAL_MIN:
        # No seller cue and only a faint editorial one (a date, a reference list): clinic
        # pages cite studies and date their posts too, so the page's content decides.
        ptype, why = _without_cues(lex, page)
        return ptype, (*why, summary, *(h.reason() for h in editorial[:REASONS_PER_SIDE]))
    verdict = "commercial" if s_score > e_score else "editorial"
    top = seller if verdict == "commercial" else editorial
    other = editorial if verdict == "commercial" else seller
    reasons = [summary, *(h.reason() for h in top[:REASONS_PER_SIDE])]
    reasons += [f"against: {h.reason()}" for h in other[:1]]
    return verdict, tuple(reasons)


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


def _country_cues(lex: CompiledLexicon) -> dict[str, list[tuple[CompiledPattern, float]]]:
    """Each country's cues with their weights: a profile's strong cues weigh 1 and its weak
    ones 0.5 (audience and regulator cues left out), `country-xx` groups their confidence."""
    out: dict[str, list[tuple[CompiledPattern, float]]] = {}
    for code, (strong, weak) in lex.profile_cues.items():
        out[code] = [
            *((cp, 1.0) for cp in strong if cp.pattern.id not in AUDIENCE_CUES),
            *(
                (cp, 1.0 if cp.pattern.id in PLACE_CUES else WEAK_COUNTRY_CUE)
                for cp in weak
                if cp.pattern.id not in AUDIENCE_CUES
            ),
        ]
    for group, patterns in lex.page_cues.items():
        if group.startswith(COUNTRY_PREFIX):
            code = group[len(COUNTRY_PREFIX) :]
            out.setdefault(code, []).extend((cp, cp.pattern.confidence) for cp in patterns)
    return out


def _country_hits(
    cues: Sequence[tuple[CompiledPattern, float]], code: str, page: Page, timeout: float
) -> list[CueHit]:
    """The cues of one country seen in the page's visible text or its path or URL."""
    hits = []
    for cp, weight in cues:
        found = _cue_matches(cp, page, code, timeout)
        in_path = cp.compiled.search(page.doc.path, timeout=timeout)
        if in_path:
            found.insert(0, in_path.group(0))
        if found:
            hits.append(CueHit(code, cp.pattern.id, weight, len(found), found[0]))
    return hits


def detect_countries(
    lex: CompiledLexicon, page: Page, timeout: float
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Countries the page shows (ISO 3166 codes, most evident first): cities, states,
    phone prefixes, currencies, address forms, country domains and national regulators,
    weighted; a country is named when its cues weigh at least COUNTRY_MIN. Unlike
    jurisdictions, 'US patients' or prices in USD say who a page addresses, not where it
    is, and do not name a country."""
    lang = (page.doc.lang or "").lower()
    scored: list[tuple[float, str, list[CueHit]]] = []
    for code, cues in _country_cues(lex).items():
        hits = _country_hits(cues, code, page, timeout)
        total = sum(h.score for h in hits)
        if lang.endswith(f"-{code}"):
            total += 1.0
            hits.insert(0, CueHit(code, "page-language", 1.0, 1, page.doc.lang or ""))
        if total >= COUNTRY_MIN:
            scored.append((total, code, sorted(hits, key=lambda h: -h.score)))
    scored.sort(key=lambda t: (-t[0], t[1]))
    reasons = [
        f"{code} ({total:g}): " + ", ".join(f"{h.pattern_id} '{h.example}'" for h in hits[:3])
        for total, code, hits in scored
    ]
    return tuple(code for _, code, _ in scored), tuple(reasons)


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
    countries, creasons = detect_countries(lex, page, timeout)
    return PageFacts(
        page_type=ptype,
        page_type_reasons=preasons,
        jurisdictions=juris,
        jurisdiction_reasons=jreasons,
        countries=countries,
        country_reasons=creasons,
        main_intervention=_main_term(page, "intervention", lex),
        main_condition=_main_term(page, "condition", lex),
    )


def label_meta(findings: list[Finding], page: Page) -> list[Finding]:
    """Findings on a `meta` block (meta description, Open Graph, front-matter title) carry
    the block's label, so the report says the text comes from what search results show."""
    labels = {
        i: page.doc.blocks[s.block_index].meta
        for i, s in enumerate(page.sentences)
        if s.kind == "meta"
    }
    if not labels:
        return findings
    out = []
    for f in findings:
        i = page.index.locate(f.start, max(f.end, f.start)) if f.scope == "sentence" else None
        out.append(replace(f, meta=labels[i]) if i in labels else f)
    return out
