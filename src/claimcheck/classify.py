"""A scikit-learn sentence classifier stored as plain arrays, never as pickle.

The pipeline is word (1-2) and character (2-5, within word boundaries) TF-IDF features and a
multinomial logistic regression. A model directory holds:

    model.json    labels, vectorizer settings, vocabularies, thresholds, metrics, hashes
    weights.npz   idf vectors, coefficients and intercepts (numpy, allow_pickle=False)

Loading rebuilds the vectorizers from their vocabularies and idf vectors and computes the
probabilities with numpy, so a model file can only ever contain numbers and strings.
scikit-learn is imported lazily: `import claimcheck` and `claimcheck rules` never load it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.errors import ModelError

FORMAT = "claimcheck-model/1"
SEED = 20261127
VECTORIZERS: dict[str, dict[str, Any]] = {
    "word": {
        "analyzer": "word",
        "ngram_range": [1, 2],
        "lowercase": True,
        "sublinear_tf": True,
        "min_df": 2,
        "token_pattern": r"(?u)\b\w+\b",
    },
    "char": {
        "analyzer": "char_wb",
        "ngram_range": [2, 5],
        "lowercase": True,
        "sublinear_tf": True,
        "min_df": 2,
        "max_features": 60000,
    },
}


@dataclass(frozen=True, slots=True)
class Prediction:
    """The most likely label of one sentence, with every label's probability."""

    label: str
    probability: float
    probabilities: dict[str, float]


@dataclass(slots=True)
class SentenceClassifier:
    """A trained model: vectorizers, weights and the metadata saved with them."""

    labels: tuple[str, ...]
    vectorizers: dict[str, Any]
    coef: np.ndarray
    intercept: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """A short content hash that reports record, so a result names its model."""
        return str(self.meta.get("hash", "unsaved"))

    def features(self, texts: Sequence[str]):
        """The sparse feature matrix of some sentences."""
        from scipy.sparse import hstack

        return hstack([self.vectorizers[name].transform(texts) for name in VECTORIZERS]).tocsr()

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text, columns in `labels` order."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        scores = self.features(texts) @ self.coef.T + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """The best label per text, with its probability and all others."""
        out = []
        for row in self.predict_proba(texts):
            best = int(row.argmax())
            probs = {label: round(float(p), 4) for label, p in zip(self.labels, row, strict=True)}
            out.append(Prediction(self.labels[best], float(row[best]), probs))
        return out


def _vectorizer(
    name: str,
    vocabulary: Mapping[str, int] | None = None,
    settings: Mapping[str, dict[str, Any]] = VECTORIZERS,
):
    from sklearn.feature_extraction.text import TfidfVectorizer

    params = dict(settings[name], ngram_range=tuple(settings[name]["ngram_range"]))
    if vocabulary is not None:
        params.pop("min_df"), params.pop("max_features", None)
        params["vocabulary"] = vocabulary
    return TfidfVectorizer(**params)


def train(
    texts: Sequence[str], labels: Sequence[str], *, c: float = 4.0, seed: int = SEED
) -> SentenceClassifier:
    """Fit the pipeline. Deterministic for the same data, settings and seed."""
    from scipy.sparse import hstack
    from sklearn.linear_model import LogisticRegression

    if len(set(labels)) < 2:
        raise ModelError("training needs at least two different labels")
    vectorizers = {name: _vectorizer(name) for name in VECTORIZERS}
    matrix = hstack([vectorizers[n].fit_transform(texts) for n in VECTORIZERS]).tocsr()
    model = LogisticRegression(
        C=c, max_iter=3000, class_weight="balanced", random_state=seed, solver="lbfgs"
    )
    model.fit(matrix, list(labels))
    classes = tuple(str(x) for x in model.classes_)
    coef, intercept = model.coef_, model.intercept_
    if len(classes) == 2:  # binary logistic regression keeps one row; expand to softmax form
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return SentenceClassifier(classes, vectorizers, coef, intercept, {"C": c, "seed": seed})


def save(model: SentenceClassifier, directory: str | Path, **meta: Any) -> Path:
    """Write model.json and weights.npz; return the directory."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"coef": model.coef, "intercept": model.intercept}
    vocabularies = {}
    for name, vec in model.vectorizers.items():
        terms = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
        vocabularies[name] = terms
        arrays[f"idf_{name}"] = vec.idf_
    np.savez_compressed(out / "weights.npz", **arrays)
    digest = hashlib.sha256((out / "weights.npz").read_bytes())
    digest.update(json.dumps(vocabularies, ensure_ascii=False).encode())
    info = {
        "format": FORMAT,
        "labels": list(model.labels),
        "vectorizers": VECTORIZERS,
        "vocabularies": vocabularies,
        **model.meta,
        **meta,
        "hash": digest.hexdigest()[:12],
    }
    (out / "model.json").write_text(json.dumps(info, ensure_ascii=False) + "\n", "utf-8")
    model.meta = info
    return out


def load(directory: str | Path) -> SentenceClassifier:
    """Load a model directory written by `save`; any problem is a ModelError."""
    path = Path(directory)
    try:
        info = json.loads((path / "model.json").read_text("utf-8"))
        with np.load(path / "weights.npz", allow_pickle=False) as weights:
            arrays = {k: weights[k] for k in weights.files}
    except FileNotFoundError as exc:
        raise ModelError(f"{path}: not a model directory ({exc.filename} missing)") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: unreadable model: {exc}") from None
    if info.get("format") != FORMAT:
        raise ModelError(f"{path}: unsupported model format {info.get('format')!r}")
    vectorizers = {}
    settings = info.get("vectorizers", VECTORIZERS)  # the settings the model was trained with
    for name in VECTORIZERS:
        terms = info["vocabularies"][name]
        vec = _vectorizer(name, {t: i for i, t in enumerate(terms)}, settings)
        vec.idf_ = arrays[f"idf_{name}"]
        vectorizers[name] = vec
    labels = tuple(info["labels"])
    coef, intercept = arrays["coef"], arrays["intercept"]
    width = sum(len(info["vocabularies"][n]) for n in VECTORIZERS)
    if coef.shape != (len(labels), width) or intercept.shape != (len(labels),):
        raise ModelError(f"{path}: weights do not match the vocabulary ({coef.shape})")
    return SentenceClassifier(labels, vectorizers, coef, intercept, info)


def read_records(paths: Iterable[str | Path]) -> list[dict[str, str]]:
    """Annotated sentences from JSONL or CSV files (columns text and label at least)."""
    import csv

    records: list[dict[str, str]] = []
    for p in paths:
        path = Path(p)
        files = (
            sorted(path.glob("*.jsonl")) + sorted(path.glob("*.csv")) if path.is_dir() else [path]
        )
        for file in files:
            try:
                if file.suffix == ".csv":
                    with file.open(encoding="utf-8", newline="") as fh:
                        records += [dict(row) for row in csv.DictReader(fh)]
                else:
                    with file.open(encoding="utf-8") as fh:
                        records += [json.loads(line) for line in fh if line.strip()]
            except (OSError, ValueError) as exc:
                raise ModelError(f"{file}: cannot read annotations: {exc}") from None
    bad = [r for r in records if not r.get("text") or not r.get("label")]
    if bad or not records:
        raise ModelError("annotations need non-empty 'text' and 'label' on every row")
    return records


def builtin_model_dir() -> Path:
    """The model shipped with the package (or the repository's, in a checkout)."""
    from importlib import resources

    packaged = Path(str(resources.files("claimcheck").joinpath("models", "default")))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "models" / "default"


_LOADED: dict[str, SentenceClassifier] = {}


def load_named(name: str) -> SentenceClassifier | None:
    """'none' -> None, 'default' -> the shipped model, else a model directory; cached."""
    if name == "none":
        return None
    path = str(builtin_model_dir() if name == "default" else Path(name).resolve())
    if path not in _LOADED:
        _LOADED[path] = load(path)
    return _LOADED[path]
