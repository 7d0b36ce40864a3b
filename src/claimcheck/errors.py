"""The error hierarchy and exit codes. Library code raises these; the CLI catches the base once."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, the same contract as Vale and ruff."""

    CLEAN = 0
    FINDINGS = 1
    USAGE = 2


class ClaimcheckError(Exception):
    """Base class: a problem the user can fix; the CLI prints it on one line and exits 2."""

    exit_code = ExitCode.USAGE


class ConfigError(ClaimcheckError):
    """A configuration value or option is invalid."""


class LexiconError(ClaimcheckError):
    """A lexicon, rule or profile file is missing, malformed or fails its schema."""


class SourceError(ClaimcheckError):
    """An input cannot be read: missing, unreadable, binary, empty or undecodable."""

    def __init__(self, path: str, kind: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.kind = kind
        self.detail = message


class ModelError(ClaimcheckError):
    """A model file is missing, unsafe or inconsistent with this version."""


class CrawlError(ClaimcheckError):
    """A crawl cannot start or run: a bad seed URL, an unusable output directory."""


class ArchiveError(ClaimcheckError):
    """An audit directory is missing, incomplete or unreadable (not a tampering verdict)."""
