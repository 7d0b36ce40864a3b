"""The CI integrations at the repository root: the GitHub Action and the pre-commit hook."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from tests.helpers import ROOT, SAMPLES

from claimcheck.cli import main as cli_main
from claimcheck.sources import SUPPORTED_SUFFIXES

ACTION = ROOT / "action.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def _hook() -> dict:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    (hook,) = (h for h in hooks if h["id"] == "claimcheck")
    return hook


def _step(name: str) -> dict:
    (step,) = (s for s in _action()["runs"]["steps"] if s.get("name") == name)
    return step


# --- action.yml -----------------------------------------------------------------------


def test_action_is_a_composite_action_with_the_documented_inputs() -> None:
    action = _action()
    assert action["name"] == "claimcheck"
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    for name in ("paths", "fail-on", "format", "sarif-file", "version", "args"):
        assert name in inputs, name
    assert inputs["paths"]["default"] == "."
    assert inputs["fail-on"]["default"] == "error"
    assert inputs["format"]["default"] == "sarif"
    assert inputs["sarif-file"]["default"] == "claimcheck.sarif"
    assert inputs["version"]["default"] == ""  # the action's own checkout
    for name, spec in inputs.items():
        assert spec.get("description"), f"input {name} has no description"


def test_every_action_input_is_used_in_a_step() -> None:
    action = _action()
    steps = json.dumps(action["runs"]["steps"])
    used = {m.group(1) for m in re.finditer(r"inputs\.([A-Za-z0-9_-]+)", steps)}
    assert used == set(action["inputs"]), f"unused: {set(action['inputs']) - used}"


def test_every_step_env_variable_is_read_by_its_script() -> None:
    for step in _action()["runs"]["steps"]:
        for var in step.get("env", {}):
            assert f"${var}" in step["run"] or f"${{{var}" in step["run"], (step["name"], var)
        if "run" in step:
            assert step.get("shell") == "bash", step["name"]
            # inputs reach scripts through env only (no ${{ }} inside a script: injection)
            assert not EXPRESSION.search(step["run"]), step["name"]


def test_action_steps_setup_python_upload_sarif_and_exit() -> None:
    steps = _action()["runs"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/setup-python@v5") for u in uses)
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload"))
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert "always()" in upload["if"] and "inputs.format == 'sarif'" in upload["if"]
    assert "steps.check.outputs.sarif-file" in upload["with"]["sarif_file"]
    last = steps[-1]
    assert last["if"] == "always()" and 'exit "$code"' in last["run"]
    install = _step("Install claimcheck")["run"]
    assert '"$GITHUB_ACTION_PATH"' in install and '"$CC_VERSION"' in install
    python_version = _action()["inputs"]["python-version"]["default"]
    assert tuple(int(x) for x in python_version.split(".")) >= (3, 11)


def _script_env(step: dict, overrides: dict[str, str], tmp_path: Path) -> dict[str, str]:
    inputs = _action()["inputs"]
    values = {name: str(spec.get("default", "")) for name, spec in inputs.items()} | overrides
    env = dict(os.environ)
    for var, template in step.get("env", {}).items():
        env[var] = EXPRESSION.sub(lambda m: values[m.group(1).removeprefix("inputs.")], template)
    env["GITHUB_OUTPUT"] = str(tmp_path / "github_output")
    env["PATH"] = os.pathsep.join((str(Path(sys.executable).parent), env.get("PATH", "")))
    return env


def _outputs(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "github_output").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run the step")
def test_action_run_step_writes_sarif_annotations_and_the_exit_code(tmp_path: Path) -> None:
    if not (Path(sys.executable).parent / "claimcheck").exists():
        pytest.skip("the claimcheck console script is not installed beside this Python")
    step = _step("Run claimcheck")
    sarif = tmp_path / "out.sarif"
    env = _script_env(
        step,
        {
            "paths": f"{SAMPLES / 'egregious-clinic.html'} {SAMPLES / 'careful-clinic.html'}",
            "sarif-file": str(sarif),
            "args": "--jurisdiction mx",
        },
        tmp_path,
    )
    proc = subprocess.run(
        ["bash", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr  # the step itself never fails
    outputs = _outputs(tmp_path)
    assert outputs["exit-code"] == "1", proc.stdout + proc.stderr
    assert outputs["sarif-file"] == str(sarif)
    report = json.loads(sarif.read_text(encoding="utf-8"))
    assert report["version"] == "2.1.0" and report["runs"][0]["results"]
    assert "::error " in proc.stdout  # the --format github annotations
    assert "claimcheck exited with 1" in proc.stdout

    exit_step = _step("Exit with claimcheck's exit code")
    for code in ("0", "1", "2"):
        env = dict(os.environ, CC_EXIT_CODE=code)
        done = subprocess.run(["bash", "-c", exit_step["run"]], env=env, capture_output=True)
        assert done.returncode == int(code)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run the step")
def test_action_run_step_reports_usage_errors_as_exit_2(tmp_path: Path) -> None:
    if not (Path(sys.executable).parent / "claimcheck").exists():
        pytest.skip("the claimcheck console script is not installed beside this Python")
    step = _step("Run claimcheck")
    env = _script_env(
        step,
        {
            "paths": str(tmp_path / "missing.html"),
            "sarif-file": str(tmp_path / "x.sarif"),
            "format": "junit",
            "report-file": str(tmp_path / "report.xml"),
        },
        tmp_path,
    )
    proc = subprocess.run(
        ["bash", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    outputs = _outputs(tmp_path)
    assert outputs["exit-code"] == "2"
    assert outputs["sarif-file"] == ""  # nothing to upload


# --- .pre-commit-hooks.yaml ------------------------------------------------------------


def test_pre_commit_hook_entry_is_the_console_script() -> None:
    hook = _hook()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    program, command = hook["entry"].split()
    assert program in scripts and scripts[program] == "claimcheck.cli:main"
    assert command in cli_main.commands
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert hook["require_serial"] is False


def test_pre_commit_hook_selects_the_files_claimcheck_reads() -> None:
    hook = _hook()
    assert set(hook["types_or"]) == {"html", "markdown", "text"}
    files = re.compile(hook["files"])  # pre-commit matches with re.search
    for name in ("site/index.html", "a/b.htm", "README.md", "docs/page.mdx", "copy.txt"):
        assert files.search(name), name
    for suffix in SUPPORTED_SUFFIXES:  # the same set a directory walk reads
        assert files.search(f"x/page{suffix}"), suffix
        assert files.search(f"x/PAGE{suffix.upper()}"), suffix
    for name in ("setup.py", "data.json", "style.css", "notes.md.bak", "markdown"):
        assert not files.search(name), name


def test_docs_show_the_hook_and_the_action() -> None:
    ci = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/ci.md" in readme
    for text in (ci, readme):
        assert "id: claimcheck" in text
        assert "security-events: write" in text
    assert _hook()["files"] in ci  # the repo: local example selects the same files
    for snippet in re.findall(r"```yaml\n(.*?)```", ci, flags=re.S):
        yaml.safe_load(snippet)  # every YAML example parses
