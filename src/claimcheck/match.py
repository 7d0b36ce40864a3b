"""Find rule triggers and intervention / condition mentions in a document's sentences.

Each pattern runs once over the whole document text (not once per sentence), with a
timeout, and its hits are mapped back to sentences by offset. Patterns of both languages run
on every sentence: pages mix English and Spanish, and each language's words rarely occur
in the other.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import regex

from claimcheck.lexicon.types import Lexicon, Pattern, Rule, Term
from claimcheck.model import Match, Mention, Sentence


class PatternTimeout(Exception):
    """A pattern exceeded its time budget on one document."""

    def __init__(self, pattern_id: str) -> None:
        super().__init__(f"pattern {pattern_id} timed out")
        self.pattern_id = pattern_id


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """A lexicon pattern with its compiled regex and owner (rule code or term id)."""

    owner: str
    pattern: Pattern
    compiled: regex.Pattern[str]


def compile_patterns(owner: str, patterns: Sequence[Pattern]) -> tuple[CompiledPattern, ...]:
    """Compile a rule's or a term's patterns once."""
    return tuple(CompiledPattern(owner, p, p.compiled()) for p in patterns)


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


def iter_hits(
    compiled: Sequence[CompiledPattern], text: str, index: SentenceIndex, timeout: float
) -> Iterator[tuple[CompiledPattern, int, regex.Match[str]]]:
    """Yield (pattern, sentence index, match) for every hit inside a single sentence."""
    for cp in compiled:
        try:
            for m in cp.compiled.finditer(text, timeout=timeout):
                if m.end() == m.start():
                    continue
                i = index.locate(m.start(), m.end())
                if i is not None:
                    yield cp, i, m
        except TimeoutError:
            raise PatternTimeout(cp.pattern.id) from None


def find_matches(
    rule: Rule,
    compiled: Sequence[CompiledPattern],
    text: str,
    index: SentenceIndex,
    timeout: float,
) -> list[Match]:
    """All hits of one rule's patterns, with offsets relative to their sentence."""
    out = []
    for cp, i, m in iter_hits(compiled, text, index, timeout):
        base = index.sentences[i].start
        out.append(
            Match(
                rule=rule.code,
                pattern_id=cp.pattern.id,
                sentence_index=i,
                start=m.start() - base,
                end=m.end() - base,
                text=m.group(0),
                strength=cp.pattern.strength or rule.strength,
            )
        )
    return out


def find_mentions(
    terms: Sequence[tuple[str, tuple[CompiledPattern, ...]]],
    kind: str,
    text: str,
    index: SentenceIndex,
    timeout: float,
) -> list[Mention]:
    """Every intervention or condition named in the document, most specific term first.

    When two terms match overlapping text (e.g. 'stem cells' inside 'umbilical cord stem
    cells'), only the longer mention is kept.
    """
    found: list[Mention] = []
    for term_id, compiled in terms:
        for _cp, i, m in iter_hits(compiled, text, index, timeout):
            base = index.sentences[i].start
            found.append(Mention(term_id, kind, i, m.start() - base, m.end() - base, m.group(0)))  # type: ignore[arg-type]
    found.sort(key=lambda m: (m.sentence_index, m.start, -(m.end - m.start)))
    kept: list[Mention] = []
    for mention in found:
        last = kept[-1] if kept else None
        if last and last.sentence_index == mention.sentence_index and mention.start < last.end:
            continue
        kept.append(mention)
    return kept


class CompiledLexicon:
    """A lexicon with every pattern compiled and its lookups prepared, built once per run."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.rule_patterns = {r.code: compile_patterns(r.code, r.patterns) for r in lexicon.rules}
        self.interventions = [
            (t.id, compile_patterns(t.id, t.patterns)) for t in lexicon.interventions
        ]
        self.conditions = [(t.id, compile_patterns(t.id, t.patterns)) for t in lexicon.conditions]
        self.anaphora = compile_patterns("anaphor", lexicon.anaphora)
        self.terms: dict[str, Term] = {
            t.id: t for t in (*lexicon.interventions, *lexicon.conditions)
        }
        self.evidence = {(e.intervention, e.condition): e for e in lexicon.evidence}
        self.profiles = {p.code: p for p in lexicon.profiles}
        self.profile_cues = {
            p.code: (compile_patterns(p.code, p.strong_cues), compile_patterns(p.code, p.weak_cues))
            for p in lexicon.profiles
        }
        self.page_cues = {k: compile_patterns(k, v) for k, v in lexicon.page_cues.items()}
        self._groups: dict[tuple[str, str], tuple[CompiledPattern, ...]] = {}

    def group(self, rule: Rule, name: str) -> tuple[CompiledPattern, ...]:
        """A rule's named pattern group from params (e.g. 'satisfied_by'), compiled once."""
        key = (rule.code, name)
        if key not in self._groups:
            self._groups[key] = compile_patterns(rule.code, rule.pattern_group(name))
        return self._groups[key]

    def ancestors(self, term_id: str | None) -> list[str]:
        """The term and its parents, most specific first."""
        chain: list[str] = []
        while term_id and term_id not in chain:
            chain.append(term_id)
            term = self.terms.get(term_id)
            term_id = term.parent if term else None
        return chain
