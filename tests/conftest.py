from __future__ import annotations

import pytest
from click.testing import CliRunner

from claimcheck.engine import Engine


@pytest.fixture(scope="session")
def engine() -> Engine:
    """One engine with the built-in lexicon and auto-detection, shared by tests."""
    return Engine()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
