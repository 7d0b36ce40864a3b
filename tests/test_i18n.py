"""One output language for every report: catalogues complete in both languages, and a
Spanish page reported in Spanish (with --lang auto) or English (with --lang en) in text,
JSON, HTML, SARIF and on the serve web page, with no word of the other language left."""

from __future__ import annotations

import json
import re
import warnings

import pytest
from bs4 import BeautifulSoup

from claimcheck import i18n
from claimcheck.cli import main
from claimcheck.config import Config
from claimcheck.lexicon import default_lexicon
from claimcheck.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

# Written for this test: a Mexican clinic page with claims, a testimonial, a negated claim
# and no permit, cédula or licence, so findings, checklist items and reasons all appear.
SPANISH_PAGE = """<!doctype html>
<html lang="es-MX"><head><title>Clínica Renueva Tijuana</title></head>
<body>
<h1>Terapia con células madre en Tijuana</h1>
<p>Nuestras células madre curan la diabetes tipo 2 en una sola sesión.</p>
<p>Resultados garantizados y sin efectos secundarios.</p>
<p>Las células madre mesenquimales regeneran el páncreas.</p>
<p>La terapia no es una cura milagrosa para todos, dicen algunos médicos.</p>
<blockquote>"Yo dejé la insulina en dos meses", cuenta Marta, paciente de Mexicali.</blockquote>
<p>Consulta inicial: $2,500 MXN. Agende su cita al +52 664 555 0199.</p>
<footer>Clínica Renueva, Av. Revolución, Tijuana, Baja California.</footer>
</body></html>
"""

# Common words of one language that never belong in a report written in the other.
ENGLISH = frozenset(
    [
        "the",
        "and",
        "which",
        "does",
        "with",
        "claims",
        "page",
        "without",
        "patients",
        "treatment",
        "this",
        "is",
        "are",
        "of",
        "not",
        "no-one",
        "shows",
        "evidence",
        "its",
        "their",
        "named",
        "any",
    ]
)
SPANISH = frozenset(
    [
        "el",
        "la",
        "los",
        "las",
        "que",
        "del",
        "con",
        "sin",
        "para",
        "una",
        "pacientes",
        "tratamiento",
        "página",
        "afirma",
        "hay",
        "está",
        "están",
        "sobre",
        "muestra",
        "ningún",
        "ninguna",
    ]
)
# Mexican legal terms an English report names as they are (permits, licences, cédulas).
LEGAL_TERMS = re.compile(
    r"(permiso|aviso) de publicidad|responsable sanitario|licencia sanitaria|"
    r"c[ée]dula profesional|c[ée]d\. prof\.|m[ée]dico cirujano|no\. <",
    re.IGNORECASE,
)
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|«[^»]*»|<[^>]*>|\([^)]*\)")


def leftovers(text: str, words: frozenset[str]) -> set[str]:
    """Words of `words` in `text` outside quotations (page text a message quotes, proper
    names in parentheses) and outside Mexican legal terms."""
    text = LEGAL_TERMS.sub(" ", QUOTED.sub(" ", text))
    return {w for w in re.findall(r"[\wáéíóúñü-]+", text.lower()) if w in words}


def other(lang: str) -> frozenset[str]:
    return ENGLISH if lang == "es" else SPANISH


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("i18n") / "clinica.html"
    path.write_text(SPANISH_PAGE, encoding="utf-8")
    return str(path)


def _run(runner, page: str, fmt: str, lang: str, *extra: str) -> str:
    result = runner.invoke(
        main, ["check", page, "--format", fmt, "--lang", lang, "--model", "none", *extra]
    )
    assert result.exit_code == 1, result.output
    return result.stdout


def test_catalogues_have_every_entry_in_both_languages() -> None:
    assert i18n.missing_entries() == {}
    assert set(i18n.catalogue("en")) == set(i18n.catalogue("es"))


def test_every_rule_text_is_written_in_both_languages() -> None:
    for rule in default_lexicon().rules:
        for texts in (rule.message, rule.rationale, rule.suggestion):
            assert texts.get("en") and texts.get("es"), rule.code
            assert texts["en"] != texts["es"] or rule.code == "CC901", rule.code


def test_the_language_setting_is_validated() -> None:
    with pytest.raises(Exception, match="unknown language"):
        Config(lang="fr")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_text_report_is_in_one_language(runner, page: str, lang: str) -> None:
    out = _run(runner, page, "text", "auto" if lang == "es" else "en", "--explain")
    checked = [line for line in out.splitlines() if _is_report_prose(line, lang)]
    assert len(checked) > 20
    for line in checked:
        assert not leftovers(line, other(lang)), line
    tags = i18n.tr(lang, "grounds.legend")
    assert tags in out


def _is_report_prose(line: str, lang: str) -> bool:
    """Lines claimcheck writes (not the page's sentence, trigger, evidence citation or legal
    citations, which are quoted from their sources)."""
    t = i18n.catalogue(lang)
    quoted = (t["text.sentence"], t["text.trigger"], t["text.evidence"], t["text.grounds"])
    label = line.strip().split(":", 1)[0]
    return bool(line.strip()) and label not in quoted


@pytest.mark.parametrize("lang", ["es", "en"])
def test_json_report_is_in_one_language(runner, page: str, lang: str) -> None:
    data = json.loads(_run(runner, page, "json", "auto" if lang == "es" else "en"))
    file = data["files"][0]
    assert file["output_lang"] == lang and file["lang"].startswith("es")
    assert file["page_type_label"] == i18n.page_type_name(file["page_type"], lang)
    texts = [file["page_type_label"], *file["page_type_reasons"]]
    active = [f for f in file["findings"] if not f["suppressed"]]
    assert {"CC101", "CC104", "CC301"} <= {f["code"] for f in active}
    for f in active:
        texts += [f["message"], f["suggestion"], f["rationale"]]
        texts += [g["label"] for g in f["grounds"]]
        texts += [f["evidence"]["citation"]] if f.get("evidence") else []
    assert any(f.get("evidence") for f in active)
    for text in texts:
        assert not leftovers(text, other(lang)), text
    assert data["grounds_legend"] == i18n.tr(lang, "grounds.legend")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_html_report_is_in_one_language(runner, page: str, lang: str) -> None:
    html = _run(runner, page, "html", "auto" if lang == "es" else "en")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == lang
    _assert_prose(soup, lang)


def _assert_prose(soup: BeautifulSoup, lang: str) -> None:
    """Everything claimcheck wrote on an HTML page is in `lang`: the page's own text,
    quoted sentences and links to legal texts are left out (evidence citations are in
    the output language and stay)."""
    for tag in soup.select(
        "style, script, blockquote, a, code, .pagetext, textarea, h2[id^=page-], option"
    ):
        tag.decompose()
    findings = soup.select("li.finding, ul.checklist li")
    assert len(findings) >= 5
    prose = [el.get_text(" ", strip=True) for el in soup.select("p, dd, dt, li, h3, th, td")]
    assert prose
    for text in prose:
        assert not leftovers(text, other(lang)), text


@pytest.mark.parametrize("lang", ["es", "en"])
def test_sarif_is_in_one_language(runner, page: str, lang: str) -> None:
    sarif = json.loads(_run(runner, page, "sarif", "auto" if lang == "es" else "en"))
    run = sarif["runs"][0]
    texts = [r["message"]["text"] for r in run["results"] if "suppressions" not in r]
    for rule in run["tool"]["driver"]["rules"]:
        texts += [rule["shortDescription"]["text"], rule["fullDescription"]["text"]]
    assert len(texts) > 10
    for text in texts:
        assert not leftovers(text, other(lang)), text
    assert run["tool"]["driver"]["properties"]["groundsLegend"] == i18n.tr(lang, "grounds.legend")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_serve_result_page_and_api_follow_the_language(lang: str) -> None:
    client = TestClient(create_app(Config(model="none")))
    response = client.post(
        f"/check?lang={lang}",
        data={"text": SPANISH_PAGE, "format": "html", "lang": lang},
    )
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.html["lang"] == lang
    _assert_prose(soup, lang)
    api = client.post("/api/check", json={"text": SPANISH_PAGE, "format": "html", "lang": lang})
    finding = next(f for f in api.json()["files"][0]["findings"] if f["code"] == "CC101")
    assert not leftovers(finding["message"], other(lang)), finding["message"]
    assert client.post("/api/check", json={"text": "x", "lang": "fr"}).status_code == 400
