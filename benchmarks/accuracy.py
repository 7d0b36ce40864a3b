"""Accuracy of claimcheck's sentence classifier (`claimcheck.classify`) beside naive baselines.

What: one run prints four groups of tables, each number next to a baseline.

  (a) causal-pubmed (Yu, Li, Wang 2019; 3,061 PubMed conclusion sentences, 4 classes):
      k-fold stratified cross-validation of `classify.train` with its default settings.
      Macro-F1 (mean ± sd over folds), per-class P/R/F1 (pooled out-of-fold predictions),
      training and prediction sentences/s, beside a claim-strength variant (the same
      features plus embedded-clause tokens and cue features, linear SVM), a keyword rule
      and the authors' reported 0.88 macro-F1 for fine-tuned BioBERT (quoted, not re-run).
  (b) cross-genre transfer: a model trained on all of causal-pubmed, evaluated on
      causal-pressrelease (EurekAlert! headlines and openings) and on the
      exaggeration-insciout sentences (press-release and abstract conclusions).
  (c) exaggeration pairs (exaggeration-insciout/pairs.jsonl, `test` split): both sides'
      claim strength is predicted with the PubMed-trained model; a pair is flagged
      `exaggerates` when the press release is stronger than the abstract on the scale
      no_relationship < correlational < conditional_causal < direct_causal.
  (d) the project corpus (corpus/sentences.jsonl): a model trained on the train split,
      scored on the dev split (the only split used for tuning) and the test split
      (reported, never tuned on), beside a trigger-word baseline; then the shipped model
      combined with the rules (`project_corpus_table()`), and the rules alone, on both.
  (e) the real-world dev set (../shared/eval/realworld-dev, benchmarks/realworld.py):
      sentences and pages; rules, model, rules + model, keyword grep; per language and
      condition group. The model columns are cross-validated by URL (the shipped model
      learned from the set); a smoke run (--slice) uses the shipped model as is.

The public datasets are read in place from `--shared` (default ../shared next to the
repository). Their licences are research-only (see ../shared/eval/README.md): never copy
them into this repository. A dataset that is absent is skipped with a message; without
`--shared` only (d) runs. No number here was tuned on a test split: the settings were
chosen by cross-validation on PubMed training folds and on the corpus dev split.

Run from the repository root:

    python benchmarks/accuracy.py                          # full run, about 2 minutes
    python benchmarks/accuracy.py --slice 150 --folds 2    # smoke run, seconds
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:  # let `python benchmarks/accuracy.py` work uninstalled
    sys.path.insert(0, str(ROOT / "src"))

from claimcheck import classify  # noqa: E402
from claimcheck.training import LABELS  # noqa: E402

CORPUS = ROOT / "corpus" / "sentences.jsonl"
STRENGTH = ("no_relationship", "correlational", "conditional_causal", "direct_causal")
RANK = {label: i for i, label in enumerate(STRENGTH)}
BIOBERT_MACRO_F1 = 0.88  # Yu, Li, Wang (EMNLP 2019), fine-tuned BioBERT, as reported
BIOBERT_PARAMS = 110_000_000  # BERT-base architecture

# Keyword baseline for claim strength, applied in this order (first match wins).
CORRELATIONAL = re.compile(r"\b(?:associated|correlat|linked)", re.IGNORECASE)
CONDITIONAL = re.compile(r"\b(?:may|might|could)\b|\bsuggest", re.IGNORECASE)
CAUSAL = re.compile(
    r"\b(?:increas|decreas|reduc|improv|caus|lead|led\b|prevent|lower|rais|enhanc|induc)",
    re.IGNORECASE,
)

# Grep-style trigger words for the project corpus (lower-cased substring match, as in
# benchmarks/throughput.py): any hit → overclaim, else neutral.
TRIGGERS = (
    "cure",
    "reverse",
    "eliminate",
    "guarantee",
    "miracle",
    "proven",
    "fda approved",
    "no side effects",
    "100%",
    "success rate",
    "cura",
    "revierte",
    "garantiza",
    "milagro",
    "comprobado",
    "sin efectos secundarios",
)


def keyword_strength(text: str) -> str:
    """The naive claim-strength rule (a): correlational, conditional, causal verb, else none."""
    if CORRELATIONAL.search(text):
        return "correlational"
    if CONDITIONAL.search(text):
        return "conditional_causal"
    if CAUSAL.search(text):
        return "direct_causal"
    return "no_relationship"


def keyword_overclaim(text: str) -> str:
    """The naive corpus rule (d): a trigger word anywhere → overclaim, else neutral."""
    low = text.lower()
    return "overclaim" if any(word in low for word in TRIGGERS) else "neutral"


# --------------------------------------------------------------------------------------
# A claim-strength variant for (a) only: the same TF-IDF features plus what the label
# definitions say decides the label (../shared/eval/README.md). In this scheme the claim
# embedded after a reporting frame ('these findings suggest that X improves Y') decides
# the label, not the frame. So the words after the last frame get their own features
# (prefixed E_), and 27 binary cues mark correlation, modal, 'can' and causal-verb
# wording in the whole sentence and in the embedded clause, with three conjunctions.
# The classifier is a linear SVM (C = 0.5, balanced). The cue list was written from the
# label definitions and checked by cross-validation on causal-pubmed only; nothing here
# was tuned on the press-release or InSciOut sets.

FRAME = re.compile(
    r"\b(?:suggest(?:s|ed)?|indicat(?:e|es|ed)|show(?:s|ed|n)?|demonstrat(?:e|es|ed)|"
    r"conclud(?:e|ed)|reveal(?:s|ed)?|support(?:s|ed)?|confirm(?:s|ed)?|f(?:ind|ound)|"
    r"provide evidence)\b(?: that)?",
    re.IGNORECASE,
)
CUES = tuple(
    re.compile(c, re.IGNORECASE)
    for c in (
        r"\bassociat",
        r"\bcorrelat",
        r"\blinked\b",
        r"\brelat(?:ed|ionship)\b",
        r"\bpredict",
        r"\brisk factor",
        r"\bmay\b",
        r"\bmight\b",
        r"\bcould\b",
        r"\bpossibl",
        r"\bpotential",
        r"\blikely\b",
        r"\bcan\b",
        r"\bsuggest",
        r"\bindicat",
        r"\b(?:improv|reduc|decreas|increas|lower|rais|enhanc|induc|caus|prevent|attenuat|"
        r"promot|inhibit|protect|lead|led|result(?:s|ed)? in|contribut|alleviat|impair|benefit)",
        r"\b(?:no|not|neither|nor|without)\b",
        r"\bno (?:significant )?(?:difference|association|effect)",
        r"\bsimilar\b",
        r"\bcomparable\b",
        r"\b(?:effective|efficacy|safe|feasible|well tolerated)\b",
        r"\bhigher\b|\blower\b|\bgreater\b|\bless\b",
        r"\bis (?:a |an )?(?:independent|significant)",
        r"\bshould\b",
        r"\bwas|were\b",
    )
)


def embedded_clause(text: str) -> str:
    """The words after the last reporting frame ('... suggest that'), else the sentence."""
    frames = list(FRAME.finditer(text))
    return text[frames[-1].end() :] if frames else text


def cue_matrix(texts: Sequence[str]):
    """Binary cue features (whole sentence, embedded clause) plus three conjunctions."""
    from scipy.sparse import csr_matrix

    n = len(CUES)
    out = np.zeros((len(texts), 2 * n + 4))
    for i, text in enumerate(texts):
        clause = embedded_clause(text)
        for j, cue in enumerate(CUES):
            out[i, j] = bool(cue.search(text))
            out[i, n + j] = bool(cue.search(clause))
        modal = out[i, 6] or out[i, 7] or out[i, 8]
        out[i, -4] = out[i, 12] * out[i, 15]  # 'can' + causal verb
        out[i, -3] = modal * out[i, 15]  # may/might/could + causal verb
        out[i, -2] = (out[i, 0] or out[i, 1]) * out[i, 16]  # 'not associated'
        out[i, -1] = len(text.split()) / 40
    return csr_matrix(out)


class StrengthVariant:
    """word 1-2 + char_wb 2-5 TF-IDF (as classify) + embedded-clause tokens + cues, SVM."""

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> StrengthVariant:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        self.vecs = [classify._vectorizer(name) for name in classify.VECTORIZERS]
        self.clause = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, min_df=2, token_pattern=r"\S+", lowercase=False
        )
        for vec in self.vecs:
            vec.fit(texts)
        self.clause.fit(self._clause_tokens(texts))
        self.svm = LinearSVC(C=0.5, class_weight="balanced", random_state=classify.SEED)
        self.svm.fit(self._features(texts), list(labels))
        return self

    @staticmethod
    def _clause_tokens(texts: Sequence[str]) -> list[str]:
        return [
            " ".join("E_" + w for w in re.findall(r"\w+", embedded_clause(t).lower()))
            for t in texts
        ]

    def _features(self, texts: Sequence[str]):
        from scipy.sparse import hstack

        parts = [vec.transform(texts) for vec in self.vecs]
        parts += [self.clause.transform(self._clause_tokens(texts)), cue_matrix(texts)]
        return hstack(parts).tocsr()

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(x) for x in self.svm.predict(self._features(texts))]

    def size(self) -> int:
        return int(self.svm.coef_.size + self.svm.intercept_.size)


# --------------------------------------------------------------------------------------
# data


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    path: Path
    rows: list[dict]
    total: int  # rows in the file before filtering and slicing

    def describe(self) -> str:
        sliced = "" if len(self.rows) == self.total else f" (of {self.total:,})"
        return f"{self.name} [{len(self.rows):,} rows{sliced}]"


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def take(rows: list[dict], limit: int | None) -> list[dict]:
    """The first `limit` rows after a seeded shuffle (causal-pubmed is sorted by label)."""
    if limit is None or limit >= len(rows):
        return rows
    order = list(range(len(rows)))
    random.Random(classify.SEED).shuffle(order)
    return [rows[i] for i in sorted(order[:limit])]


def load(
    path: Path, name: str, limit: int | None, keep: Callable[[dict], bool] | None = None
) -> Dataset | None:
    if not path.is_file():
        print(f"  SKIP {name}: {path} not found")
        return None
    rows = read_jsonl(path)
    total = len(rows)
    if keep is not None:
        rows = [r for r in rows if keep(r)]
    return Dataset(name, path, take(rows, limit), total)


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def upstream_commit(folder: Path) -> str:
    source = folder / "SOURCE.md"
    if not source.is_file():
        return "?"
    found = re.search(r"commit ([0-9a-f]{40})", source.read_text("utf-8"))
    return found.group(1)[:12] if found else "?"


# --------------------------------------------------------------------------------------
# metrics and tables


def scores(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]):
    """Per-label precision, recall, F1, support and the macro-F1 over `labels`."""
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f, n = precision_recall_fscore_support(
        list(gold), list(pred), labels=list(labels), zero_division=0
    )
    return p, r, f, n, float(np.mean(f))


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown pipe table (pastes straight into docs/accuracy.md)."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    print(line(cells[0]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))
    print()


def per_label_table(
    gold: Sequence[str], systems: dict[str, Sequence[str]], labels: Sequence[str]
) -> dict[str, float]:
    """One row per label: support, then P/R/F1 of every system side by side."""
    results = {name: scores(gold, pred, labels) for name, pred in systems.items()}
    header = ["label", "n"]
    for name in systems:
        header += [f"{name} P", f"{name} R", f"{name} F1"]
    rows = []
    for i, label in enumerate(labels):
        support = int(next(iter(results.values()))[3][i])
        row: list[object] = [label, support]
        for p, r, f, _n, _m in results.values():
            row += [f"{p[i]:.3f}", f"{r[i]:.3f}", f"{f[i]:.3f}"]
        rows.append(row)
    macro: list[object] = ["**macro-F1**", len(gold)]
    for *_x, m in results.values():
        macro += ["", "", f"**{m:.3f}**"]
    rows.append(macro)
    table(header, rows)
    return {name: res[4] for name, res in results.items()}


def fit(texts: Sequence[str], labels: Sequence[str]) -> tuple[classify.SentenceClassifier, float]:
    start = time.perf_counter()
    model = classify.train(list(texts), list(labels))
    return model, time.perf_counter() - start


def predict(model: classify.SentenceClassifier, texts: Sequence[str]) -> tuple[list[str], float]:
    start = time.perf_counter()
    labels = [p.label for p in model.predict(list(texts))]
    return labels, time.perf_counter() - start


def n_params(model: classify.SentenceClassifier) -> int:
    idf = sum(len(v.idf_) for v in model.vectorizers.values())
    return int(model.coef.size + model.intercept.size + idf)


# --------------------------------------------------------------------------------------
# (a) cross-validation on causal-pubmed


def pubmed_cv(pubmed: Dataset, folds: int) -> None:
    from sklearn.model_selection import StratifiedKFold

    texts = [r["text"] for r in pubmed.rows]
    gold = np.array([r["label"] for r in pubmed.rows])
    labels = [x for x in STRENGTH if x in set(gold)]
    smallest = min(Counter(gold.tolist()).values())
    k = min(folds, smallest)
    print("## (a) causal-pubmed, stratified cross-validation\n")
    if k < 2 or len(labels) < 2:
        print(f"  SKIP: too few sentences per class for {folds}-fold CV ({smallest})\n")
        return
    if k < folds:
        print(f"  note: {folds} folds requested, the smallest class has {smallest}: using {k}\n")
    print(f"trained on: {k - 1}/{k} of {pubmed.describe()} per fold (classify.train defaults)")
    print(f"evaluated on: the held-out fold; StratifiedKFold(shuffle, seed {classify.SEED})\n")
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=classify.SEED)
    model_pred = np.empty(len(gold), dtype=object)
    variant_pred = np.empty(len(gold), dtype=object)
    base_pred = np.array([keyword_strength(t) for t in texts], dtype=object)
    fold_model, fold_variant, fold_base = [], [], []
    train_n = train_s = pred_n = pred_s = 0.0
    v_train_s = v_pred_s = 0.0
    model = variant = None
    for tr, te in splitter.split(texts, gold):
        train_texts, test_texts = [texts[i] for i in tr], [texts[i] for i in te]
        model, seconds = fit(train_texts, gold[tr])
        train_n, train_s = train_n + len(tr), train_s + seconds
        pred, seconds = predict(model, test_texts)
        pred_n, pred_s = pred_n + len(te), pred_s + seconds
        model_pred[te] = pred
        fold_model.append(scores(gold[te], pred, labels)[4])
        fold_base.append(scores(gold[te], base_pred[te], labels)[4])
        start = time.perf_counter()
        variant = StrengthVariant().fit(train_texts, gold[tr])
        v_train_s += time.perf_counter() - start
        start = time.perf_counter()
        variant_pred[te] = variant.predict(test_texts)
        v_pred_s += time.perf_counter() - start
        fold_variant.append(scores(gold[te], variant_pred[te], labels)[4])
    start = time.perf_counter()
    for t in texts:
        keyword_strength(t)
    base_rate = len(texts) / max(time.perf_counter() - start, 1e-9)
    assert model is not None and variant is not None
    table(
        ["system", "macro-F1 (mean ± sd over folds)", "train sent/s", "predict sent/s", "size"],
        [
            [
                "claimcheck classify (word 1-2 + char_wb 2-5 TF-IDF, LR)",
                f"**{np.mean(fold_model):.3f}** ± {np.std(fold_model):.3f}",
                f"{train_n / train_s:,.0f}",
                f"{pred_n / pred_s:,.0f}",
                f"{n_params(model):,} numbers",
            ],
            [
                "strength variant (same + embedded-clause tokens + 27 cues, linear SVM)",
                f"{np.mean(fold_variant):.3f} ± {np.std(fold_variant):.3f}",
                f"{train_n / v_train_s:,.0f}",
                f"{pred_n / v_pred_s:,.0f}",
                f"{variant.size():,} weights",
            ],
            [
                "keyword rule (baseline)",
                f"{np.mean(fold_base):.3f} ± {np.std(fold_base):.3f}",
                "-",
                f"{base_rate:,.0f}",
                "3 regexes",
            ],
            [
                "BioBERT fine-tuned (Yu et al. 2019, reported, not re-run)",
                f"{BIOBERT_MACRO_F1:.2f}",
                "-",
                "-",
                f"~{BIOBERT_PARAMS / 1e6:.0f}M parameters",
            ],
        ],
    )
    print("per class, pooled out-of-fold predictions:\n")
    per_label_table(
        gold, {"model": model_pred, "variant": variant_pred, "keyword": base_pred}, labels
    )


# --------------------------------------------------------------------------------------
# (b) and (c) transfer from PubMed to press releases


def transfer(pubmed: Dataset, targets: list[Dataset], pairs: Dataset | None) -> None:
    texts = [r["text"] for r in pubmed.rows]
    gold = [r["label"] for r in pubmed.rows]
    print("## (b) cross-genre transfer: claim strength\n")
    if len(set(gold)) < 2:
        print("  SKIP: the PubMed slice has fewer than two labels\n")
        return
    model, seconds = fit(texts, gold)
    print(f"trained on: all of {pubmed.describe()} ({seconds:.1f} s)\n")
    seen = {norm(t) for t in texts}
    summary = []
    if not targets:
        print("  SKIP: no press-release datasets to evaluate on\n")
    for target in targets:
        rows = [r for r in target.rows if norm(r["text"]) not in seen]
        dropped = len(target.rows) - len(rows)
        note = f", {dropped} sentence(s) also in the training data dropped" if dropped else ""
        print(f"### evaluated on: {target.describe()}{note}\n")
        tgold = [r["label"] for r in rows]
        tpred, _ = predict(model, [r["text"] for r in rows])
        base = [keyword_strength(r["text"]) for r in rows]
        labels = [x for x in STRENGTH if x in set(tgold)]
        macro = per_label_table(tgold, {"model": tpred, "keyword": base}, labels)
        summary.append(
            [target.name, len(rows), f"**{macro['model']:.3f}**", f"{macro['keyword']:.3f}"]
        )
    if summary:
        print("summary (macro-F1; trained on causal-pubmed):\n")
        table(["evaluated on", "n", "model", "keyword"], summary)

    print("## (c) exaggeration pairs: press release stronger than its abstract?\n")
    if pairs is None or not pairs.rows:
        print("  SKIP: no exaggeration pairs to evaluate\n")
        return
    print(f"trained on: all of {pubmed.describe()}")
    print(f"evaluated on: {pairs.describe()}\n")
    press, _ = predict(model, [r["press_release"] for r in pairs.rows])
    abstract, _ = predict(model, [r["abstract"] for r in pairs.rows])
    gold_flag = [r["label"] == "exaggerates" for r in pairs.rows]
    systems = {
        "claimcheck classify": [RANK[p] > RANK[a] for p, a in zip(press, abstract, strict=True)],
        "keyword rule (baseline)": [
            RANK[keyword_strength(r["press_release"])] > RANK[keyword_strength(r["abstract"])]
            for r in pairs.rows
        ],
        "flag every pair (reference)": [True] * len(pairs.rows),
    }
    rows = []
    for name, flags in systems.items():
        tp = sum(f and g for f, g in zip(flags, gold_flag, strict=True))
        precision = tp / max(sum(flags), 1)
        recall = tp / max(sum(gold_flag), 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append([name, sum(flags), tp, f"{precision:.3f}", f"{recall:.3f}", f"{f1:.3f}"])
    rows[0][-1] = f"**{rows[0][-1]}**"
    print(f"gold: {sum(gold_flag)} of {len(gold_flag)} pairs exaggerate\n")
    table(["system", "flagged", "correct", "P", "R", "F1 (exaggerates)"], rows)


# --------------------------------------------------------------------------------------
# (d) the project corpus


def corpus_model_table(corpus: Dataset, dev_errors: int = 0) -> dict[str, list[str]] | None:
    """Model-only numbers on the project corpus: train split → dev (tuning) and test (report)."""
    print("## (d) project corpus, model only\n")
    split = {s: [r for r in corpus.rows if r.get("split") == s] for s in ("train", "dev", "test")}
    train = split["train"]
    if len({r["label"] for r in train}) < 2:
        print("  SKIP: the train split has fewer than two labels\n")
        return None
    from claimcheck.training import CORPUS_C, CORPUS_VECTORIZERS

    start = time.perf_counter()
    model = classify.train(
        [r["text"] for r in train],
        [r["label"] for r in train],
        c=CORPUS_C,
        settings=CORPUS_VECTORIZERS,
    )
    seconds = time.perf_counter() - start
    char = CORPUS_VECTORIZERS["char"]["ngram_range"]
    print(
        f"trained on: {corpus.name} train split [{len(train):,} sentences] ({seconds:.1f} s),"
        f" the settings `claimcheck model train` uses: LR C = {CORPUS_C:g}, word 1-2 +"
        f" char_wb {char[0]}-{char[1]}\n"
    )
    predictions: dict[str, list[str]] = {}
    for name, purpose in (("dev", "used for tuning"), ("test", "report only, never tuned on")):
        rows = split[name]
        if not rows:
            print(f"  SKIP {name}: no rows\n")
            continue
        gold = [r["label"] for r in rows]
        pred, _ = predict(model, [r["text"] for r in rows])
        base = [keyword_overclaim(r["text"]) for r in rows]
        predictions[name] = pred
        print(f"### evaluated on: {corpus.name} {name} split [{len(rows)} sentences] ({purpose})\n")
        per_label_table(gold, {"model": pred, "keyword": base}, LABELS)
        if name == "dev":
            confusion(gold, pred)
        if name == "dev" and dev_errors:
            wrong = [(g, p, r["text"]) for g, p, r in zip(gold, pred, rows, strict=True) if g != p]
            print(
                f"first {min(dev_errors, len(wrong))} of {len(wrong)} dev errors (gold → model):\n"
            )
            for g, p, text in wrong[:dev_errors]:
                print(f"  {g} → {p}: {text}")
            print()
    return predictions


def confusion(gold: Sequence[str], pred: Sequence[str]) -> None:
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(list(gold), list(pred), labels=list(LABELS))
    print("dev confusion (rows gold, columns model):\n")
    short = [label[:11] for label in LABELS]
    table(
        ["gold \\ model", *short],
        [[s, *row] for s, row in zip(short, matrix.tolist(), strict=True)],
    )


def project_corpus_table(corpus: Dataset) -> None:
    """Full claimcheck (lexicon rules + the shipped model, combined by the policy in
    combine.py with thresholds chosen on dev) on the corpus dev and test splits, per label,
    beside the rules alone, the model alone and the keyword baseline. Each sentence is
    checked as a page of its own."""
    from claimcheck.classify import load_named
    from claimcheck.combine import DEFAULT_THRESHOLDS
    from claimcheck.training import combined_labels, rule_views

    print("## (d) project corpus, rules + model (claimcheck as shipped)\n")
    model = load_named("default")
    thresholds = {**DEFAULT_THRESHOLDS, **model.meta.get("thresholds", {})}
    print(
        f"model {model.version} (trained on the corpus train split, thresholds chosen on dev:"
        f" {thresholds}); each sentence checked as a page of its own\n"
    )
    for name, purpose in (("dev", "used for tuning"), ("test", "report only, never tuned on")):
        rows = [r for r in corpus.rows if r.get("split") == name]
        if not rows:
            print(f"  SKIP {name}: no rows\n")
            continue
        texts = [r["text"] for r in rows]
        gold = [r["label"] for r in rows]
        predictions = model.predict(texts)
        views = rule_views(texts)
        systems = {
            "rules+model": combined_labels(texts, views, predictions, thresholds),
            "rules": ["overclaim" if v.flagged else "neutral" for v in views],
            "model": [p.label for p in predictions],
            "keyword": [keyword_overclaim(t) for t in texts],
        }
        print(f"### evaluated on: {corpus.name} {name} split [{len(rows)} sentences] ({purpose})\n")
        per_label_table(gold, systems, LABELS)


# --------------------------------------------------------------------------------------
# (e) real-world dev set


def realworld_section(dev: Path, cv: bool) -> None:
    """(e): benchmarks/realworld.py on the real-world dev set, then the grouped-by-URL
    cross-validation numbers stored with the shipped model when it learned from that set."""
    print("## (e) real-world dev set (../shared/eval/realworld-dev)\n")
    if not (dev / "sentences.jsonl").is_file():
        print(f"  SKIP (e): {dev} not found\n")
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import realworld

    if cv:
        print(
            "The shipped model learned from these sentences, so its own numbers on them are"
            " in-sample: model and rules+model below come from 5-fold cross-validation"
            " grouped by URL (each fold's model never saw the URLs it is scored on).\n"
        )
    else:
        print("SMOKE RUN: the shipped model as is, no cross-validation.\n")
    realworld.run(dev, cv=cv)
    stored = classify.load_named("default").meta.get("realworld_cv")
    if stored:
        print(
            "### cross-validation by URL stored with the shipped model (claimcheck model train)\n"
        )
        rows = [
            [name, f"{s['precision']:.2f}", f"{s['recall']:.2f}", f"{s['false_alarms']:.2f}"]
            for name, s in ((n, stored[n]) for n in ("model", "rules", "rules+model"))
        ]
        table(["system", "overclaim P", "overclaim R", "false alarms"], rows)
        print(
            f"model macro-F1 (6 labels, out of fold) {stored['model']['macro_f1']:.3f};"
            f" model_only threshold chosen {stored['model_only']}\n"
        )


# --------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=ROOT.parent / "shared",
        help="folder holding eval/ (default: ../shared next to the repository)",
    )
    parser.add_argument(
        "--slice",
        type=int,
        default=None,
        metavar="N",
        help="use only N rows of each dataset (the first N after a seeded shuffle): smoke runs",
    )
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds for (a)")
    parser.add_argument(
        "--dev-errors", type=int, default=0, metavar="N", help="print N corpus dev-split errors"
    )
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    if args.slice is not None and args.slice < 1:
        parser.error("--slice must be positive")

    import sklearn

    started = time.perf_counter()
    print("# claimcheck classifier accuracy\n")
    print(
        f"{dt.date.today().isoformat()} · python {platform.python_version()} · "
        f"scikit-learn {sklearn.__version__} · numpy {np.__version__} · "
        f"{os.cpu_count()} CPUs · {platform.machine()}"
    )
    shown = " ".join(sys.argv[1:] if argv is None else argv)
    print(f"command: python benchmarks/accuracy.py {shown}".rstrip())
    if args.slice:
        print(f"SMOKE RUN: only {args.slice} rows of each dataset; the numbers mean nothing")
    print()

    eval_dir = args.shared / "eval"
    pubmed = pairs = None
    targets: list[Dataset] = []
    if not eval_dir.is_dir():
        print(f"  SKIP (a), (b), (c): {eval_dir} not found (pass --shared PATH)\n")
    else:
        pubmed = load(eval_dir / "causal-pubmed" / "sentences.jsonl", "causal-pubmed", args.slice)
        for folder in ("causal-pressrelease", "exaggeration-insciout"):
            found = load(eval_dir / folder / "sentences.jsonl", folder, args.slice)
            if found:
                targets.append(found)
        pair_file = eval_dir / "exaggeration-insciout" / "pairs.jsonl"
        if not pair_file.is_file():
            print(f"  SKIP (c): {pair_file} not found")
        else:
            has_test = any(r.get("split") == "test" for r in read_jsonl(pair_file))
            pairs = load(
                pair_file,
                "exaggeration-insciout pairs" + (" (test split)" if has_test else " (all)"),
                args.slice,
                (lambda r: r.get("split") == "test") if has_test else None,
            )
        print("data:\n")
        data_rows = [
            [
                d.name,
                f"{len(d.rows):,}",
                str(d.path.relative_to(args.shared)),
                f"upstream {upstream_commit(d.path.parent)}",
                f"sha256 {sha(d.path)}",
            ]
            for d in [pubmed, *targets, pairs]
            if d is not None
        ]
        table(["dataset", "rows used", "file", "version", "file hash"], data_rows)

    if pubmed is None:
        if eval_dir.is_dir():
            print("  SKIP (a), (b), (c): causal-pubmed is missing\n")
    else:
        pubmed_cv(pubmed, args.folds)
        transfer(pubmed, targets, pairs)

    corpus = load(CORPUS, "claimcheck corpus", args.slice)
    if corpus is None:
        print("  SKIP (d): the project corpus is missing\n")
    else:
        print(f"corpus: corpus/sentences.jsonl, {len(corpus.rows):,} rows, sha256 {sha(CORPUS)}\n")
        corpus_model_table(corpus, args.dev_errors)
        project_corpus_table(corpus)
    realworld_section(args.shared / "eval" / "realworld-dev", cv=not args.slice)
    print(f"total time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
