"""Baselines: create, survive line moves, only new findings fail, fixed entries listed."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from claimcheck.baseline import apply_baseline, read_baseline, write_baseline
from claimcheck.cli import main
from claimcheck.engine import check_paths
from claimcheck.errors import ConfigError

CURE = "Stem cell therapy cures diabetes."
GUARANTEE = "We guarantee a 95% success rate with our stem cell therapy for diabetes."
NEW = "Our stem cells reverse type 2 diabetes."
REPORT_SCHEMA = json.loads(
    resources.files("claimcheck").joinpath("schemas/report.schema.json").read_text("utf-8")
)


@pytest.fixture
def site(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "page.txt").write_text(f"{CURE}\n\n{GUARANTEE}\n", encoding="utf-8")
    return tmp_path


def test_create_writes_the_default_file(runner: CliRunner, site: Path) -> None:
    result = runner.invoke(main, ["baseline", "create", "site"])
    assert result.exit_code == 0, result.output
    data = json.loads((site / ".claimcheck-baseline.json").read_text("utf-8"))
    assert data["version"] == 1 and data["tool_version"] and data["created"]
    assert sorted(e["code"] for e in data["entries"]) == ["CC101", "CC104"]
    assert {e["path"] for e in data["entries"]} == {"site/page.txt"}
    assert all(len(e["fingerprint"]) == 64 for e in data["entries"])


def test_only_new_findings_are_active_after_lines_move(runner: CliRunner, site: Path) -> None:
    assert runner.invoke(main, ["baseline", "create", "site", "-o", "base.json"]).exit_code == 0
    assert runner.invoke(main, ["check", "site", "--baseline", "base.json"]).exit_code == 0
    page = site / "site" / "page.txt"
    page.write_text(f"Welcome.\n\n\n{GUARANTEE}\n\n{NEW}\n\n  {CURE}\n", encoding="utf-8")
    result = runner.invoke(main, ["check", "site", "--baseline", "base.json", "--format", "json"])
    assert result.exit_code == 1, "the new overclaim fails the run"
    data = json.loads(result.stdout)
    jsonschema.validate(data, REPORT_SCHEMA)
    findings = data["files"][0]["findings"]
    # Sentence findings: the longer page now reads as an offer, so page duties appear too.
    active = [f["code"] for f in findings if not f["suppressed"] and f["scope"] == "sentence"]
    assert active == ["CC102"]
    by_baseline = sorted(f["code"] for f in findings if f.get("suppressed_by") == "baseline")
    assert by_baseline == ["CC101", "CC104"]
    assert data["baseline"] == {"path": "base.json", "matched": 2, "fixed": []}


def test_deleted_sentence_is_listed_as_fixed(runner: CliRunner, site: Path) -> None:
    runner.invoke(main, ["baseline", "create", "site"])
    (site / "site" / "page.txt").write_text(f"{GUARANTEE}\n", encoding="utf-8")
    result = runner.invoke(main, ["check", "site", "--baseline", ".claimcheck-baseline.json"])
    assert result.exit_code == 0, result.output
    assert "1 finding(s) matched, 1 fixed." in result.output
    assert f"fixed: site/page.txt: CC101 {CURE}" in result.output
    json_run = runner.invoke(
        main, ["check", "site", "--baseline", ".claimcheck-baseline.json", "--format", "json"]
    )
    [fixed] = json.loads(json_run.stdout)["baseline"]["fixed"]
    assert (fixed["code"], fixed["sentence"]) == ("CC101", CURE)


def test_duplicate_sentence_beyond_the_baseline_is_new(site: Path) -> None:
    report = check_paths(["site"])
    base = site / "b.json"
    assert write_baseline(report, base) == 2
    (site / "site" / "page.txt").write_text(f"{CURE}\n\n{GUARANTEE}\n\n{CURE}\n", encoding="utf-8")
    applied = apply_baseline(check_paths(["site"]), base)
    active = applied.files[0].active_findings
    assert [f.code for f in active if f.scope == "sentence"] == ["CC101"]
    # The baseline decides what fails the run; the score stays the page's real score.
    assert applied.files[0].score == check_paths(["site"]).files[0].score < 100


def test_baseline_from_config_and_from_another_directory(
    runner: CliRunner, site: Path, monkeypatch
) -> None:
    (site / "claimcheck.toml").write_text('baseline = "ci/base.json"\n', encoding="utf-8")
    (site / "ci").mkdir()
    assert runner.invoke(main, ["baseline", "create", "site", "-o", "ci/base.json"]).exit_code == 0
    assert read_baseline(site / "ci" / "base.json")[0].path == "../site/page.txt"
    monkeypatch.chdir(site / "site")
    result = runner.invoke(main, ["check", "page.txt"])
    assert result.exit_code == 0, result.output
    assert "2 finding(s) matched, 0 fixed" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "not found"), ("{not json", "not valid JSON"), ('{"version": 2}', "version 1")],
)
def test_missing_or_malformed_baseline_exits_2(
    runner: CliRunner, site: Path, content: str | None, message: str
) -> None:
    if content is not None:
        (site / "b.json").write_text(content, encoding="utf-8")
    result = runner.invoke(main, ["check", "site", "--baseline", "b.json"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    with pytest.raises(ConfigError, match=message):
        read_baseline(site / "b.json")
