"""`claimcheck model train/evaluate` and `annotate`: the sentence classifier."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from claimcheck.cli.base import emit, fail, main

if TYPE_CHECKING:
    pass


@main.group("model")
def model_group() -> None:
    """Train and evaluate the sentence classifier."""


@model_group.command("train")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory to write model.json and weights.npz to.",
)
@click.option(
    "--realworld",
    default="auto",
    show_default=True,
    help="Real-world set folder (sentences.jsonl) to learn from and to choose thresholds on "
    "by cross-validation grouped by URL; 'auto' = ../shared/eval/realworld-dev when "
    "present, 'none' = corpus only.",
)
def model_train(corpus: tuple[str, ...], output: str, realworld: str) -> None:
    """Train on annotated sentences (JSONL or CSV with text and label; optional split).

    With a `split` column the model learns from `train` and `test` is reported; without
    one, every row is used for training. With a real-world set the model also learns from
    it (its text never enters the vocabulary) and thresholds come from cross-validation
    grouped by URL; without one, thresholds are chosen on the `dev` split.
    """
    from claimcheck.classify import read_records
    from claimcheck.training import REALWORLD_DEFAULT, read_realworld, train_model

    records = read_records(corpus)
    folder = {"auto": REALWORLD_DEFAULT, "none": None}.get(realworld, realworld)
    if folder is not None and realworld != "auto" and not Path(folder, "sentences.jsonl").is_file():
        fail(f"{folder}: no sentences.jsonl (a real-world set folder, or 'none')")
    real = read_realworld(folder)
    click.echo(
        f"training on {len(records)} annotated sentence(s)"
        + (f" and {len(real)} real-world sentence(s) from {folder}" if real else "")
        + "…",
        err=True,
    )
    meta = train_model(records, output, real)
    model_hash = json.loads(Path(output, "model.json").read_text("utf-8"))["hash"]
    click.echo(f"model written to {output} (hash {model_hash})")
    click.echo(f"thresholds: {meta['thresholds']}")
    cv = meta.get("realworld_cv")
    if cv:
        for system in ("model", "rules", "rules+model"):
            s = cv[system]
            click.echo(
                f"real-world CV by URL, {system}: overclaim P {s['precision']:.2f} "
                f"R {s['recall']:.2f} false alarms {s['false_alarms']:.2f}"
            )
    for name in ("dev", "test"):
        if meta[name]:
            click.echo(
                f"{name}: model macro-F1 {meta[name]['model']['macro_f1']:.3f}; "
                f"rules+model macro-F1 {meta[name]['rules+model']['macro_f1']:.3f}"
            )


model_dir_option = click.option(
    "--model",
    "model_dir",
    default="default",
    show_default=True,
    help="Model directory or 'default'.",
)


@model_group.command("evaluate")
@model_dir_option
@click.option(
    "--corpus",
    "corpus",
    multiple=True,
    type=click.Path(exists=True),
    help="Annotated sentences [the repository's corpus/ test split].",
)
@click.option(
    "--split",
    "split_name",
    default="test",
    show_default=True,
    help="Which split to score ('all' for every row).",
)
def model_evaluate(model_dir: str, corpus: tuple[str, ...], split_name: str) -> None:
    """Per-label precision / recall / F1 and macro-F1 of the model and of rules + model."""
    from claimcheck.classify import builtin_model_dir, load_named, read_records
    from claimcheck.training import LABELS, evaluate, split

    model = load_named(model_dir)
    paths = corpus or (str(builtin_model_dir().parents[1] / "corpus"),)
    records = read_records(paths)
    rows = records if split_name == "all" else split(records, split_name)
    if not rows:
        fail(f"no annotated sentences in split {split_name!r}")
    result = evaluate(model, rows)
    click.echo(f"model {model.version}; {len(rows)} sentence(s), split {split_name}")
    click.echo(f"thresholds: {model.meta.get('thresholds')}")
    for system in ("model", "rules+model"):
        click.echo(f"\n{system}\n{'label':<18} precision  recall     f1  support")
        for label in LABELS:
            p, r, f, n = result[system]["labels"][label]
            click.echo(f"{label:<18} {p:9.3f} {r:7.3f} {f:6.3f} {n:8d}")
        click.echo(f"{'macro-F1':<18} {result[system]['macro_f1']:24.3f}")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="JSONL file [stdout].")
@model_dir_option
def annotate(paths: tuple[str, ...], output: str | None, model_dir: str) -> None:
    """Dump visible sentences with the current predictions, ready for labelling.

    Each line has text, label (the prediction; correct it), probability, lang, source and
    line; the file feeds straight back into `claimcheck model train`.
    """
    from claimcheck.annotate import annotation_rows

    lines = [json.dumps(row, ensure_ascii=False) for row in annotation_rows(paths, model_dir)]
    text = "\n".join(lines) + ("\n" if lines else "")
    if emit(text, output):
        click.echo(f"{len(lines)} sentence(s) written to {output}", err=True)
