"""Config discovery, validation, precedence (default < file < CLI), `config show`, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.helpers import ROOT

from claimcheck.cli import main
from claimcheck.config import Config, config_schema, find_config, load_config
from claimcheck.errors import ConfigError

CURE = "Stem cell therapy cures diabetes.\n"  # CC101, error
MIRACLE = "This miracle stem cell breakthrough treatment is available for diabetes.\n"  # CC112
UNUSED = "We teach healthy eating for diabetes. claimcheck: ignore[CC101]\n"  # CC901, info


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path)
    assert config == Config()
    assert config.config_file is None
    assert config.source("fail_on") == "default"


def test_precedence_default_then_file_then_cli(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "site"\n\n[tool.claimcheck]\nfail-on = "warning"\n'
        'select = ["CC1"]\njurisdiction = "mx"\n',
    )
    config = load_config()
    assert config.fail_on == "warning" and config.source("fail_on") == "pyproject.toml"
    assert config.jurisdictions == ("mx",) and config.select == ("CC1",)
    assert config.jobs == 0 and config.source("jobs") == "default"
    cli = config.with_overrides(fail_on="info", select=None)
    assert cli.fail_on == "info" and cli.source("fail_on") == "--fail-on"
    assert cli.select == ("CC1",) and cli.source("select") == "pyproject.toml"


def test_discovery_walks_upward_and_skips_pyproject_without_table(tmp_path: Path) -> None:
    write(tmp_path / "claimcheck.toml", 'fail-on = "never"\n')
    nested = tmp_path / "site" / "blog"
    write(tmp_path / "site" / "pyproject.toml", '[project]\nname = "x"\n')
    nested.mkdir(parents=True)
    assert find_config(nested) == (tmp_path / "claimcheck.toml").resolve()
    assert load_config(cwd=nested).fail_on == "never"


def test_dotfile_config_and_nearest_wins(tmp_path: Path) -> None:
    write(tmp_path / "claimcheck.toml", 'fail-on = "never"\n')
    write(tmp_path / "sub" / ".claimcheck.toml", 'fail-on = "info"\n')
    assert load_config(cwd=tmp_path / "sub").fail_on == "info"


def test_explicit_config_overrides_discovery(tmp_path: Path) -> None:
    write(tmp_path / "claimcheck.toml", 'fail-on = "never"\n')
    other = write(tmp_path / "ci" / "strict.toml", 'fail-on = "info"\nmin-score = 90\n')
    config = load_config(other, cwd=tmp_path)
    assert (config.fail_on, config.min_score) == ("info", 90)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")


def test_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    write(
        tmp_path / "claimcheck.toml",
        'lexicons = ["lex"]\nbaseline = "ci/base.json"\n'
        '[per-file-ignores]\n"blog/**" = ["CC112"]\n',
    )
    config = load_config(cwd=tmp_path / "")
    assert config.lexicons == (str(tmp_path.resolve() / "lex"),)
    assert config.baseline == str(tmp_path.resolve() / "ci" / "base.json")
    assert config.per_file_ignores == (("blog/**", ("CC112",)),)
    assert config.root == str(tmp_path.resolve())


def test_unknown_key_names_key_file_and_allowed_keys(tmp_path: Path) -> None:
    path = write(tmp_path / "claimcheck.toml", 'fail_on = "error"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "'fail_on'" in message and "claimcheck.toml" in message
    assert "allowed keys: jurisdiction, page-type" in message and "fail-on" in message


def test_unknown_key_in_pyproject_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.claimcheck]\ncolour = true\n")
    with pytest.raises(ConfigError, match=r"unknown key 'colour' in .*pyproject\.toml"):
        load_config(cwd=tmp_path)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('fail-on = "sometimes"\n', "fail-on"),
        ("min-score = 101\n", "min-score"),
        ('jurisdiction = ["mx", "fr"]\n', "jurisdiction"),
        ("jobs = -1\n", "jobs"),
        ('select = "CC1"\n', "select"),
        ('[per-file-ignores]\n"a/*" = "CC1"\n', "per-file-ignores"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, body: str, key: str) -> None:
    path = write(tmp_path / "claimcheck.toml", body)
    with pytest.raises(ConfigError, match=f"bad value for '{key}'"):
        load_config(path)


def test_bad_toml_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path / "claimcheck.toml", "fail-on = \n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(path)


def test_cli_bad_config_is_one_line_exit_2(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "claimcheck.toml", "bogus = 1\n")
    write(tmp_path / "a.txt", CURE)
    result = runner.invoke(main, ["check", "a.txt"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "unknown key 'bogus'" in result.stderr


def test_config_show_text_and_json(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "claimcheck.toml", 'fail-on = "warning"\nexclude = ["drafts"]\n')
    result = runner.invoke(main, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert re.search(r'^fail-on = "warning" +# claimcheck\.toml$', result.output, re.M)
    assert re.search(r"^jurisdiction = \(auto\) +# default$", result.output, re.M)
    assert re.search(r"^min-score = \(not set\) +# default$", result.output, re.M)
    data = json.loads(runner.invoke(main, ["config", "show", "--format", "json"]).output)
    assert data["settings"]["exclude"] == {"value": ["drafts"], "source": "claimcheck.toml"}
    assert data["settings"]["jobs"] == {"value": 0, "source": "default"}
    assert set(data["settings"]) == set(config_schema()["properties"])


def test_check_without_paths_uses_config_include(
    runner: CliRunner, tmp_path: Path, monkeypatch
) -> None:
    write(tmp_path / "claimcheck.toml", 'include = ["pages/*.txt"]\n')
    write(tmp_path / "pages" / "a.txt", CURE)
    write(tmp_path / "other" / "b.txt", CURE)
    monkeypatch.chdir(tmp_path / "pages")
    result = runner.invoke(main, ["check", "--format", "json"])
    assert result.exit_code == 1, result.output
    paths = [f["path"] for f in json.loads(result.stdout)["files"]]
    assert paths == [str(Path("..") / "pages" / "a.txt")]


def test_no_paths_and_no_config_is_an_error(runner: CliRunner, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 2 and "no input" in result.stderr


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [
        ("error", {"cure": 1, "miracle": 0, "unused": 0}),
        ("warning", {"cure": 1, "miracle": 1, "unused": 0}),
        ("info", {"cure": 1, "miracle": 1, "unused": 1}),
        ("never", {"cure": 0, "miracle": 0, "unused": 0}),
    ],
)
def test_exit_code_for_each_fail_on(
    runner: CliRunner, tmp_path: Path, fail_on: str, expected: dict[str, int]
) -> None:
    pages = {"cure": CURE, "miracle": MIRACLE, "unused": UNUSED}
    for name, text in pages.items():
        path = write(tmp_path / f"{name}.txt", text)
        result = runner.invoke(main, ["check", str(path), "--fail-on", fail_on])
        assert result.exit_code == expected[name], (name, result.output)


def test_fail_on_from_config_file(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "miracle.txt", MIRACLE)
    assert runner.invoke(main, ["check", "miracle.txt"]).exit_code == 0
    write(tmp_path / "claimcheck.toml", 'fail-on = "warning"\n')
    assert runner.invoke(main, ["check", "miracle.txt"]).exit_code == 1
    assert runner.invoke(main, ["check", "miracle.txt", "--fail-on", "error"]).exit_code == 0


def test_min_score_exit_codes(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "miracle.txt", MIRACLE)  # scores 92
    ok = runner.invoke(main, ["check", "miracle.txt", "--min-score", "90"])
    assert ok.exit_code == 0, ok.output
    low = runner.invoke(main, ["check", "miracle.txt", "--min-score", "95"])
    assert low.exit_code == 1
    assert "miracle.txt scores 92, below min-score 95 (--min-score)" in low.stderr
    write(tmp_path / "claimcheck.toml", "min-score = 99\n")
    from_file = runner.invoke(main, ["check", "miracle.txt"])
    assert from_file.exit_code == 1 and "(claimcheck.toml)" in from_file.stderr


def test_every_config_key_is_documented() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [key for key in config_schema()["properties"] if f"`{key}`" not in doc]
    assert not missing, f"docs/configuration.md does not document {missing}"


def test_unknown_code_in_per_file_ignores_is_an_error(tmp_path: Path) -> None:
    from claimcheck.engine import Engine

    (tmp_path / "claimcheck.toml").write_text('[per-file-ignores]\n"x/**" = ["CC999"]\n', "utf-8")
    with pytest.raises(ConfigError, match="'CC999' in per-file-ignores for 'x/\\*\\*'"):
        Engine(load_config(cwd=tmp_path))
