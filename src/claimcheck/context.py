"""ConText-style context decisions: is a claim trigger asserted, or negated, attributed,
questioned, hypothetical, quoted or about animals? Modifiers are data (lexicons/context/).

A modifier covers the triggers within `max_scope` words after it (forward), before it
(backward) or both, unless a TERMINATE phrase or clause punctuation stands between them.
PSEUDO phrases ("not only", "no more") cancel the modifiers they overlap. Modifiers that
overlap the trigger itself are ignored ("no side effects" is a trigger, not a negation),
except NAMED ones: a name that contains the trigger ("Cure Parkinson's", "Fundación Cura")
names an organisation, it does not claim a cure.

Who is speaking: REPORTED modifiers ("said", "according to", "aseguró") mark a claim
reported from someone else. On a news or regulator page that is not the page's own claim;
on a seller's page it is the seller's own voice (its doctor, its patients), so the caller
turns REPORTED off there (`reported=False`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import regex

from claimcheck.lexicon.types import Modifier
from claimcheck.match import Candidates, CompiledModifier
from claimcheck.model import ContextDecision

# Priority when several modifiers cover one trigger: the first listed wins.
SUPPRESSING = ("NEGATED", "ATTRIBUTED", "REPORTED", "QUESTION", "HYPOTHETICAL", "NONHUMAN")
STATUS = {
    "NEGATED": "negated",
    "ATTRIBUTED": "attributed",
    "REPORTED": "attributed",
    "QUESTION": "question",
    "HYPOTHETICAL": "hypothetical",
    "NONHUMAN": "nonhuman",
}
_WORD = regex.compile(r"\w+")
_CLAUSE_BREAK = regex.compile(r"[;:—–()]|\s-\s")
_QUOTES = regex.compile(r"[\"“”«»]|(?<!\w)'|'(?!\w)")
QUOTE_SHARE = 0.6
# Triggers that are negative phrases themselves ("no side effects", "sin riesgos").
_NEGATIVE_START = regex.compile(r"(no|not|without|zero|never|sin|ya no|nunca)\b", regex.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Context:
    """The decision for one trigger, and whether a hedge lowered its strength."""

    decision: ContextDecision
    hedged: bool = False
    hedge: str | None = None


_ASIDE = regex.compile(r"\([^()]{0,120}\)")


def _without_asides(text: str, start: int, end: int) -> str:
    """text[start:end] with whole parenthetical asides blanked out: '(ALS, or Lou Gehrig's
    disease)' expands a name inside its clause, it neither ends the clause nor counts
    towards a modifier's scope."""
    return _ASIDE.sub(lambda m: " " * len(m.group()), text[start:end])


def _words_between(text: str, start: int, end: int) -> int:
    return len(_WORD.findall(_without_asides(text, start, end))) if end > start else 0


def _blocked(text: str, start: int, end: int, terminators: Sequence[tuple[int, int]]) -> bool:
    if end <= start:
        return False
    if _CLAUSE_BREAK.search(_without_asides(text, start, end)):
        return True
    return any(start <= ts and te <= end for ts, te in terminators)


def _in_scope(text: str, hit: tuple[int, int], mod: Modifier, trig: tuple[int, int], terms) -> bool:
    ms, me = hit
    ts, te = trig
    forward = mod.direction in ("forward", "bidirectional") and me <= ts
    backward = mod.direction in ("backward", "bidirectional") and ms >= te
    if forward:
        return _words_between(text, me, ts) <= mod.max_scope and not _blocked(text, me, ts, terms)
    if backward:
        return _words_between(text, te, ms) <= mod.max_scope and not _blocked(text, te, ms, terms)
    return False


def inside_quotes(text: str, start: int, end: int, whole_quote: bool) -> bool:
    """Is text[start:end] between a pair of quotation marks (and, unless `whole_quote`,
    is the quotation shorter than most of the text)?"""
    marks = [m.start() for m in _QUOTES.finditer(text)]
    for a, b in zip(marks[::2], marks[1::2], strict=False):
        if a < start and end <= b:
            return whole_quote or (b - a) < QUOTE_SHARE * len(text.strip())
    return False


_OPENING = frozenset("“«")
_CLOSING = frozenset("”»")
_QUOTE_OR_BLOCK = regex.compile(r'[“«”»"]|\n\n')


def quoted_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The (start, end) spans of `text` inside quotations, found in one pass. News quotes
    run over several sentences ('“The cells rebuild the joint. They work.” he said'), so
    a sentence-level pair check misses all but the last. Curly and angle quotes open and
    close; straight double quotes toggle; a blank line (a new block) ends any quotation."""
    spans = []
    depth, straight, opened = 0, False, -1
    for m in _QUOTE_OR_BLOCK.finditer(text):
        ch, inside = m.group(), depth > 0 or straight
        if ch == "\n\n":
            depth, straight = 0, False
        elif ch in _OPENING:
            depth += 1
        elif ch in _CLOSING:
            depth = max(0, depth - 1)
        else:
            straight = not straight
        now = depth > 0 or straight
        if now and not inside:
            opened = m.end()
        elif inside and not now:
            spans.append((opened, m.start()))
    if depth > 0 or straight:
        spans.append((opened, len(text)))
    return tuple(spans)


def in_open_quote(spans: Sequence[tuple[int, int]], position: int) -> bool:
    """Is `position` inside one of the `quoted_spans`?"""
    k = bisect_right(spans, (position, float("inf"))) - 1
    return k >= 0 and spans[k][0] <= position < spans[k][1]


def _question(text: str, start: int) -> bool:
    stripped = text.rstrip()
    if stripped.endswith("?"):
        return True
    opening = text.rfind("¿", 0, start)
    return opening != -1 and text.find("?", start) != -1


@dataclass(frozen=True, slots=True)
class SentenceScan:
    """Every modifier hit in one sentence, found once and reused for each of its triggers."""

    text: str
    hits: tuple[tuple[Modifier, tuple[int, int], str], ...]
    pseudo: tuple[tuple[int, int], ...]
    terminators: tuple[tuple[int, int], ...]


def scan(text: str, modifiers: Sequence[CompiledModifier], timeout: float = 1.0) -> SentenceScan:
    """Find the modifiers, pseudo-modifiers and terminators of a sentence."""
    hits, pseudo, terminators = [], [], []
    for cm in modifiers:
        for m in cm.compiled.finditer(text, timeout=timeout):
            span = (m.start(), m.end())
            if cm.modifier.category == "PSEUDO":
                pseudo.append(span)
            elif cm.modifier.category == "TERMINATE":
                terminators.append(span)
            else:
                hits.append((cm.modifier, span, m.group(0)))
    return SentenceScan(text, tuple(hits), tuple(pseudo), tuple(terminators))


def _named(sentence: SentenceScan, start: int, end: int) -> Context | None:
    """A NAMED modifier (an organisation's name) that contains the trigger, as a decision."""
    for mod, span, phrase in sentence.hits:
        if mod.category == "NAMED" and span[0] <= start and end <= span[1]:
            return Context(ContextDecision("attributed", phrase, mod.id))
    return None


def decide_scanned(
    sentence: SentenceScan,
    start: int,
    end: int,
    *,
    whole_quote: bool = False,
    reported: bool = True,
) -> Context:
    """Decide how the trigger at text[start:end] is used, from a sentence scan.

    A quoted phrase inside a sentence is a quotation. A sentence quoted as a whole is
    one only when `whole_quote` is set (editorial pages): on a clinic page it is usually a
    testimonial the clinic publishes as its own claim. REPORTED modifiers count only when
    `reported` is set (not on a seller's own page).
    """
    text = sentence.text
    named = _named(sentence, start, end)
    if named is not None:
        return named
    found: dict[str, tuple[Modifier, str]] = {}
    negative_trigger = bool(_NEGATIVE_START.match(text, start))
    for mod, span, phrase in sentence.hits:
        if mod.category == "NAMED" or (mod.category == "REPORTED" and not reported):
            continue
        if span[0] < end and start < span[1]:
            continue  # part of the trigger itself
        if any(p0 <= span[0] and span[1] <= p1 for p0, p1 in sentence.pseudo):
            continue
        if negative_trigger and mod.category == "NEGATED" and span[1] <= start:
            continue  # "no rejection and no risk": the first 'no' does not negate 'no risk'
        if mod.category not in found and _in_scope(
            text, span, mod, (start, end), sentence.terminators
        ):
            found[mod.category] = (mod, phrase)
    for category in SUPPRESSING:
        if category in found:
            mod, phrase = found[category]
            return Context(ContextDecision(STATUS[category], phrase, mod.id))  # type: ignore[arg-type]
        if category == "QUESTION" and _question(text, start):
            return Context(ContextDecision("question", "?", "question-mark"))
    if inside_quotes(text, start, end, whole_quote):
        return Context(ContextDecision("quoted", "quotation marks", "quotes"))
    if "HEDGED" in found:
        mod, phrase = found["HEDGED"]
        return Context(ContextDecision(), hedged=True, hedge=phrase)
    return Context(ContextDecision())


def decide(
    text: str,
    start: int,
    end: int,
    modifiers: Sequence[CompiledModifier],
    timeout: float = 1.0,
    *,
    whole_quote: bool = False,
    reported: bool = True,
) -> Context:
    """Decide how the trigger at text[start:end] is used in its sentence (scans it first)."""
    return decide_scanned(
        scan(text, modifiers, timeout), start, end, whole_quote=whole_quote, reported=reported
    )


class _Plan:
    """How to pick a sentence's possible modifiers from its pre-filter ids: for each id, the
    modifier's position in the list (to keep the list order), and which always run."""

    def __init__(self, modifiers: Sequence[CompiledModifier]) -> None:
        self.modifiers = modifiers
        self.position = {m.set_id: n for n, m in enumerate(modifiers) if m.set_id is not None}
        self.always = [n for n, m in enumerate(modifiers) if m.set_id is None]
        nonhuman = [m for m in modifiers if m.modifier.category == "NONHUMAN"]
        self.nonhuman_ids = frozenset(m.set_id for m in nonhuman)
        self.nonhuman_always = any(m.set_id is None for m in nonhuman)


_PLANS: dict[int, _Plan] = {}


def _plan(modifiers: Sequence[CompiledModifier]) -> _Plan:
    """The plan for a modifier list, built once per list (one per compiled lexicon)."""
    plan = _PLANS.get(id(modifiers))
    if plan is None or plan.modifiers is not modifiers:
        if len(_PLANS) > 32:
            _PLANS.clear()
        plan = _PLANS[id(modifiers)] = _Plan(modifiers)
    return plan


class ScanCache:
    """Sentence scans for one page, keyed by sentence index; only the modifiers the
    pre-filter lets through run on a sentence."""

    def __init__(
        self, modifiers: Sequence[CompiledModifier], timeout: float, candidates: Candidates
    ) -> None:
        self.modifiers = modifiers
        self.timeout = timeout
        self.candidates = candidates
        self._scans: dict[int, SentenceScan] = {}
        self._plan = _plan(modifiers)

    def get(self, index: int, text: str) -> SentenceScan:
        """The scan of sentence `index` (whose text is `text`), made on first use."""
        found = self._scans.get(index)
        if found is None:
            found = self._scans[index] = scan(text, self._possible(index), self.timeout)
        return found

    def _possible(self, index: int) -> list[CompiledModifier]:
        """The modifiers the pre-filter lets through for a sentence, in list order."""
        plan = self._plan
        position = plan.position
        chosen = [position[i] for i in self.candidates.ids(index) if i in position]
        if plan.always:
            chosen += plan.always
        chosen.sort()
        modifiers = self.modifiers
        return [modifiers[n] for n in chosen]

    def nonhuman(self, index: int, text: str) -> str | None:
        """The sentence's animal / laboratory qualifier, if any (scans only when possible)."""
        plan = self._plan
        if not plan.nonhuman_always and plan.nonhuman_ids.isdisjoint(self.candidates.ids(index)):
            return None
        return has_category(self.get(index, text), "NONHUMAN")


def has_category(sentence: SentenceScan, category: str) -> str | None:
    """The first phrase of a modifier category in a scanned sentence (e.g. NONHUMAN), or None."""
    for mod, _span, phrase in sentence.hits:
        if mod.category == category:
            return phrase
    return None
