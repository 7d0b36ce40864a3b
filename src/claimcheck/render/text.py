"""Human-readable output: `path:line:col: CODE [severity] message`, grouped by file.

Short by default; `explain=True` adds the trigger, the context decision, the evidence level
with its citation, the suggested rewrite, and the findings that context or evidence
suppressed.
"""

from __future__ import annotations

import click

from claimcheck.model import Finding, PageReport, Report, Severity

COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
GRADE_COLORS = {"A": "green", "B": "green", "C": "yellow", "D": "yellow", "F": "red"}


def _style(text: str, color: bool, **kw: object) -> str:
    return click.style(text, **kw) if color else text  # type: ignore[arg-type]


def _explain(f: Finding) -> list[str]:
    lines = []
    if f.sentence:
        lines.append(f"    sentence: {f.sentence}")
    if f.trigger:
        lines.append(f"    trigger: '{f.trigger}' (pattern {f.pattern_id})")
    ctx = f.context
    decided = ctx.status + (f" by '{ctx.modifier}' ({ctx.modifier_id})" if ctx.modifier else "")
    lines.append(f"    context: {decided}")
    if f.evidence:
        e = f.evidence
        subject = f"{e.intervention or '?'} x {e.condition or '?'}"
        inferred = " (intervention inferred from the page)" if e.intervention_inferred else ""
        lines.append(f"    evidence: {subject} -> {e.level}{inferred}; {e.citation}")
    model = f" (model: {f.model_label}, p={f.model_probability:.2f})" if f.model_label else ""
    lines.append(f"    engine: {f.engine}{model}")
    if f.suppressed:
        lines.append(f"    suppressed: {f.suppressed_by}")
    return lines


def _finding(f: Finding, explain: bool, color: bool) -> list[str]:
    where = _style(f"{f.path}:{f.line}:{f.column}:", color, bold=True)
    code = _style(f.code, color, fg=COLORS[f.severity], bold=True)
    sev = f.severity.label if not f.suppressed else "suppressed"
    meta = f" (in the page's {f.meta})" if f.meta else ""
    lines = [f"{where} {code} [{sev}] {f.message}{meta}"]
    if explain:
        lines += _explain(f)
        if f.suggestion and not f.suppressed:
            lines.append(f"    suggestion: {f.suggestion}")
    return lines


def _page(p: PageReport, explain: bool, color: bool) -> list[str]:
    lines: list[str] = []
    for e in p.errors:
        lines.append(f"{p.path}: {_style('error', color, fg='red', bold=True)}: {e.message}")
    if p.score is None:
        return lines
    shown = p.findings if explain else p.active_findings
    for f in shown:
        lines += _finding(f, explain, color)
    juris = ", ".join(p.jurisdictions) or "none detected"
    if p.countries:
        juris += f" · countries: {', '.join(p.countries)}"
    grade = _style(f"{p.score}/100 ({p.grade})", color, fg=GRADE_COLORS.get(p.grade or ""))
    lines.append(
        f"{p.path}: score {grade} · {p.page_type} page · jurisdictions: {juris}"
        f" · {len(p.active_findings)} finding(s)"
    )
    if explain:
        lines.append(f"    page type: {'; '.join(p.page_type_reasons)}")
        lines.append(f"    jurisdictions: {'; '.join(p.jurisdiction_reasons) or '-'}")
        lines.append(f"    countries: {'; '.join(p.country_reasons) or '-'}")
        lines.append(f"    topic: {p.main_intervention or '-'} x {p.main_condition or '-'}")
    return lines


def render_text(report: Report, *, explain: bool = False, color: bool = False) -> str:
    """The text report with a one-line summary at the end."""
    lines: list[str] = []
    for page in report.files:
        block = _page(page, explain, color)
        if block:
            lines += [*block, ""]
    s = report.summary
    counts = ", ".join(f"{n} {sev}" for sev, n in s.by_severity.items() if n) or "no findings"
    mean = f"; mean score {s.mean_score:g} ({s.grade})" if s.mean_score is not None else ""
    errors = f"; {s.files_with_errors} file(s) could not be checked" if s.files_with_errors else ""
    lines.append(
        f"Checked {s.files} file(s): {s.findings} finding(s) ({counts}), "
        f"{s.suppressed} suppressed{mean}{errors}."
    )
    lines += _baseline(report)
    return "\n".join(lines) + "\n"


def _baseline(report: Report) -> list[str]:
    """What the baseline matched, and its entries that no longer occur (fixed)."""
    b = report.baseline
    if b is None:
        return []
    lines = [f"Baseline {b.path}: {b.matched} finding(s) matched, {len(b.fixed)} fixed."]
    lines += [f"  fixed: {e.path}: {e.code} {e.sentence or '(page)'}" for e in b.fixed]
    return lines
