"""The command line: parses options and calls the library. Nothing else lives here.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error.
"""

from claimcheck.cli import audit, check, ci, classifier, docs, rules, serve, sweep  # noqa: F401  (register)
from claimcheck.cli.base import main

__all__ = ["main"]
