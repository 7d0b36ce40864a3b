"""Finding messages and rewrites in the output language, with grammatical agreement.

Rule templates name the subject once and let it choose the words that agree with it,
through the format spec of a placeholder:

- `{intervention}`: the label ('stem cell therapy'; 'la terapia con células madre');
- `{intervention:bare}`: without its Spanish article ('diabetes tipo 2' after 'con');
- `{intervention:cap}`: capitalised, where it opens a quoted sentence;
- `{condition:de}`, `{intervention:a}`: Spanish 'de'/'a' with the article contracted
  ('del autismo', 'al plasma');
- `{intervention:is/are}`: one of two forms by number (English or Spanish:
  `{intervention:está/están}`);
- `{intervention:o/a/os/as}`: one of four endings by Spanish gender and number
  (masculine singular, feminine singular, masculine plural, feminine plural), so
  'aprobad{intervention:o/a/os/as}' reads 'aprobadas' after 'las células madre'.

Gender, number and article come from the lexicon (`grammar` of each intervention and
condition); an intervention as the page wrote it ('células madre') gets them from its
head noun, and its article is added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from claimcheck import i18n
from claimcheck.lexicon.types import Grammar, Rule, Term

ARTICLES = {("m", "sg"): "el", ("f", "sg"): "la", ("m", "pl"): "los", ("f", "pl"): "las"}
_DETERMINERS = {
    "el": ("m", "sg"),
    "la": ("f", "sg"),
    "los": ("m", "pl"),
    "las": ("f", "pl"),
    "nuestro": ("m", "sg"),
    "nuestra": ("f", "sg"),
    "nuestros": ("m", "pl"),
    "nuestras": ("f", "pl"),
    "este": ("m", "sg"),
    "esta": ("f", "sg"),
    "estos": ("m", "pl"),
    "estas": ("f", "pl"),
}
_EN_SINGULAR_S = ("ss", "us", "is", "sis")
_ES_MASCULINE_A = ("ma", "día")  # 'el plasma', 'el sistema'
_ES_FEMININE = ("a", "ión", "dad", "tud", "sis", "ie")


@dataclass(frozen=True, slots=True)
class Noun:
    """A term as a message names it, with what words agreeing with it need."""

    text: str
    lang: str
    number: str = "sg"
    gender: str = "m"
    article: str = ""

    @property
    def bare(self) -> str:
        """The text without its leading Spanish article."""
        if self.article and self.text.lower().startswith(self.article + " "):
            return self.text[len(self.article) + 1 :]
        return self.text

    def _with(self, preposition: str) -> str:
        """'de' + 'el autismo' -> 'del autismo'; other articles stay separate."""
        if self.lang == "es" and self.article == "el" and preposition in ("de", "a"):
            return f"{preposition}l {self.bare}"
        return f"{preposition} {self.text}"

    def __format__(self, spec: str) -> str:
        if not spec:
            return self.text
        if spec == "bare":
            return self.bare
        if spec == "cap":  # opening a quoted sentence inside the template
            return self.text[:1].upper() + self.text[1:]
        if spec in ("de", "a"):
            return self._with(spec)
        forms = spec.split("/")
        plural = self.number == "pl"
        if len(forms) == 2:
            return forms[plural]
        if len(forms) == 4:
            return forms[(self.gender == "f") + 2 * plural]
        raise ValueError(f"unknown agreement spec {spec!r}")

    def __str__(self) -> str:
        return self.text


class _Raw(str):
    """A placeholder the template names but no value fills: kept as written."""

    def __format__(self, spec: str) -> str:
        return str(self)


class _Values(dict):
    def __missing__(self, key: str) -> _Raw:
        return _Raw("{" + key + "}")


def fill(template: str, values: dict[str, object]) -> str:
    """The template with its placeholders filled, starting with a capital."""
    text = template.format_map(_Values({k: v for k, v in values.items() if v is not None}))
    return text[:1].upper() + text[1:]


def term_noun(term: Term, lang: str) -> Noun:
    """A lexicon term in `lang`, with its grammar from the lexicon."""
    g: Grammar = term.grammar
    if lang == "es" and term.label_es:
        return Noun(term.label_es, "es", g.number_es, g.gender_es, g.article_es)
    return Noun(term.label, lang, g.number if lang == "en" else g.number_es, g.gender_es)


def _spanish_head(words: list[str]) -> tuple[str, str] | None:
    """(gender, number) of a Spanish noun phrase from its head noun, or None when the head
    is an acronym or unknown ('CMM', 'PRP')."""
    head = words[0]
    if head.isupper() or not head.isalpha():
        return None
    number = "pl" if head.endswith("s") and len(head) > 3 else "sg"
    stem = head[:-2] if head.endswith("es") and number == "pl" else head
    stem = stem[:-1] if number == "pl" and stem.endswith("s") else stem
    if stem.endswith(_ES_MASCULINE_A):
        return "m", number
    return ("f" if stem.endswith(_ES_FEMININE) else "m"), number


def written_noun(written: str, lang: str, fallback: Noun) -> Noun:
    """The intervention as the page wrote it, with gender and number from its head noun
    (English: the last word, Spanish: the first), and in Spanish its article added."""
    words = written.split()
    if lang == "en":
        head = re.sub(r"\(.*?\)", "", written).split() or words
        last = head[-1]
        plural = last.endswith("s") and not last.lower().endswith(_EN_SINGULAR_S)
        number = "pl" if plural else "sg"
        if last.isupper():  # 'PRP', 'MSC'
            number = fallback.number
        return Noun(written, "en", number)
    first = words[0].lower()
    if first in _DETERMINERS:
        gender, number = _DETERMINERS[first]
        article = first if first in ARTICLES.values() else ""
        return Noun(written, "es", number, gender, article)
    guessed = _spanish_head(words) or (fallback.gender, fallback.number)
    gender, number = guessed
    article = ARTICLES[(gender, number)]
    return Noun(f"{article} {written}", "es", number, gender, article)


def _extra(values: dict[str, str] | None, lang: str) -> dict[str, str]:
    """A page check's own values (where a disclaimer is, why a number is a placeholder) in
    `lang`; names and numbers from the page stay as written."""
    out = {}
    for key, value in (values or {}).items():
        out[key] = i18n.tr_or(lang, f"extra.{value}", value) if key in TRANSLATED else value
    return out


TRANSLATED = ("where", "how", "problem")


def template_values(
    terms: dict[str, Term],
    inter_id: str | None,
    cond_id: str | None,
    lang: str,
    *,
    written: str | None = None,
    level: str | None = None,
    trigger: str = "",
    extra: dict[str, str] | None = None,
) -> dict[str, object]:
    """Placeholder values for a rule's message and rewrite in `lang`."""
    inter = terms.get(inter_id or "")
    cond = terms.get(cond_id or "")
    default_inter = Noun(i18n.tr(lang, "noun.this_treatment"), lang, "sg", "m", "este")
    intervention = term_noun(inter, lang) if inter else default_inter
    if written:
        if inter and inter.label[:1].islower() and written[1:2].islower():
            written = written[:1].lower() + written[1:]  # 'Stem cell therapy' opened it
        intervention = written_noun(written, lang, intervention)
    condition = (
        term_noun(cond, lang)
        if cond
        else Noun(i18n.tr(lang, "noun.this_condition"), lang, "sg", "f", "esta")
    )
    return {
        "intervention": intervention,
        "condition": condition,
        "level": i18n.level_name(level, lang) if level else None,
        "level_text": i18n.level_text(level, lang),
        "trigger": trigger,
        **_extra(extra, lang),
    }


def finding_texts(rule: Rule, lang: str, values: dict[str, object]) -> tuple[str, str]:
    """(message, suggestion) of a finding in `lang`."""
    return fill(rule.message_for(lang), values), fill(rule.suggestion_for(lang), values)


def page_texts(
    rule: Rule,
    lang: str,
    terms: dict[str, Term],
    inter_id: str | None,
    cond_id: str | None,
    *,
    written: str | None = None,
    written_lang: str | None = None,
    level: str | None = None,
    trigger: str = "",
    extra: dict[str, str] | None = None,
) -> tuple[str, str]:
    """(message, suggestion) of a finding on a page whose output language is `lang`. The
    message names the lexicon's term; the rewrite, which replaces the page's words, the
    intervention as the sentence wrote it, when the sentence is in `lang`."""
    if written_lang is not None and i18n.normalize(written_lang) != lang:
        written = None
    values = template_values(
        terms, inter_id, cond_id, lang, level=level, trigger=trigger, extra=extra
    )
    rewrite = values
    if written:
        rewrite = template_values(
            terms,
            inter_id,
            cond_id,
            lang,
            written=written,
            level=level,
            trigger=trigger,
            extra=extra,
        )
    return fill(rule.message_for(lang), values), fill(rule.suggestion_for(lang), rewrite)


def not_reported(name: str, why: str | None, lang: str) -> str:
    """The message of a hit that context or evidence ruled out, in `lang`."""
    return i18n.tr(
        lang, "suppressed.not_reported", name=name, why=i18n.suppressed_reason(why, lang)
    )
