"""CI gates never go silently green: an empty run, `--fail-on never` and a baseline."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from claimcheck.cli import main

CURE = "<html><body><p>Our stem cell therapy cures type 2 diabetes.</p></body></html>"
RISKY = "Our stem cell therapy for diabetes is 100% safe and guaranteed to work.\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    """A content repository whose root config selects site/**/*.html, as the README shows."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site" / "blog").mkdir(parents=True)
    (tmp_path / "site" / "index.html").write_text(CURE, encoding="utf-8")
    (tmp_path / "site" / "blog" / "post.html").write_text(CURE, encoding="utf-8")
    (tmp_path / "claimcheck.toml").write_text('include = ["site/**/*.html"]\n', encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("target", ["site", "site/", ".", None])
def test_root_config_globs_select_the_same_files_whatever_path_is_given(
    runner: CliRunner, repo: Path, target: str | None
) -> None:
    args = ["check", "--fail-on", "error", *([target] if target else [])]
    result = runner.invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "Checked 2 file(s)" in result.output


def test_root_config_globs_apply_from_a_subdirectory(
    runner: CliRunner, repo: Path, monkeypatch
) -> None:
    monkeypatch.chdir(repo / "site")
    result = runner.invoke(main, ["check", ".", "--fail-on", "error"])
    assert result.exit_code == 1, result.output
    assert "Checked 2 file(s)" in result.output


def test_a_run_that_checks_nothing_fails_unless_allowed(runner: CliRunner, repo: Path) -> None:
    (repo / "claimcheck.toml").write_text('include = ["pages/**/*.html"]\n', encoding="utf-8")
    result = runner.invoke(main, ["check", "site"])
    assert result.exit_code == 2
    assert "no files to check in site (include: pages/**/*.html)" in result.output
    allowed = runner.invoke(main, ["check", "site", "--allow-empty"])
    assert allowed.exit_code == 0, allowed.output


def test_fail_on_never_only_reports_even_with_min_score(runner: CliRunner, repo: Path) -> None:
    (repo / "claimcheck.toml").write_text("min-score = 99\n", encoding="utf-8")
    gated = runner.invoke(main, ["check", "site"])
    assert gated.exit_code == 1
    never = runner.invoke(main, ["check", "site", "--fail-on", "never"])
    assert never.exit_code == 0, never.output
    assert "CC101" in never.output


def test_a_baseline_keeps_the_real_score_and_the_score_gate(
    runner: CliRunner, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "page.txt").write_text(RISKY, encoding="utf-8")
    before = runner.invoke(main, ["check", "page.txt", "--format", "json"])
    created = runner.invoke(main, ["baseline", "create", "page.txt"])
    assert created.exit_code == 0, created.output
    args = ["check", "page.txt", "--baseline", ".claimcheck-baseline.json"]
    assert runner.invoke(main, args).exit_code == 0  # baselined findings do not fail
    after = runner.invoke(main, [*args, "--format", "json"])
    score = '"score": '
    assert after.output.split(score)[1][:3] == before.output.split(score)[1][:3]
    gated = runner.invoke(main, [*args, "--min-score", "90"])
    assert gated.exit_code == 1
    assert "below min-score 90" in gated.output


def test_a_crawl_that_archives_nothing_fails(runner: CliRunner, tmp_path: Path) -> None:
    # Port 1 on loopback: nothing listens, so neither robots.txt nor the seed is reached.
    out = tmp_path / "audit"
    args = ["crawl", "http://127.0.0.1:1/", "--out", str(out), "--no-history", "--retries", "0"]
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "error: no page archived from http://127.0.0.1:1/" in result.output
    assert (out / "manifest.json").is_file()  # the record of the attempt is still written


@pytest.mark.parametrize(
    ("env", "flag", "coloured"),
    [
        ({}, [], False),  # CliRunner's stdout is not a terminal
        ({"FORCE_COLOR": "1"}, [], True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, [], False),
        ({"NO_COLOR": "1"}, ["--color"], True),  # the flag wins over the environment
        ({}, ["--color"], True),  # on a pipe too
    ],
)
def test_colour_follows_flag_then_no_color_then_force_color(
    runner: CliRunner, tmp_path: Path, env: dict, flag: list, coloured: bool
) -> None:
    page = tmp_path / "page.txt"
    page.write_text(RISKY, encoding="utf-8")
    result = runner.invoke(main, ["check", str(page), *flag], env={"NO_COLOR": "", **env})
    assert ("\x1b[" in result.output) is coloured
