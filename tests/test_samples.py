"""The bundled samples against their written-down expectations (samples/expected.json)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from tests.helpers import SAMPLES, assert_finding, assert_no_finding

from claimcheck.engine import Engine
from claimcheck.sources import read_path

EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))


def _check(engine: Engine, name: str):
    return engine.check_raw(read_path(str(SAMPLES / name)))


def test_every_sample_has_an_expectation() -> None:
    pages = {p.name for p in SAMPLES.iterdir() if p.suffix in {".html", ".md", ".txt"}}
    assert pages == set(EXPECTED), (
        "samples/expected.json is out of date: run tools/update_expected.py"
    )
    assert len(pages) >= 8


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_matches_expected(engine: Engine, name: str) -> None:
    report = _check(engine, name)
    want = EXPECTED[name]
    got = dict(Counter(f.code for f in report.active_findings))
    assert report.page_type == want["page_type"]
    assert list(report.jurisdictions) == want["jurisdictions"]
    assert got == want["codes"], (
        f"{name}: findings changed; review and run tools/update_expected.py"
    )
    assert report.score == want["score"]


@pytest.mark.parametrize("name", ["careful-clinic.html", "clinica-cuidadosa.md"])
def test_careful_pages_are_clean(engine: Engine, name: str) -> None:
    report = _check(engine, name)
    assert report.active_findings == ()
    assert report.score == 100 and report.grade == "A"
    # The careful pages mention overclaims only to negate them: those hits are kept,
    # suppressed, with the reason.
    assert all(f.suppressed_by for f in report.findings)


def test_warning_article_quotes_overclaims_without_findings(engine: Engine) -> None:
    report = _check(engine, "warning-article.md")
    assert_no_finding(report, "CC1")
    statuses = {f.context.status for f in report.findings if f.code.startswith("CC1")}
    assert {"attributed", "question", "quoted"} <= statuses


def test_egregious_page_gets_each_overclaim_family(engine: Engine) -> None:
    report = _check(engine, "egregious-clinic.html")
    for code in (
        "CC101",
        "CC102",
        "CC103",
        "CC104",
        "CC105",
        "CC106",
        "CC107",
        "CC108",
        "CC110",
        "CC112",
        "CC113",
        "CC201",
        "CC301",
        "CC303",
        "CC306",
        "CC308",
        "CC401",
    ):
        assert_finding(report, code)
    assert report.score == 0 and report.grade == "F"
    assert "mx" in report.jurisdictions and "us" in report.jurisdictions


def test_hidden_disclaimer_does_not_count(engine: Engine) -> None:
    report = _check(engine, "hidden-disclaimer.html")
    finding = assert_finding(report, "CC203")
    assert finding.severity.label == "error"
    assert_finding(report, "CC308")  # the hidden FDA status sentence does not count either


def test_footer_only_disclaimer_is_not_proximate(engine: Engine) -> None:
    report = _check(engine, "footer-disclaimer.html")
    assert_finding(report, "CC202")
    assert_no_finding(report, "CC201")
    assert_no_finding(report, "CC30")  # the footer carries permit, cédula and licence


def test_spanish_clinic_missing_permit_and_cedula(engine: Engine) -> None:
    report = _check(engine, "clinica-sin-permiso.html")
    assert report.jurisdictions == ("mx",)
    for code in ("CC101", "CC102", "CC103", "CC105", "CC106", "CC301", "CC303", "CC306"):
        assert_finding(report, code)
    cure = assert_finding(report, "CC101")
    assert "investigación" in cure.suggestion  # suggestions follow the sentence's language


def test_approved_products_are_not_false_approval_claims(engine: Engine) -> None:
    report = _check(engine, "us-regenerative-center.html")
    assert_no_finding(report, "CC106")
    approvals = [f for f in report.findings if f.code == "CC106" and f.context.status == "asserted"]
    assert len(approvals) == 3  # Ryoncil, cord-blood HPC products, Lantidra
    assert all(f.evidence and f.evidence.level == "approved" for f in approvals)


def test_malformed_cedula_in_plain_copy(engine: Engine) -> None:
    report = _check(engine, "plain-copy.txt")
    assert "12345" in assert_finding(report, "CC304").trigger


def test_mail_order_exosomes_and_a_paid_study(engine: Engine) -> None:
    report = _check(engine, "exosomas-a-domicilio.html")
    assert_finding(report, "CC109", trigger="Enviamos los viales de exosomas a domicilio")
    assert_finding(report, "CC207", trigger="Participe en nuestro estudio")
    assert_finding(report, "CC307")
    assert "2511QRO7X00042" in assert_finding(report, "CC302").message
    assert_no_finding(report, "CC301")  # a malformed permit is CC302, not a missing one
    assert_no_finding(report, "CC303")  # the named physician has a cédula
    assert_no_finding(report, "CC206")  # the risk section names concrete risks


def test_video_ambassadors_and_a_doctors_promise(engine: Engine) -> None:
    report = _check(engine, "us-video-ambassadors.html")
    assert assert_finding(report, "CC205").severity.label == "info"
    assert_finding(report, "CC403", trigger="patient ambassador")
    assert "Dr. Owen Marsh" in assert_finding(report, "CC404", trigger="off insulin").message
    assert_finding(report, "CC405", trigger="before and after treatment")
    # 'check your blood sugar before and after meals' is advice, not a before/after result
    assert all("meals" not in f.sentence for f in report.active_findings)
    assert_no_finding(report, "CC109")  # 'e-mail us' is no mail-order offer (and CC109 is mx)
