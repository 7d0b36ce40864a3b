from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from claimcheck.engine import Engine


@pytest.fixture(scope="session", autouse=True)
def claimcheck_home(tmp_path_factory) -> Iterator[Path]:
    """Keep the audit history of test crawls out of ~/.local/share (subprocesses inherit)."""
    home = tmp_path_factory.mktemp("claimcheck-home")
    before = os.environ.get("CLAIMCHECK_HOME")
    os.environ["CLAIMCHECK_HOME"] = str(home)
    yield home
    if before is None:
        os.environ.pop("CLAIMCHECK_HOME", None)
    else:
        os.environ["CLAIMCHECK_HOME"] = before


@pytest.fixture(scope="session")
def engine() -> Engine:
    """One engine with the built-in lexicon and auto-detection, shared by tests."""
    return Engine()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
