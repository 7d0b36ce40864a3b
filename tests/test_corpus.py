"""The annotated corpus keeps its promises: labels, splits by document, balance."""

from __future__ import annotations

import json

from corpus.validate import PATH, problems


def test_corpus_is_valid() -> None:
    rows = [json.loads(line) for line in PATH.read_text("utf-8").splitlines() if line.strip()]
    assert problems(rows) == []


def test_validator_catches_a_straddling_document() -> None:
    rows = [json.loads(line) for line in PATH.read_text("utf-8").splitlines() if line.strip()]
    moved = dict(rows[0], split="test" if rows[0]["split"] != "test" else "train")
    assert any("straddles" in p for p in problems([moved, *rows[1:]]))
