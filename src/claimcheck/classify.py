"""A scikit-learn sentence classifier stored as plain arrays, never as pickle.

The pipeline is word (1-2) and character (2-5, within word boundaries) TF-IDF features,
optionally a few hand-made binary cue features (`CUES`: benefit verbs, treatment words,
modal hedges, 'can', reporting verbs, questions, the seller's own voice, negation, and
three conjunctions), and a multinomial logistic regression. A model directory holds:

    model.json    labels, vectorizer settings, vocabularies, cue patterns, thresholds, metrics
    weights.npz   idf vectors, coefficients and intercepts (numpy, allow_pickle=False)

Loading rebuilds the vectorizers from their vocabularies and idf vectors and computes the
probabilities with numpy, so a model file can only ever contain numbers and strings.
Prediction needs numpy only: `_Vectorizer` re-implements the scikit-learn TF-IDF transform
for the settings used here (word and char_wb n-grams, lowercase, sublinear tf, idf, l2
norm; `tests/test_classify.py` checks it against scikit-learn on the whole corpus).
scikit-learn is imported only to train, so `import claimcheck`, `claimcheck rules` and
`claimcheck check --model ...` never load it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import regex

from claimcheck.errors import ModelError

FORMAT = "claimcheck-model/1"
SEED = 20261127
WORD_CACHE_SIZE = 100_000  # words whose char_wb columns a vectorizer remembers
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


# Binary cue features, written by the team from the dev set README's label conventions
# (never from its text): what a bag of n-grams does not see as one thing. English and
# Spanish alternatives sit in one pattern. Saved with the model, so a model file always
# carries the cues it was trained with.
CUES: dict[str, Any] = {
    "patterns": [
        # 0 benefit verb or noun
        r"\b(?:cur(?:e|es|ed|a|an|ar)|revers|revier|revert|remisi|elimin|regenera|repar|repair|"
        r"restor|restaur|heal|sana|alivi|reliev|mejor|improv|reduc|lower|baj[ao]|control|"
        r"recuper|recover|rejuven|regrow|rebuild|reconstru|fortalec|strength|boost|balanc|"
        r"equilibr|renew|renuev)",
        # 1 hedging modal
        r"\b(?:may|might|could|possibly|potential(?:ly)?|podr[íi]a[ns]?|pudiera[ns]?|"
        r"posiblemente|potencialmente|quiz[áa]s?)\b",
        # 2 asserting modal or future
        r"\b(?:can|will|puede[ns]?|podr[áa]n?|logra[ns]?|lograr[áa]n?)\b",
        # 3 reporting or attribution
        r"\b(?:says?|said|claim(?:s|ed|ing)?|according|report(?:s|ed)?|promis|allege|warn|"
        r"dijo|afirm|asegur|seg[úu]n|promet|advier|alert|denunci|supuest)",
        # 4 question
        r"[?¿]",
        # 5 the seller's own voice
        r"\b(?:our|we|we're|us|nuestr[oa]s?|ofrecemos|contamos|somos|realizamos|brindamos|"
        r"tratamos)\b",
        # 6 negation
        r"\b(?:no|not|never|without|nunca|sin|ni|tampoco)\b",
        # 7 the reader addressed
        r"\b(?:you|your|usted|ustedes|tu|tus)\b",
        # 8 research words
        r"\b(?:stud(?:y|ies)|trials?|research|estudios?|ensayos?|investigaci)",
        # 9 non-human results
        r"\b(?:mice|mouse|rats?|animals?|ratones|in vitro|pre-?cl[íi]nic)",
        # 10 safety and naturalness
        r"\b(?:safe|segur[oa]s?|side effects?|efectos secundarios|natural(?:es|ly)?)\b",
        # 11 treatment words
        r"\b(?:cells?|c[ée]lulas|exosom|prp|plasma|mesenquimal|mesenchymal|"
        r"terap|therap|treatment|tratamiento|suplement|supplement|formula|f[óo]rmula)",
        # 12 a percentage
        r"\d+ ?%",
        # 13 regulators and approval
        r"\b(?:fda|cofepris|approv|aprobad|autoriz)",
    ],
    # Each conjunction is a list of cue indexes; ~i means 'cue i absent'.
    "conjunctions": [[0, 2, "~1"], [0, 11], [0, 3]],
}
CUE_TIMEOUT = 1.0


def cue_matrix_dense(texts: Sequence[str], cues: Mapping[str, Any]) -> np.ndarray:
    """One row of 0/1 cue features per text: each pattern, then each conjunction."""
    patterns = [regex.compile(p, regex.IGNORECASE) for p in cues["patterns"]]
    conjunctions = cues.get("conjunctions", [])
    out = np.zeros((len(texts), len(patterns) + len(conjunctions)))
    for i, text in enumerate(texts):
        hits = [bool(p.search(text, timeout=CUE_TIMEOUT)) for p in patterns]
        out[i, : len(patterns)] = hits
        for j, terms in enumerate(conjunctions):
            out[i, len(patterns) + j] = all(_cue_term(hits, t) for t in terms)
    return out


def _cue_term(hits: Sequence[bool], term: int | str) -> bool:
    """One term of a conjunction: cue i present (i), or absent ('~i')."""
    if isinstance(term, str) and term.startswith("~"):
        return not hits[int(term[1:])]
    return hits[int(term)]


class _Vectorizer:
    """The TF-IDF transform of a fitted scikit-learn TfidfVectorizer, in plain Python/numpy.

    Supports what VECTORIZERS uses: analyzer 'word' (token_pattern, n-grams joined by a
    space) or 'char_wb' (n-grams inside space-padded words), lowercase, sublinear tf, idf
    weights and l2 normalisation. Terms outside the vocabulary are ignored.
    """

    _WHITE_SPACES = re.compile(r"\s\s+")

    def __init__(self, settings: Mapping[str, Any], vocabulary: dict[str, int], idf):
        self.analyzer = str(settings["analyzer"])
        self.ngram_range = tuple(int(n) for n in settings["ngram_range"])
        self.lowercase = bool(settings.get("lowercase", True))
        self.sublinear_tf = bool(settings.get("sublinear_tf", False))
        self.token_pattern = re.compile(settings.get("token_pattern", r"(?u)\b\w\w+\b"))
        if self.analyzer not in ("word", "char_wb"):
            raise ModelError(f"unsupported analyzer {self.analyzer!r}")
        self.vocabulary_ = vocabulary
        self.idf_ = np.asarray(idf, dtype=np.float64)
        self._word_columns: dict[str, np.ndarray] = {}  # char_wb: columns of one word

    def _char_columns(self, word: str) -> np.ndarray:
        """Vocabulary columns of the char_wb n-grams of one word (cached: words repeat)."""
        cached = self._word_columns.get(word)
        if cached is None:
            if len(self._word_columns) >= WORD_CACHE_SIZE:
                self._word_columns.clear()
            vocabulary = self.vocabulary_
            grams = self._char_grams(word)
            cached = np.array([vocabulary[g] for g in grams if g in vocabulary], dtype=np.int64)
            self._word_columns[word] = cached
        return cached

    def _char_grams(self, word: str) -> list[str]:
        low, high = self.ngram_range
        padded = f" {word} "
        out: list[str] = []
        for n in range(low, high + 1):
            if len(padded) <= n:  # a short word counts once, whole
                out.append(padded)
                break
            out += [padded[i : i + n] for i in range(len(padded) - n + 1)]
        return out

    def terms(self, text: str) -> list[str]:
        """The n-grams of one text, as scikit-learn's analyzer would produce them."""
        if self.lowercase:
            text = text.lower()
        low, high = self.ngram_range
        out: list[str] = []
        if self.analyzer == "word":
            tokens = self.token_pattern.findall(text)
            for n in range(low, min(high, len(tokens)) + 1):
                out += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
            return out
        for word in self._WHITE_SPACES.sub(" ", text).split():
            out += self._char_grams(word)
        return out

    def _columns(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The vocabulary column of every n-gram of the texts (repeats included), all
        texts concatenated, and how many of them belong to each text."""
        pieces: list[np.ndarray] = []
        lengths: list[int] = []
        for text in texts:
            if self.analyzer == "char_wb":
                lowered = text.lower() if self.lowercase else text
                words = [self._char_columns(w) for w in lowered.split()]
                pieces += words
                lengths.append(sum(map(len, words)))
            else:
                vocabulary = self.vocabulary_
                found = [vocabulary[t] for t in self.terms(text) if t in vocabulary]
                pieces.append(np.array(found, dtype=np.int64))
                lengths.append(len(found))
        flat = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        return flat, np.array(lengths, dtype=np.int64)

    def transform_batch(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, l2-normalised tf-idf value) of every non-zero feature of some
        texts, in a few numpy calls for the whole batch rather than several per text."""
        flat, lengths = self._columns(texts)
        width = len(self.idf_)
        keys, counts = np.unique(
            np.repeat(np.arange(len(texts)), lengths) * width + flat, return_counts=True
        )
        rows, cols = keys // width, keys % width
        tf = counts.astype(np.float64)
        if self.sublinear_tf:
            tf = np.log(tf) + 1.0
        values = tf * self.idf_[cols]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(texts)))
        return rows, cols, values / norms[rows]

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indexes, tf-idf values) of one text, l2-normalised."""
        _, cols, values = self.transform_batch([text])
        return cols, values

    def transform(self, texts: Sequence[str]):
        """A SciPy CSR matrix, one row per text (for callers that want the features)."""
        from scipy.sparse import csr_matrix

        rows, cols, values = self.transform_batch(texts)
        return csr_matrix((values, (rows, cols)), shape=(len(texts), len(self.idf_)))


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
    vectorizers: dict[str, _Vectorizer]
    coef: np.ndarray
    intercept: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    cues: dict[str, Any] | None = None  # CUES-shaped; None: no cue features

    @property
    def version(self) -> str:
        """A short content hash that reports record, so a result names its model."""
        return str(self.meta.get("hash", "unsaved"))

    def features(self, texts: Sequence[str]):
        """The sparse feature matrix of some sentences (needs SciPy)."""
        from scipy.sparse import csr_matrix, hstack

        parts = [self.vectorizers[name].transform(texts) for name in VECTORIZERS]
        if self.cues is not None:
            parts.append(csr_matrix(cue_matrix_dense(texts, self.cues)))
        return hstack(parts).tocsr()

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text, columns in `labels` order (numpy only)."""
        if not len(texts):
            return np.zeros((0, len(self.labels)))
        scores = np.tile(self.intercept.astype(np.float64), (len(texts), 1))
        offset = 0
        for name in VECTORIZERS:
            vec = self.vectorizers[name]
            rows, cols, values = vec.transform_batch(texts)
            weights = self.coef[:, offset + cols] * values  # (labels, non-zero features)
            for k in range(len(self.labels)):
                scores[:, k] += np.bincount(rows, weights=weights[k], minlength=len(texts))
            offset += len(vec.idf_)
        if self.cues is not None:
            scores += cue_matrix_dense(texts, self.cues) @ self.coef[:, offset:].T
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
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    c: float = 4.0,
    seed: int = SEED,
    settings: Mapping[str, dict[str, Any]] = VECTORIZERS,
    cues: Mapping[str, Any] | None = None,
    vocabulary_texts: Sequence[str] | None = None,
    sample_weight: Sequence[float] | None = None,
) -> SentenceClassifier:
    """Fit the pipeline. Deterministic for the same data, settings and seed.

    `settings` replaces the vectorizer settings (same keys as VECTORIZERS); they are saved
    with the model, so `load` rebuilds exactly what was trained. `cues` adds the binary cue
    features (CUES). `vocabulary_texts`, when given, are the only texts the vocabularies and
    idf weights are learned from: sentences that must leave no string in model.json (the
    real-world dev set) can then be trained on without being stored. `sample_weight`
    weighs each training sentence.
    """
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    if len(set(labels)) < 2:
        raise ModelError("training needs at least two different labels")
    vectorizers = {name: _vectorizer(name, settings=settings) for name in VECTORIZERS}
    fit_on = texts if vocabulary_texts is None else vocabulary_texts
    parts = [vectorizers[n].fit(fit_on).transform(texts) for n in VECTORIZERS]
    if cues is not None:
        parts.append(csr_matrix(cue_matrix_dense(texts, cues)))
    matrix = hstack(parts).tocsr()
    model = LogisticRegression(
        C=c, max_iter=3000, class_weight="balanced", random_state=seed, solver="lbfgs"
    )
    model.fit(matrix, list(labels), sample_weight=sample_weight)
    classes = tuple(str(x) for x in model.classes_)
    coef, intercept = model.coef_, model.intercept_
    if len(classes) == 2:  # binary logistic regression keeps one row; expand to softmax form
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    meta = {"C": c, "seed": seed, "vectorizers": json.loads(json.dumps(settings))}
    fitted = {
        name: _Vectorizer(settings[name], dict(vec.vocabulary_), vec.idf_)
        for name, vec in vectorizers.items()
    }
    saved_cues = json.loads(json.dumps(cues)) if cues is not None else None
    return SentenceClassifier(classes, fitted, coef, intercept, meta, saved_cues)


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
    if model.cues is not None:
        digest.update(json.dumps(model.cues, ensure_ascii=False).encode())
    info = {
        "format": FORMAT,
        "labels": list(model.labels),
        "vectorizers": VECTORIZERS,
        "vocabularies": vocabularies,
        **model.meta,
        "cues": model.cues,
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
        vocabulary = {t: i for i, t in enumerate(terms)}
        vectorizers[name] = _Vectorizer(settings[name], vocabulary, arrays[f"idf_{name}"])
    labels = tuple(info["labels"])
    coef, intercept = arrays["coef"], arrays["intercept"]
    cues = info.get("cues")
    width = sum(len(info["vocabularies"][n]) for n in VECTORIZERS)
    if cues is not None:
        width += len(cues["patterns"]) + len(cues.get("conjunctions", []))
    if coef.shape != (len(labels), width) or intercept.shape != (len(labels),):
        raise ModelError(f"{path}: weights do not match the vocabulary ({coef.shape})")
    return SentenceClassifier(labels, vectorizers, coef, intercept, info, cues)


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
