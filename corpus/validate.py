"""Check corpus/sentences.jsonl: keys, labels, languages, splits, duplicates, balance.

Run: python corpus/validate.py  (exit 1 and one line per problem when something is wrong)
"""

from __future__ import annotations

import collections
import json
import re
import sys
from pathlib import Path

PATH = Path(__file__).with_name("sentences.jsonl")
LABELS = ("overclaim", "testimonial", "hedged_claim", "disclaimer", "regulatory_detail", "neutral")
KEYS = {"text", "label", "lang", "source", "split"}
SPLITS = ("train", "dev", "test")


def problems(rows: list[dict]) -> list[str]:
    """Every rule the corpus must satisfy, as messages for the rows that break one."""
    errs: list[str] = []
    seen: dict[str, int] = {}
    for i, r in enumerate(rows, 1):
        if not set(r) >= KEYS or set(r) - KEYS - {"note"}:
            errs.append(f"line {i}: bad keys {sorted(r)}")
        if r.get("label") not in LABELS:
            errs.append(f"line {i}: bad label {r.get('label')}")
        if r.get("lang") not in ("en", "es") or r.get("split") not in SPLITS:
            errs.append(f"line {i}: bad lang or split")
        key = re.sub(r"\s+", " ", str(r.get("text", "")).strip().lower())
        if not key:
            errs.append(f"line {i}: empty text")
        elif key in seen:
            errs.append(f"line {i}: duplicate of line {seen[key]}")
        seen[key] = i
    splits_of = collections.defaultdict(set)
    for r in rows:
        splits_of[r.get("source")].add(r.get("split"))
    errs += [f"document {d} straddles splits {s}" for d, s in splits_of.items() if len(s) > 1]
    combos = collections.Counter((r.get("split"), r.get("lang"), r.get("label")) for r in rows)
    errs += [
        f"empty combination {sp}/{lg}/{lb}"
        for sp in SPLITS
        for lg in ("en", "es")
        for lb in LABELS
        if not combos[(sp, lg, lb)]
    ]
    spanish = sum(r.get("lang") == "es" for r in rows) / max(len(rows), 1)
    if len(rows) < 2100 or spanish < 0.30:
        errs.append(f"{len(rows)} rows, {spanish:.1%} Spanish: need >= 2,100 and >= 30%")
    return errs


def main() -> int:
    rows = [json.loads(line) for line in PATH.read_text("utf-8").splitlines() if line.strip()]
    errs = problems(rows)
    documents = len({r["source"] for r in rows})
    spanish = sum(r["lang"] == "es" for r in rows) / len(rows)
    print(f"{len(rows)} sentences, {documents} documents, Spanish {spanish:.1%}")
    for err in errs:
        print("ERROR", err)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
