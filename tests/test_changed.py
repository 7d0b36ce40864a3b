"""--changed-since in a real temporary git repository, and its errors outside one."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from claimcheck.changed import changed_files
from claimcheck.cli import main
from claimcheck.errors import ConfigError

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
CURE = "Stem cell therapy cures diabetes.\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True, timeout=30
    ).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    for var in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{var}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{var}_EMAIL", "test@example.invalid")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    repo = tmp_path / "repo"
    (repo / "site").mkdir(parents=True)
    for name in ("a.txt", "b.txt", "c.md"):
        (repo / "site" / name).write_text("We teach healthy eating.\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "site" / "b.txt").write_text(CURE, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "b changes")
    (repo / "site" / "c.md").write_text(CURE, encoding="utf-8")  # uncommitted
    (repo / "site" / "new").mkdir()
    (repo / "site" / "new" / "d.html").write_text(f"<p>{CURE}</p>", encoding="utf-8")
    (repo / "notes.py").write_text("x = 1\n", encoding="utf-8")  # unsupported suffix
    monkeypatch.chdir(repo)
    return repo


def test_changed_files_committed_uncommitted_and_untracked(repo: Path) -> None:
    names = [p.relative_to(repo.resolve()).as_posix() for p in changed_files("main")]
    assert names == ["site/b.txt", "site/c.md", "site/new/d.html"]


def test_check_changed_since_only_checks_changed_files(runner: CliRunner, repo: Path) -> None:
    result = runner.invoke(main, ["check", "site", "--changed-since", "main", "--format", "json"])
    assert result.exit_code == 1, result.output
    paths = [f["path"] for f in json.loads(result.stdout)["files"]]
    assert paths == ["site/b.txt", "site/c.md", "site/new/d.html"]


def test_changed_since_honours_paths_and_globs(runner: CliRunner, repo: Path) -> None:
    args = ["check", "site", "--changed-since", "main", "--format", "json"]
    only_md = runner.invoke(main, [*args, "--include", "*.md"])
    assert [f["path"] for f in json.loads(only_md.stdout)["files"]] == ["site/c.md"]
    no_new = runner.invoke(main, [*args, "--exclude", "new"])
    assert [f["path"] for f in json.loads(no_new.stdout)["files"]] == ["site/b.txt", "site/c.md"]
    one = runner.invoke(main, ["check", "site/a.txt", "--changed-since", "main"])
    assert one.exit_code == 0 and "no changed files since main" in one.stderr


def test_unknown_ref_is_one_line_exit_2(runner: CliRunner, repo: Path) -> None:
    result = runner.invoke(main, ["check", "site", "--changed-since", "no-such-branch"])
    assert result.exit_code == 2
    assert result.stderr == "claimcheck: error: --changed-since: unknown git ref 'no-such-branch'\n"


def test_outside_a_git_repository(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "a.txt").write_text(CURE, encoding="utf-8")
    monkeypatch.chdir(outside)
    with pytest.raises(ConfigError, match="not in a git repository"):
        changed_files("main")
    result = runner.invoke(main, ["check", ".", "--changed-since", "main"])
    assert result.exit_code == 2 and "not in a git repository" in result.stderr
