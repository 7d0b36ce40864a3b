"""The two real pages the project was created from (../shared/seeds)."""

from __future__ import annotations

from tests.helpers import SEEDS, assert_finding, assert_no_finding, needs_shared

from claimcheck.engine import Engine
from claimcheck.sources import read_path

pytestmark = needs_shared

CAREFUL = "003_36cb7fad48af8e90.txt"
BLOG = "000_88c8ac061c0da35a.txt"


def _check(engine: Engine, name: str):
    return engine.check_raw(read_path(str(SEEDS / name)))


def test_careful_page_quotes_overclaims_without_cc1xx(engine: Engine) -> None:
    report = _check(engine, CAREFUL)
    assert_no_finding(report, "CC1")
    criticised = [
        f for f in report.findings if f.trigger.lower() in {"reverse", "eliminate insulin"}
    ]
    assert criticised and all(f.context.status == "attributed" for f in criticised)


def test_careful_page_needs_cedula_and_permit(engine: Engine) -> None:
    report = _check(engine, CAREFUL)
    assert report.page_type == "commercial"
    assert "mx" in report.jurisdictions
    assert_finding(report, "CC303", trigger="Dr. Labastida")
    assert_finding(report, "CC301")


def test_hype_blog_scores_lower_than_careful_page(engine: Engine) -> None:
    blog, careful = _check(engine, BLOG), _check(engine, CAREFUL)
    assert any(f.code.startswith(("CC1", "CC2")) for f in blog.active_findings)
    assert_finding(blog, "CC111", trigger="protect")  # exosome lab results sold as benefits
    assert blog.score < careful.score


def test_careful_page_gets_no_new_overclaims_and_the_duties_it_misses(engine: Engine) -> None:
    report = _check(engine, CAREFUL)
    assert_no_finding(report, "CC109")  # 'return to a hotel or home the same day' is no offer
    assert_no_finding(report, "CC307")  # 'a clinical protocol' is treatment, not research
    assert_finding(report, "CC305")  # a Mexican clinic page without a responsable sanitario
    assert_finding(report, "CC206")  # safety called 'reassuring', but no risk is named
