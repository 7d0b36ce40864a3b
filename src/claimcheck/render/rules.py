"""Rule documentation from the rule data: `claimcheck rules`, `rules explain` and docs/rules/."""

from __future__ import annotations

from collections.abc import Sequence

from claimcheck.lexicon.types import Example, Rule
from claimcheck.messages import Noun, fill

JURISDICTIONS = {"mx": "Mexico", "us": "United States", "general": "General (no jurisdiction)"}
TAGS = "Tags: [R] read in the official text; [S] from a secondary source; [V] to verify."

FAMILY_TITLES = {
    "overclaim": "Overclaims",
    "disclaimer": "Disclaimers",
    "regulatory": "Regulatory details",
    "testimonial": "Testimonials and endorsements",
    "meta": "Meta (claimcheck's own directives)",
}


def rules_table(rules: Sequence[Rule]) -> str:
    """A plain-text table: code, name, severity, jurisdictions, page types."""
    header = f"{'code':<6} {'name':<40} {'severity':<8} {'jurisdictions':<13} applies to"
    lines = [header, "-" * len(header)]
    for r in rules:
        status = " (removed)" if r.status == "removed" else ""
        lines.append(
            f"{r.code:<6} {r.name + status:<40} {r.severity.label:<8} "
            f"{','.join(r.jurisdictions):<13} {','.join(r.page_types)}"
        )
    return "\n".join(lines) + "\n"


def rules_markdown_table(rules: Sequence[Rule]) -> str:
    """The rule table in Markdown, for README.md and docs/rules/README.md."""
    lines = ["| code | name | severity | jurisdictions | what it flags |", "|---|---|---|---|---|"]
    for r in rules:
        summary = _summary(r)
        lines.append(
            f"| [{r.code}](docs/rules/{r.code}.md) | `{r.name}` | {r.severity.label} "
            f"| {', '.join(r.jurisdictions)} | {summary} |"
        )
    return "\n".join(lines) + "\n"


GENERIC = {
    "en": {
        "intervention": Noun("a treatment", "en"),
        "condition": Noun("diabetes", "en"),
        "level": "its evidence level",
        "trigger": "…",
        "where": "footer",
        "how": "hidden",
    },
    "es": {
        "intervention": Noun("el tratamiento", "es", "sg", "m", "el"),
        "condition": Noun("la diabetes", "es", "sg", "f", "la"),
        "level": "su nivel de evidencia",
        "trigger": "…",
        "where": "el pie de página",
        "how": "oculta",
    },
}


def _summary(rule: Rule, lang: str = "en") -> str:
    """The rule's message with generic words for its placeholders, up to the first clause."""
    text = fill(rule.message_for(lang), GENERIC["es" if lang == "es" else "en"])
    return text.split(";")[0].split(": ")[0].rstrip(".") + "."


def _example(e: Example) -> str:
    opts = []
    if e.jurisdiction:
        opts.append(f"jurisdiction {','.join(e.jurisdiction)}")
    if e.page_type:
        opts.append(f"{e.page_type} page")
    if e.format != "text":
        opts.append(e.format)
    suffix = f" ({'; '.join(opts)})" if opts else ""
    return f"- `{e.text}`{suffix}"


def _bilingual(texts: dict[str, str]) -> list[str]:
    """A text in each language, English first, as paragraphs."""
    return [line for lang in sorted(texts) for line in (f"- {lang}: {texts[lang]}", "")]


def _grounds(rule: Rule) -> list[str]:
    """The rule's legal grounds by jurisdiction, with the confidence tags explained."""
    if not rule.grounds:
        return ["None: this rule is a claimcheck convention, not a legal duty.", ""]
    lines = []
    for code in JURISDICTIONS:
        grounds = [g for g in rule.grounds if g.jurisdiction == code]
        if grounds:
            lines += [f"**{JURISDICTIONS[code]}**", ""]
            lines += [f"- [{g.cite()}]({g.url}) ({g.kind})" for g in grounds]
            lines.append("")
    return [*lines, TAGS, ""]


def explain_rule(rule: Rule) -> str:
    """Full Markdown documentation of one rule, generated from its YAML."""
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        f"- **Family:** {FAMILY_TITLES.get(rule.family, rule.family)}",
        f"- **Default severity:** {rule.severity.label}",
        f"- **Jurisdictions:** {', '.join(rule.jurisdictions)}",
        f"- **Applies to:** {', '.join(rule.page_types)} pages",
        f"- **Check:** `{rule.check}`"
        + (f", claim strength `{rule.strength}`" if rule.strength else ""),
    ]
    if rule.status == "removed":
        lines.append(f"- **Status:** removed; use {rule.replaced_by or 'nothing'} instead")
    lines += ["", "## Message", "", *_bilingual(rule.message), "## Why", ""]
    lines += [*_bilingual(rule.rationale), "## Legal basis", "", *_grounds(rule)]
    if rule.suggestion:
        lines += ["## How to fix", ""]
        lines += [f"- {lang}: {text}" for lang, text in rule.suggestion.items()]
        lines.append("")
    if rule.patterns:
        lines += ["## Patterns", ""]
        lines += [f"- `{p.id}` ({p.lang}): `{p.regex}`" for p in rule.patterns]
        lines.append("")
    lines += [
        "## Flagged",
        "",
        *map(_example, rule.examples_flag),
        "",
        "## Not flagged",
        "",
        *map(_example, rule.examples_pass),
        "",
    ]
    lines += [
        f"_Generated from `{rule.source.split(': ')[0].split('lexicons/')[-1]}` by "
        "`claimcheck rules explain`; do not edit by hand._",
        "",
    ]
    return "\n".join(lines)
