"""claimcheck: audit health-care marketing for claims that go beyond the evidence.

The public API is small and imported lazily, so `import claimcheck` stays cheap:

    from claimcheck import Engine, Config, check_paths
    report = check_paths(["samples/"], Config(fail_on="warning"))
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Engine": "claimcheck.engine",
    "check_paths": "claimcheck.engine",
    "iter_reports": "claimcheck.engine",
    "Config": "claimcheck.config",
    "load_config": "claimcheck.config",
    "load_lexicon": "claimcheck.lexicon",
    "ClaimcheckError": "claimcheck.errors",
    "ConfigError": "claimcheck.errors",
    "LexiconError": "claimcheck.errors",
    "SourceError": "claimcheck.errors",
    "ModelError": "claimcheck.errors",
    "Finding": "claimcheck.model",
    "PageReport": "claimcheck.model",
    "Report": "claimcheck.model",
    "Severity": "claimcheck.model",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'claimcheck' has no attribute {name!r}")
