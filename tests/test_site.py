"""The site score formula and site-wide duties, on hand-built page reports."""

from __future__ import annotations

from tests.helpers import page_report

from claimcheck.site import CAP_MARGIN, site_score

page = page_report


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


CONTACT_PAGE = """<html lang="es-MX"><body><main>
<h1>Contacto</h1>
<p>Responsable sanitario: Dr. Tomás Ibarra Celis, cédula profesional 4829173.</p>
<p>Licencia sanitaria 19-AM-09-039-0021. Aviso de funcionamiento 2309012345.</p>
<p>Agenda tu cita por WhatsApp. Nuestra clínica está en Monterrey, Nuevo León.</p>
</main></body></html>"""
TREATMENT_PAGE = """<html lang="es-MX"><body><main>
<h1>Terapia celular para la rodilla en Monterrey</h1>
<p>Ofrecemos terapia celular para la artrosis de rodilla; es un tratamiento experimental.</p>
<p>Agenda tu valoración en nuestra clínica. Paquete: $45,000 MXN.</p>
</main></body></html>"""


def test_every_establishment_detail_counts_site_wide() -> None:
    from claimcheck.engine import Engine
    from claimcheck.extract import extract_text
    from claimcheck.model import Origin
    from claimcheck.site import SiteDetails, apply_site_duties

    engine = Engine()
    details = SiteDetails(engine)
    docs = {
        path: extract_text(html, "html", Origin(path=path, kind="string"))
        for path, html in (("/contacto", CONTACT_PAGE), ("/rodilla", TREATMENT_PAGE))
    }
    for doc in docs.values():
        details.observe(doc)
    assert {"CC305", "CC306"} <= set(details.shown)
    treatment = engine.check_document(docs["/rodilla"])
    own = {f.code for f in treatment.active_findings}
    assert {"CC305", "CC306"} <= own  # the page alone does not show them
    after = apply_site_duties(treatment, details)
    credited = {f.code: f.suppressed_by for f in after.findings if f.code in ("CC305", "CC306")}
    assert credited == {"CC305": "site: shown on /contacto", "CC306": "site: shown on /contacto"}
    assert after.score >= treatment.score
