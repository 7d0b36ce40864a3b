"""Findings -> a 0-100 score and an A-F grade per page, and a summary across pages.

The formula (docs/scoring.md) is monotone: adding a finding, or making one more severe,
never raises a score.

    penalty(finding) = SEVERITY_WEIGHT[severity] * FAMILY_FACTOR[family] * DECAY ** (k - 1)
    score = max(0, round(100 - sum(penalties)))

where k is the finding's rank among the page's active findings of the same rule (worst
severity first). Suppressed findings cost nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from claimcheck.model import Finding, PageReport, Severity, Summary

SEVERITY_WEIGHT = {Severity.ERROR: 12.0, Severity.WARNING: 5.0, Severity.INFO: 1.0}
FAMILY_FACTOR = {"1": 1.5, "2": 1.0, "3": 1.0, "4": 1.0}
DECAY = 0.5
GRADES = ((90, "A"), (80, "B"), (70, "C"), (60, "D"), (0, "F"))


def penalties(findings: Iterable[Finding]) -> list[float]:
    """The penalty of each active finding, in the formula's order."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if not f.suppressed:
            by_rule[f.code].append(f)
    out = []
    for code, group in by_rule.items():
        group.sort(key=lambda f: -f.severity)
        factor = FAMILY_FACTOR.get(code[2:3], 1.0)
        out.extend(SEVERITY_WEIGHT[f.severity] * factor * DECAY**k for k, f in enumerate(group))
    return out


def score(findings: Iterable[Finding]) -> int:
    """0-100; 100 means no active findings."""
    return max(0, round(100 - sum(penalties(findings))))


def grade(value: int) -> str:
    """A (>= 90), B (>= 80), C (>= 70), D (>= 60), F."""
    return next(letter for floor, letter in GRADES if value >= floor)


def summarise(pages: Sequence[PageReport], error_count: int = 0) -> Summary:
    """Totals over all pages; the overall grade is the grade of the mean score."""
    active = [f for p in pages for f in p.active_findings]
    scores = [p.score for p in pages if p.score is not None]
    mean = round(sum(scores) / len(scores), 1) if scores else None
    return Summary(
        files=len(pages),
        files_with_errors=sum(1 for p in pages if p.errors) + error_count,
        findings=len(active),
        by_severity={
            s.label: sum(1 for f in active if f.severity == s) for s in reversed(Severity)
        },
        by_code=dict(sorted(Counter(f.code for f in active).items())),
        suppressed=sum(1 for p in pages for f in p.findings if f.suppressed),
        mean_score=mean,
        min_score=min(scores) if scores else None,
        grade=grade(round(mean)) if mean is not None else None,
    )
