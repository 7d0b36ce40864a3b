"""Renderers: the same Report printed as text, JSON, SARIF, GitHub annotations, JUnit, CSV
or a self-contained HTML page."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from claimcheck.lexicon.types import Rule
from claimcheck.model import Report
from claimcheck.render.csv import render_csv
from claimcheck.render.github import render_github
from claimcheck.render.gitlab import render_gitlab
from claimcheck.render.html import render_html
from claimcheck.render.json import render_json
from claimcheck.render.junit import render_junit
from claimcheck.render.sarif import render_sarif
from claimcheck.render.text import render_text

RENDERERS: dict[str, Callable[..., str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
    "gitlab": render_gitlab,
    "junit": render_junit,
    "csv": render_csv,
    "html": render_html,
}
FORMATS = tuple(RENDERERS)


def render(
    report: Report,
    fmt: str,
    *,
    explain: bool = False,
    color: bool = False,
    rules: Sequence[Rule] = (),
    fail_on: str = "error",
    texts: Mapping[str, str] | None = None,
    lang: str | None = None,
    quiet: bool = False,
    show_clean: bool = False,
) -> str:
    """Render a report in one of RENDERERS' formats.

    `explain` and `color` apply to text; `rules` (the lexicon's rules) describe the rules in
    SARIF and HTML and add rationale and legal grounds to JSON and explained text; `fail_on`
    splits JUnit findings into failures and output; `texts` (page path -> extracted text)
    lets HTML show each page's text with its flagged sentences; `quiet` and `show_clean`
    shape the text report (findings only; score lines of clean pages); `lang` is the output
    language setting the report was checked with ('en', 'es', 'auto' or None for auto).
    """
    if fmt == "text":
        return render_text(
            report,
            explain=explain,
            color=color,
            lang=lang,
            rules=rules,
            quiet=quiet,
            show_clean=show_clean,
        )
    if fmt == "json":
        return render_json(report, rules=rules, lang=lang)
    if fmt == "sarif":
        return render_sarif(report, rules=rules, lang=lang)
    if fmt == "html":
        return render_html(report, rules=rules, texts=texts, lang=lang)
    if fmt == "junit":
        return render_junit(report, fail_on=fail_on)
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(RENDERERS)})")
    return RENDERERS[fmt](report)
