"""Messages that agree: every rule's message and rewrite, rendered for every intervention
and a set of conditions in both languages, agrees with the subject's gender and number as
the lexicon records them. The checks read the rendered text with their own word lists, not
with the agreement code they test."""

from __future__ import annotations

import re

import pytest

from claimcheck.lexicon import default_lexicon
from claimcheck.messages import Noun, fill, template_values, written_noun

CONDITIONS = ("diabetes", "autism", "asthma", "back_pain", "alzheimers", "sports_injury", "copd")
EXTRA = {"where": "footer", "how": "hidden from visitors", "problem": "x", "number": "N"}

# Verb and adjective forms that must agree with the subject they follow (singular, plural).
EN_FORMS = [
    ("is", "are"),
    ("has", "have"),
    ("cures", "cure"),
    ("works", "work"),
    ("carries", "carry"),
    ("regenerates", "regenerate"),
    ("it", "them"),
    ("its", "their"),
]
ES_FORMS = [
    ("es", "son"),
    ("está", "están"),
    ("ha", "han"),
    ("puede", "pueden"),
    ("podría", "podrían"),
    ("cura", "curan"),
    ("tiene", "tienen"),
    ("sustituye", "sustituyen"),
    ("funciona", "funcionan"),
    ("funcione", "funcionen"),
    ("regenera", "regeneran"),
]
ES_ENDINGS = {("m", "sg"): "o", ("f", "sg"): "a", ("m", "pl"): "os", ("f", "pl"): "as"}
ES_PARTICIPLE = re.compile(r"\b(aprobad|comprobad)(o|a|os|as)\b")
CLAUSE_END = re.compile(r"[.;:,]|\b(and|but|that|y|pero|que|o|ni|como)\b")


def _terms():
    lex = default_lexicon()
    return {t.id: t for t in (*lex.interventions, *lex.conditions)}, lex


def _clause_after(text: str, subject: str) -> str:
    """The words after the subject up to the end of its clause ('' when it is absent)."""
    at = text.lower().find(subject.lower())
    if at < 0:
        return ""
    rest = text[at + len(subject) :]
    end = CLAUSE_END.search(rest)
    return rest[: end.start()] if end else rest


def _check_english(text: str, subject: str, number: str) -> list[str]:
    problems = []
    words = re.findall(r"[a-z]+", _clause_after(text, subject).lower())
    for singular, plural in EN_FORMS:
        wrong = plural if number == "sg" else singular
        if wrong in words[:4]:
            problems.append(f"'{wrong}' after {number} subject")
    pronoun = re.search(r"\b(it is|they are)\b", text[text.lower().find(subject.lower()) :])
    if pronoun and pronoun.group(1) != ("it is" if number == "sg" else "they are"):
        problems.append(f"'{pronoun.group(1)}' refers to a {number} subject")
    return problems


def _check_spanish(text: str, subject: str, gender: str, number: str) -> list[str]:
    problems = []
    clause = _clause_after(text, subject)
    words = re.findall(r"[a-záéíóúñ]+", clause.lower())
    for singular, plural in ES_FORMS:
        wrong = plural if number == "sg" else singular
        if wrong in words[:3]:
            problems.append(f"'{wrong}' after {gender}{number} subject")
    for m in ES_PARTICIPLE.finditer(clause):
        if m.group(2) != ES_ENDINGS[(gender, number)]:
            problems.append(f"'{m.group(0)}' for a {gender}{number} subject")
    if re.search(r"\bde el\b|\ba el\b", text):
        problems.append("'de el' / 'a el' not contracted")
    return problems


def _object_pronoun(text: str, noun: Noun) -> list[str]:
    """'ninguna autoridad las ha aprobado', 'o la lleva a la remisión'."""
    m = re.search(r"\b(lo|la|los|las) (ha aprobado|lleva a la remisión)\b", text)
    if not m:
        return []
    expected = {("m", "sg"): "lo", ("f", "sg"): "la", ("m", "pl"): "los", ("f", "pl"): "las"}
    want = expected[(noun.gender, noun.number)]
    return [] if m.group(1) == want else [f"pronoun '{m.group(1)}', expected '{want}'"]


def _samples():
    _, lex = _terms()
    for rule in lex.rules:
        for template_kind in ("message", "suggestion"):
            for lang in ("en", "es"):
                yield rule, template_kind, lang


@pytest.mark.parametrize(
    ("rule", "kind", "lang"),
    list(_samples()),
    ids=lambda v: v if isinstance(v, str) else getattr(v, "code", ""),
)
def test_every_rule_agrees_with_every_intervention(rule, kind: str, lang: str) -> None:
    terms, lex = _terms()
    template = rule.message_for(lang) if kind == "message" else rule.suggestion_for(lang)
    problems = []
    for inter in lex.interventions:
        for cond_id in CONDITIONS:
            values = template_values(terms, inter.id, cond_id, lang, level="phase1_2", extra=EXTRA)
            values.setdefault("endorser", "Dr. Vela")
            values.setdefault("with", "cuota")
            text = fill(template, values)
            assert "{" not in text and "}" not in text, text
            subject = values["intervention"]
            g = inter.grammar
            if lang == "en":
                found = _check_english(text, subject.text, g.number)
            else:
                label = subject.text
                found = _check_spanish(text, label, g.gender_es, g.number_es)
                if "ha aprobado" in text:
                    found += _object_pronoun(text, subject)
                elif "remisión" in text:
                    found += _object_pronoun(text, values["condition"])
            problems += [f"{inter.id} x {cond_id}: {p}: {text}" for p in found]
    assert not problems, "\n".join(problems[:10])


def test_the_issue_examples_read_as_written_by_a_person() -> None:
    terms, lex = _terms()
    cc106 = lex.rule("CC106")
    es = fill(cc106.suggestion_for("es"), template_values(terms, "msc", "diabetes", "es"))
    assert es.startswith("Las células madre mesenquimales no han sido aprobadas")
    cc110 = lex.rule("CC110")
    en = fill(cc110.message_for("en"), template_values(terms, "msc", "diabetes", "en"))
    assert "mesenchymal stem cells (MSC) regenerate or repair" in en
    cc206 = lex.rule("CC206")
    en = fill(cc206.message_for("en"), template_values(terms, "exosomes", "diabetes", "en"))
    assert "names none of their risks" in en
    stem = fill(cc106.suggestion_for("en"), template_values(terms, "stem_cells", "autism", "en"))
    assert stem.startswith("Stem cell therapy is not approved")
    asi = fill(lex.rule("CC108").message_for("es"), template_values(terms, "prp", "autism", "es"))
    assert "del autismo" in asi


@pytest.mark.parametrize(
    ("written", "lang", "text", "gender", "number"),
    [
        ("células madre", "es", "las células madre", "f", "pl"),
        ("terapia con células madre", "es", "la terapia con células madre", "f", "sg"),
        ("exosomas", "es", "los exosomas", "m", "pl"),
        ("plasma rico en plaquetas", "es", "el plasma rico en plaquetas", "m", "sg"),
        ("tratamiento celular", "es", "el tratamiento celular", "m", "sg"),
        ("nuestras células madre", "es", "nuestras células madre", "f", "pl"),
        ("stem cells", "en", "stem cells", "m", "pl"),
        ("stem cell therapy", "en", "stem cell therapy", "m", "sg"),
        ("MSCs", "en", "MSCs", "m", "pl"),
    ],
)
def test_an_intervention_as_written_gets_its_article_and_number(
    written: str, lang: str, text: str, gender: str, number: str
) -> None:
    noun = written_noun(written, lang, Noun("x", lang))
    assert noun.text == text and noun.number == number
    if lang == "es":
        assert noun.gender == gender
