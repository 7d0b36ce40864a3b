"""The conventions ruff and Vale users expect, and the small defects of issue 12 (defect 7)."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from claimcheck.classify import Prediction
from claimcheck.cli import main
from claimcheck.engine import Engine
from claimcheck.history import History

CURE = "<html lang='en'><body><p>Our stem cell therapy cures type 1 diabetes.</p></body></html>"
CLEAN = "A plain page about gardens and the flowers that grow in them.\n"
INSULIN = "<p>Insulin therapy lowers blood glucose in type 1 diabetes.</p>"


@pytest.fixture
def pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a cure claim, a clean page and a config file."""
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "cure.html").write_text(CURE, "utf-8")
    (tmp_path / "content" / "clean.txt").write_text(CLEAN, "utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.claimcheck]\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_j_means_jobs_and_jurisdiction_is_long_only(runner: CliRunner, pages: Path) -> None:
    assert runner.invoke(main, ["check", "content/", "-j", "1"]).exit_code == 1
    assert runner.invoke(main, ["check", "content/", "--jurisdiction", "mx"]).exit_code == 1
    bad = runner.invoke(main, ["check", "content/", "-j", "mx"])
    assert bad.exit_code == 2 and "not a valid integer" in bad.output


def test_a_clean_file_prints_no_score_line_unless_asked(runner: CliRunner, pages: Path) -> None:
    out = runner.invoke(main, ["check", "content/"]).output
    assert "content/cure.html: score" in out and "clean.txt: score" not in out
    assert "Checked 2 file(s)" in out
    shown = runner.invoke(main, ["check", "content/", "--show-clean"]).output
    assert "content/clean.txt: score 100/100" in shown


def test_quiet_prints_findings_only(runner: CliRunner, pages: Path) -> None:
    result = runner.invoke(main, ["check", "content/", "--quiet"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines and all(line.startswith("content/cure.html:1:") for line in lines), lines


def test_statistics_counts_findings_per_rule(runner: CliRunner, pages: Path) -> None:
    (pages / "content" / "cure2.html").write_text(CURE, "utf-8")
    result = runner.invoke(main, ["check", "content/", "--statistics"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "2  CC101  [error] cure-claim"
    wrong = runner.invoke(main, ["check", "content/", "--statistics", "--format", "json"])
    assert wrong.exit_code == 2


def test_min_severity_hides_lower_findings_but_keeps_score_and_gate(
    runner: CliRunner, pages: Path
) -> None:
    full = json.loads(runner.invoke(main, ["check", "content/", "--format", "json"]).output)
    run = runner.invoke(main, ["check", "content/", "--format", "json", "--min-severity", "error"])
    shown = json.loads(run.output)
    severities = {f["severity"] for p in shown["files"] for f in p["findings"]}
    assert severities == {"error"}
    assert [p["score"] for p in shown["files"]] == [p["score"] for p in full["files"]]
    assert run.exit_code == 1


def test_exit_zero_reports_but_passes(runner: CliRunner, pages: Path) -> None:
    result = runner.invoke(main, ["check", "content/", "--exit-zero"])
    assert result.exit_code == 0 and "CC101" in result.output
    missing = runner.invoke(main, ["check", "nope.html", "--exit-zero"])
    assert missing.exit_code == 2  # an unreadable input is never green


def test_stdin_filename_names_the_input_and_its_format(runner: CliRunner, pages: Path) -> None:
    (pages / "pyproject.toml").write_text(
        '[tool.claimcheck]\nper-file-ignores = {"drafts/**" = ["CC1"]}\n', "utf-8"
    )
    args = ["check", "-", "--stdin-filename", "content/x.md", "--format", "json"]
    page = json.loads(
        runner.invoke(main, args, input="# Cures\n\nStem cells cure diabetes.\n").output
    )
    assert (page["files"][0]["path"], page["files"][0]["format"]) == ("content/x.md", "markdown")
    ignored = runner.invoke(main, ["check", "-", "--stdin-filename", "drafts/x.html"], input=CURE)
    assert ignored.exit_code == 0, ignored.output
    both = runner.invoke(main, ["check", "a.html", "--stdin-filename", "x.md"])
    assert both.exit_code == 2


def test_gitlab_code_quality_shape(runner: CliRunner, pages: Path) -> None:
    (pages / "content" / "gone.html").write_text("", "utf-8")  # empty: cannot be checked
    result = runner.invoke(main, ["check", "content/", "--format", "gitlab"])
    issues = json.loads(result.stdout)
    assert issues and isinstance(issues, list)
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str)
        assert isinstance(issue["fingerprint"], str) and issue["fingerprint"]
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["path"], str)
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    codes = {i["check_name"]: i for i in issues}
    assert codes["CC101"]["location"] == {"path": "content/cure.html", "lines": {"begin": 1}}
    assert any(i["severity"] == "blocker" for i in issues)  # the unreadable file shows


def test_missing_path_is_not_a_checked_file_and_its_error_prints_once(
    runner: CliRunner, pages: Path
) -> None:
    result = runner.invoke(main, ["check", "content/cure.html", "missing.html"])
    assert result.exit_code == 2
    assert "Checked 1 file(s)" in result.stdout
    assert (result.stdout + result.stderr).count("no such file") == 1


def test_paths_print_alike_with_and_without_arguments(runner: CliRunner, pages: Path) -> None:
    implicit = runner.invoke(main, ["check"]).output
    explicit = runner.invoke(main, ["check", "."]).output
    assert "content/cure.html:1:" in implicit and "./content" not in implicit
    assert implicit == explicit


def test_suppressed_hits_say_why_not_an_overclaim_message(runner: CliRunner, pages: Path) -> None:
    (pages / "insulin.html").write_text(INSULIN, "utf-8")
    for fmt in ("json", "csv"):
        out = runner.invoke(main, ["check", "insulin.html", "--format", fmt]).stdout
        rows = (
            json.loads(out)["files"][0]["findings"]
            if fmt == "json"
            else list(csv.DictReader(io.StringIO(out)))
        )
        suppressed = [r for r in rows if str(r["suppressed"]).lower() == "true"]
        assert suppressed, rows
        for r in suppressed:
            assert "allows hedged statements only" not in r["message"]  # the old contradiction
            assert "allows (strong)" in r["message"]  # the reason it was ruled out
            assert r["message"].startswith("Not reported") and not r["suggestion"]


class _SureOverclaim:
    """A stand-in classifier that reads every sentence as a certain overclaim."""

    meta: ClassVar[dict] = {"thresholds": {}}
    version = "stub"

    def predict(self, texts):
        return [Prediction("overclaim", 0.999, {"overclaim": 0.999}) for _ in texts]


def test_cc114_never_repeats_a_cc401_testimonial() -> None:
    page = (
        "<html lang='en'><body><h1>Stem cell therapy for diabetes at our clinic</h1>"
        "<p>Book your consultation today. Packages from $9,500 USD. Call +1 555 010 2000.</p>"
        '<blockquote>"After my stem cell treatment my blood sugar went back to normal and '
        'my energy came back within weeks." - Maria, 54</blockquote>'
        "<p>Our regenerative stem cell protocol restores healthy insulin production for "
        "every patient we treat here.</p></body></html>"
    )
    engine = Engine()
    engine._classifier = _SureOverclaim()
    report = engine.check_text(page, "html", "t.html")
    codes: dict[str, set[str]] = {}
    for f in report.active_findings:
        codes.setdefault(f.sentence, set()).add(f.code)
    assert any("CC401" in c for c in codes.values()), codes
    assert not [s for s, c in codes.items() if {"CC114", "CC401"} <= c], codes


def _audit_db(tmp_path: Path) -> str:
    db = str(tmp_path / "history.sqlite")
    with History(db) as history:
        history.conn.execute(
            "INSERT INTO audits VALUES ('a1', '127.0.0.1:8123', 'http://127.0.0.1:8123/', "
            "'2026-01-01T00:00:00', NULL, '0.1.0', NULL, 80, 'B', '/a', 'x', 'now')"
        )
        history.conn.execute(
            "INSERT INTO audits VALUES ('a2', 'clinic.example', 'https://clinic.example/', "
            "'2026-02-01T00:00:00', NULL, '0.1.0', NULL, 55, 'D', '/b', 'y', 'now')"
        )
        history.conn.commit()
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM audits").fetchone() == (2,)
    return db


def test_history_finds_an_ip_audit_on_any_port(runner: CliRunner, tmp_path: Path) -> None:
    db = _audit_db(tmp_path)
    for host in ("127.0.0.1", "127.0.0.1:8123", "http://127.0.0.1:8123/"):
        result = runner.invoke(main, ["history", host, "--db", db])
        assert "1 audit(s) of 127.0.0.1" in result.output, (host, result.output)
    other = runner.invoke(main, ["history", "127.0.0.1:9999", "--db", db])
    assert "no audits" in other.output


def test_history_lists_every_audited_site(runner: CliRunner, tmp_path: Path) -> None:
    db = _audit_db(tmp_path)
    for args in (["history", "--db", db], ["history", "--list", "--db", db]):
        out = runner.invoke(main, args).output
        assert "2 audited site(s)" in out and "clinic.example" in out and "127.0.0.1:8123" in out
    data = json.loads(runner.invoke(main, ["history", "--db", db, "--format", "json"]).output)
    assert [s["host"] for s in data["sites"]] == ["127.0.0.1:8123", "clinic.example"]


def test_crawl_options_say_their_units(runner: CliRunner) -> None:
    text = " ".join(runner.invoke(main, ["crawl", "--help"]).output.split())
    for unit in ("Seconds between requests", "Seconds to wait", "Bytes per response", "pages"):
        assert unit in text, unit


def test_a_missing_extra_is_one_line_naming_it() -> None:
    """Simulated: the module is blocked in sys.modules, as if the extra were not installed."""
    code = (
        "import sys; sys.modules['scrapy'] = None\n"
        "from claimcheck.cli import main\n"
        "main(['crawl', 'http://127.0.0.1:1/', '--out', 'x'])"
    )
    env = {**os.environ, "NO_COLOR": "1"}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "claimcheck: error: claimcheck crawl needs scrapy, which is not installed: "
        "pip install 'claimcheck[crawl]'"
    ]


def test_shell_completion_script_is_generated() -> None:
    script = Path(sys.executable).parent / "claimcheck"
    if not script.is_file():
        pytest.skip("the claimcheck console script is not installed next to this Python")
    env = {**os.environ, "_CLAIMCHECK_COMPLETE": "bash_source"}
    run = subprocess.run([str(script)], capture_output=True, text=True, timeout=60, env=env)
    assert "_claimcheck_completion" in run.stdout, run.stdout + run.stderr
