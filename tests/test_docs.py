"""Generated documentation must match the rule data (ruff's habit: docs from one renderer)."""

from __future__ import annotations

import re

from tests.helpers import ROOT
from tools.gen_rule_docs import readme_with_table, rule_docs


def test_rule_docs_are_current() -> None:
    for path, text in rule_docs().items():
        assert path.exists(), f"{path} missing: run python tools/gen_rule_docs.py"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: regenerate it"


def test_readme_rule_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == readme_with_table(readme), "README rule table is stale"


def test_readme_setup_commands_are_the_ci_ones() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install = re.search(r"pip install -e \. && claimcheck check samples/", readme)
    assert install, "README must give the install-and-check command"
    test_cmd = re.search(r"python -m pytest[^\n`]*", readme)
    assert test_cmd and test_cmd.group(0) in ci, "the README's test command must be the one CI runs"
