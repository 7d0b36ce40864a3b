"""No real-world dev-set text is copied into the repository.

The dev set (../shared/eval/realworld-dev) is for tuning and measuring only; its README
forbids copying its sentences into the product, its tests, corpus or docs. This test looks
for any run of WINDOW consecutive words shared between a dev sentence or page and a file
the project ships or keeps. Stock phrases are shorter than that ("approved by the U.S. Food
and Drug Administration" is seven words), so a hit means text was copied or paraphrased
too closely.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import regex

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "realworld-dev"
WINDOW = 10
CHECKED = ("corpus", "lexicons", "tests", "docs", "samples", "src", "benchmarks", "README.md")
SUFFIXES = {".jsonl", ".yaml", ".yml", ".py", ".md", ".html", ".txt", ".json"}
WORD = regex.compile(r"\w+")


def _grams(text: str) -> set[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    return {tuple(words[i : i + WINDOW]) for i in range(len(words) - WINDOW + 1)}


def _dev_grams() -> set[tuple[str, ...]]:
    grams: set[tuple[str, ...]] = set()
    for line in (DEV / "sentences.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            grams |= _grams(json.loads(line)["text"])
    for page in (DEV / "pages").glob("*.txt"):
        grams |= _grams(page.read_text("utf-8"))
    return grams


def _checked_files() -> list[Path]:
    out = []
    for name in CHECKED:
        path = ROOT / name
        found = [path] if path.is_file() else sorted(path.rglob("*"))
        out += [p for p in found if p.is_file() and p.suffix in SUFFIXES]
    return out


@pytest.mark.skipif(not DEV.is_dir(), reason=f"real-world dev set not found at {DEV}")
def test_no_dev_set_text_in_the_repository() -> None:
    dev = _dev_grams()
    assert len(dev) > 1000  # the set was read
    copied = {}
    for path in _checked_files():
        if path.name == Path(__file__).name:
            continue
        shared = _grams(path.read_text("utf-8", errors="replace")) & dev
        if shared:
            copied[str(path.relative_to(ROOT))] = " ".join(sorted(shared)[0])
    assert copied == {}
