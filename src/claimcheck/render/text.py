"""Human-readable output: `path:line:col: CODE [severity] message`, grouped by file.

Short by default; `explain=True` adds the trigger, the context decision, the evidence level
with its citation, the suggested rewrite, why the rule matters and its legal grounds for the
page's jurisdictions, and the findings that context or evidence suppressed. Labels come from
the message catalogues (claimcheck.i18n) in the output language.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from claimcheck import i18n
from claimcheck.lexicon.types import Rule
from claimcheck.model import Finding, PageReport, Report, Severity

COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
GRADE_COLORS = {"A": "green", "B": "green", "C": "yellow", "D": "yellow", "F": "red"}


def _style(text: str, color: bool, **kw: object) -> str:
    return click.style(text, **kw) if color else text  # type: ignore[arg-type]


def _explain(f: Finding, lang: str, rule: Rule | None, jurisdictions: tuple[str, ...]) -> list[str]:
    """The --explain lines of one finding, labelled in `lang`."""

    def t(key: str) -> str:
        return i18n.tr(lang, f"text.{key}")

    lines = []
    if f.sentence:
        lines.append(f"    {t('sentence')}: {f.sentence}")
    if f.trigger:
        lines.append(f"    {t('trigger')}: '{f.trigger}' ({t('pattern')} {f.pattern_id})")
    ctx = f.context
    status = i18n.tr_or(lang, f"context.{ctx.status}", ctx.status)
    decided = status + (f" '{ctx.modifier}' ({ctx.modifier_id})" if ctx.modifier else "")
    lines.append(f"    {t('context')}: {decided}")
    if f.evidence:
        e = f.evidence
        subject = f"{e.intervention or '?'} x {e.condition or '?'}"
        inferred = t("inferred") if e.intervention_inferred else ""
        level = i18n.level_name(e.level, lang)
        lines.append(f"    {t('evidence')}: {subject} -> {level}{inferred}; {e.citation_for(lang)}")
    model = (
        f" ({t('model')}: {f.model_label}, p={f.model_probability:.2f})" if f.model_label else ""
    )
    lines.append(f"    {t('engine')}: {f.engine}{model}")
    if f.suppressed:
        lines.append(f"    {t('suppressed')}: {i18n.suppressed_reason(f.suppressed_by, lang)}")
    if rule is not None and not f.suppressed:
        lines.append(f"    {t('why')}: {rule.rationale_for(lang)}")
        lines += [f"    {t('grounds')}: {g}" for g in grounds_lines(rule, jurisdictions, lang)]
    return lines


def grounds_lines(rule: Rule, jurisdictions: tuple[str, ...], lang: str) -> list[str]:
    """A rule's grounds for the page's jurisdictions, each labelled with its jurisdiction."""
    grounds = rule.grounds_for(jurisdictions)
    if not grounds:
        return [i18n.tr(lang, "grounds.none")]
    return [
        f"{i18n.jurisdiction_name(g.jurisdiction, lang)}: {g.cite()} <{g.url}>" for g in grounds
    ]


def _finding(
    f: Finding,
    explain: bool,
    color: bool,
    lang: str = "en",
    rule: Rule | None = None,
    jurisdictions: tuple[str, ...] = (),
) -> list[str]:
    """The line of one finding (severity tokens stay English: tools parse them), and with
    `explain` the lines that say why."""
    where = _style(f"{f.path}:{f.line}:{f.column}:", color, bold=True)
    code = _style(f.code, color, fg=COLORS[f.severity], bold=True)
    sev = f.severity.label if not f.suppressed else "suppressed"
    meta = f" ({i18n.tr(lang, 'text.in_meta', meta=f.meta)})" if f.meta else ""
    lines = [f"{where} {code} [{sev}] {f.message}{meta}"]
    if explain:
        lines += _explain(f, lang, rule, jurisdictions)
        if f.suggestion and not f.suppressed:
            lines.append(f"    {i18n.tr(lang, 'text.suggestion')}: {f.suggestion}")
    return lines


def _page(
    p: PageReport,
    explain: bool,
    color: bool,
    setting: str | None = None,
    rules: dict[str, Rule] | None = None,
    *,
    quiet: bool = False,
    show_clean: bool = False,
) -> list[str]:
    """A page's findings, then its score line: not for a clean page (no active finding)
    unless `show_clean` or `explain`, never with `quiet` (findings only). Inputs that could
    not be read are left to stderr (the CLI prints each once) and the summary's count."""
    lang = i18n.output_lang(setting, p.lang)
    rules = rules or {}
    lines: list[str] = []
    if p.score is None:
        return lines
    shown = p.findings if explain else p.active_findings
    for f in shown:
        lines += _finding(f, explain, color, lang, rules.get(f.code), p.jurisdictions)
    if quiet or not (p.active_findings or show_clean or explain):
        return lines
    juris = ", ".join(p.jurisdictions) or i18n.tr(lang, "text.none_detected")
    if p.countries:
        juris += " · " + i18n.tr(lang, "text.countries", countries=", ".join(p.countries))
    grade = _style(f"{p.score}/100 ({p.grade})", color, fg=GRADE_COLORS.get(p.grade or ""))
    lines.append(
        i18n.tr(
            lang,
            "text.score_line",
            path=p.path,
            score=grade,
            page_type=i18n.page_type_name(p.page_type, lang),
            jurisdictions=juris,
            n=len(p.active_findings),
        )
    )
    if explain:
        lines += _page_reasons(p, lang)
    return lines


def _page_reasons(p: PageReport, lang: str) -> list[str]:
    """Why the page got its type, jurisdictions and countries (--explain)."""

    def t(key: str) -> str:
        return i18n.tr(lang, f"text.{key}")

    return [
        f"    {t('page_type')}: {'; '.join(i18n.reasons(p.page_type_reasons, lang))}",
        f"    {t('jurisdictions')}: {'; '.join(i18n.reasons(p.jurisdiction_reasons, lang)) or '-'}",
        f"    {t('countries_label')}: {'; '.join(i18n.reasons(p.country_reasons, lang)) or '-'}",
        f"    {t('topic')}: {p.main_intervention or '-'} x {p.main_condition or '-'}",
    ]


def render_text(
    report: Report,
    *,
    explain: bool = False,
    color: bool = False,
    lang: str | None = None,
    rules: Sequence[Rule] = (),
    quiet: bool = False,
    show_clean: bool = False,
) -> str:
    """The text report with a one-line summary at the end, in the output language `lang`
    ('en', 'es', or 'auto'/None: each page's own language; the summary takes the language
    most pages are in). `rules` adds each finding's rationale and legal grounds to
    `explain` output. A clean page's score line shows with `show_clean` (or `explain`);
    `quiet` prints the findings alone."""
    by_code = {r.code: r for r in rules}
    lines: list[str] = []
    for page in report.files:
        block = _page(page, explain, color, lang, by_code, quiet=quiet, show_clean=show_clean)
        if block:
            lines += block if quiet else [*block, ""]
    if quiet:
        return "".join(line + "\n" for line in lines)
    summary_lang = i18n.report_lang(lang, [p.lang for p in report.files])
    lines.append(_summary(report, summary_lang))
    if report.prefilter_skipped:
        lines.append(i18n.tr(summary_lang, "text.prefilter_skipped", n=report.prefilter_skipped))
    if explain and by_code:
        lines.append(i18n.tr(summary_lang, "grounds.legend"))
    lines += _baseline(report, summary_lang)
    return "\n".join(lines) + "\n"


def _summary(report: Report, lang: str) -> str:
    """'Checked 3 file(s): 5 finding(s) (2 error, 3 warning), 1 suppressed; mean ...'."""
    s = report.summary
    counts = ", ".join(
        i18n.tr(lang, "text.count", n=n, severity=i18n.severity_name(sev, lang))
        for sev, n in s.by_severity.items()
        if n
    ) or i18n.tr(lang, "text.no_findings")
    mean = ""
    if s.mean_score is not None:
        mean = i18n.tr(lang, "text.mean", mean=f"{s.mean_score:g}", grade=s.grade)
    errors = i18n.tr(lang, "text.unreadable", n=s.files_with_errors) if s.files_with_errors else ""
    return i18n.tr(
        lang,
        "text.summary",
        files=sum(1 for p in report.files if p.score is not None),
        findings=s.findings,
        counts=counts,
        suppressed=s.suppressed,
        mean=mean,
        errors=errors,
    )


def _baseline(report: Report, lang: str = "en") -> list[str]:
    """What the baseline matched, and its entries that no longer occur (fixed)."""
    b = report.baseline
    if b is None:
        return []
    lines = [i18n.tr(lang, "text.baseline", path=b.path, matched=b.matched, fixed=len(b.fixed))]
    fixed, page = i18n.tr(lang, "text.fixed"), i18n.tr(lang, "text.page")
    lines += [f"  {fixed}: {e.path}: {e.code} {e.sentence or page}" for e in b.fixed]
    return lines


def render_statistics(report: Report) -> str:
    """Active findings counted per rule, most frequent first (like `ruff --statistics`):
    `count  code  [severity] name`."""
    counts: dict[str, tuple[int, Finding]] = {}
    for f in (f for page in report.files for f in page.active_findings):
        n, first = counts.get(f.code, (0, f))
        counts[f.code] = (n + 1, first)
    ranked = sorted(counts.items(), key=lambda item: (-item[1][0], item[0]))
    width = len(str(ranked[0][1][0])) if ranked else 1
    return "".join(
        f"{n:>{width}}  {code}  [{f.severity.label}] {f.name}\n" for code, (n, f) in ranked
    )
