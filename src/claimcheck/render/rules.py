"""Rule documentation from the rule data: `claimcheck rules`, `rules explain` and docs/rules/."""

from __future__ import annotations

from collections.abc import Sequence

from claimcheck.lexicon.types import Example, Rule, fill_template

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
    "intervention": "a treatment",
    "condition": "diabetes",
    "level": "its evidence level",
    "trigger": "…",
    "where": "footer",
    "how": "hidden",
}


def _summary(rule: Rule) -> str:
    """The rule's message with generic words for its placeholders, up to the first clause."""
    text = fill_template(rule.message, **GENERIC)
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
    lines += [
        "",
        "## Message",
        "",
        rule.message,
        "",
        "## Why",
        "",
        rule.rationale,
        "",
        "## Legal basis",
        "",
        rule.citation,
        "",
    ]
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
