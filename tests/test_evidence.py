"""Evidence-aware judgement: the same sentence pattern, judged by the evidence level."""

from __future__ import annotations

from tests.helpers import assert_finding, codes

from claimcheck.engine import Engine
from claimcheck.evidence import exceeds, lookup
from claimcheck.match import CompiledLexicon


def test_same_pattern_judged_by_evidence(engine: Engine) -> None:
    insulin = engine.check_text("Insulin therapy lowers blood glucose.")
    stem = engine.check_text("Stem cell therapy lowers blood glucose.")
    mice = engine.check_text("In mice, stem cell therapy lowers blood glucose.")
    assert "CC111" not in codes(insulin)
    finding = assert_finding(stem, "CC111")
    assert finding.evidence and finding.evidence.level == "phase1_2"
    assert "CC111" not in codes(mice)
    assert [f.context.status for f in mice.findings if f.code == "CC111"] == ["nonhuman"]


def test_our_treatment_is_attributed_to_the_main_intervention(engine: Engine) -> None:
    page = (
        "Exosome therapy for diabetes. Exosomes are given by IV infusion. "
        "Our treatment lowers blood sugar."
    )
    finding = assert_finding(engine.check_text(page), "CC111")
    assert finding.evidence.intervention == "exosomes"
    assert finding.evidence.intervention_inferred and finding.evidence.level == "preclinical"


def test_hedged_claim_allowed_at_phase1_2_but_not_preclinical(engine: Engine) -> None:
    msc = engine.check_text("Early studies suggest MSC therapy may lower HbA1c.")
    exo = engine.check_text("Early studies suggest exosome therapy may lower HbA1c.")
    assert "CC111" not in codes(msc)
    hedged = assert_finding(exo, "CC111")
    assert hedged.severity.label == "warning"  # hedged overclaims drop one severity level


def test_lookup_falls_back_to_broader_terms(engine: Engine) -> None:
    lex: CompiledLexicon = engine.compiled
    assert lookup(lex, "uc_msc", "t2d").level == "phase1_2"  # via msc x t2d
    assert lookup(lex, "svf", "t1d").level == "none"  # via svf x diabetes
    assert lookup(lex, "ryoncil", "gvhd").level == "approved"
    assert lookup(lex, None, None).level == "none"
    assert exceeds("absolute", "approved") and not exceeds("strong", "approved")
    assert exceeds("hedged", "preclinical") and not exceeds("hedged", "phase3")
