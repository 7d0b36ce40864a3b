"""SARIF, GitHub annotations, JUnit XML and CSV: all rendered from the same Report."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import jsonschema
import pytest
from click.testing import CliRunner
from tests.helpers import ROOT, SAMPLES, SARIF_SCHEMA

from claimcheck.cli import main
from claimcheck.config import Config
from claimcheck.engine import Engine, build_report, check_paths
from claimcheck.fingerprint import fingerprint, normalise_path, normalise_sentence
from claimcheck.i18n import output_lang, suppressed_reason
from claimcheck.lexicon import default_lexicon
from claimcheck.model import Report, Severity
from claimcheck.render import RENDERERS, render
from claimcheck.render.csv import COLUMNS
from claimcheck.render.github import escape_data, escape_property
from claimcheck.render.sarif import DOCS_BASE, FINGERPRINT_KEY, artifact_uri, report_to_sarif

needs_sarif_schema = pytest.mark.skipif(
    not SARIF_SCHEMA.is_file(),
    reason=f"{SARIF_SCHEMA} is absent (../shared sits beside the repository in CI)",
)

CLINICA = str(SAMPLES / "clinica-sin-permiso.html")
CLEAN = str(SAMPLES / "careful-clinic.html")
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
GITHUB_LINE = re.compile(
    r"^::(?P<level>error|warning|notice) "
    r"(?:file=(?P<file>[^,:]*))?(?:,line=(?P<line>\d+))?(?:,col=(?P<col>\d+))?"
    r"(?:,title=(?P<title>[^,:]*))?::(?P<message>.*)$"
)


@pytest.fixture(scope="module")
def report() -> Report:
    """Every sample page, checked once."""
    return check_paths([str(SAMPLES)], Config())


@pytest.fixture(scope="module")
def sarif(report: Report) -> dict:
    return report_to_sarif(report, default_lexicon().rules)


def _unescape_data(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return _unescape_data(text.replace("%2C", ",").replace("%3A", ":"))


def _parse_github(output: str) -> list[dict[str, str | None]]:
    rows = []
    for line in output.splitlines():
        m = GITHUB_LINE.match(line)
        assert m, f"not a workflow command: {line!r}"
        row = m.groupdict()
        for key in ("file", "title"):
            row[key] = _unescape_property(row[key]) if row[key] is not None else None
        row["message"] = _unescape_data(row["message"] or "")
        rows.append(row)
    return rows


def _with_message(report: Report, message: str, sentence: str = "") -> Report:
    """The report with its first active finding's message (and sentence) replaced."""
    page = next(p for p in report.files if p.active_findings)
    first = page.active_findings[0]
    edited = replace(first, message=message, sentence=sentence or first.sentence)
    findings = tuple(edited if f is first else f for f in page.findings)
    return replace(report, files=(replace(page, findings=findings),))


# --- SARIF -------------------------------------------------------------------------------


@needs_sarif_schema
def test_sarif_validates_against_the_official_schema(
    runner: CliRunner, tmp_path, monkeypatch
) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    out = tmp_path / "report.sarif"
    monkeypatch.chdir(ROOT)
    missing = "samples/missing page.html"
    result = runner.invoke(main, ["check", "samples", missing, "--format", "sarif", "-o", str(out)])
    assert result.exit_code == 2, result.output
    log = json.loads(out.read_text("utf-8"))
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "claimcheck"
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == [
        "samples/missing%20page.html"
    ]
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert "samples/clinica-sin-permiso.html" in uris
    assert all(u.startswith("samples/") for u in uris), "relative paths must stay relative"
    assert len(run["results"]) > 50


@needs_sarif_schema
def test_sarif_of_a_clean_run_validates_and_succeeds(runner: CliRunner) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    result = runner.invoke(main, ["check", CLEAN, "--format", "sarif"])
    assert result.exit_code == 0, result.output
    log = json.loads(result.stdout)
    jsonschema.validate(log, schema)
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True
    assert all("suppressions" in r for r in log["runs"][0]["results"])


def test_sarif_rules_match_results_and_indices(report: Report, sarif: dict) -> None:
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), "duplicate rule descriptors"
    assert set(ids) == {r["ruleId"] for r in run["results"]}, "rules not used by any result"
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    lexicon = default_lexicon()
    for descriptor in rules:
        rule = lexicon.rule(descriptor["id"])
        assert descriptor["name"] == rule.name
        assert descriptor["fullDescription"]["text"] == rule.rationale_for("en")
        assert descriptor["defaultConfiguration"]["level"] == LEVELS[rule.severity.label]
        assert descriptor["helpUri"] == f"{DOCS_BASE}{rule.code}.md"
        assert (ROOT / "docs" / "rules" / f"{rule.code}.md").is_file()
        assert descriptor["help"]["markdown"].startswith(f"# {rule.code} {rule.name}")
        assert rule.family in descriptor["properties"]["tags"]


def test_sarif_results_mirror_findings_with_suppressions(report: Report, sarif: dict) -> None:
    findings = [f for p in report.files for f in p.findings]
    results = sarif["runs"][0]["results"]
    assert len(results) == len(findings)
    suppressed = 0
    for f, r in zip(findings, results, strict=True):
        assert r["ruleId"] == f.code and r["level"] == LEVELS[f.severity.label]
        assert r["message"]["text"].startswith(f.message)
        location = r["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == artifact_uri(f.path)
        assert location["artifactLocation"]["uri"].startswith("file:///")  # absolute input
        assert location["region"]["startLine"] == f.line
        assert location["region"]["startColumn"] == f.column
        if f.sentence:
            assert location["region"]["snippet"]["text"] == f.sentence
        assert r["partialFingerprints"][FINGERPRINT_KEY] == fingerprint(f.code, f.sentence, f.path)
        if f.suppressed:
            suppressed += 1
            lang = output_lang(None, {p.path: p.lang for p in report.files}[f.path])
            why = suppressed_reason(f.suppressed_by, lang)
            assert r["suppressions"] == [{"kind": "external", "justification": why}]
        else:
            assert "suppressions" not in r
    assert suppressed == report.summary.suppressed > 0


def test_sarif_stdin_uri(runner: CliRunner) -> None:
    result = runner.invoke(
        main,
        ["check", "-", "--format", "sarif"],
        input="Nuestro tratamiento con células madre cura la diabetes.",
    )
    log = json.loads(result.stdout)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {"stdin"}


def test_fingerprint_survives_a_moved_line(engine: Engine) -> None:
    sentence = "Our stem cell therapy cures diabetes."
    before = engine.check_text(f"# Clinic\n\n{sentence}\n", "markdown", path="site/page.md")
    after = engine.check_text(
        f"# Clinic\n\nWelcome.\n\nBook today.\n\n  {sentence}\n", "markdown", path="site/page.md"
    )

    def cure(page):
        return next(f for f in page.active_findings if f.code == "CC101")

    moved, original = cure(after), cure(before)
    assert moved.line > original.line
    prints = [
        report_to_sarif(build_report([page], engine), engine.lexicon.rules)["runs"][0]
        for page in (before, after)
    ]
    by_line = [
        {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]: r["partialFingerprints"][
                FINGERPRINT_KEY
            ]
            for r in run["results"]
            if r["ruleId"] == "CC101"
        }
        for run in prints
    ]
    assert by_line[0][original.line] == by_line[1][moved.line]
    other = engine.check_text(f"# Clinic\n\n{sentence}\n", "markdown", path="site/other.md")
    assert fingerprint("CC101", cure(other).sentence, other.path) != by_line[0][original.line]


def test_fingerprint_normalisation() -> None:
    assert normalise_sentence("  ¡Cura   la\nDiabetes!  ") == "cura la diabetes"
    assert normalise_sentence("100% natural.") == "100% natural"
    assert normalise_path(".\\site\\page.md") == "site/page.md"
    assert fingerprint("CC101", "Cures diabetes.", "./a.md") == fingerprint(
        "cc101", "cures  diabetes", "a.md"
    )
    assert fingerprint("CC101", "Cures diabetes.", "a.md") != fingerprint(
        "CC102", "Cures diabetes.", "a.md"
    )
    assert fingerprint("CC101", "Cures diabetes.", "a.md") != fingerprint(
        "CC101", "Cures diabetes fast.", "a.md"
    )


# --- GitHub ------------------------------------------------------------------------------


def test_github_lines_match_the_json_report(runner: CliRunner) -> None:
    gh = runner.invoke(main, ["check", CLINICA, "--format", "github"])
    js = runner.invoke(main, ["check", CLINICA, "--format", "json"])
    assert gh.exit_code == js.exit_code == 1
    rows = _parse_github(gh.stdout)
    active = [f for f in json.loads(js.stdout)["files"][0]["findings"] if not f["suppressed"]]
    assert len(rows) == len(active) > 10
    commands = {"error": "error", "warning": "warning", "info": "notice"}
    for row, f in zip(rows, active, strict=True):
        expected_message = f["message"] + (
            f"\nSuggestion: {f['suggestion']}" if f["suggestion"] else ""
        )
        assert row == {
            "level": commands[f["severity"]],
            "file": CLINICA,
            "line": str(f["line"]),
            "col": str(f["column"]),
            "title": f"{f['code']} {f['name']}",
            "message": expected_message,
        }


def test_github_escaping_round_trips(report: Report) -> None:
    nasty = "50% of 100%: cured,\r\nfor good:\nreally, %0A literally"
    edited = _with_message(report, nasty)
    page = edited.files[0]
    page = replace(
        page,
        findings=tuple(replace(f, path="dir,with:odd%chars/page.md") for f in page.findings),
    )
    output = render(replace(edited, files=(page,)), "github")
    assert all(line.startswith("::") for line in output.splitlines())
    first = _parse_github(output)[0]
    assert first["file"] == "dir,with:odd%chars/page.md"
    assert first["message"].split("\nSuggestion: ")[0] == nasty
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    assert escape_data("a,b:c%\r") == "a,b:c%25%0D"


def test_github_reports_unreadable_files(runner: CliRunner, tmp_path) -> None:
    missing = str(tmp_path / "gone.html")
    result = runner.invoke(main, ["check", CLEAN, missing, "--format", "github"])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [f"::error file={escape_property(missing)}::no such file"]


# --- JUnit -------------------------------------------------------------------------------


def test_junit_counts_and_failures(report: Report) -> None:
    suite = ET.fromstring(render(report, "junit", fail_on="error"))
    cases = suite.findall("testcase")
    assert suite.tag == "testsuite" and suite.get("name") == "claimcheck"
    assert int(suite.get("tests")) == len(cases) == len(report.files)
    failing = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("failures")) == len(failing) > 0
    assert suite.get("errors") == "0"
    for case, page in zip(cases, report.files, strict=True):
        assert case.get("name") == page.path and case.get("classname") == "claimcheck"
        errors = [f for f in page.active_findings if f.severity >= Severity.ERROR]
        failures = case.findall("failure")
        assert [x.get("type") for x in failures] == [f.code for f in errors]
        for x, f in zip(failures, errors, strict=True):
            assert x.text == f"{f.path}:{f.line}:{f.column} {f.code} {f.message}"
        below = len(page.active_findings) - len(errors)
        out = case.find("system-out")
        assert (0 if out is None else len(out.text.splitlines())) == below
    clean = next(c for c in cases if c.get("name") == CLEAN)
    assert clean.find("failure") is None


def test_junit_fail_on_moves_findings_between_failures_and_output(report: Report) -> None:
    def failures(fail_on: str) -> int:
        return len(ET.fromstring(render(report, "junit", fail_on=fail_on)).findall(".//failure"))

    active = sum(len(p.active_findings) for p in report.files)
    errors = sum(1 for p in report.files for f in p.active_findings if f.severity >= Severity.ERROR)
    assert failures("info") == active
    assert errors < failures("warning") <= active
    assert failures("error") == errors
    assert failures("never") == 0


def test_junit_escapes_markup_and_control_characters(report: Report, runner: CliRunner) -> None:
    nasty = 'Cures <b>"all"</b> & more\x0b]]>'
    text = render(_with_message(report, nasty), "junit", fail_on="info")
    messages = [x.get("message") for x in ET.fromstring(text).iter("failure")]
    assert nasty.replace("\x0b", "\ufffd") in messages
    result = runner.invoke(main, ["check", CLEAN, "nope-missing.md", "--format", "junit"])
    suite = ET.fromstring(result.stdout)
    assert suite.get("errors") == "1" and suite.find(".//error").get("type") == "missing"


# --- CSV ---------------------------------------------------------------------------------


def test_csv_rows_cover_every_finding(report: Report, runner: CliRunner, tmp_path) -> None:
    out = tmp_path / "findings.csv"
    result = runner.invoke(main, ["check", str(SAMPLES), "--format", "csv", "-o", str(out)])
    assert result.exit_code == 1
    reader = csv.DictReader(io.StringIO(out.read_text("utf-8"), newline=""))
    rows = list(reader)
    assert tuple(reader.fieldnames) == COLUMNS
    total = sum(len(p.findings) for p in report.files)
    assert len(rows) == total == report.summary.findings + report.summary.suppressed
    flagged = [r for r in rows if r["suppressed"] == "true"]
    assert len(flagged) == report.summary.suppressed and all(r["suppressed_by"] for r in flagged)
    first = next(f for p in report.files for f in p.findings)
    assert rows[0]["code"] == first.code and rows[0]["line"] == str(first.line)


def test_csv_quotes_commas_quotes_and_newlines(report: Report) -> None:
    nasty_sentence = 'Cures diabetes, "guaranteed"\nsecond line'
    text = render(_with_message(report, "a, b; c", sentence=nasty_sentence), "csv")
    row = next(
        r for r in csv.DictReader(io.StringIO(text, newline="")) if r["message"] == "a, b; c"
    )
    assert row["sentence"] == nasty_sentence


# --- wiring ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["sarif", "github", "junit", "csv"])
def test_cli_output_file_equals_stdout(runner: CliRunner, tmp_path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    to_file = runner.invoke(main, ["check", CLINICA, "--format", fmt, "-o", str(out)])
    to_stdout = runner.invoke(main, ["check", CLINICA, "--format", fmt])
    assert to_file.exit_code == to_stdout.exit_code == 1
    assert to_file.stdout == ""
    assert out.read_text("utf-8") == to_stdout.stdout != ""


def test_artifact_uris() -> None:
    assert artifact_uri("-") == "stdin"
    assert artifact_uri("site/página 1.html") == "site/p%C3%A1gina%201.html"
    assert artifact_uri("site\\page.md") == "site/page.md"
    assert artifact_uri("/srv/site/a b.md") == "file:///srv/site/a%20b.md"
    assert artifact_uri("https://example.com/a?b=1") == "https://example.com/a?b=1"


def test_render_knows_eight_formats_and_rejects_others(report: Report) -> None:
    formats = {"text", "json", "sarif", "github", "gitlab", "junit", "csv", "html"}
    assert set(RENDERERS) == formats
    with pytest.raises(ValueError, match="unknown format"):
        render(report, "yaml")


def test_sarif_inline_suppression_is_in_source(runner: CliRunner, tmp_path) -> None:
    page = tmp_path / "page.md"
    page.write_text("Our stem cell therapy cures diabetes.  claimcheck: ignore[CC101]\n", "utf-8")
    result = runner.invoke(main, ["check", str(page), "--format", "sarif"])
    results = json.loads(result.stdout)["runs"][0]["results"]
    cure = next(r for r in results if r["ruleId"] == "CC101")
    assert cure["suppressions"][0]["kind"] == "inSource"
    assert cure["suppressions"][0]["justification"].startswith("inline:")
