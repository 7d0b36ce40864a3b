"""The page score: penalties, the overclaim cap on non-editorial pages, and the site score
that builds on page scores (docs/scoring.md)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st
from tests.helpers import page_report

from claimcheck.config import Config
from claimcheck.engine import Engine
from claimcheck.lexicon.load import load_lexicon
from claimcheck.model import Finding, Severity
from claimcheck.score import (
    NOT_OVERCLAIMS,
    OVERCLAIM_CAP,
    grade,
    overclaim_cap,
    score,
    serious_overclaims,
)
from claimcheck.site import site_score

CURE = "Our stem cell treatment cures diabetes."


def finding(
    code: str = "CC101",
    severity: Severity = Severity.ERROR,
    sentence: str = CURE,
    suppressed: bool = False,
) -> Finding:
    return Finding(
        code=code,
        name="x",
        severity=severity,
        message="m",
        path="p",
        sentence=sentence,
        suppressed=suppressed,
        suppressed_by="negated" if suppressed else None,
    )


def test_one_cure_claim_is_at_most_a_c_on_commercial_and_unknown_pages() -> None:
    one = [finding()]
    assert score(one, "editorial") == 82  # 100 - 12 x 1.5: the penalty alone
    for page_type in ("commercial", "unknown", None):
        assert score(one, page_type) == OVERCLAIM_CAP == 79
        assert grade(score(one, page_type)) == "C"


def test_each_further_claim_lowers_the_cap() -> None:
    claims = [finding(sentence=f"Claim number {i} cures diabetes.") for i in range(5)]
    assert [overclaim_cap(claims[:n], "commercial") for n in range(1, 6)] == [79, 69, 59, 49, 39]
    # The penalties are lower than the cap for the first ones: same rule, halved each time.
    assert score(claims[:2], "commercial") == 69 and score(claims[:2], "editorial") == 73
    assert grade(score(claims[:3], "commercial")) == "F"


def test_the_cap_never_raises_a_score_the_penalties_already_lowered() -> None:
    both = [finding("CC101"), finding("CC102")]  # one sentence, two rules: 100 - 36
    assert score(both, "commercial") == 64 == score(both, "editorial")


def test_rules_firing_on_one_sentence_are_one_claim() -> None:
    same = [finding("CC101"), finding("CC102"), finding("CC103", sentence="  " + CURE.upper())]
    assert serious_overclaims(same) == 1
    assert overclaim_cap(same, "commercial") == 79


def test_warnings_suppressed_hits_and_other_families_do_not_cap() -> None:
    harmless = [
        finding(severity=Severity.WARNING),
        finding(suppressed=True),
        finding("CC109"),  # an offer by mail: regulatory family
        finding("CC303"),
        finding("CC201", sentence=""),
    ]
    assert serious_overclaims(harmless) == 0
    assert overclaim_cap(harmless, "commercial") is None


def test_not_overclaims_matches_the_built_in_rule_families() -> None:
    rules = load_lexicon().rules
    cc1_elsewhere = {r.code for r in rules if r.code.startswith("CC1") and r.family != "overclaim"}
    assert cc1_elsewhere == NOT_OVERCLAIMS


CODES = st.sampled_from(["CC101", "CC102", "CC109", "CC110", "CC201", "CC303", "CC401"])
SENTENCES = st.sampled_from(["a cures b.", "c reverses d.", "e.", ""])
FINDINGS = st.builds(finding, CODES, st.sampled_from(list(Severity)), SENTENCES, st.booleans())
PAGE_TYPES = st.sampled_from(["commercial", "editorial", "unknown"])


@given(st.lists(FINDINGS, max_size=25), FINDINGS, PAGE_TYPES)
def test_score_stays_monotone_with_the_cap(findings, extra, page_type) -> None:
    before = score(findings, page_type)
    assert 0 <= before <= 100
    assert score([*findings, extra], page_type) <= before
    worse = replace(extra, severity=Severity.ERROR)
    assert score([*findings, worse], page_type) <= score([*findings, extra], page_type)
    assert score(findings, page_type) <= score(findings, "editorial")


def test_a_cure_claim_on_a_clinic_page_grades_c_or_worse() -> None:
    text = "Nuestro tratamiento con células madre cura la diabetes."
    commercial = Engine(Config(page_type="commercial"))
    report = commercial.check_text(text)
    assert any(f.code == "CC101" and not f.suppressed for f in report.findings)
    assert report.score is not None and report.score <= OVERCLAIM_CAP
    assert report.grade in {"C", "D", "F"}
    editorial = Engine(Config(page_type="editorial")).check_text(text)
    assert editorial.score is not None and editorial.score > report.score


def test_negated_claim_on_a_clinic_page_keeps_a_good_grade() -> None:
    text = "Ningún tratamiento con células madre cura la diabetes; nuestra terapia es experimental."
    report = Engine(Config(page_type="commercial")).check_text(text)
    assert not any(f.code.startswith("CC1") for f in report.active_findings)
    assert overclaim_cap(report.findings, report.page_type) is None


page = page_report


def test_a_site_with_a_cure_claim_on_its_own_page_is_not_graded_a_or_b() -> None:
    claim = (finding(),)
    pages = [
        page("treatment", score(claim, "unknown"), "unknown", claim),
        page("home", 100, "commercial"),
        *(page(f"blog{i}", 100, "editorial") for i in range(10)),
    ]
    result = site_score(pages)
    assert result.score == OVERCLAIM_CAP and result.grade == "C"
    assert any("treatment makes its own error-level overclaims" in r for r in result.reasons)


def test_an_editorial_page_reporting_a_claim_does_not_cap_the_site() -> None:
    claim = (finding(),)
    pages = [page("news", score(claim, "editorial"), "editorial", claim)]
    pages += [page("home", 100, "commercial")]
    result = site_score(pages)
    assert result.score == round((82 + 3 * 100) / 4)
    assert not any("overclaims" in r for r in result.reasons)
