"""The command line: exit codes, formats, stdin, errors as one line, rule docs."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
from click.testing import CliRunner
from tests.helpers import SAMPLES

from claimcheck.cli import main

REPORT_SCHEMA = json.loads(
    resources.files("claimcheck").joinpath("schemas/report.schema.json").read_text("utf-8")
)
CLEAN = str(SAMPLES / "careful-clinic.html")
BAD = str(SAMPLES / "egregious-clinic.html")


def test_clean_page_exits_zero(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", CLEAN, "--show-clean"])
    assert result.exit_code == 0, result.output
    assert "score 100/100 (A)" in result.output
    assert "score 100/100" not in runner.invoke(main, ["check", CLEAN]).output


def test_findings_exit_one_with_path_line_col(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", BAD])
    assert result.exit_code == 1
    assert f"{BAD}:37:" in result.output and "CC101 [error]" in result.output


def test_fail_on_levels(runner: CliRunner) -> None:
    footer = str(SAMPLES / "footer-disclaimer.html")
    assert runner.invoke(main, ["check", BAD, "--fail-on", "never"]).exit_code == 0
    only_warnings = ["check", footer, "--select", "CC202,CC203,CC110"]
    assert runner.invoke(main, [*only_warnings, "--fail-on", "error"]).exit_code == 0
    assert runner.invoke(main, [*only_warnings, "--fail-on", "warning"]).exit_code == 1


def test_json_report_validates_against_published_schema(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", str(SAMPLES), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    jsonschema.validate(data, REPORT_SCHEMA)
    assert data["tool"]["name"] == "claimcheck" and data["summary"]["files"] >= 8
    suppressed = [f for page in data["files"] for f in page["findings"] if f["suppressed"]]
    assert suppressed and all(f["suppressed_by"] for f in suppressed)


def test_schema_command_prints_the_schema(runner: CliRunner) -> None:
    result = runner.invoke(main, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == REPORT_SCHEMA


def test_stdin(runner: CliRunner) -> None:
    result = runner.invoke(
        main,
        ["check", "-", "--format", "json"],
        input="Nuestro tratamiento con células madre cura la diabetes.",
    )
    assert result.exit_code == 1
    finding = json.loads(result.output)["files"][0]["findings"][0]
    assert finding["code"] == "CC101" and finding["sentence"].startswith("Nuestro")


def test_output_file(runner: CliRunner, tmp_path) -> None:
    out = tmp_path / "report.json"
    result = runner.invoke(main, ["check", CLEAN, "--format", "json", "-o", str(out)])
    assert result.exit_code == 0 and result.output == ""
    assert json.loads(out.read_text())["files"][0]["score"] == 100


def test_explain_shows_suppressed_hits_with_reasons(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", str(SAMPLES / "warning-article.md"), "--explain"])
    assert result.exit_code == 0
    assert "[suppressed]" in result.output and "context: attributed by" in result.output


def test_missing_file_is_one_line_and_exit_two(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "no/such/page.html"])
    assert result.exit_code == 2
    assert "claimcheck: error: no/such/page.html" in result.output
    assert "Traceback" not in result.output


def test_no_paths_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 2 and "no input" in result.output


def test_bad_option_values_exit_two(runner: CliRunner) -> None:
    assert runner.invoke(main, ["check", CLEAN, "--jurisdiction", "fr"]).exit_code == 2
    result = runner.invoke(main, ["check", CLEAN, "--select", "CC999"])
    assert result.exit_code == 2 and "no rule matches 'CC999'" in result.output
    assert runner.invoke(main, ["check", CLEAN, "--format", "yaml"]).exit_code == 2


def test_directory_with_one_bad_file_checks_the_rest(runner: CliRunner, tmp_path) -> None:
    (tmp_path / "good.md").write_text("Our stem cell therapy cures diabetes.\n")
    (tmp_path / "broken.html").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    (tmp_path / "empty.txt").write_text("")
    result = runner.invoke(main, ["check", str(tmp_path), "--format", "json"])
    assert result.exit_code == 2
    data = json.loads(result.output.split("\nclaimcheck: error")[0])
    by_name = {p["path"].rsplit("/", 1)[-1]: p for p in data["files"]}
    assert by_name["good.md"]["findings"][0]["code"] == "CC101"
    assert by_name["broken.html"]["errors"][0]["kind"] == "binary"
    assert by_name["empty.txt"]["errors"][0]["kind"] == "empty"


def test_rules_list_and_explain(runner: CliRunner) -> None:
    listing = runner.invoke(main, ["rules"])
    assert listing.exit_code == 0 and "CC101" in listing.output and "CC401" in listing.output
    explained = runner.invoke(main, ["rules", "explain", "CC102"])
    assert explained.exit_code == 0
    assert "reversal-remission-claim" in explained.output and "## Not flagged" in explained.output
    by_name = runner.invoke(main, ["rules", "explain", "reversal-remission-claim"])
    assert by_name.output == explained.output
    assert runner.invoke(main, ["rules", "explain", "CC999"]).exit_code == 2
    data = json.loads(runner.invoke(main, ["rules", "--format", "json"]).output)
    assert {r["code"] for r in data} >= {"CC101", "CC201", "CC301", "CC401"}


def test_lexicon_validate_builtin(runner: CliRunner) -> None:
    result = runner.invoke(main, ["lexicon", "validate"])
    assert result.exit_code == 0, result.output
    assert "example(s) behave as written" in result.output


def test_lexicon_validate_reports_file_and_yaml_path(runner: CliRunner, tmp_path) -> None:
    (tmp_path / "rules.yaml").write_text(
        "kind: rules\nrules:\n  - code: CC950\n    name: x\n    family: overclaim\n"
        "    severity: fatal\n    check: trigger\n    message: m\n    rationale: r\n"
        "    citation: c\n    examples: {flag: [a], pass: [b]}\n"
    )
    result = runner.invoke(main, ["lexicon", "validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "rules.yaml: $.rules[0].severity: 'fatal' is not one of" in result.output


def test_custom_lexicon_rule_runs_and_its_examples_are_checked(runner: CliRunner, tmp_path) -> None:
    (tmp_path / "local.yaml").write_text(
        "kind: rules\nrules:\n  - code: CC950\n    name: youth-claim\n    family: overclaim\n"
        "    severity: warning\n    check: trigger\n    strength: absolute\n"
        "    message: Promises youth.\n    rationale: r\n    citation: c\n"
        "    patterns: [{id: youth, regex: '\\bfountain of youth\\b'}]\n"
        "    examples: {flag: ['Stem cells, the fountain of youth.'], pass: ['Youthful staff.']}\n"
    )
    assert runner.invoke(main, ["lexicon", "validate", str(tmp_path)]).exit_code == 0
    page = tmp_path / "page.txt"
    page.write_text("Our stem cells are the fountain of youth.")
    result = runner.invoke(
        main, ["check", str(page), "--lexicons", str(tmp_path), "--select", "CC950"]
    )
    assert result.exit_code == 0 and "CC950 [warning] Promises youth." in result.output


def test_unwritable_output_is_a_one_line_error(runner: CliRunner, tmp_path) -> None:
    target = str(tmp_path / "missing-dir" / "report.json")
    result = runner.invoke(main, ["check", CLEAN, "--format", "json", "-o", target])
    assert result.exit_code == 2
    assert "cannot write" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_dash_output_means_stdout(runner: CliRunner, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["check", CLEAN, "--format", "json", "-o", "-"])
    assert result.exit_code == 0
    assert json.loads(result.output)["files"]
    assert not (tmp_path / "-").exists()


def test_no_matching_files_is_an_error_unless_allowed(runner: CliRunner, tmp_path) -> None:
    (tmp_path / "page.md").write_text("Stem cell therapy is investigational.\n", "utf-8")
    result = runner.invoke(main, ["check", str(tmp_path), "--include", "*.html"])
    assert result.exit_code == 2
    assert "error: no files to check" in result.output and "include: *.html" in result.output
    allowed = runner.invoke(main, ["check", str(tmp_path), "--include", "*.html", "--allow-empty"])
    assert allowed.exit_code == 0
    assert "warning: no files to check" in allowed.output
