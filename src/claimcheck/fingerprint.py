"""Stable identities for findings, shared by SARIF output and baselines.

A fingerprint must survive edits that do not change the claim itself: the sentence moving
to another line or column, the page being re-indented, a trailing full stop being added.
So it hashes only three things:

- the rule code (``CC102``);
- the sentence, normalised: Unicode NFC, lowercase, runs of whitespace collapsed to one
  space, and punctuation stripped from both ends (``"¡Cura la diabetes!"`` and
  ``"cura   la diabetes"`` are the same sentence);
- the path, normalised: backslashes become ``/`` and a leading ``./`` is dropped; the path
  is otherwise kept as given, so the same file reached by another relative path is a
  different identity.

Line, column, offsets, severity and message wording are deliberately left out. Two
findings of one rule on the same sentence text in one file share a fingerprint; callers
that need them apart can count occurrences.
"""

from __future__ import annotations

import hashlib
import unicodedata

FINGERPRINT_VERSION = "v1"


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def normalise_sentence(text: str) -> str:
    """NFC, lowercase, collapse whitespace, strip whitespace and punctuation at both ends."""
    text = " ".join(unicodedata.normalize("NFC", text).lower().split())
    start, end = 0, len(text)
    while start < end and (_is_punctuation(text[start]) or text[start].isspace()):
        start += 1
    while end > start and (_is_punctuation(text[end - 1]) or text[end - 1].isspace()):
        end -= 1
    return text[start:end]


def normalise_path(path: str) -> str:
    """Forward slashes and no leading './'; otherwise the path as given."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def fingerprint(code: str, sentence: str, path: str) -> str:
    """A hex SHA-256 of code, normalised sentence and normalised path (64 characters)."""
    key = "\x1f".join(
        (
            FINGERPRINT_VERSION,
            code.strip().upper(),
            normalise_sentence(sentence),
            normalise_path(path),
        )
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
