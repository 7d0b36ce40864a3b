"""Intervention x condition -> evidence level with citation, and the strength it allows."""

from __future__ import annotations

from claimcheck.lexicon.types import ALLOWED_STRENGTH, strength_rank
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


def lookup(lex: CompiledLexicon, intervention: str | None, condition: str | None) -> Evidence:
    """The evidence for a pair, falling back to broader terms, then to the default level.

    'uc_msc' x 't2d' looks for uc_msc, msc, stem_cells against t2d, then diabetes.
    """
    conditions = lex.ancestors(condition) or [None]
    for inter in lex.ancestors(intervention):
        for cond in conditions:
            row = lex.evidence.get((inter, cond)) if cond else None
            if row:
                return Evidence(intervention, condition, row.level, row.citation, row.ref)
    for inter in lex.ancestors(intervention):
        term = lex.terms.get(inter)
        if term and term.default_level:
            note = f"No evidence-table row for this pair; default level for {term.label}."
            return Evidence(intervention, condition, term.default_level, note, "default")
    return Evidence(intervention, condition, "none", "Unknown intervention: no evidence on file.")


def exceeds(claim_strength: str | None, level: str) -> bool:
    """True when a claim of this strength is stronger than the evidence level allows."""
    return strength_rank(claim_strength) > strength_rank(ALLOWED_STRENGTH[level])


def weaker(strength: str | None) -> str | None:
    """One step down the strength ladder: absolute -> strong -> hedged."""
    return {"absolute": "strong", "strong": "hedged"}.get(strength or "", strength)
