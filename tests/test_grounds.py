"""Legal grounds per jurisdiction: a finding cites only the grounds of its page's
jurisdictions (labelled), grounds are instruments with official URLs, every report
explains the confidence tags, no rule points at files the package does not ship, and no
rewrite states a figure from nowhere."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup
from tests.helpers import SAMPLES

from claimcheck import i18n
from claimcheck.cli import main
from claimcheck.lexicon import default_lexicon
from claimcheck.messages import fill, template_values

MEXICAN = re.compile(r"\b(LGS|RLGSMP|COFEPRIS|NOM-|Reglamento|Ley General)", re.IGNORECASE)
US = re.compile(r"\b(FTC|FDA|CFR|U\.S\.C\.|Public Health Service|Food, Drug)\b")
EU = re.compile(r"\b(EU|UK|CAP Code|2005/29|2001/83)\b")
OFFICIAL_HOSTS = (
    ".gob.mx",
    ".gov",
    "eur-lex.europa.eu",
    "www.asa.org.uk",
    "www.isscr.org",
)
BOTH_PAGE = """<!doctype html><html lang="en"><body>
<h1>Stem cell therapy in Tijuana for US patients</h1>
<p>Our stem cell therapy cures type 2 diabetes.</p>
<p>Our clinic in Tijuana welcomes US patients; the treatment costs $9,500 USD.</p>
<p>Call us from the United States at +1 619 555 0134 or in Mexico at +52 664 555 0199.</p>
<p>Book your appointment today.</p>
</body></html>
"""
NEUTRAL_PAGE = "Our stem cell therapy cures type 2 diabetes. Book your session today."


def _json(runner, path: str, *extra: str) -> dict:
    result = runner.invoke(main, ["check", path, "--format", "json", "--model", "none", *extra])
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)["files"][0]


def _grounds(file: dict) -> list[dict]:
    return [g for f in file["findings"] if not f["suppressed"] for g in f["grounds"]]


def test_every_rule_but_the_meta_rule_has_grounds_from_official_texts() -> None:
    for rule in default_lexicon().rules:
        if rule.family == "meta":
            assert not rule.grounds
            continue
        assert rule.grounds, rule.code
        for g in rule.grounds:
            assert g.kind in ("law", "regulation", "guidance", "enforcement"), rule.code
            assert g.confidence in ("R", "S", "V") and g.jurisdiction in ("mx", "us", "general")
            host = urlparse(g.url).hostname or ""
            assert g.url.startswith("https://") and host.endswith(OFFICIAL_HOSTS), g.url


def test_each_rule_cites_only_its_own_jurisdictions_instruments() -> None:
    for rule in default_lexicon().rules:
        for g in rule.grounds:
            if g.jurisdiction == "mx":
                assert not US.search(g.instrument) and not EU.search(g.instrument), g
            elif g.jurisdiction == "us":
                assert not MEXICAN.search(g.instrument) and not EU.search(g.instrument), g


def test_a_us_page_cites_no_mexican_or_eu_instrument(runner) -> None:
    file = _json(runner, str(SAMPLES / "us-regenerative-center.html"))
    assert file["jurisdictions"] == ["us"]
    grounds = _grounds(file)
    assert grounds and {g["jurisdiction"] for g in grounds} == {"us"}
    for g in grounds:
        assert not MEXICAN.search(g["instrument"]) and not EU.search(g["instrument"]), g


def test_a_mexican_page_cites_no_us_instrument(runner) -> None:
    file = _json(runner, str(SAMPLES / "clinica-sin-permiso.html"))
    assert file["jurisdictions"] == ["mx"]
    grounds = _grounds(file)
    assert grounds and {g["jurisdiction"] for g in grounds} == {"mx"}
    for g in grounds:
        assert not US.search(g["instrument"]) and not EU.search(g["instrument"]), g
        assert g["label"] == "México"


def test_a_page_in_both_shows_both_labelled(runner, tmp_path) -> None:
    page = tmp_path / "tijuana.html"
    page.write_text(BOTH_PAGE, encoding="utf-8")
    file = _json(runner, str(page))
    assert set(file["jurisdictions"]) == {"mx", "us"}
    cure = next(f for f in file["findings"] if f["code"] == "CC101")
    labels = {g["jurisdiction"]: g["label"] for g in cure["grounds"]}
    assert labels == {"mx": "Mexico", "us": "United States"}
    text = runner.invoke(main, ["check", str(page), "--explain", "--model", "none"]).stdout
    assert "legal basis: Mexico: Reglamento de la LGS" in text
    assert "legal basis: United States: FTC Act" in text


def test_a_page_with_no_jurisdiction_gets_the_general_grounds(runner, tmp_path) -> None:
    page = tmp_path / "copy.txt"
    page.write_text(NEUTRAL_PAGE, encoding="utf-8")
    file = _json(runner, str(page), "--jurisdiction", "none")
    grounds = _grounds(file)
    assert grounds and {g["jurisdiction"] for g in grounds} == {"general"}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "html"])
def test_every_report_explains_the_confidence_tags(runner, fmt: str) -> None:
    args = ["check", str(SAMPLES / "clinica-sin-permiso.html"), "--format", fmt]
    args += ["--model", "none", *(["--explain"] if fmt == "text" else [])]
    out = runner.invoke(main, args).stdout
    legend = i18n.tr("es", "grounds.legend")
    if fmt == "html":
        out = BeautifulSoup(out, "html.parser").get_text(" ")
    assert legend in out


def test_no_rule_points_at_files_the_package_does_not_ship() -> None:
    outside = re.compile(r"evidence\.md|regulatory\.md|reference/|\.\./shared")
    for rule in default_lexicon().rules:
        texts = [*rule.message.values(), *rule.rationale.values(), *rule.suggestion.values()]
        texts += [f"{g.instrument} {g.article}" for g in rule.grounds]
        for text in texts:
            assert not outside.search(text), (rule.code, text)


def test_no_rewrite_states_a_figure_from_nowhere() -> None:
    """A rewrite may hold a number only where it names something (type 2 diabetes,
    COVID-19): every digit of a rendered suggestion comes from a term's label, never from
    the template, so a typical result is a placeholder the user fills with its source."""
    lex = default_lexicon()
    terms = {t.id: t for t in (*lex.interventions, *lex.conditions)}
    for rule in lex.rules:
        for lang in ("en", "es"):
            assert not re.search(r"\d", rule.suggestion_for(lang)), (rule.code, lang)
            for inter in lex.interventions:
                for cond in lex.conditions:
                    values = template_values(terms, inter.id, cond.id, lang, trigger="Dr. X")
                    text = fill(rule.suggestion_for(lang), values)
                    for noun in (values["intervention"], values["condition"]):
                        text = text.replace(noun.text, "").replace(noun.bare, "")
                    assert not re.search(r"\d", text), (rule.code, lang, text)
    cc401 = lex.rule("CC401")
    assert "[resultado típico con fuente]" in cc401.suggestion_for("es")
    assert "[typical result with source]" in cc401.suggestion_for("en")
