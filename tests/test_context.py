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
