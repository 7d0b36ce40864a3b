"""Evidence-aware judgement: the same sentence pattern, judged by the evidence level.

The table covers what clinics sell (knees, brains, lungs, ageing ... and blood-sugar
supplements), standard care with real evidence passes, and no message falls back to
diabetes when the page is about something else.
"""

from __future__ import annotations

import json

import pytest
from tests.helpers import assert_finding, codes

from claimcheck.config import Config
from claimcheck.engine import Engine
from claimcheck.evidence import exceeds, find_row, lookup
from claimcheck.facts import collect_mentions
from claimcheck.lexicon.load import load_lexicon
from claimcheck.lexicon.types import ANY_CONDITION
from claimcheck.match import Candidates, CompiledLexicon
from claimcheck.model import PageReport, Sentence


@pytest.fixture(scope="module")
def rules_only() -> Engine:
    """Rules alone: these tests are about the evidence table, not the classifier."""
    return Engine(Config(model="none"))


def _cc1(report: PageReport) -> list[str]:
    return [c for c in codes(report) if c.startswith("CC1")]


def _terms(engine: Engine, text: str, lang: str = "en") -> set[str]:
    """Ids of the interventions and conditions the lexicon finds in one sentence."""
    sentences = [Sentence(text, 0, 0, len(text), 1, 1, lang)]
    found = collect_mentions(
        engine.compiled, sentences, Candidates(sentences, engine.compiled.patterns), 1.0
    )
    return {m.term for mentions in found.values() for m in mentions}


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


def test_hedged_claims_and_evidence_levels(engine: Engine) -> None:
    msc = engine.check_text("Early studies suggest MSC therapy may lower HbA1c.")
    assert "CC111" not in codes(msc)
    assert exceeds("hedged", "preclinical") and exceeds("hedged", "none")
    assert not exceeds("hedged", "phase1_2") and not exceeds("hedged", "phase3")


def test_lookup_falls_back_to_broader_terms(engine: Engine) -> None:
    lex: CompiledLexicon = engine.compiled
    assert lookup(lex, "uc_msc", "t2d").level == "phase1_2"  # via msc x t2d
    assert lookup(lex, "svf", "t1d").level == "none"  # via svf x diabetes
    assert lookup(lex, "ryoncil", "gvhd").level == "approved"
    assert lookup(lex, "uc_msc", "knee_oa").ref == "O2-O4"  # via stem_cells x orthopedic
    assert lookup(lex, "prp", "knee_oa").level == "phase3"  # via prp x osteoarthritis
    assert lookup(lex, "cord_blood", "autism").level == "disproven"
    assert lookup(lex, None, None).level == "none"
    assert exceeds("absolute", "approved") and not exceeds("strong", "approved")


# --- every condition clinics sell -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "condition", "group"),
    [
        ("Regrow the cartilage in your arthritic knees.", "en", "knee_oa", "orthopedic"),
        ("Tratamos la artrosis de cadera sin cirugía.", "es", "hip_oa", "orthopedic"),
        ("Relief for a herniated disc without surgery.", "en", "back_pain", "orthopedic"),
        ("Reparamos el manguito rotador.", "es", "tendon", "orthopedic"),
        ("Recovery after a stroke, even years later.", "en", "stroke", "neurological"),
        ("Mejoría tras un derrame cerebral.", "es", "stroke", "neurological"),
        ("Our protocol for Parkinson's patients.", "en", "parkinsons", "neurological"),
        ("Pacientes con esclerosis múltiple.", "es", "ms", "neurological"),
        ("Families of children with ALS and MS come to us.", "en", "als", "neurological"),
        ("Niños con TEA mejoran su lenguaje.", "es", "autism", "autism"),
        ("Breathe again: COPD treatment.", "en", "copd", "pulmonary"),
        ("Secuelas del COVID persistente.", "es", "long_covid", "pulmonary"),
        ("Tratamiento para la insuficiencia cardiaca.", "es", "heart_failure", "cardiac"),
        ("Deje la diálisis.", "es", "kidney_disease", "kidney_disease"),
        ("Help for macular degeneration.", "en", "amd", "eye"),
        ("Solución para la disfunción eréctil.", "es", "ed", "sexual"),
        ("Stop hair loss for good.", "en", "hair_loss", "hair_loss"),
        ("Rejuvenecimiento celular y longevidad.", "es", "ageing", "ageing"),
        ("Help for rheumatoid arthritis and lupus.", "en", "rheumatoid_arthritis", "autoimmune"),
        ("Tratamiento para la artritis reumatoide.", "es", "rheumatoid_arthritis", "autoimmune"),
        ("Save your leg: critical limb ischemia.", "en", "limb_ischemia", "vascular"),
        ("Leukemia and lymphoma transplants.", "en", "blood_cancers", "blood_disorders"),
    ],
)
def test_conditions_clinics_sell_are_named(
    engine: Engine, text: str, lang: str, condition: str, group: str
) -> None:
    found = _terms(engine, text, lang)
    assert condition in found
    assert group in engine.compiled.ancestors(condition)


@pytest.mark.parametrize(
    ("text", "lang", "wrong"),
    [
        ("Every brush stroke of the mural was restored.", "en", "stroke"),
        ("A stroke of luck brought her to the clinic.", "en", "stroke"),
        ("Heat stroke is a summer emergency.", "en", "stroke"),
        ("Dr. Lena Ortiz, MD, MS, leads the team.", "en", "ms"),
        ("She holds an MS in nursing.", "en", "ms"),
        ("La escuela ofrece talleres.", "es", "als"),
        ("Tomamos té y café con los pacientes.", "es", "autism"),
        ("El paciente sufrió un infarto cerebral.", "es", "heart_attack"),
        ("Rheumatoid arthritis is an autoimmune disease.", "en", "osteoarthritis"),
        ("La artritis reumatoide es autoinmune.", "es", "osteoarthritis"),
        ("Bone marrow is drawn from the hip.", "en", "orthopedic"),
    ],
)
def test_look_alike_words_are_not_conditions(
    engine: Engine, text: str, lang: str, wrong: str
) -> None:
    assert wrong not in _terms(engine, text, lang)


def test_infarto_alone_is_cardiac_and_cerebral_is_a_stroke(engine: Engine) -> None:
    assert "heart_attack" in _terms(engine, "Recuperación después de un infarto.", "es")
    assert "stroke" in _terms(engine, "Recuperación después de un infarto cerebral.", "es")


@pytest.mark.parametrize(
    ("text", "intervention"),
    [
        ("Wharton's jelly injections for your knees.", "uc_msc"),
        ("Amniotic fluid injections for joint pain.", "amniotic"),
        ("Exosome and secretome facials.", "exosomes"),
        ("Berberine supports healthy blood sugar.", "berberine"),
        ("A smartwatch that reads your glucose.", "glucose_gadgets"),
        ("Gastric bypass and sleeve gastrectomy.", "bariatric_surgery"),
        ("A total knee replacement.", "joint_replacement"),
        ("Insulin pumps and continuous glucose monitors.", "diabetes_devices"),
        ("A bone marrow transplant for leukaemia.", "hsc_transplant"),
    ],
)
def test_products_clinics_sell_are_named(engine: Engine, text: str, intervention: str) -> None:
    assert intervention in _terms(engine, text)


# --- accurate claims about interventions with real evidence pass ------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Bariatric surgery can put type 2 diabetes into remission in many patients.",
        "Bariatric surgery can put type 2 diabetes into remission.",
        "Islet transplantation has allowed some people to stop insulin injections.",
        "Metformin lowers blood sugar and is usually the first medicine for type 2 diabetes.",
        "GLP-1 drugs such as semaglutide lower HbA1c and help people lose weight.",
        "Insulin pumps and continuous glucose monitors help people with type 1 diabetes "
        "keep their blood sugar in range.",
        "Knee replacement surgery relieves pain in most people with severe knee arthritis.",
        "A bone marrow transplant can cure some types of leukaemia.",
        "Stem cell transplants cure some patients with lymphoma.",
        "A low-calorie diet can put type 2 diabetes into remission.",
        "Some people who reach remission on a low-calorie diet can stop their diabetes "
        "medicines with their doctor's help.",
        "La cirugía bariátrica puede poner la diabetes tipo 2 en remisión en muchos pacientes.",
        "Un trasplante de médula ósea puede curar algunas leucemias.",
    ],
)
def test_accurate_claims_about_standard_care_pass(rules_only: Engine, text: str) -> None:
    report = rules_only.check_text(text)
    assert _cc1(report) == [], [(f.code, f.trigger, f.evidence) for f in report.findings]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Bariatric surgery cures diabetes.", "CC101"),
        ("A bone marrow transplant cures leukaemia.", "CC101"),
        ("Islet transplantation cures type 1 diabetes.", "CC101"),
    ],
)
def test_evidence_allows_only_the_claims_it_supports(
    rules_only: Engine, text: str, code: str
) -> None:
    assert_finding(rules_only.check_text(text), code)


def test_bariatric_row_says_what_it_allows(engine: Engine) -> None:
    row = find_row(engine.compiled, "bariatric_surgery", "t2d")
    assert row is not None and {a.rule for a in row.allows} == {"CC102", "CC103"}
    report = engine.check_text("Bariatric surgery can put type 2 diabetes into remission.")
    hit = next(f for f in report.findings if f.code == "CC102")
    assert hit.suppressed and "allows CC102" in (hit.suppressed_by or "")
    assert hit.evidence.intervention == "bariatric_surgery" and hit.evidence.level == "approved"


# --- messages name the page's condition, never a default one ---------------------------


@pytest.mark.parametrize(
    ("text", "code", "condition", "label"),
    [
        ("Our stem cell injections cure knee arthritis.", "CC101", "knee_oa", "knee"),
        ("Stem cell therapy cures autism.", "CC101", "autism", "autism"),
        ("Stem cells reverse aging.", "CC102", "ageing", "ageing"),
        ("Nuestras células madre curan el autismo.", "CC101", "autism", "autism"),
        ("Our exosomes cure COPD.", "CC101", "copd", "COPD"),
    ],
)
def test_cure_messages_name_the_sentence_condition(
    rules_only: Engine, text: str, code: str, condition: str, label: str
) -> None:
    finding = assert_finding(rules_only.check_text(text), code)
    assert finding.evidence.condition == condition
    assert label in finding.message and "diabetes" not in finding.message
    assert "diabetes" not in finding.suggestion and "diabetes" not in finding.evidence.citation


def test_page_condition_names_messages_for_sentences_without_one(rules_only: Engine) -> None:
    page = (
        "# Stem cell therapy for knee osteoarthritis\n\n"
        "Knee osteoarthritis wears down cartilage. Our stem cell treatment is a permanent "
        "solution and cures the problem."
    )
    finding = assert_finding(rules_only.check_text(page, "markdown"), "CC101")
    assert finding.evidence.condition == "knee_oa"
    assert "knee osteoarthritis" in finding.message and "diabetes" not in finding.message


def test_no_condition_anywhere_reads_this_condition(rules_only: Engine) -> None:
    finding = assert_finding(rules_only.check_text("Our stem cells cure disease."), "CC101")
    assert finding.evidence.condition is None
    assert "this condition" in finding.message and "diabetes" not in finding.message
    es = assert_finding(rules_only.check_text("Nuestras células madre curan."), "CC101")
    assert "diabetes" not in es.suggestion


def test_unlisted_condition_means_no_approved_use(engine: Engine) -> None:
    """A cell product for a condition the table does not list: 'no approved use', cited,
    naming that condition; never silence and never a diabetes row."""
    lex = engine.compiled
    assert find_row(lex, "stem_cells", "obesity").condition == ANY_CONDITION
    evidence = lookup(lex, "uc_msc", "obesity")
    assert evidence.level == "none" and evidence.ref == "FDA-consumer"
    assert "obesity" in evidence.citation and "diabetes" not in evidence.citation
    assert lookup(lex, "exosomes", "obesity").level == "preclinical"
    assert lookup(lex, "amniotic", "ageing").level == "none"
    assert lookup(lex, "prp", "obesity").level == "none"
    assert "this condition" in lookup(lex, "stem_cells", None).citation


def test_standard_care_without_a_condition_assumes_its_own(engine: Engine) -> None:
    evidence = lookup(engine.compiled, "islet_transplant", None)
    assert evidence.condition == "t1d" and evidence.level == "approved"
    assert lookup(engine.compiled, "insulin", None).condition == "diabetes"
    assert lookup(engine.compiled, "stem_cells", None).condition is None


def test_mixed_condition_page_has_no_main_condition(rules_only: Engine) -> None:
    page = "We treat autism, COPD and knee osteoarthritis with stem cells. Our cells cure it all."
    finding = assert_finding(rules_only.check_text(page), "CC101")
    assert "this condition" in finding.message
    ortho = rules_only.check_text(
        "Stem cells for knee arthritis, herniated discs and rotator cuff tears. "
        "Our stem cells cure them for good."
    )
    assert assert_finding(ortho, "CC101").evidence.condition == "orthopedic"


def test_json_report_of_a_knee_page_never_says_diabetes(rules_only: Engine) -> None:
    from claimcheck.engine import build_report
    from claimcheck.render.json import render_json

    page = (
        "<html><head><title>Knee pain? Stem cells</title></head><body>"
        "<h1>Regenerative knee treatment in Scottsdale</h1>"
        "<p>Our stem cell injections regrow cartilage and cure arthritis.</p>"
        "<p>Patients avoid knee replacement for good. Book a consultation: $4,500.</p>"
        "</body></html>"
    )
    report = rules_only.check_text(page, "html", "knee.html")
    data = json.loads(render_json(build_report([report], rules_only)))
    findings = data["files"][0]["findings"]
    assert any(f["code"].startswith("CC1") for f in findings)
    for f in findings:
        assert "diabetes" not in f["message"].lower(), f
        assert "diabetes" not in (f["suggestion"] or "").lower(), f


# --- the schema and the loader check the table -----------------------------------------


def test_allows_must_name_a_known_rule(tmp_path) -> None:
    (tmp_path / "evidence.yaml").write_text(
        "kind: evidence\nevidence:\n"
        "  - {intervention: prp, condition: ed, level: phase1_2, citation: x, allows: [CC999]}\n",
        encoding="utf-8",
    )
    with pytest.raises(Exception, match="unknown rule CC999"):
        load_lexicon([tmp_path])


def test_allows_when_must_be_known(tmp_path) -> None:
    (tmp_path / "evidence.yaml").write_text(
        "kind: evidence\nevidence:\n"
        "  - {intervention: prp, condition: ed, level: phase1_2, citation: x,"
        " allows: [{rule: CC101, when: sometimes}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(Exception, match="allows"):
        load_lexicon([tmp_path])


def test_every_row_has_a_citation_and_known_terms(engine: Engine) -> None:
    lex = engine.compiled
    for (inter, cond), row in lex.evidence.items():
        assert inter in lex.terms and (cond == ANY_CONDITION or cond in lex.terms)
        assert len(row.citation) > 20, (inter, cond)
    ids = [t.id for t in (*lex.lexicon.interventions, *lex.lexicon.conditions)]
    assert len(ids) == len(set(ids)), "an id is both an intervention and a condition"
