"""Find rule triggers and intervention / condition mentions in a document's sentences.

Patterns run sentence by sentence, each only where the RE2 pre-filter (prefilter.py) says it
may match, with a timeout. Patterns of both languages run on every sentence: pages mix
English and Spanish, and each language's words rarely occur in the other.
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import regex

from claimcheck.lexicon.types import FLAGS, Lexicon, Modifier, Pattern, Rule, Term
from claimcheck.model import Match, Mention, Sentence
from claimcheck.prefilter import PatternSet


class PatternTimeout(Exception):
    """A pattern exceeded its time budget on one document."""

    def __init__(self, pattern_id: str, why: str = "timed out") -> None:
        super().__init__(f"pattern {pattern_id} {why}")
        self.pattern_id = pattern_id


@dataclass(frozen=True, slots=True)
class PageBudget:
    """The time one page may spend matching patterns, shared by all of its calls.

    Passed wherever a `timeout=` float was: the `regex` module reads the value with
    `float()` at every call, so each call gets at most `per_call` seconds and never more
    than what is left of the page's budget (0 once it is spent: the next call times out at
    once). A per-call timeout alone let a runaway pattern cost it on every sentence.
    """

    deadline: float
    per_call: float

    @classmethod
    def start(cls, seconds: float, per_call: float) -> PageBudget:
        """A budget of `seconds` from now."""
        return cls(time.monotonic() + seconds, per_call)

    def __float__(self) -> float:
        left = self.deadline - time.monotonic()
        return min(self.per_call, left) if left > 0 else 0.0

    @property
    def spent(self) -> bool:
        """True once the page's time is up."""
        return time.monotonic() >= self.deadline


Timeout = float | PageBudget
"""A per-call timeout in seconds, or a page's budget (see `PageBudget`)."""


def timed_out(pattern_id: str, timeout: Timeout) -> PatternTimeout:
    """The error for a pattern that hit its timeout, saying when the page's budget ran out."""
    if isinstance(timeout, PageBudget) and timeout.spent:
        return PatternTimeout(pattern_id, "ran when the page's time budget was spent")
    return PatternTimeout(pattern_id)


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """A lexicon pattern with its compiled regex, owner (rule code or term id) and pre-filter id."""

    owner: str
    pattern: Pattern
    compiled: regex.Pattern[str]
    set_id: int | None = None


@dataclass(frozen=True, slots=True)
class CompiledModifier:
    """A context modifier with its compiled regex and pre-filter id."""

    modifier: Modifier
    compiled: regex.Pattern[str]
    set_id: int | None = None


class SentenceIndex:
    """Maps offsets in the document text to the sentence that contains them."""

    def __init__(self, sentences: Sequence[Sentence]) -> None:
        self.sentences = sentences
        self._starts = [s.start for s in sentences]

    def locate(self, start: int, end: int) -> int | None:
        """Index of the sentence containing [start, end), or None if it spans a boundary."""
        i = bisect.bisect_right(self._starts, start) - 1
        if i < 0:
            return None
        s = self.sentences[i]
        return i if start >= s.start and end <= s.end else None


class Candidates:
    """Which patterns may match in which sentence: one pre-filter pass per sentence.

    (Filtering whole blocks instead was tried: fewer RE2 calls, but coarser candidates
    made the exact matching that follows twice as slow.)
    """

    def __init__(self, sentences: Sequence[Sentence], patterns: PatternSet) -> None:
        self._all = range(len(sentences))
        match = patterns.match
        self._per_sentence: list[Sequence[int]] = [match(s.text) for s in sentences]
        self._by_pattern: dict[int, list[int]] = defaultdict(list)
        by_pattern = self._by_pattern
        for i, ids in enumerate(self._per_sentence):
            for pid in ids:
                by_pattern[pid].append(i)

    def sentences(self, cp: CompiledPattern | CompiledModifier) -> Sequence[int]:
        """Indexes of the sentences where the pattern may match."""
        if cp.set_id is None:
            return self._all
        return self._by_pattern.get(cp.set_id, ())

    def possible(self, cp: CompiledPattern | CompiledModifier, i: int) -> bool:
        """May the pattern match in sentence i?"""
        return cp.set_id is None or cp.set_id in self._per_sentence[i]

    def ids(self, i: int) -> Sequence[int]:
        """Pre-filter ids of the patterns that may match in sentence i."""
        return self._per_sentence[i]


def iter_hits(
    compiled: Sequence[CompiledPattern],
    sentences: Sequence[Sentence],
    candidates: Candidates,
    timeout: Timeout,
) -> Iterator[tuple[CompiledPattern, int, regex.Match[str]]]:
    """Yield (pattern, sentence index, match within the sentence) for every hit."""
    for cp in compiled:
        try:
            for i in candidates.sentences(cp):
                for m in cp.compiled.finditer(sentences[i].text, timeout=timeout):
                    if m.end() > m.start():
                        yield cp, i, m
        except TimeoutError:
            raise timed_out(cp.pattern.id, timeout) from None


def first_match(
    patterns: Sequence[CompiledPattern],
    sentences: Sequence[Sentence],
    candidates: Candidates,
    timeout: Timeout,
    *,
    visible: bool = True,
) -> regex.Match[str] | None:
    """The first hit of any of the patterns in a (visible) sentence, in pattern order.

    Page-level questions ('is a permit number shown anywhere?') are answered sentence by
    sentence, so the pre-filter applies and no match ever spans two sentences.
    """
    for cp in patterns:
        for i in candidates.sentences(cp):
            if visible and sentences[i].hidden:
                continue
            m = cp.compiled.search(sentences[i].text, timeout=timeout)
            if m:
                return m
    return None


def find_matches(
    rule: Rule,
    compiled: Sequence[CompiledPattern],
    sentences: Sequence[Sentence],
    candidates: Candidates,
    timeout: Timeout,
) -> list[Match]:
    """All hits of one rule's patterns, with offsets relative to their sentence."""
    out = []
    for cp, i, m in iter_hits(compiled, sentences, candidates, timeout):
        out.append(
            Match(
                rule=rule.code,
                pattern_id=cp.pattern.id,
                sentence_index=i,
                start=m.start(),
                end=m.end(),
                text=m.group(0),
                strength=cp.pattern.strength or rule.strength,
            )
        )
    return out


def find_mentions(
    terms: Sequence[tuple[str, tuple[CompiledPattern, ...]]],
    kind: str,
    sentences: Sequence[Sentence],
    candidates: Candidates,
    timeout: Timeout,
) -> list[Mention]:
    """Every intervention or condition named in the document, most specific term first.

    When two terms match overlapping text (e.g. 'stem cells' inside 'umbilical cord stem
    cells'), only the longer mention is kept.
    """
    found: list[Mention] = []
    for term_id, compiled in terms:
        for _cp, i, m in iter_hits(compiled, sentences, candidates, timeout):
            found.append(Mention(term_id, kind, i, m.start(), m.end(), m.group(0)))  # type: ignore[arg-type]
    found.sort(key=lambda m: (m.sentence_index, m.start, -(m.end - m.start)))
    kept: list[Mention] = []
    for mention in found:
        last = kept[-1] if kept else None
        if last and last.sentence_index == mention.sentence_index and mention.start < last.end:
            continue
        kept.append(mention)
    return kept


def _pattern_groups(rule: Rule) -> list[str]:
    return [
        name
        for name, value in rule.params.items()
        if isinstance(value, list) and value and isinstance(value[0], dict) and "regex" in value[0]
    ]


class CompiledLexicon:
    """A lexicon with every pattern compiled, registered in the pre-filter, and its lookups
    prepared. Built once per run (or per worker process)."""

    def __init__(self, lexicon: Lexicon, *, prefilter: bool = True) -> None:
        self.lexicon = lexicon
        self.patterns = PatternSet(enabled=prefilter)
        self.rule_patterns = {r.code: self._compile(r.code, r.patterns) for r in lexicon.rules}
        self._groups = {
            (r.code, name): self._compile(r.code, r.pattern_group(name))
            for r in lexicon.rules
            for name in _pattern_groups(r)
        }
        self.interventions = [
            (t.id, self._compile(t.id, t.patterns)) for t in lexicon.interventions
        ]
        self.conditions = [(t.id, self._compile(t.id, t.patterns)) for t in lexicon.conditions]
        self.anaphora = self._compile("anaphor", lexicon.anaphora)
        self.profile_cues = {
            p.code: (self._compile(p.code, p.strong_cues), self._compile(p.code, p.weak_cues))
            for p in lexicon.profiles
        }
        self.page_cues = {k: self._compile(k, v) for k, v in lexicon.page_cues.items()}
        self.modifiers = tuple(
            CompiledModifier(m, regex.compile(m.regex, FLAGS), self.patterns.add(m.regex))
            for m in lexicon.modifiers
        )
        self.patterns.compile()
        self.terms: dict[str, Term] = {
            t.id: t for t in (*lexicon.interventions, *lexicon.conditions)
        }
        self.evidence = {(e.intervention, e.condition): e for e in lexicon.evidence}
        self.profiles = {p.code: p for p in lexicon.profiles}

    def _compile(self, owner: str, patterns: Sequence[Pattern]) -> tuple[CompiledPattern, ...]:
        return tuple(
            CompiledPattern(owner, p, p.compiled(), self.patterns.add(p.regex)) for p in patterns
        )

    def group(self, rule: Rule, name: str) -> tuple[CompiledPattern, ...]:
        """A rule's named pattern group from params (e.g. 'satisfied_by'), compiled at load."""
        return self._groups.get((rule.code, name), ())

    def ancestors(self, term_id: str | None) -> list[str]:
        """The term and its parents, most specific first."""
        chain: list[str] = []
        while term_id and term_id not in chain:
            chain.append(term_id)
            term = self.terms.get(term_id)
            term_id = term.parent if term else None
        return chain
