"""Content-repository formats: front matter settings, MDX, Jinja/Hugo templates."""

from __future__ import annotations

from tests.helpers import assert_finding

from claimcheck.engine import Engine
from claimcheck.sources import read_path


def _check(engine: Engine, path):
    return engine.check_raw(read_path(str(path)))


def test_front_matter_is_metadata_and_sets_page_options(engine: Engine, tmp_path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "---\ntitle: Our stem cells cure diabetes\nclaimcheck:\n  jurisdiction: mx\n"
        "  page-type: commercial\n---\n\n# Diabetes program\n\nBook a consultation today.\n",
        encoding="utf-8",
    )
    report = _check(engine, page)
    assert report.jurisdictions == ("mx",) and report.page_type == "commercial"
    # The `claimcheck:` block is settings, never text; the title is what search results
    # show, so it is checked like body text (issue 10, part 5).
    titles = [f for f in report.findings if f.code == "CC101"]
    assert [f.line for f in titles] == [2] and "jurisdiction" not in titles[0].sentence


def test_bad_front_matter_setting_warns(engine: Engine, tmp_path) -> None:
    page = tmp_path / "page.md"
    page.write_text("---\nclaimcheck:\n  jurisdiction: fr\n---\nHello.\n", encoding="utf-8")
    report = _check(engine, page)
    assert any("claimcheck.jurisdiction" in w and w.startswith(str(page)) for w in report.warnings)


def test_mdx_imports_and_jsx_are_not_text(engine: Engine, tmp_path) -> None:
    page = tmp_path / "page.mdx"
    page.write_text(
        "import Callout from '../components/Callout'\nexport const meta = {cure: true}\n\n"
        '# Stem cells\n\n<Callout type="info">\nOur stem cell therapy cures type 2 diabetes.\n'
        "</Callout>\n",
        encoding="utf-8",
    )
    report = _check(engine, page)
    finding = assert_finding(report, "CC101")
    assert finding.line == 7
    assert all("import" not in f.sentence for f in report.findings)


def test_jinja_and_hugo_tags_are_stripped_keeping_lines(engine: Engine, tmp_path) -> None:
    page = tmp_path / "page.html.j2"
    page.write_text(
        "{% extends 'base.html' %}\n{% block content %}\n<h1>{{ page.title }}</h1>\n"
        '<p>{{< figure src="x.png" >}} Our stem cell therapy reverses type 2 diabetes.</p>\n'
        "{# reviewer: check this #}\n{% endblock %}\n",
        encoding="utf-8",
    )
    report = _check(engine, page)
    finding = assert_finding(report, "CC102")
    assert finding.line == 4
    assert "{{" not in finding.sentence and "figure" not in finding.sentence
