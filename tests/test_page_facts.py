"""Page facts on pages the team wrote in the styles of real clinic, news and regulator pages:
whose voice a page is in, which countries it shows, and what search results show.

The real-world dev set (../shared/eval/realworld-dev) is read in place, never copied.
"""

from __future__ import annotations

import json

import pytest
from tests.helpers import SHARED, assert_finding

from claimcheck.config import Config
from claimcheck.engine import Engine
from claimcheck.render.json import render_json

DEV = SHARED / "eval" / "realworld-dev" / "pages"


@pytest.fixture(scope="module")
def rules() -> Engine:
    """Rules only: page facts do not depend on the classifier."""
    return Engine(Config(model="none"))


# A clinic's treatment page that never says 'our clinic' nor shows a price: the disease,
# then the treatment in the page's own voice.
TREATMENT_PAGE_ES = """Artrosis de cadera

La artrosis de cadera es el desgaste progresivo del cartílago que recubre la articulación.
Produce dolor al caminar, rigidez por la mañana y pérdida de movilidad con los años.

Tratamiento con células madre para la artrosis de cadera

Las células madre mesenquimales se obtienen del tejido adiposo del propio paciente.
Las células madre regeneran el cartílago dañado y reducen la inflamación de la articulación.
El procedimiento es ambulatorio y el paciente vuelve a casa el mismo día.
"""

FAQ_PAGE_EN = """Frequently Asked Questions

Is stem cell therapy right for me?
We review every case with you before any treatment is planned.

How long does the procedure take?
Most infusions of umbilical cord cells take about two hours at our center.
"""

NEWS_PAGE_ES = """Por Marta Quintero Ruiz
12 de marzo de 2024

La Secretaría de Salud advirtió sobre clínicas que ofrecen terapias con células madre sin
autorización. "No existe evidencia de que curen la diabetes", dijo el subsecretario.
Según explicó la dependencia, tres establecimientos fueron suspendidos esta semana.
Foto: Archivo
"""

REGULATOR_ALERT_EN = """The FDA issued warning letters to two companies selling exosome products.
According to the agency, the firms claimed their products treat arthritis and lung disease.
The products are unapproved and unproven, the agency said, and consumers should beware.
"""


def test_treatment_page_without_offer_words_is_commercial(rules: Engine) -> None:
    report = rules.check_text(TREATMENT_PAGE_ES)
    assert report.page_type == "commercial"
    assert any("treatment" in r for r in report.page_type_reasons)


def test_faq_in_the_sellers_voice_is_commercial(rules: Engine) -> None:
    report = rules.check_text(FAQ_PAGE_EN)
    assert report.page_type == "commercial"
    assert report.page_type_reasons[0].startswith("seller cues")


@pytest.mark.parametrize("text", [NEWS_PAGE_ES, REGULATOR_ALERT_EN])
def test_news_and_regulator_pages_are_editorial(rules: Engine, text: str) -> None:
    report = rules.check_text(text)
    assert report.page_type == "editorial", report.page_type_reasons
    assert not any(f.code.startswith(("CC2", "CC3")) for f in report.active_findings)


def test_a_quoted_clinic_in_a_news_story_is_not_the_pages_voice(rules: Engine) -> None:
    text = (
        "The clinic opened in 2019, the owner told reporters.\n\n"
        '"We offer our patients the latest cord-blood infusions," she said.\n\n'
        "State inspectors visited the site twice, according to records.\n"
    )
    assert rules.check_text(text).page_type == "editorial"


@pytest.mark.parametrize(
    "text",
    [
        "Stem cell therapy cures type 2 diabetes.",
        "El tratamiento con células madre revierte la artrosis. Es seguro.",
    ],
)
def test_one_or_two_sentences_without_cues_are_unknown(rules: Engine, text: str) -> None:
    report = rules.check_text(text)
    assert report.page_type == "unknown"
    assert "too short" in report.page_type_reasons[0]
    # The overclaim is still found; page duties (disclaimers, permits) are not asked for.
    assert any(f.code.startswith("CC1") for f in report.active_findings)
    assert not any(f.code.startswith(("CC2", "CC3")) for f in report.active_findings)


def test_a_short_text_with_a_seller_cue_is_commercial(rules: Engine) -> None:
    report = rules.check_text("Book your free consultation at our clinic today.")
    assert report.page_type == "commercial"


def test_forced_page_type_wins(rules: Engine) -> None:
    forced = rules.with_page_options(None, "editorial")
    assert forced.check_text(TREATMENT_PAGE_ES).page_type == "editorial"


# ----------------------------------------------------------------------------- countries


def test_a_mexican_city_alone_names_mexico_and_its_profile(rules: Engine) -> None:
    text = "Nuestra clínica en Tijuana aplica células madre para la rodilla."
    report = rules.check_text(text)
    assert "mx" in report.jurisdictions
    assert report.countries[:1] == ("mx",)
    assert any("mx-cities" in r for r in report.country_reasons)


def test_mexican_address_form_names_mexico(rules: Engine) -> None:
    report = rules.check_text("Visítenos en Av. Reforma 222, Col. Juárez, C.P. 06600.")
    assert "mx" in report.jurisdictions and report.countries == ("mx",)


def test_us_patients_are_an_audience_not_a_country(rules: Engine) -> None:
    text = "Our clinic in Cancún welcomes US patients; prices in USD."
    report = rules.check_text(text)
    assert set(report.jurisdictions) == {"mx", "us"}
    assert report.countries == ("mx",)


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Nuestro centro en Medellín aplica terapia celular. WhatsApp +57 300 123 4567.", "co"),
        ("Clínica de medicina regenerativa en Escazú, a minutos de San José, Costa Rica.", "cr"),
        ("Stem cell clinic in Nassau: ask about our Bahamas protocols.", "bs"),
        ("Tratamiento en Santo Domingo, República Dominicana, con precios en RD$ 90,000.", "do"),
        ("El Sernac denunció a la empresa por publicidad engañosa en Santiago de Chile.", "cl"),
        ("Consulta en Buenos Aires; la ANMAT no aprobó estos productos.", "ar"),
        (
            "Instituto en Madrid especializado en plasma rico en plaquetas. Tel. +34 910 000 000.",
            "es",
        ),
        ("Clínica en Istanbul para pacientes de habla hispana.", "tr"),
    ],
)
def test_other_countries_are_named_without_a_profile(
    rules: Engine, text: str, country: str
) -> None:
    report = rules.check_text(text)
    assert report.countries[:1] == (country,), report.country_reasons
    assert country not in report.jurisdictions  # only mx and us have rule profiles


def test_a_country_named_once_in_passing_is_not_the_pages_country(rules: Engine) -> None:
    report = rules.check_text("Algunas familias viajan a Turquía por estos tratamientos.")
    assert report.countries == ()


def test_countries_appear_in_json_and_text(rules: Engine) -> None:
    text = "Terapia celular en Bogotá. Agenda tu cita por WhatsApp."
    report = rules.check_text(text)
    from claimcheck.engine import build_report
    from claimcheck.render.text import render_text

    full = build_report([report], rules)
    data = json.loads(render_json(full))
    assert data["files"][0]["countries"] == ["co"]
    assert data["files"][0]["country_reasons"]
    assert "countries: co" in render_text(full, lang="en", show_clean=True)


# ------------------------------------------------------------- what search results show


def test_front_matter_title_overclaim_is_found_and_labelled(rules: Engine) -> None:
    page = "---\ntitle: Stem cells cure diabetes\n---\n\nA short note about our blog.\n"
    report = rules.check_text(page, "markdown")
    finding = assert_finding(report, "CC101")
    assert finding.meta == "front matter title"
    assert (finding.line, finding.column) == (2, 8)
    assert report.score is not None and report.score < 100


def test_meta_description_overclaim_is_found_once_with_its_tag(rules: Engine) -> None:
    page = (
        "<html><head><title>Exosome therapy</title>\n"
        '<meta name="description" content="Exosomes reverse type 2 diabetes.">\n'
        '<meta property="og:description" content="Exosomes reverse type 2 diabetes.">\n'
        "</head><body><p>Read about the clinic.</p></body></html>"
    )
    report = rules.check_text(page, "html")
    hits = [f for f in report.active_findings if f.code == "CC102"]
    assert len(hits) == 1
    assert hits[0].meta == "meta description" and hits[0].line == 2
    data = json.loads(render_json(build_one(rules, report)))
    assert [f.get("meta") for f in data["files"][0]["findings"] if f["code"] == "CC102"] == [
        "meta description"
    ]


def build_one(engine: Engine, report):
    """A one-page Report for the renderers."""
    from claimcheck.engine import build_report

    return build_report([report], engine)


# ------------------------------------------------------------------- the real-world dev set


def _labels() -> list[dict]:
    if not (DEV / "labels.jsonl").is_file():
        pytest.skip("../shared/eval/realworld-dev is absent (it sits beside the repository)")
    lines = (DEV / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_dev_pages_are_typed_right(rules: Engine) -> None:
    labels = _labels()
    right = 0
    for label in labels:
        text = (DEV / label["file"]).read_text(encoding="utf-8")
        right += rules.check_text(text, "text", path="page.txt").page_type == label["page_type"]
    assert right / len(labels) >= 0.9, f"{right}/{len(labels)} pages typed right"
