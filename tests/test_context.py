"""ConText decisions on single sentences, in English and Spanish."""

from __future__ import annotations

import pytest

from claimcheck.context import decide
from claimcheck.lexicon import default_lexicon
from claimcheck.match import CompiledLexicon

MODIFIERS = CompiledLexicon(default_lexicon()).modifiers


def _status(sentence: str, trigger: str, **kw) -> tuple[str, bool]:
    start = sentence.index(trigger)
    ctx = decide(sentence, start, start + len(trigger), MODIFIERS, **kw)
    return ctx.decision.status, ctx.hedged


@pytest.mark.parametrize(
    ("sentence", "trigger", "status"),
    [
        ("Our stem cells cure diabetes.", "cure", "asserted"),
        ("There is no cure for type 1 diabetes.", "cure", "negated"),
        ("Stem cells do not reverse type 2 diabetes.", "reverse", "negated"),
        (
            "No trial has shown that MSC infusions let people stop insulin.",
            "stop insulin",
            "negated",
        ),
        ("Be wary of clinics that promise to reverse diabetes.", "reverse", "attributed"),
        (
            "Claims that exosomes eliminate insulin are not supported by evidence.",
            "eliminate insulin",
            "negated",
        ),
        ("Can stem cells reverse diabetes?", "reverse", "question"),
        ("Researchers hope stem cells may one day cure diabetes.", "cure", "hypothetical"),
        ("In mice, the cells reversed diabetes.", "reversed", "nonhuman"),
        ("The cells reversed diabetes in experimental models.", "reversed", "nonhuman"),
        ('Some ads call it a "miracle cure" for diabetes.', "miracle", "quoted"),
        ("The effect is moderate rather than miraculous.", "miraculous", "negated"),
        ("There is no rejection and no risk.", "no risk", "asserted"),
        ("Not only does our therapy cure diabetes, it is affordable.", "cure", "asserted"),
        ("La terapia no cura la diabetes.", "cura", "negated"),
        ("¿Pueden las células madre curar la diabetes?", "curar", "question"),
        ("Desconfíe de clínicas que prometen revertir la diabetes.", "revertir", "attributed"),
        ("En ratones, las células revirtieron la diabetes.", "revirtieron", "nonhuman"),
        (
            "No stem cell therapy is approved, but our treatment cures diabetes.",
            "cures",
            "asserted",
        ),
    ],
)
def test_context_status(sentence: str, trigger: str, status: str) -> None:
    assert _status(sentence, trigger)[0] == status


def test_hedge_lowers_strength_without_suppressing() -> None:
    assert _status("Early studies suggest MSCs may lower HbA1c.", "lower") == ("asserted", True)
    assert _status("Estudios iniciales sugieren que podría bajar la glucosa.", "bajar") == (
        "asserted",
        True,
    )


def test_whole_sentence_quote_counts_only_when_asked() -> None:
    quote = '"Stop your insulin."'
    assert _status(quote, "Stop your insulin")[0] == "asserted"
    assert _status(quote, "Stop your insulin", whole_quote=True)[0] == "quoted"


@pytest.mark.parametrize(
    ("sentence", "trigger", "status"),
    [
        # safety advice is never an elimination claim
        ("Ask your doctor before you stop taking insulin.", "stop taking insulin", "hypothetical"),
        ("Consulte a su médico antes de dejar la insulina.", "dejar la insulina", "hypothetical"),
        # regulator and enforcement text reports the claim
        ("The FDA warned about pills marketed as able to cure arthritis.", "cure", "attributed"),
        (
            "Cofepris retiró productos promocionados como capaces de curar la EPOC.",
            "curar",
            "attributed",
        ),
        ("Las autoridades cerraron centros que prometen curar el autismo.", "curar", "attributed"),
        # a regulator's order about whoever offers such treatments (subjunctive)
        (
            "La secretaría exige que las clínicas que ofrezcan terapias curativas con células"
            " madre pidan un permiso.",
            "curativas",
            "attributed",
        ),
        ("Patients are paying for potential cures abroad.", "cures", "hypothetical"),
        # an organisation's name is not a claim
        ("Cure Parkinson's is funding a new trial.", "Cure", "attributed"),
        ("La Fundación Cura Diabetes organiza una carrera.", "Cura", "attributed"),
        # the concessive clause ends the negation: the main clause asserts
        (
            "Although there is no cure for COPD, our cells promote healing in the lungs.",
            "promote healing",
            "asserted",
        ),
        # 'won’t' with a typographic apostrophe negates
        ("Injecting these cells won’t cure arthritis.", "cure", "negated"),
    ],
)
def test_who_is_speaking(sentence: str, trigger: str, status: str) -> None:
    assert _status(sentence, trigger)[0] == status


def test_reported_speech_counts_only_off_the_sellers_page() -> None:
    """'Dr. X said the cells cure …' is reported on a news page, the clinic's voice on its own."""
    sentence = "Dr. Ramos said the cells cure knee arthritis."
    assert _status(sentence, "cure")[0] == "attributed"
    assert _status(sentence, "cure", reported=False)[0] == "asserted"
    es = "Las células curan la artrosis, aseguró el médico."
    assert _status(es, "curan")[0] == "attributed"
    assert _status(es, "curan", reported=False)[0] == "asserted"


def test_goal_or_priority_is_hedged() -> None:
    """'the treatment should focus on improving symptoms' states an aim, not a result."""
    es = "Ante una enfermedad sin cura, la terapia debe centrarse en mejorar el bienestar."
    assert _status(es, "mejorar el bienestar") == ("asserted", True)
    en = "Our priority is to improve our patients' quality of life."
    assert _status(en, "improve")[1]


def test_quantified_claim_is_hedged() -> None:
    """'some people' qualifies a claim: it is lowered one step, not suppressed."""
    sentence = "Islet transplants have let some people stop insulin injections."
    assert _status(sentence, "stop insulin") == ("asserted", True)
    assert _status(
        "Algunos pacientes dejaron la insulina tras el trasplante.", "dejaron la insulina"
    )[1]


NEWS_QUOTE = """By Lena Ortiz, health reporter. Published 4 May 2026.

The clinic injects stem cells into knees, records show. Critics say the evidence is thin.

“Our cells rebuild the cartilage completely. They cure arthritis for good,” the owner said.
"""


def test_quotation_over_several_sentences_is_someone_elses_claim() -> None:
    """On a news page a quotation that runs over several sentences is reported speech in
    every sentence, not only in the one that closes it; on a clinic's page the same words
    are the clinic's (its own doctor speaking)."""
    from claimcheck.config import Config
    from claimcheck.engine import Engine

    engine = Engine(Config(model="none"))
    report = engine.check_text(NEWS_QUOTE, "text")
    assert report.page_type == "editorial"
    overclaims = [f for f in report.active_findings if f.code.startswith("CC1")]
    assert overclaims == []
    quoted = [f for f in report.findings if f.context.status == "quoted"]
    assert quoted and "rebuild" in quoted[0].sentence
    clinic = NEWS_QUOTE.split("\n\n", 1)[1].replace("Critics say the evidence is thin.", "")
    clinic = "Book your consultation at our clinic today. Call us.\n\n" + clinic
    own = engine.check_text(clinic, "text")
    assert own.page_type == "commercial"
    assert any("rebuild" in f.sentence for f in own.active_findings)


@pytest.mark.parametrize(
    ("sentence", "trigger", "status"),
    [
        # a parenthetical aside neither ends the clause nor uses up the modifier's scope
        ("Stem cells do not (whatever some ads say) cure diabetes.", "cure", "negated"),
        (
            "In diabetic mice (a model of type 1 diabetes, not of the human disease), the"
            " transplanted cells reversed high blood sugar.",
            "reversed",
            "nonhuman",
        ),
        # but a parenthesis that closes nothing is still a break
        ("No trial has shown this (see below; our cells cure diabetes.", "cure", "asserted"),
        # a patient's own account of being cured is a testimonial, not the page's claim
        ("I was cured of my knee pain after two infusions.", "cured", "attributed"),
        ("Llevo dos años curada de la artrosis.", "curada", "attributed"),
        ("We have cured hundreds of patients with stem cells.", "cured", "asserted"),
        # a role the cells can play is a hedge; others selling miracle cures are not the page
        ("These vesicles can serve as messengers that repair tissue.", "repair", "asserted"),
        ("Muchos venden curas milagrosas con células madre.", "milagrosas", "attributed"),
        # the clinic's anecdote about one named patient is a testimonial (CC401)
        (
            "Since the infusions, she has stopped using insulin.",
            "stopped using insulin",
            "attributed",
        ),
        (
            "The cells ensured Tom avoided amputation and gave him years.",
            "avoided amputation",
            "attributed",
        ),
        ("Four weeks later, JT reports 70% less pain in his knee.", "less pain", "attributed"),
        (
            "A Rosa ya le habíamos tratado la rodilla y había dejado de dolerle.",
            "dejado de dolerle",
            "attributed",
        ),
        # but not patients in general, a generic patient or the doctor's own record
        ("Our patients have stopped using insulin.", "stopped using insulin", "asserted"),
        (
            "The patient has stopped using insulin after our cells.",
            "stopped using insulin",
            "asserted",
        ),
        ("At our clinic he has treated knees that avoided surgery.", "avoided surgery", "asserted"),
        ("Los pacientes dejan de usar insulina.", "dejan de usar insulina", "asserted"),
    ],
)
def test_asides_testimony_and_roles(sentence: str, trigger: str, status: str) -> None:
    assert _status(sentence, trigger)[0] == status


def test_a_role_the_cells_can_play_is_hedged() -> None:
    assert _status("These vesicles can serve as messengers that repair tissue.", "repair")[1]
    hedged = _status("Estas vesículas pueden servir como mensajeras que reparan.", "reparan")
    assert hedged[1]
    assert not _status("These vesicles repair tissue.", "repair")[1]


@pytest.mark.parametrize(
    ("sentence", "testimony"),
    [
        ("Since the infusions, she has slept through the night and smiles again.", True),
        ("Two months on, DM reports far less stiffness in his shoulder.", True),
        ("A Lucía ya le habíamos tratado la cadera y desde entonces camina mejor.", True),
        ("I was cured of my back pain after one session.", True),
        ("Our patients sleep through the night and smile again.", False),
        ("Las llamadas células madre reparan el cartílago.", False),
    ],
)
def test_a_patient_account_vetoes_a_model_only_finding(sentence: str, testimony: bool) -> None:
    """A testimonial (first or third person) is CC401's to judge, never a model-only
    overclaim; other attributions ('las llamadas') leave the model its say."""
    from claimcheck.combine import _testimony
    from claimcheck.context import scan

    assert bool(_testimony(scan(sentence, MODIFIERS))) is testimony


@pytest.mark.parametrize(
    ("sentence", "trigger", "status", "hedged"),
    [
        # a claim said to be unlikely is negated
        ("Supplements are unlikely to replace insulin.", "replace insulin", "negated", False),
        (
            "Es poco probable que el suplemento sustituya la insulina.",
            "sustituya",
            "negated",
            False,
        ),
        # a study result reported as background, or as a link to an outcome, is hedged
        (
            "Previous research has shown that the cells can help repair tissue.",
            "repair",
            "asserted",
            True,
        ),
        (
            "Los estudios previos han mostrado que las células reparan tejido.",
            "reparan",
            "asserted",
            True,
        ),
        (
            "The infusions were linked to improved walking in the trial.",
            "improved walking",
            "asserted",
            True,
        ),
        # a present-tense claim keeps its force
        ("Our cells repair damaged tissue.", "repair", "asserted", False),
        (
            "Un estudio ha demostrado que las células reparan el pulmón.",
            "reparan",
            "asserted",
            False,
        ),
    ],
)
def test_unlikely_and_reported_study_results(
    sentence: str, trigger: str, status: str, hedged: bool
) -> None:
    assert _status(sentence, trigger) == (status, hedged)


@pytest.mark.parametrize(
    ("sentence", "trigger", "status"),
    [
        # a consequence clause is a new clause: the earlier 'ningún' / 'no' does not reach it
        (
            "Va sin ningún aditivo, por lo que el injerto carece de posibilidad de rechazo.",
            "carece de posibilidad de rechazo",
            "asserted",
        ),
        ("Nothing is added, therefore the cells cure the joint.", "cure", "asserted"),
        ("Ningún aditivo carece de posibilidad de rechazo.", "carece", "negated"),
        # nobody can promise a negative assurance: a warning, not the page's claim
        (
            "Ninguna clínica puede prometer que no hay riesgo de rechazo.",
            "no hay riesgo de rechazo",
            "attributed",
        ),
        ("No doctor can guarantee that there is no risk of rejection.", "no risk", "attributed"),
        ("Because the cells are your own, there is no risk of rejection.", "no risk", "asserted"),
    ],
)
def test_consequences_and_warnings_about_assurances(
    sentence: str, trigger: str, status: str
) -> None:
    assert _status(sentence, trigger)[0] == status
