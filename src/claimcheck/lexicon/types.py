"""Frozen dataclasses for everything a lexicon directory defines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import regex

from claimcheck.model import Severity

STRENGTHS = ("hedged", "strong", "absolute")
EVIDENCE_LEVELS = (
    "harmful",
    "disproven",
    "none",
    "preclinical",
    "phase1_2",
    "phase3",
    "approved_conditional",
    "approved",
)
# The strongest claim each evidence level allows (evidence.md section 1).
# None means no benefit claim at all is allowed.
ALLOWED_STRENGTH = {
    "harmful": None,
    "disproven": None,
    "none": None,
    "preclinical": None,
    "phase1_2": "hedged",
    "phase3": "hedged",
    "approved_conditional": "strong",
    "approved": "strong",
}
FLAGS = regex.IGNORECASE | regex.VERSION0


class _Placeholders(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill_template(template: str, **values: object) -> str:
    """A rule's message or suggestion with its {placeholders} filled (unknown ones are left
    as written, None values too), starting with a capital."""
    text = template.format_map(_Placeholders({k: v for k, v in values.items() if v is not None}))
    return text[:1].upper() + text[1:]


def strength_rank(strength: str | None) -> int:
    """0 for 'no claim allowed', then hedged=1, strong=2, absolute=3."""
    return 0 if strength is None else STRENGTHS.index(strength) + 1


@dataclass(frozen=True, slots=True)
class Pattern:
    """One regular expression with an id and the language it applies to ('any' for both)."""

    id: str
    regex: str
    lang: str = "any"
    strength: str | None = None
    confidence: float = 1.0

    def compiled(self) -> regex.Pattern[str]:
        return regex.compile(self.regex, FLAGS)


@dataclass(frozen=True, slots=True)
class Example:
    """A rule example: text plus the page options it should be checked with."""

    text: str
    jurisdiction: tuple[str, ...] = ()
    page_type: str | None = None
    format: str = "text"


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule as written in YAML: code, name, severity, texts, patterns and examples."""

    code: str
    name: str
    family: str
    severity: Severity
    check: str
    message: dict[str, str]
    rationale: dict[str, str]
    citation: str
    suggestion: dict[str, str]
    jurisdictions: tuple[str, ...]
    page_types: tuple[str, ...]
    patterns: tuple[Pattern, ...]
    requires: tuple[str, ...]
    strength: str | None
    params: dict[str, Any]
    examples_flag: tuple[Example, ...]
    examples_pass: tuple[Example, ...]
    source: str
    status: str = "active"
    replaced_by: str | None = None
    grounds: tuple[Ground, ...] = ()

    def pattern_group(self, name: str) -> tuple[Pattern, ...]:
        """Extra named pattern groups kept in params (e.g. 'satisfied_by', 'when')."""
        return tuple(Pattern(**p) for p in self.params.get(name, ()))

    def suggestion_for(self, lang: str) -> str:
        """The rewrite template in `lang` (English when the rule has none in it)."""
        return self.suggestion.get(lang) or self.suggestion.get("en", "")

    def message_for(self, lang: str) -> str:
        """The message template in `lang` (English when the rule has none in it)."""
        return self.message.get(lang) or self.message.get("en", "")

    def rationale_for(self, lang: str) -> str:
        """Why the rule matters, in `lang` (English when the rule has none in it)."""
        return self.rationale.get(lang) or self.rationale.get("en", "")

    def grounds_for(self, jurisdictions: tuple[str, ...] | list[str]) -> tuple[Ground, ...]:
        """The legal grounds of the page's jurisdictions ('general' for a page with none)."""
        wanted = set(jurisdictions) - {"none"} or {"general"}
        return tuple(g for g in self.grounds if g.jurisdiction in wanted)


@dataclass(frozen=True, slots=True)
class Ground:
    """One legal ground of a rule in one jurisdiction: an instrument (law, regulation,
    guidance or enforcement action), the article relied on, the URL of the official text
    and a confidence tag (R read in the official text, S secondary source, V to verify)."""

    jurisdiction: str
    instrument: str
    article: str
    url: str
    confidence: str
    kind: str

    def cite(self) -> str:
        """'LGS Art. 306 fr. I [S]'."""
        article = f" {self.article}" if self.article else ""
        return f"{self.instrument}{article} [{self.confidence}]"


@dataclass(frozen=True, slots=True)
class Grammar:
    """How a term agrees: English number; Spanish gender, number and the article it takes
    (its `label_es` starts with that article)."""

    number: str = "sg"
    gender_es: str = "m"
    number_es: str = "sg"
    article_es: str = ""


@dataclass(frozen=True, slots=True)
class Modifier:
    """A ConText modifier: a trigger phrase with a category, direction and scope (in words)."""

    id: str
    category: str
    direction: str
    regex: str
    lang: str
    max_scope: int = 8


@dataclass(frozen=True, slots=True)
class Term:
    """An intervention or a condition with its synonyms (regular expressions)."""

    id: str
    label: str
    kind: str
    parent: str | None
    patterns: tuple[Pattern, ...]
    default_level: str | None = None
    label_es: str | None = None
    grammar: Grammar = field(default_factory=Grammar)

    def label_for(self, lang: str) -> str:
        """The label in the sentence's language (Spanish when the lexicon has one)."""
        return (self.label_es if lang == "es" else None) or self.label


ANY_CONDITION = "*"  # an evidence row for every condition the table does not list


@dataclass(frozen=True, slots=True)
class Allowance:
    """A claim an evidence row supports although the rule's strength exceeds its level.

    `when` is 'always', or 'qualified': the sentence must limit the claim to some patients
    or state it as a possibility (the evidence file's `qualifiers`).
    """

    rule: str
    when: str = "always"


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One row of the evidence table: intervention x condition -> level with citation.

    `condition` may be ANY_CONDITION; `assumed` marks the condition an intervention is about
    when a sentence and its page name none; `allows` lists the claims the evidence supports.
    `citation` is the English text; `citation_es` the Spanish one ("" when the row has none).
    """

    intervention: str
    condition: str
    level: str
    citation: str
    ref: str = ""
    assumed: bool = False
    allows: tuple[Allowance, ...] = ()
    citation_es: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    """A jurisdiction profile: how to detect it and which rules it brings."""

    code: str
    name: str
    strong_cues: tuple[Pattern, ...]
    weak_cues: tuple[Pattern, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything loaded from one or more lexicon directories, validated."""

    version: str
    rules: tuple[Rule, ...]
    modifiers: tuple[Modifier, ...]
    interventions: tuple[Term, ...]
    conditions: tuple[Term, ...]
    anaphora: tuple[Pattern, ...]
    evidence: tuple[EvidenceRow, ...]
    profiles: tuple[Profile, ...]
    page_cues: dict[str, tuple[Pattern, ...]] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    evidence_qualifiers: tuple[Pattern, ...] = ()

    def rule(self, code_or_name: str) -> Rule:
        """Find a rule by code (CC102) or kebab-case name (reversal-remission-claim)."""
        key = code_or_name.strip()
        for rule in self.rules:
            if rule.code.upper() == key.upper() or rule.name == key.lower():
                return rule
        raise KeyError(code_or_name)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(r.code for r in self.rules)
