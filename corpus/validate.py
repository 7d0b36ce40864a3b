"""Validate corpus/sentences.jsonl. Usage: python corpus/validate.py"""

import collections
import json
import os
import re
import sys

P = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sentences.jsonl")
LABELS = {"overclaim", "testimonial", "hedged_claim", "disclaimer", "regulatory_detail", "neutral"}
KEYS = {"text", "label", "lang", "source", "split"}
errs, rows, seen = [], [], {}
for i, line in enumerate(open(P, encoding="utf-8"), 1):
    try:
        r = json.loads(line)
    except Exception as e:
        errs.append(f"line {i}: invalid JSON ({e})")
        continue
    if not set(r) >= KEYS or set(r) - KEYS - {"note"}:
        errs.append(f"line {i}: bad keys {sorted(r)}")
    if r.get("label") not in LABELS:
        errs.append(f"line {i}: bad label {r.get('label')}")
    if r.get("lang") not in ("en", "es"):
        errs.append(f"line {i}: bad lang")
    if r.get("split") not in ("train", "dev", "test"):
        errs.append(f"line {i}: bad split")
    if not str(r.get("text", "")).strip():
        errs.append(f"line {i}: empty text")
    if "note" in r and (not r["note"] or len(r["note"]) > 80):
        errs.append(f"line {i}: note empty or long")
    k = re.sub(r"\s+", " ", r.get("text", "").strip().lower())
    if k in seen:
        errs.append(f"line {i}: duplicate of line {seen[k]}")
    seen[k] = i
    rows.append(r)
n = len(rows)
if n < 2100:
    errs.append(f"only {n} lines")
es = sum(r["lang"] == "es" for r in rows) / max(n, 1)
if es < 0.32:
    errs.append(f"Spanish share {es:.1%} < 32%")
docsplit = collections.defaultdict(set)
for r in rows:
    docsplit[r["source"]].add(r["split"])
for d, s in docsplit.items():
    if len(s) > 1:
        errs.append(f"document {d} straddles splits {s}")
combo = collections.Counter((r["split"], r["lang"], r["label"]) for r in rows)
for sp in ("train", "dev", "test"):
    for lg in ("en", "es"):
        for lb in LABELS:
            if combo[(sp, lg, lb)] == 0:
                errs.append(f"empty combination {sp}/{lg}/{lb}")
print(f"{n} sentences, {len(docsplit)} documents, Spanish {es:.1%}")
for e in errs:
    print("ERROR", e)
sys.exit(1 if errs else 0)
