"""Inline suppressions in HTML, Markdown and text; per-file-ignores; unused -> CC901; warnings."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from claimcheck.cli import main
from claimcheck.config import load_config
from claimcheck.engine import Engine, check_paths
from claimcheck.model import PageReport
from claimcheck.render.json import report_to_dict

CURE = "Stem cell therapy cures diabetes."
GUARANTEE = "We guarantee a 95% success rate with our stem cell therapy for diabetes."
REPORT_SCHEMA = json.loads(
    resources.files("claimcheck").joinpath("schemas/report.schema.json").read_text("utf-8")
)


def check(tmp_path: Path, name: str, text: str, engine: Engine | None = None) -> PageReport:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_paths([str(path)], engine.config if engine else None).files[0]


def by_code(page: PageReport, code: str) -> list:
    return [f for f in page.findings if f.code == code]


def test_html_range_suppresses_inside_only(tmp_path: Path) -> None:
    page = check(
        tmp_path,
        "p.html",
        "<html><body>\n"
        "<!-- claimcheck-disable CC101 -->\n"
        f"<p>{CURE}</p>\n"
        "<!-- claimcheck-enable CC101 -->\n"
        "<p>Our stem cells cure type 2 diabetes for good.</p>\n"
        "</body></html>\n",
    )
    cures = {f.line: f for f in by_code(page, "CC101")}
    assert cures[3].suppressed
    assert cures[3].suppressed_by == "inline: <!-- claimcheck-disable CC101 --> (line 2)"
    assert not cures[5].suppressed
    assert not by_code(page, "CC901") and page.warnings == ()


def test_markdown_next_line_with_several_codes(tmp_path: Path) -> None:
    page = check(
        tmp_path,
        "p.md",
        f"# Our therapy\n\n<!-- claimcheck-disable-next-line CC104, CC101 -->\n\n{GUARANTEE}\n\n"
        f"{GUARANTEE.replace('95', '90')}\n",
    )
    guarantees = by_code(page, "CC104")
    assert [f.line for f in guarantees] == [5, 7]
    assert guarantees[0].suppressed and not guarantees[1].suppressed
    assert "disable-next-line CC104, CC101 -->" in guarantees[0].suppressed_by
    unused = by_code(page, "CC901")
    assert [(f.line, f.trigger) for f in unused] == [(3, "CC101")], "CC101 suppressed nothing"


def test_text_ignore_on_the_line_and_alone_before_it(tmp_path: Path) -> None:
    page = check(
        tmp_path,
        "p.txt",
        f"{GUARANTEE} claimcheck: ignore[CC104]\n\nclaimcheck: ignore[CC101]\n{CURE}\n\n{CURE}\n",
    )
    assert by_code(page, "CC104")[0].suppressed
    cures = by_code(page, "CC101")
    # the lone directive and the next line form one paragraph; its sentence starts on line 3
    assert [(f.line, f.suppressed) for f in cures] == [(3, True), (6, False)]
    assert cures[0].suppressed_by == "inline: claimcheck: ignore[CC101] (line 3)"
    alone = check(tmp_path, "q.md", f"claimcheck: ignore[CC101]\n\n{CURE}\n\n{CURE}\n")
    assert [(f.line, f.suppressed) for f in by_code(alone, "CC101")] == [(3, True), (5, False)]


def test_prefix_and_rule_name_select_codes(tmp_path: Path) -> None:
    page = check(
        tmp_path,
        "p.txt",
        f"{CURE} claimcheck: ignore[CC1]\n"
        f"{GUARANTEE} claimcheck: ignore[guarantee-or-success-rate]\n",
    )
    assert all(f.suppressed for f in page.findings if f.code.startswith("CC1"))
    assert by_code(page, "CC101") and by_code(page, "CC104")


def test_unused_suppression_is_cc901_and_can_be_ignored(tmp_path: Path) -> None:
    text = "<!-- claimcheck-disable-next-line CC102 -->\n<p>We teach healthy eating.</p>\n"
    page = check(tmp_path, "p.html", text)
    [unused] = by_code(page, "CC901")
    assert (unused.line, unused.trigger, unused.severity.label) == (1, "CC102", "info")
    assert not unused.suppressed
    ignored = check(tmp_path, "q.html", "<!-- claimcheck-disable CC901 -->\n" + text)
    assert [f.suppressed for f in by_code(ignored, "CC901")] == [True]
    cfg = tmp_path / "claimcheck.toml"
    cfg.write_text('ignore = ["CC901"]\n', encoding="utf-8")
    assert not by_code(check(tmp_path, "p.html", text, Engine(load_config(cfg))), "CC901")


def test_bare_disable_suppresses_nothing_and_warns(tmp_path: Path) -> None:
    page = check(tmp_path, "p.html", f"<!-- claimcheck-disable -->\n<p>{CURE}</p>\n")
    assert not by_code(page, "CC101")[0].suppressed
    assert len(page.warnings) == 1
    assert page.warnings[0].startswith(f"{tmp_path / 'p.html'}:1: ")
    assert "names no rule codes" in page.warnings[0]


def test_unknown_code_warns_with_path_and_line(tmp_path: Path) -> None:
    page = check(tmp_path, "p.txt", f"\n{CURE} claimcheck: ignore[CC999, CC101]\n")
    assert by_code(page, "CC101")[0].suppressed, "the known code still works"
    assert page.warnings == (
        f"{tmp_path / 'p.txt'}:2: unknown rule code 'CC999' in claimcheck: ignore[CC999, CC101]",
    )


def test_file_wide_disable_covers_page_findings(tmp_path: Path) -> None:
    body = (
        "<p>Stem cell therapy for type 2 diabetes in Tijuana. Our treatment helps lower blood "
        "sugar. Book your consultation today: $4,500 USD.</p>\n"
    )
    open_page = check(tmp_path, "a.html", body)
    assert any(f.code == "CC201" for f in open_page.active_findings)
    page = check(tmp_path, "b.html", "<!-- claimcheck-disable CC201 -->\n" + body)
    assert not any(f.code == "CC201" for f in page.active_findings)
    assert all(f.suppressed for f in by_code(page, "CC201"))


def test_per_file_ignores_from_config(tmp_path: Path) -> None:
    cfg = tmp_path / "claimcheck.toml"
    cfg.write_text('[per-file-ignores]\n"blog/**" = ["CC101"]\n', encoding="utf-8")
    (tmp_path / "blog").mkdir()
    engine = Engine(load_config(cfg))
    blog = check(tmp_path, "blog/post.txt", CURE + "\n", engine)
    other = check(tmp_path, "page.txt", CURE + "\n", engine)
    [cure] = by_code(blog, "CC101")
    assert cure.suppressed and cure.suppressed_by == "config: per-file-ignores blog/**"
    assert not by_code(other, "CC101")[0].suppressed


def test_warnings_in_json_and_on_stderr(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.txt").write_text(f"{CURE} claimcheck: ignore[CC999]\n", encoding="utf-8")
    text = runner.invoke(main, ["check", "p.txt"])
    assert "claimcheck: warning: p.txt:1: unknown rule code 'CC999'" in text.stderr
    result = runner.invoke(main, ["check", "p.txt", "--format", "json"])
    data = json.loads(result.stdout)
    jsonschema.validate(data, REPORT_SCHEMA)
    assert data["schema_version"] == "1.7"
    assert data["files"][0]["warnings"] == [
        "p.txt:1: unknown rule code 'CC999' in claimcheck: ignore[CC999]"
    ]
    assert "warning" not in result.stderr


def test_suppressed_findings_stay_in_json(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text(f"{CURE} claimcheck: ignore[CC101]\n", encoding="utf-8")
    data = report_to_dict(check_paths([str(path)]))
    jsonschema.validate(data, REPORT_SCHEMA)
    [cure] = [f for f in data["files"][0]["findings"] if f["code"] == "CC101"]
    assert cure["suppressed"] is True
    assert cure["suppressed_by"] == "inline: claimcheck: ignore[CC101] (line 1)"
    assert data["summary"]["findings"] == 0 and data["summary"]["suppressed"] >= 1
