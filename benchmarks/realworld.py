"""claimcheck on real text: the real-world dev set (../shared/eval/realworld-dev).

What: sentence- and page-level accuracy of claimcheck on real clinic, broker, supplement,
regulator and news text nobody on the team wrote, beside a keyword grep.

  sentences  each of the dev sentences checked as a page of its own; a sentence is
             called an overclaim when claimcheck reports a CC1xx finding of the overclaim
             family on it. Systems: the rules alone, the shipped classifier alone (its top
             label), rules + model (claimcheck as shipped), keyword grep. Overclaim
             precision / recall / F1 and the false-alarm rate (share of non-overclaim
             sentences flagged), overall, per language and per condition group.
  pages      each stored page excerpt checked as a whole page; a labelled overclaim is
             found when an overclaim finding's sentence overlaps it. Recall, precision
             (findings that overlap no labelled overclaim are false), CC1xx count on
             editorial pages, page type against the label.

The set is read in place and never copied into the repository (its README forbids it).
It is a development set: settings may be tuned on it; the private test set is elsewhere.

    python benchmarks/realworld.py                 # both tables, about 20 s
    python benchmarks/realworld.py --errors 20     # also list misses and false alarms
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from claimcheck.config import Config  # noqa: E402
from claimcheck.engine import Engine  # noqa: E402
from claimcheck.model import PageReport  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "realworld-dev"
OVERCLAIM = "overclaim"

# A grep a hurried reviewer would write: any of these stems marks an overclaim.
KEYWORDS = re.compile(
    r"\b(cur(e|es|ed|a|an|ar)|revers|revert|remisi|remission|eliminat|elimin|guarant|garantiz"
    r"|miracle|milagr|fda[- ]approved|aprobad|100 ?%|no side effects|sin efectos)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Scores:
    """Overclaim precision, recall, F1 and false-alarm rate of one system on one slice."""

    n: int
    positives: int
    precision: float
    recall: float
    f1: float
    false_alarms: float


def score_binary(gold: Sequence[bool], pred: Sequence[bool]) -> Scores:
    """Precision, recall and F1 of the positive class, and the share of negatives flagged."""
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum((not g) and p for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    negatives = sum(not g for g in gold)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(len(gold), tp + fn, precision, recall, f1, fp / negatives if negatives else 0.0)


def read_jsonl(path: Path) -> list[dict]:
    """Rows of a JSON-lines file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def overclaim_codes(engine: Engine) -> frozenset[str]:
    """Codes of the rules whose findings are benefit claims (the overclaim family)."""
    return frozenset(r.code for r in engine.lexicon.rules if r.family == OVERCLAIM)


def flagged(report: PageReport, codes: frozenset[str]) -> list:
    """The page's active overclaim findings."""
    return [f for f in report.active_findings if f.code in codes]


MODEL = "default"  # the model rules+model uses; --model changes it


def engines() -> dict[str, Engine]:
    """The systems compared: rules alone and rules + the shipped model."""
    return {
        "rules": Engine(Config(model="none")),
        "rules+model": Engine(Config(model=MODEL)),
    }


@dataclass
class Folds:
    """Cross-validation by URL: one rules+model engine per fold, trained without the URLs
    it is asked about (training.cv_models), and which fold holds out each sentence."""

    engines: list[Engine]
    fold_of: dict[int, int]  # sentence index -> fold
    fold_of_url: dict[str, int]
    threshold: float


def cv_folds(rows: list[dict], work: Path) -> Folds:
    """Train the fold models (corpus train split + the other folds' dev sentences), choose
    model_only on their out-of-fold predictions as `claimcheck model train` does, and
    give every fold model that threshold."""
    from claimcheck import classify, training

    corpus = classify.read_records([ROOT / "corpus" / "sentences.jsonl"])
    models = training.cv_models(training.split(corpus, "train"), rows, work)
    threshold = training.choose_realworld_threshold(training.cv_sentences(rows, models))
    out = Folds([], {}, {}, threshold)
    for k, (directory, held_out) in enumerate(models):
        model = classify.load(directory)
        model.meta["thresholds"] = {
            **training.DEFAULT_THRESHOLDS,
            "revive": 1.01,
            "model_only": threshold,
        }
        final = classify.save(model, work / f"final{k}")  # a new path: models are cached by path
        out.engines.append(Engine(Config(model=str(final))))
        for i in held_out:
            out.fold_of[i] = k
            out.fold_of_url[rows[i].get("url", "")] = k
    return out


def sentence_predictions(rows: list[dict], folds: Folds | None = None) -> dict[str, list[bool]]:
    """Overclaim yes/no for each sentence, per system (rules+model and model by fold
    under cross-validation)."""
    out: dict[str, list[bool]] = {}
    for name, engine in engines().items():
        if folds is not None and name == "rules+model":
            continue
        codes = overclaim_codes(engine)
        out[name] = [bool(flagged(engine.check_text(r["text"]), codes)) for r in rows]
    if folds is not None:
        codes = overclaim_codes(folds.engines[0])
        fold_engines = [folds.engines[folds.fold_of[i]] for i in range(len(rows))]
        out["rules+model"] = [
            bool(flagged(e.check_text(r["text"]), codes))
            for e, r in zip(fold_engines, rows, strict=True)
        ]
        out["model"] = [
            e.classifier.predict([r["text"]])[0].label == OVERCLAIM
            for e, r in zip(fold_engines, rows, strict=True)
        ]
    else:
        classifier = Engine(Config(model=MODEL)).classifier
        if classifier is not None:
            texts = [r["text"] for r in rows]
            out["model"] = [p.label == OVERCLAIM for p in classifier.predict(texts)]
    out["keyword"] = [bool(KEYWORDS.search(r["text"])) for r in rows]
    return out


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table."""
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    print()


def sentence_table(rows: list[dict], preds: dict[str, list[bool]]) -> dict[str, Scores]:
    """Print overall, per-language and per-condition overclaim scores; return overall."""
    gold = [r["label"] == OVERCLAIM for r in rows]
    slices: dict[str, list[int]] = {"all": list(range(len(rows)))}
    for key in ("lang", "condition"):
        groups: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(rows):
            groups[f"{key}={r.get(key) or '-'}"].append(i)
        slices.update(sorted(groups.items(), key=lambda kv: -len(kv[1])))
    overall: dict[str, Scores] = {}
    table = []
    for name, idx in slices.items():
        cells: list[object] = [name, len(idx), sum(gold[i] for i in idx)]
        for system, pred in preds.items():
            s = score_binary([gold[i] for i in idx], [pred[i] for i in idx])
            if name == "all":
                overall[system] = s
            cells += [f"{s.recall:.2f}", f"{s.precision:.2f}", f"{s.false_alarms:.2f}"]
        table.append(cells)
    header = ["slice", "n", "overclaims"]
    for system in preds:
        header += [f"{system} R", f"{system} P", f"{system} FA"]
    print_table(header, table)
    return overall


def overlaps(a: str, b: str) -> bool:
    """True when two sentence texts share a long enough stretch (one contains the other, or
    their first 40 normalised characters agree)."""
    na, nb = norm(a), norm(b)
    if not na or not nb:
        return False
    return na in nb or nb in na or na[:40] == nb[:40]


def norm(text: str) -> str:
    """Lower-case words only, for matching a finding's sentence with a labelled one."""
    return " ".join(re.findall(r"\w+", text.lower()))


@dataclass
class PageResult:
    """One page's outcome for one system."""

    file: str
    gold_type: str
    pred_type: str
    labelled: int
    found: int
    findings: int
    false: int
    missed: list[str]
    false_texts: list[str]


def page_results(
    engine: Engine, labels: list[dict], folder: Path, folds: Folds | None = None
) -> list[PageResult]:
    """Check each stored page and match its overclaim findings with the labelled ones
    (under cross-validation, with the fold model that never saw the page's URL)."""
    codes = overclaim_codes(engine)
    out = []
    for label in labels:
        text = (folder / label["file"]).read_text(encoding="utf-8")
        if folds is not None:
            engine = folds.engines[folds.fold_of_url.get(label.get("url", ""), 0)]
        report = engine.check_text(text, "text", path=label["file"])
        hits = flagged(report, codes)
        sentences = {f.sentence for f in hits}
        gold = label.get("overclaims") or []
        found = [g for g in gold if any(overlaps(g, s) for s in sentences)]
        false = [s for s in sentences if not any(overlaps(g, s) for g in gold)]
        out.append(
            PageResult(
                file=label["file"],
                gold_type=label.get("page_type", "?"),
                pred_type=report.page_type,
                labelled=len(gold),
                found=len(found),
                findings=len(sentences),
                false=len(false),
                missed=[g for g in gold if g not in found],
                false_texts=false,
            )
        )
    return out


def page_table(results: dict[str, list[PageResult]]) -> None:
    """Print recall, precision, editorial CC1xx and page-type accuracy per system."""
    rows = []
    for system, res in results.items():
        labelled = sum(r.labelled for r in res)
        found = sum(r.found for r in res)
        findings = sum(r.findings for r in res)
        false = sum(r.false for r in res)
        editorial = sum(r.findings for r in res if r.gold_type == "editorial")
        typed = sum(r.gold_type == r.pred_type for r in res)
        precision = (findings - false) / findings if findings else 0.0
        rows.append(
            [
                system,
                len(res),
                labelled,
                f"{found / labelled if labelled else 0:.2f}",
                f"{precision:.2f}",
                editorial,
                f"{typed}/{len(res)} ({typed / len(res):.0%})",
            ]
        )
    print_table(
        [
            "system",
            "pages",
            "labelled overclaims",
            "recall",
            "precision",
            "CC1xx sentences on editorial pages",
            "page type right",
        ],
        rows,
    )


def keyword_pages(labels: list[dict], folder: Path) -> list[PageResult]:
    """The keyword grep applied sentence by sentence to each page (split at . ! ? and lines)."""
    out = []
    for label in labels:
        text = (folder / label["file"]).read_text(encoding="utf-8")
        parts = [p for p in re.split(r"(?<=[.!?])\s+|\n+", text) if p.strip()]
        sentences = [p for p in parts if KEYWORDS.search(p)]
        gold = label.get("overclaims") or []
        found = [g for g in gold if any(overlaps(g, s) for s in sentences)]
        false = [s for s in sentences if not any(overlaps(g, s) for g in gold)]
        out.append(
            PageResult(
                label["file"],
                label.get("page_type", "?"),
                "-",
                len(gold),
                len(found),
                len(sentences),
                len(false),
                [],
                [],
            )
        )
    return out


def run(
    dev: Path, errors: int = 0, out: Callable[[str], None] = print, cv: bool = False
) -> dict[str, Scores]:
    """Print both real-world tables; return the overall sentence scores per system.

    With `cv`, the model and rules+model columns come from cross-validation grouped by
    URL (fold models trained on the corpus and the other folds' dev sentences), the
    honest number for a model that learned from the dev set."""
    rows = read_jsonl(dev / "sentences.jsonl")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        folds = cv_folds(rows, Path(work)) if cv else None
        preds = sentence_predictions(rows, folds)
        mode = (
            f", model and rules+model cross-validated by URL ({len(folds.engines)} folds,"
            f" model_only {folds.threshold})"
            if folds
            else f", model {MODEL}"
        )
        print(
            f"### real-world dev sentences [{len(rows)} sentences{mode},"
            f" {time.perf_counter() - started:.1f} s]\n"
        )
        print("R = overclaim recall, P = precision, FA = share of other sentences flagged\n")
        overall = sentence_table(rows, preds)
        labels = read_jsonl(dev / "pages" / "labels.jsonl")
        results = {
            name: page_results(e, labels, dev / "pages", folds if name == "rules+model" else None)
            for name, e in engines().items()
        }
        results["keyword"] = keyword_pages(labels, dev / "pages")
        print(f"### real-world dev pages [{len(labels)} page excerpts]\n")
        page_table(results)
        if errors:
            shipped = preds["rules+model"]
            print("#### sentence misses (overclaims not flagged)\n")
            misses = [
                r for r, p in zip(rows, shipped, strict=True) if r["label"] == OVERCLAIM and not p
            ]
            for r in misses[:errors]:
                print(f"- [{r['lang']}/{r['condition']}] {r['text'][:200]}")
            print("\n#### sentence false alarms\n")
            alarms = [
                r for r, p in zip(rows, shipped, strict=True) if r["label"] != OVERCLAIM and p
            ]
            for r in alarms[:errors]:
                print(f"- [{r['label']}] {r['text'][:200]}")
            print("\n#### pages\n")
            for r in results["rules+model"]:
                print(
                    f"- {r.file}: type {r.pred_type} (gold {r.gold_type}),"
                    f" {r.found}/{r.labelled} found, {r.false} false"
                )
                for t in r.false_texts[:3]:
                    print(f"    FALSE: {t[:160]}")
                for t in r.missed[:3]:
                    print(f"    MISS: {t[:160]}")
            print()
    return overall


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", type=Path, default=DEV, help="the realworld-dev folder")
    parser.add_argument(
        "--errors", type=int, default=0, metavar="N", help="list N errors of each kind"
    )
    parser.add_argument("--model", default="default", help="model directory or 'default'")
    parser.add_argument(
        "--cv",
        action="store_true",
        help="model and rules+model by cross-validation grouped by URL (trains 5 models, "
        "about 2 minutes): the honest numbers for a model trained with the dev set",
    )
    args = parser.parse_args(argv)
    global MODEL
    MODEL = args.model
    if not (args.dev / "sentences.jsonl").is_file():
        print(f"SKIP: {args.dev} not found (the real-world dev set lives in ../shared/eval)")
        return 0
    run(args.dev, args.errors, cv=args.cv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
