"""Message catalogues: every user-facing string of a report in English and Spanish.

Strings are looked up by key in JSON catalogues that keep both languages side by side
(`render/strings.json` for report and web-page chrome, `locale/messages.json` for page
facts, evidence levels, reasons and CLI summaries); rule texts live in the rule YAML, also
side by side. `missing_entries()` lists keys one language lacks; a test keeps it empty.

The output language is one setting (`--lang`, config key `lang`): `en`, `es`, or `auto`,
which uses each page's detected language.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

LANGS = ("en", "es")
SETTINGS = ("auto", *LANGS)
DEFAULT_SETTING = "auto"
CATALOGUES = ("render/strings.json", "locale/messages.json")


def normalize(lang: str | None) -> str:
    """'es', 'es-MX', 'ES' -> 'es'; anything else (or nothing) -> 'en'."""
    return "es" if (lang or "").strip().lower()[:2] == "es" else "en"


def output_lang(setting: str | None, page_lang: str | None) -> str:
    """The language a page's findings are written in: the setting, or with `auto` (or no
    setting) the page's own language."""
    return setting if setting in LANGS else normalize(page_lang)


def report_lang(setting: str | None, page_langs: list[str]) -> str:
    """The language of a report's chrome: the setting, or with `auto` the language most of
    its pages are in (English on a tie or with no page)."""
    if setting in LANGS:
        return setting
    langs = [normalize(lang) for lang in page_langs if lang]
    return "es" if langs and langs.count("es") > len(langs) / 2 else "en"


@cache
def _catalogues() -> tuple[dict[str, dict[str, str]], ...]:
    root = resources.files("claimcheck")
    return tuple(json.loads(root.joinpath(name).read_text("utf-8")) for name in CATALOGUES)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every catalogue entry in one language ('en' for anything but Spanish)."""
    merged: dict[str, str] = {}
    for cat in _catalogues():
        merged.update(cat[normalize(lang)])
    return merged


def tr(lang: str, key: str, /, **values: object) -> str:
    """The entry `key` in `lang` with its {placeholders} filled; a key missing from the
    catalogue is a programming error, so it raises KeyError."""
    text = catalogue(lang)[key]
    return text.format(**values) if values else text


def tr_or(lang: str, key: str, default: str) -> str:
    """The entry `key` in `lang`, or `default` when the catalogue has none (open sets such
    as cue group names that a user lexicon may extend)."""
    return catalogue(lang).get(key, default)


def missing_entries() -> dict[str, list[str]]:
    """Per catalogue file, the keys present in one language but absent or empty in the
    other (an empty dict when the catalogues are complete)."""
    out: dict[str, list[str]] = {}
    for name, cat in zip(CATALOGUES, _catalogues(), strict=True):
        keys = set().union(*(cat[lang] for lang in LANGS))
        gaps = sorted(k for k in keys if any(not cat[lang].get(k) for lang in LANGS))
        if gaps:
            out[name] = gaps
    return out


def page_type_name(page_type: str, lang: str) -> str:
    """'commercial' -> 'comercial' in Spanish."""
    return tr_or(lang, f"page_type.{page_type}", page_type)


def level_name(level: str | None, lang: str) -> str:
    """An evidence level's short name ('phase1_2' -> 'ensayos de fase 1-2')."""
    return tr_or(lang, f"level.{level}", level or "")


def level_text(level: str | None, lang: str) -> str:
    """What an evidence level allows one to say, as a clause for messages."""
    return tr_or(lang, f"level_text.{level}", "") if level else ""


def jurisdiction_name(code: str, lang: str) -> str:
    """'mx' -> 'Mexico' / 'México'; 'general' -> the label of grounds for pages with none."""
    return tr_or(lang, f"jurisdiction.{code}", code)


def severity_name(label: str, lang: str) -> str:
    """'warning' -> 'advertencia'."""
    return tr_or(lang, f"severity.{label}", label)


# Reasons are built by the detection stages in English from fixed phrases and cue names;
# these patterns turn them into catalogue entries, keeping quoted page text as written.
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^set by configuration$"), "reason.configured"),
    (re.compile(r"^seller cues (?P<s>\S+) vs editorial cues (?P<e>\S+)$"), "reason.cue_balance"),
    (
        re.compile(r"^too short to tell: (?P<n>\d+) sentence\(s\), no seller or editorial cue$"),
        "reason.too_short",
    ),
    (re.compile(r"^(?P<code>[a-z]{2}): page language (?P<lang>\S+)$"), "reason.page_language"),
    (re.compile(r"^against: (?P<rest>.+)$"), "reason.against"),
    (
        re.compile(r"^no seller or editorial cue; (?P<n>\d+) sentences present a treatment in"),
        "reason.treatment_voice",
    ),
    (re.compile(r"^no seller or editorial cue, and no treatment presented$"), "reason.no_cue"),
    (
        re.compile(
            r"^weighted mean (?P<mean>\S+) over (?P<n>\d+) page\(s\), (?P<c>\d+) commercial "
            r"\(weight (?P<w>\S+), others (?P<o>\S+)\)$"
        ),
        "reason.site_mean",
    ),
    (
        re.compile(
            r"^capped at (?P<cap>\d+): worst commercial page (?P<path>.+) scores (?P<s>\d+)$"
        ),
        "reason.site_cap_worst",
    ),
    (
        re.compile(r"^capped at (?P<cap>\d+): page (?P<path>.+) makes its own error-level"),
        "reason.site_cap_overclaim",
    ),
    (re.compile(r"^no page could be scored$"), "reason.site_none"),
)
_CUE = re.compile(r"^(?P<group>[\w -]+): (?P<example>'.*?')(?P<times> \(x\d+\))?$")


def reason(text: str, lang: str) -> str:
    """One page-type, jurisdiction or country reason in `lang`; quoted page text and pattern
    ids stay as written. Unknown phrasings are returned unchanged."""
    if lang == "en":
        return text
    for pattern, key in _REASONS:
        m = pattern.match(text)
        if m:
            values = m.groupdict()
            if "rest" in values:
                values["rest"] = reason(values["rest"], lang)
            return tr(lang, key, **values)
    m = _CUE.match(text)
    if m:
        group = tr_or(lang, f"cue.{m['group']}", m["group"])
        return f"{group}: {m['example']}{m['times'] or ''}"
    return text


def reasons(items: tuple[str, ...] | list[str], lang: str) -> list[str]:
    """Every reason of a list in `lang`."""
    return [reason(item, lang) for item in items]


_SUPPRESSED: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^context: (?P<status>\w+) by '(?P<by>.*)'$"), "suppressed.context"),
    (re.compile(r"^context: hedged by '(?P<by>.*)'$"), "suppressed.hedged"),
    (
        re.compile(r"^evidence: a (?P<s>\w+) claim is within what '(?P<level>\w+)' allows"),
        "suppressed.evidence",
    ),
    (re.compile(r"^citation given in the same block$"), "suppressed.citation"),
)


def suppressed_reason(text: str | None, lang: str) -> str:
    """Why a hit was ruled out, in `lang` (config and inline suppressions name codes and
    paths and are returned as written)."""
    if not text or lang == "en":
        return text or ""
    for pattern, key in _SUPPRESSED:
        m = pattern.match(text)
        if m:
            values = dict(m.groupdict())
            if "status" in values:
                values["status"] = tr_or(lang, f"context.{values['status']}", values["status"])
            if "s" in values:
                values["s"] = tr_or(lang, f"strength.{values['s']}", values["s"])
            if "level" in values:
                values["level"] = level_name(values["level"], lang)
            return tr(lang, key, **values)
    return text
