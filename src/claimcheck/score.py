"""Findings -> a 0-100 score and an A-F grade per page, and a summary across pages.

The formula (docs/scoring.md) is monotone: adding a finding, or making one more severe,
never raises a score.

    penalty(finding) = SEVERITY_WEIGHT[severity] * FAMILY_FACTOR[family] * DECAY ** (k - 1)
    points = max(0, round(100 - sum(penalties)))
    score  = min(points, overclaim cap)      on pages that are not editorial

where k is the finding's rank among the page's active findings of the same rule (worst
severity first). Suppressed findings cost nothing. The overclaim cap keeps a page that
makes its own serious overclaims out of grades A and B: one claim (sentence) with an active
error-level overclaim caps the page at OVERCLAIM_CAP (79, a C), each further one
OVERCLAIM_STEP lower. Editorial pages report claims more than they make them, so only the
penalties apply there.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from claimcheck.model import Finding, PageReport, Severity, Summary

SEVERITY_WEIGHT = {Severity.ERROR: 12.0, Severity.WARNING: 5.0, Severity.INFO: 1.0}
FAMILY_FACTOR = {"1": 1.5, "2": 1.0, "3": 1.0, "4": 1.0}
DECAY = 0.5
GRADES = ((90, "A"), (80, "B"), (70, "C"), (60, "D"), (0, "F"))

OVERCLAIM_CAP = 79
OVERCLAIM_STEP = 10
# CC1xx codes whose rule family is not `overclaim` (CC109, an offer by mail, is regulatory);
# tests/test_score.py keeps this in step with the built-in lexicon.
NOT_OVERCLAIMS = frozenset({"CC109"})
# Page types on which the overclaim cap does not apply.
UNCAPPED_PAGE_TYPES = frozenset({"editorial"})


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


def is_serious_overclaim(finding: Finding) -> bool:
    """An active, error-level finding of an overclaim rule (CC1xx but CC109)."""
    return (
        not finding.suppressed
        and finding.severity == Severity.ERROR
        and finding.code.startswith("CC1")
        and finding.code not in NOT_OVERCLAIMS
    )


def serious_overclaims(findings: Iterable[Finding]) -> int:
    """How many claims carry an active error-level overclaim. Findings on the same sentence
    (several rules firing on one claim, or one heading repeated) are one claim."""
    claims = {
        " ".join(f.sentence.split()).casefold() or f"{f.code}:{f.line}:{f.start}"
        for f in findings
        if is_serious_overclaim(f)
    }
    return len(claims)


def overclaim_cap(findings: Iterable[Finding], page_type: str | None = "unknown") -> int | None:
    """The highest score the page may have because of its own serious overclaims, or None
    when none applies (no such claim, or an editorial page)."""
    if page_type in UNCAPPED_PAGE_TYPES:
        return None
    n = serious_overclaims(findings)
    return max(0, OVERCLAIM_CAP - OVERCLAIM_STEP * (n - 1)) if n else None


def score(findings: Iterable[Finding], page_type: str | None = "unknown") -> int:
    """0-100; 100 means no active findings. `page_type` decides whether the overclaim cap
    applies (every type but editorial; a page whose type is not known is capped)."""
    findings = list(findings)
    value = max(0, round(100 - sum(penalties(findings))))
    cap = overclaim_cap(findings, page_type)
    return value if cap is None else min(value, cap)


def grade(value: int) -> str:
    """A (>= 90), B (>= 80), C (>= 70), D (>= 60), F."""
    return next(letter for floor, letter in GRADES if value >= floor)


class SummaryTally:
    """A run's summary added up page by page, so that a streamed run (`check --format
    jsonl`) need not keep its pages. `summarise` adds its pages here too: one summary
    code path, whether the pages are kept or not."""

    def __init__(self) -> None:
        self.files = 0
        self.files_with_errors = 0
        self.by_severity: Counter[Severity] = Counter()
        self.by_code: Counter[str] = Counter()
        self.suppressed = 0
        self.scored = 0
        self.score_sum = 0
        self.min_score: int | None = None

    def add(self, page: PageReport) -> None:
        """Count one page: its active findings, suppressed ones, score and errors."""
        self.files += 1
        self.files_with_errors += bool(page.errors)
        for f in page.findings:
            if f.suppressed:
                self.suppressed += 1
            else:
                self.by_severity[f.severity] += 1
                self.by_code[f.code] += 1
        if page.score is not None:
            self.scored += 1
            self.score_sum += page.score
            low = self.min_score
            self.min_score = page.score if low is None else min(low, page.score)

    def summary(self, error_count: int = 0) -> Summary:
        """The totals so far; the overall grade is the grade of the mean score."""
        mean = round(self.score_sum / self.scored, 1) if self.scored else None
        return Summary(
            files=self.files,
            files_with_errors=self.files_with_errors + error_count,
            findings=sum(self.by_code.values()),
            by_severity={s.label: self.by_severity[s] for s in reversed(Severity)},
            by_code=dict(sorted(self.by_code.items())),
            suppressed=self.suppressed,
            mean_score=mean,
            min_score=self.min_score,
            grade=grade(round(mean)) if mean is not None else None,
        )


def summarise(pages: Iterable[PageReport], error_count: int = 0) -> Summary:
    """Totals over all pages; the overall grade is the grade of the mean score."""
    tally = SummaryTally()
    for page in pages:
        tally.add(page)
    return tally.summary(error_count)
