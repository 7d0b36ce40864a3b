"""The site score formula and site-wide duties, on hand-built page reports."""

from __future__ import annotations

from claimcheck.model import PageReport
from claimcheck.site import CAP_MARGIN, site_score


def page(path: str, value: int | None, page_type: str = "commercial") -> PageReport:
    return PageReport(
        path=path,
        format="html",
        lang="es",
        page_type=page_type,  # type: ignore[arg-type]
        page_type_reasons=(),
        jurisdictions=("mx",),
        jurisdiction_reasons=(),
        main_intervention=None,
        main_condition=None,
        sentence_count=1,
        score=value,
        grade=None,
        findings=(),
    )


def test_commercial_pages_weigh_three_times_more() -> None:
    result = site_score([page("a", 90), page("b", 50, "editorial")])
    assert result.score == round((3 * 90 + 50) / 4) and result.grade == "B"
    assert result.pages == 2 and result.reasons[0].startswith("weighted mean 80.0")


def test_worst_commercial_page_caps_the_site() -> None:
    pages = [page("home", 20), *(page(f"blog{i}", 100, "editorial") for i in range(20))]
    result = site_score(pages)
    assert result.score == 20 + CAP_MARGIN and result.grade == "F"
    assert "worst commercial page home scores 20" in result.reasons[1]


def test_unscored_pages_are_left_out() -> None:
    assert site_score([page("a", None)]).score is None
    assert site_score([page("a", None), page("b", 70, "editorial")]).score == 70
    assert site_score([]).pages == 0
