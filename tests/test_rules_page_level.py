"""Page-level rules added with the canonical table (CC109, CC205-CC207, CC302, CC305, CC307,
CC402-CC405) on small pages written to files (the seeds are in test_seeds.py)."""

from __future__ import annotations

import pytest
from tests.helpers import assert_finding, assert_no_finding, codes

from claimcheck.config import Config
from claimcheck.engine import Engine
from claimcheck.page_checks import placeholder_reason
from claimcheck.sources import read_path

# Permit numbers in the two shapes observed on published COFEPRIS permits
# (reference/regulatory.md, CC302): 14 characters (older) and 16 characters (current).
OBSERVED_PERMITS = [
    "193300201A1797",
    "203301202A0198",
    "2323022002A00053",
    "2623022002A00090",
    "2623032002A00011",
    "2407012002A00464",
    "2507015056X00545",
]
PERMIT_LINES = [
    "Número de permiso de publicidad COFEPRIS {n}",
    "Aviso de Publicidad COFEPRIS: {n}",
    "Permiso de publicidad COFEPRIS No. {n}",
    "PERMISO DE PUBLICIDAD No. {n}",
]
MX_CLINIC = (
    "<html lang='es-MX'><body><main><h1>Terapia celular en Mérida</h1>"
    "<p>Nuestra clínica ofrece valoración para personas con diabetes tipo 2.</p>"
    "<p>Consulta: $1,200 MXN. Agende su cita por WhatsApp.</p>{extra}</main>"
    "<footer><p>{footer}</p></footer></body></html>"
)


def _check(tmp_path, name: str, text: str, **options):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    engine = Engine(Config(**options)) if options else Engine()
    return engine.check_raw(read_path(str(path)))


@pytest.mark.parametrize("number", OBSERVED_PERMITS)
@pytest.mark.parametrize("line", PERMIT_LINES)
def test_observed_permit_numbers_pass_cc301_and_cc302(tmp_path, number: str, line: str) -> None:
    page = MX_CLINIC.format(extra="", footer=line.format(n=number))
    report = _check(tmp_path, "permit.html", page)
    assert "mx" in report.jurisdictions
    assert_no_finding(report, "CC301")
    assert_no_finding(report, "CC302")


@pytest.mark.parametrize(
    ("footer", "number"),
    [
        ("AVISO DE PUBLICIDAD COFEPRIS 2425N2SSA01827", "2425N2SSA01827"),
        ('PERMISO DE PUBLICIDAD No. " "', '"'),
        ("Permiso de publicidad COFEPRIS: en trámite", "en trámite"),
        ("Permiso de publicidad No. 24-0001", "24-0001"),
    ],
)
def test_malformed_or_placeholder_permit_is_cc302_not_cc301(
    tmp_path, footer: str, number: str
) -> None:
    report = _check(tmp_path, "permit.html", MX_CLINIC.format(extra="", footer=footer))
    assert_no_finding(report, "CC301")  # the tolerant marker lets the line through ...
    finding = assert_finding(report, "CC302")  # ... so that its number is judged here
    assert number in finding.message
    assert finding.severity.label == "warning"


PLACEHOLDER_PERMITS = [
    ("Permiso de publicidad COFEPRIS No. {n}", "2400000000A00000", "example number"),
    ("Permiso de publicidad COFEPRIS No. {n}", "2600000000A00000", "zero-filled"),
    ("Aviso de Publicidad COFEPRIS: {n}", "2511042002A00000", "zero-filled"),
    ("PERMISO DE PUBLICIDAD No. {n}", "1234567890A12345", "sequential"),
    ("Número de permiso de publicidad COFEPRIS {n}", "2418032002A54321", "sequential"),
    ("COFEPRIS No. {n}", "9999999999A99999", "repeated"),
    ("Permiso de publicidad COFEPRIS No. {n}", "123300202A1234", "example number"),
]


@pytest.mark.parametrize(("line", "number", "why"), PLACEHOLDER_PERMITS)
def test_placeholder_permit_numbers_are_cc302(tmp_path, line: str, number: str, why: str) -> None:
    page = MX_CLINIC.format(extra="", footer=line.format(n=number))
    report = _check(tmp_path, "permit.html", page, lang="en")
    assert_no_finding(report, "CC301")  # a permit line is there ...
    finding = assert_finding(report, "CC302")  # ... but its number is no issued number
    assert number in finding.message and why in finding.message
    assert report.score is not None and report.score < 100


PLACEHOLDER_CEDULAS = [
    ("Cédula profesional 1234567", "example number"),
    ("Céd. Prof. 12345678", "example number"),
    ("cédula profesional: 0123456", "sequential"),
    ("Céd. Prof. 7654321", "sequential"),
    ("Cédula 98765432", "sequential"),
    ("Céd. Prof. No. 1111111", "repeated"),
    ("cédula 0000000", "zero-filled"),
    ("Cédula profesional 30000000", "zero-filled"),
]


@pytest.mark.parametrize(("cedula", "why"), PLACEHOLDER_CEDULAS)
def test_placeholder_cedulas_are_cc304_not_accepted(tmp_path, cedula: str, why: str) -> None:
    extra = f"<p>Le atiende la Dra. Marisol Peña Ortiz, {cedula}, Medicina Interna.</p>"
    report = _check(tmp_path, "cedula.html", MX_CLINIC.format(extra=extra, footer=""), lang="en")
    assert_no_finding(report, "CC303")  # the duty's line is there: CC304 judges its number
    finding = assert_finding(report, "CC304")
    assert finding.severity.label == "error" and why in finding.message


@pytest.mark.parametrize(
    "cedula", ["Cédula profesional 4719352", "Céd. Prof. 10482763", "cédula 3004100"]
)
def test_real_looking_cedulas_pass_cc303_and_cc304(tmp_path, cedula: str) -> None:
    extra = f"<p>Le atiende la Dra. Marisol Peña Ortiz, {cedula}, Medicina Interna.</p>"
    report = _check(tmp_path, "cedula.html", MX_CLINIC.format(extra=extra, footer=""))
    assert_no_finding(report, "CC303")
    assert_no_finding(report, "CC304")


def test_rewrites_pasted_as_written_are_not_accepted(tmp_path) -> None:
    """The suggestions of CC302 and CC303 show placeholders for the numbers; a page that
    pastes them keeps a finding until the real numbers are filled in."""
    lexicon = Engine().lexicon
    suggestion = {r.code: r.suggestion_for("es") for r in lexicon.rules}
    permit = suggestion["CC302"].split('"')[1]  # Permiso de publicidad COFEPRIS No. ...
    cedula = suggestion["CC303"].split('"')[1].replace("{trigger}", "Dra. Marisol Peña Ortiz")
    page = MX_CLINIC.format(extra=f"<p>{cedula}.</p>", footer=permit)
    report = _check(tmp_path, "pasted.html", page)
    assert_finding(report, "CC302")
    assert {"CC303", "CC304"} & {f.code for f in report.active_findings}
    assert report.grade != "A"


@pytest.mark.parametrize("number", [*OBSERVED_PERMITS, "2419032002A00128", "1000", "4183527"])
def test_issued_looking_numbers_are_no_placeholders(number: str) -> None:
    assert placeholder_reason(number, ("2400000000A00000",)) is None


@pytest.mark.parametrize(
    ("number", "listed", "why"),
    [
        ("24-0000-0000 a00000", ("2400000000A00000",), "example number"),
        ("8901234", (), "sequential"),  # 9 -> 0 wraps
        ("3210987", (), "sequential"),
        ("2412012002A00000", (), "zero-filled"),
        ("5555555", (), "repeated"),
    ],
)
def test_placeholder_reason(number: str, listed: tuple[str, ...], why: str) -> None:
    reason = placeholder_reason(number, listed)
    assert reason is not None and why in reason


def test_no_permit_line_is_still_cc301(tmp_path) -> None:
    report = _check(tmp_path, "permit.html", MX_CLINIC.format(extra="", footer="Mérida, Yuc."))
    assert_finding(report, "CC301")
    assert_no_finding(report, "CC302")


def test_responsable_sanitario_with_cedula_satisfies_cc305(tmp_path) -> None:
    missing = _check(tmp_path, "a.html", MX_CLINIC.format(extra="", footer="Mérida, Yuc."))
    assert_finding(missing, "CC305")
    named = MX_CLINIC.format(
        extra="", footer="Responsable sanitario: Dra. Inés Canul Pech, Céd. Prof. 6543210."
    )
    assert_no_finding(_check(tmp_path, "b.html", named), "CC305")
    no_number = MX_CLINIC.format(extra="", footer="Responsable sanitario: Dra. Inés Canul Pech.")
    assert_finding(_check(tmp_path, "c.html", no_number), "CC305")


def test_research_claim_needs_protocol_authorisation(tmp_path) -> None:
    study = "<p>Participe en nuestro estudio de células madre para la diabetes.</p>"
    permit = "Permiso de publicidad COFEPRIS No. 2423012002A00417"
    report = _check(tmp_path, "a.html", MX_CLINIC.format(extra=study, footer=permit))
    assert_finding(report, "CC307", trigger="nuestro estudio")  # a permit number is not one
    authorised = study + (
        "<p>Protocolo autorizado por COFEPRIS, oficio No. 243300410A0117/2024, y por el "
        "Comité de Ética en Investigación (registro CONBIOÉTICA-31-CEI-002-20240101).</p>"
    )
    report = _check(tmp_path, "b.html", MX_CLINIC.format(extra=authorised, footer=permit))
    assert_no_finding(report, "CC307")


def test_mail_order_cells_are_cc109_on_mexican_pages_only(tmp_path) -> None:
    offer = "<p>Enviamos exosomas a domicilio a todo México por paquetería.</p>"
    report = _check(tmp_path, "a.html", MX_CLINIC.format(extra=offer, footer=""))
    assert_finding(report, "CC109", trigger="Enviamos exosomas")
    report = _check(
        tmp_path, "b.html", MX_CLINIC.format(extra=offer, footer=""), jurisdictions=("us",)
    )
    assert_no_finding(report, "CC109")


US_CLINIC = (
    "<html lang='en-US'><body><main><h1>Stem cell therapy for type 2 diabetes</h1>"
    "<p>Our stem cell infusions help patients with type 2 diabetes lower their blood sugar.</p>"
    "{extra}<p>Infusions from $6,000. Book your consultation today.</p></main>"
    "<footer><p>Bayside Cell Clinic, 200 Bay St., Tampa, FL 33602</p></footer></body></html>"
)
DISCLAIMER = "<p>This therapy is investigational and has not been approved by the FDA.</p>"
RISKS = "<p>Possible risks include fever, infection and immune reactions to donor cells.</p>"


def test_video_embed_without_disclaimer_is_cc205_info(tmp_path) -> None:
    video = "<iframe src='https://player.vimeo.com/video/123456789'></iframe>"
    report = _check(tmp_path, "a.html", US_CLINIC.format(extra=video))
    finding = assert_finding(report, "CC205")
    assert finding.severity.label == "info"
    assert_finding(report, "CC201")  # v1 fires only where the page has no disclaimer at all
    report = _check(tmp_path, "b.html", US_CLINIC.format(extra=video + DISCLAIMER))
    assert_no_finding(report, "CC205")
    report = _check(tmp_path, "c.html", US_CLINIC.format(extra=""))
    assert_no_finding(report, "CC205")


def test_risk_disclosure_must_name_a_risk(tmp_path) -> None:
    report = _check(tmp_path, "a.html", US_CLINIC.format(extra=DISCLAIMER))
    assert_finding(report, "CC206")
    report = _check(tmp_path, "b.html", US_CLINIC.format(extra=DISCLAIMER + RISKS))
    assert_no_finding(report, "CC206")
    denial = "<p>There is no risk of infection or rejection.</p>"
    report = _check(tmp_path, "c.html", US_CLINIC.format(extra=DISCLAIMER + denial))
    assert_finding(report, "CC206")  # a denial of risk is not a disclosure
    hidden = "<p style='display:none'>Possible risks include infection and fever.</p>"
    report = _check(tmp_path, "d.html", US_CLINIC.format(extra=DISCLAIMER + hidden))
    assert_finding(report, "CC206")


def test_study_with_a_fee_is_cc207(tmp_path) -> None:
    paid = "<p>Join our clinical study this spring. The enrollment fee is $2,500.</p>"
    report = _check(tmp_path, "a.html", US_CLINIC.format(extra=paid))
    assert_finding(report, "CC207", trigger="Join our clinical study")
    free = "<p>Join our clinical study this spring. There is no enrollment fee.</p>"
    report = _check(tmp_path, "b.html", US_CLINIC.format(extra=free))
    assert_no_finding(report, "CC207")


def test_testimonial_rules(tmp_path) -> None:
    extra = (
        "<h2>Real patients, real results</h2>"
        "<img src='/a1c.png' alt='A1c chart before and after treatment: 9.0% and 6.2%'>"
        "<p>Become a patient ambassador and get $300 off your next visit.</p>"
        '<blockquote><p>"Every patient of mine comes off insulin for good." '
        "— Dr. Alan Crewe, MD</p></blockquote>"
    )
    report = _check(tmp_path, "a.html", US_CLINIC.format(extra=DISCLAIMER + RISKS + extra))
    for code in ("CC402", "CC403", "CC404", "CC405"):
        assert_finding(report, code)
    assert "Dr. Alan Crewe" in assert_finding(report, "CC404").message
    careful = (
        "<img src='/a1c.png' alt='A1c chart before and after treatment: 7.9% and 7.6%'>"
        "<p>This result is not typical: most patients see a change of less than half a point.</p>"
        '<blockquote><p>"No one should stop insulin because of this therapy." '
        "— Dr. Alan Crewe, MD</p></blockquote>"
    )
    report = _check(tmp_path, "b.html", US_CLINIC.format(extra=DISCLAIMER + RISKS + careful))
    assert not {"CC402", "CC403", "CC404", "CC405"} & set(codes(report))


def test_cc303_one_physicians_cedula_does_not_cover_another(tmp_path) -> None:
    extra = (
        "<p>Agende su valoración con el Dr. Roberto Salinas.</p>"
        "<p>La Dra. Ana Ruiz Treviño, cédula profesional 5820147, dirige la clínica.</p>"
    )
    report = _check(tmp_path, "dos.html", MX_CLINIC.format(extra=extra, footer=""))
    found = [f for f in report.active_findings if f.code == "CC303"]
    assert [f.trigger for f in found] == ["Dr. Roberto Salinas"]


def test_cc303_a_cedula_at_any_mention_of_the_physician_counts(tmp_path) -> None:
    extra = (
        "<p>El Dr. Salinas le explica cada paso del tratamiento.</p>"
        "<p>Equipo médico: Dr. Roberto Salinas, Céd. Prof. 8123456.</p>"
    )
    report = _check(tmp_path, "uno.html", MX_CLINIC.format(extra=extra, footer=""))
    assert_no_finding(report, "CC303")


def test_cc404_only_for_the_claim_inside_the_physicians_quotation(tmp_path) -> None:
    own_claim = (
        '<p>"Travel is easy," explains Dr. Peter Hale, our medical director. '
        "Our stem cells cure diabetes.</p>"
    )
    report = _check(tmp_path, "a.html", US_CLINIC.format(extra=DISCLAIMER + RISKS + own_claim))
    assert_finding(report, "CC101")  # the clinic's own claim, not the doctor's
    assert_no_finding(report, "CC404")
    endorsed = '<p>"With our protocol, diabetes is cured for good," says Dr. Peter Hale.</p>'
    report = _check(tmp_path, "b.html", US_CLINIC.format(extra=DISCLAIMER + RISKS + endorsed))
    assert "Dr. Peter Hale is quoted" in assert_finding(report, "CC404").message
