"""Intervention x condition -> evidence level with citation, and the claims it allows.

The table is `lexicons/evidence.yaml`; docs/evidence.md explains the lookup order and how
a row says which claims its evidence supports (`allows`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import regex

from claimcheck.i18n import tr
from claimcheck.lexicon.types import (
    ALLOWED_STRENGTH,
    ANY_CONDITION,
    EvidenceRow,
    Pattern,
    strength_rank,
)
from claimcheck.match import CompiledLexicon
from claimcheck.model import Evidence

LEVEL_TEXT = {
    "approved": "it is approved only within its label",
    "approved_conditional": "it has only conditional, time-limited approval",
    "phase3": "it is being tested in late-stage trials",
    "phase1_2": "small early-phase trials suggest it may help some patients",
    "preclinical": "it has only been tested in animals or the laboratory",
    "none": "there is no meaningful clinical evidence",
    "disproven": "trials did not show a benefit",
    "harmful": "it has been linked to serious harm",
}
NO_CONDITION = "this condition"


def _specific_row(
    lex: CompiledLexicon, intervention: str | None, condition: str | None
) -> EvidenceRow | None:
    """The row for the pair, walking the intervention's and the condition's parents."""
    conditions = lex.ancestors(condition)
    for inter in lex.ancestors(intervention):
        for cond in conditions:
            row = lex.evidence.get((inter, cond))
            if row:
                return row
    return None


def _assumed_row(lex: CompiledLexicon, intervention: str | None) -> EvidenceRow | None:
    """The row marked `assumed` for the intervention or a parent (insulin -> diabetes)."""
    for inter in lex.ancestors(intervention):
        for (row_inter, _), row in lex.evidence.items():
            if row_inter == inter and row.assumed:
                return row
    return None


def find_row(
    lex: CompiledLexicon, intervention: str | None, condition: str | None
) -> EvidenceRow | None:
    """The evidence row that decides a pair (lookup steps 1-3 of lexicons/evidence.yaml).

    'uc_msc' x 't2d' looks for uc_msc, msc, stem_cells against t2d, then diabetes; with no
    condition, the intervention's assumed row; then the `*` row of the intervention or a
    parent ('no cell product is approved for this condition').
    """
    row = _specific_row(lex, intervention, condition)
    if row is None and condition is None:
        row = _assumed_row(lex, intervention)
    if row is None:
        row = next(
            (
                lex.evidence[(inter, ANY_CONDITION)]
                for inter in lex.ancestors(intervention)
                if (inter, ANY_CONDITION) in lex.evidence
            ),
            None,
        )
    return row


def condition_label(lex: CompiledLexicon, condition: str | None, lang: str = "en") -> str:
    """The condition's label in a language, or a neutral phrase when none is known."""
    term = lex.terms.get(condition or "")
    if term:
        return term.label_for(lang)
    return "esta enfermedad" if lang == "es" else NO_CONDITION


def resolve(
    lex: CompiledLexicon, intervention: str | None, condition: str | None
) -> tuple[Evidence, EvidenceRow | None]:
    """The evidence for a pair with the row it came from (None for a default level)."""
    row = find_row(lex, intervention, condition)
    if row is not None:
        if row.condition != ANY_CONDITION and condition is None:
            condition = row.condition  # the assumed condition: messages name it
        citation = row.citation.replace("{condition}", condition_label(lex, condition))
        citation_es = row.citation_es.replace("{condition}", condition_label(lex, condition, "es"))
        evidence = Evidence(
            intervention, condition, row.level, citation, row.ref, citation_es=citation_es
        )
        return evidence, row
    for inter in lex.ancestors(intervention):
        term = lex.terms.get(inter)
        if term and term.default_level:
            note, note_es = (
                tr(lang, "evidence.default_level", label=term.label_for(lang))
                for lang in ("en", "es")
            )
            evidence = Evidence(
                intervention, condition, term.default_level, note, "default", citation_es=note_es
            )
            return evidence, None
    note, note_es = (tr(lang, "evidence.unknown") for lang in ("en", "es"))
    return Evidence(intervention, condition, "none", note, citation_es=note_es), None


def lookup(lex: CompiledLexicon, intervention: str | None, condition: str | None) -> Evidence:
    """The evidence for a pair, falling back to broader terms, then to the default level."""
    return resolve(lex, intervention, condition)[0]


def exceeds(claim_strength: str | None, level: str) -> bool:
    """True when a claim of this strength is stronger than the evidence level allows."""
    return strength_rank(claim_strength) > strength_rank(ALLOWED_STRENGTH[level])


def weaker(strength: str | None) -> str | None:
    """One step down the strength ladder: absolute -> strong -> hedged."""
    return {"absolute": "strong", "strong": "hedged"}.get(strength or "", strength)


@functools.cache
def _qualifier_patterns(patterns: Sequence[Pattern]) -> tuple[regex.Pattern[str], ...]:
    return tuple(p.compiled() for p in patterns)


def qualifier(lex: CompiledLexicon, text: str, timeout: float) -> str | None:
    """The first word that limits a claim in `text` ('can', 'some', 'muchos'), or None."""
    for compiled in _qualifier_patterns(tuple(lex.lexicon.evidence_qualifiers)):
        m = compiled.search(text, timeout=timeout)
        if m:
            return m.group(0)
    return None


def allowance(
    lex: CompiledLexicon,
    row: EvidenceRow | None,
    rule_code: str,
    text: str,
    *,
    hedge: str | None = None,
    timeout: float = 1.0,
) -> str | None:
    """Why the evidence row supports this rule's claim in `text`, or None when it does not.

    A `when: qualified` allowance needs the claim limited to some patients or stated as a
    possibility: the context's hedge, or one of the evidence file's qualifiers.
    """
    if row is None:
        return None
    for allowed in row.allows:
        if allowed.rule != rule_code:
            continue
        if allowed.when == "always":
            return f"evidence: {row.intervention} x {row.condition} allows {rule_code}"
        word = hedge or qualifier(lex, text, timeout)
        if word:
            return (
                f"evidence: {row.intervention} x {row.condition} allows {rule_code} "
                f"when qualified ('{word}')"
            )
    return None
