"""Evidence citations in the output language (issue 13): every row of the built-in table
has a Spanish citation with the same numbers and trial ids, reports pick the citation in
their output language, and a user lexicon's plain-string citation (English) still loads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from claimcheck.cli import main
from claimcheck.errors import LexiconError
from claimcheck.lexicon import default_lexicon, load_lexicon
from claimcheck.model import Evidence

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "clinica-sin-permiso.html"
REPORT_SCHEMA = ROOT / "src" / "claimcheck" / "schemas" / "report.schema.json"
NUMBERS = re.compile(r"NCT\d+|\d+")


def _templates(lang: str) -> list[re.Pattern[str]]:
    """Each built-in row's citation in `lang` as a pattern, `{condition}` matching a label."""
    rows = default_lexicon().evidence
    texts = [r.citation_es if lang == "es" else r.citation for r in rows]
    return [re.compile(re.escape(t).replace(r"\{condition\}", ".+") + "$") for t in texts]


def _is_row_citation(text: str, lang: str) -> bool:
    return any(p.match(text) for p in _templates(lang))


def test_every_row_has_a_spanish_citation_with_the_same_numbers() -> None:
    rows = default_lexicon().evidence
    assert len(rows) > 90
    for row in rows:
        key = (row.intervention, row.condition)
        assert len(row.citation_es) > 20, key
        assert row.citation_es != row.citation, key
        assert sorted(NUMBERS.findall(row.citation_es)) == sorted(NUMBERS.findall(row.citation)), (
            key
        )
        assert ("{condition}" in row.citation_es) == ("{condition}" in row.citation), key


def _json_report(runner, lang: str) -> dict:
    result = runner.invoke(
        main, ["check", str(SAMPLE), "--format", "json", "--lang", lang, "--model", "none"]
    )
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_json_report_cites_in_the_output_language(runner, lang: str) -> None:
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} is absent")
    report = _json_report(runner, lang)
    jsonschema.validate(report, json.loads(REPORT_SCHEMA.read_text(encoding="utf-8")))
    citations = [
        f["evidence"]["citation"]
        for page in report["files"]
        for f in page["findings"]
        if f["evidence"] and f["evidence"]["citation"]
    ]
    assert citations
    for citation in citations:
        assert _is_row_citation(citation, lang), citation
        assert not _is_row_citation(citation, "en" if lang == "es" else "es"), citation
    assert all(
        "citation_es" not in f["evidence"] for f in report["files"][0]["findings"] if f["evidence"]
    )


def test_text_and_html_reports_cite_in_spanish(runner) -> None:
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} is absent")
    text = runner.invoke(
        main, ["check", str(SAMPLE), "--lang", "es", "--explain", "--model", "none"]
    ).stdout
    lines = re.findall(r"^ +evidencia: [^;]*; (.+)$", text, re.M)
    assert lines and all(_is_row_citation(c, "es") for c in lines), lines
    html = runner.invoke(
        main, ["check", str(SAMPLE), "--lang", "es", "--format", "html", "--model", "none"]
    ).stdout
    spans = re.findall(r'<span class="evidence-citation">([^<]+)</span>', html)
    assert spans
    assert all(_is_row_citation(s.replace("&#39;", "'").replace("&amp;", "&"), "es") for s in spans)


def _user_lexicon(tmp_path: Path, citation: str) -> Path:
    (tmp_path / "evidence.yaml").write_text(
        "kind: evidence\nevidence:\n"
        f"  - {{intervention: prp, condition: ed, level: phase1_2, citation: {citation}}}\n",
        encoding="utf-8",
    )
    return tmp_path


def test_a_plain_string_citation_is_english_and_used_for_spanish_too(tmp_path) -> None:
    lex = load_lexicon([_user_lexicon(tmp_path, '"Two small trials (Doe 2021)."')])
    row = next(r for r in lex.evidence if (r.intervention, r.condition) == ("prp", "ed"))
    assert (row.citation, row.citation_es) == ("Two small trials (Doe 2021).", "")
    evidence = Evidence("prp", "ed", row.level, row.citation, citation_es=row.citation_es)
    assert evidence.citation_for("es") == evidence.citation_for("en") == row.citation


def test_a_bilingual_citation_needs_both_languages(tmp_path) -> None:
    ok = load_lexicon([_user_lexicon(tmp_path, "{en: Two trials., es: Dos ensayos.}")])
    row = next(r for r in ok.evidence if (r.intervention, r.condition) == ("prp", "ed"))
    assert (row.citation, row.citation_es) == ("Two trials.", "Dos ensayos.")
    with pytest.raises(LexiconError, match="citation"):
        load_lexicon([_user_lexicon(tmp_path, "{en: Two trials.}")])


def test_the_yaml_keeps_both_texts_side_by_side() -> None:
    doc = yaml.safe_load((ROOT / "lexicons" / "evidence.yaml").read_text(encoding="utf-8"))
    assert all(set(row["citation"]) == {"en", "es"} for row in doc["evidence"])
