"""The sentence classifier: safe files, determinism, retraining, the combination policy."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import numpy as np
from click.testing import CliRunner
from tests.helpers import ROOT

from claimcheck import classify
from claimcheck.cli import main
from claimcheck.config import Config
from claimcheck.engine import Engine

TINY = [
    ("Our stem cells cure diabetes for good.", "overclaim"),
    ("This therapy reverses type 2 diabetes in weeks.", "overclaim"),
    ("Nuestro tratamiento elimina la insulina para siempre.", "overclaim"),
    ("After the infusion my sugar was normal, says Ana, 58.", "testimonial"),
    ("I stopped worrying about my glucose, writes Luis.", "testimonial"),
    ("Mi azúcar bajó mucho después del tratamiento, cuenta Rosa.", "testimonial"),
    ("Early trials suggest cells may modestly lower HbA1c.", "hedged_claim"),
    ("In mice, exosomes protected beta cells.", "hedged_claim"),
    ("Estudios iniciales sugieren que podría ayudar un poco.", "hedged_claim"),
    ("This treatment is investigational and not approved.", "disclaimer"),
    ("Results vary and nothing is guaranteed.", "disclaimer"),
    ("Es un tratamiento en investigación, no aprobado.", "disclaimer"),
    ("Cédula profesional 1234567.", "regulatory_detail"),
    ("Permiso de publicidad COFEPRIS No. 2423012002A00417.", "regulatory_detail"),
    ("ClinicalTrials.gov NCT09990123.", "regulatory_detail"),
    ("The clinic is open Monday to Friday.", "neutral"),
    ("There is no cure for type 1 diabetes.", "neutral"),
    ("Parking is free for patients.", "neutral"),
]


def _write_corpus(path) -> None:
    rows = [{"text": t, "label": lab} for t, lab in TINY]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")


def test_shipped_model_files_hold_no_pickle() -> None:
    directory = classify.builtin_model_dir()
    with zipfile.ZipFile(directory / "weights.npz") as npz:
        for name in npz.namelist():
            header = npz.read(name)[:128]
            assert header.startswith(b"\x93NUMPY") and b"'O'" not in header  # no object arrays
    shipped = [ROOT / name for name in ("src", "models", "lexicons", "corpus")]
    pickles = [p for d in shipped for pattern in ("*.pkl", "*.joblib") for p in d.rglob(pattern)]
    assert not pickles  # only what the project ships: a virtualenv inside the clone has its own
    model = classify.load(directory)
    assert set(model.labels) == {
        "overclaim",
        "testimonial",
        "hedged_claim",
        "disclaimer",
        "regulatory_detail",
        "neutral",
    }
    assert model.meta["thresholds"]["model_only"] >= 0.5


def test_training_is_deterministic_and_round_trips(tmp_path) -> None:
    texts, labels = zip(*TINY, strict=True)
    a = classify.train(texts, labels)
    b = classify.train(texts, labels)
    assert np.array_equal(a.coef, b.coef)
    classify.save(a, tmp_path / "m")
    loaded = classify.load(tmp_path / "m")
    assert np.allclose(a.predict_proba(texts), loaded.predict_proba(texts))
    assert loaded.version == a.version and len(loaded.version) == 12


def test_broken_model_directory_is_a_clear_error(tmp_path, runner: CliRunner) -> None:
    (tmp_path / "model.json").write_text('{"format": "other"}')
    np.savez(tmp_path / "weights.npz", coef=np.zeros(1))
    page = ROOT / "samples" / "careful-clinic.html"
    result = runner.invoke(main, ["check", str(page), "--model", str(tmp_path)])
    assert result.exit_code == 2 and "unsupported model format" in result.output


def test_retrain_tiny_corpus_via_cli_and_use_it(tmp_path, runner: CliRunner) -> None:
    corpus = tmp_path / "tiny.jsonl"
    _write_corpus(corpus)
    result = runner.invoke(main, ["model", "train", str(corpus), "-o", str(tmp_path / "mine")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mine" / "weights.npz").exists()
    page = tmp_path / "page.txt"
    page.write_text("Our stem cell therapy cures diabetes.")
    checked = runner.invoke(
        main, ["check", str(page), "--model", str(tmp_path / "mine"), "--format", "json"]
    )
    data = json.loads(checked.output)
    assert data["tool"]["model_version"]
    finding = data["files"][0]["findings"][0]
    assert finding["code"] == "CC101" and finding["model"]["label"] in classify_labels()


def classify_labels() -> set[str]:
    return {label for _, label in TINY}


def test_annotate_output_feeds_training(tmp_path, runner: CliRunner) -> None:
    out = tmp_path / "to-label.jsonl"
    page = ROOT / "samples" / "warning-article.md"
    result = runner.invoke(main, ["annotate", str(page), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(rows) > 20 and {"text", "label", "probability", "lang", "source", "line"} <= set(
        rows[0]
    )
    records = classify.read_records([out])
    assert len(records) == len(rows)


def test_combination_policy_on_crafted_pages() -> None:
    engine = Engine(Config(model="default"))
    agreed = engine.check_text("Our stem cell therapy cures type 2 diabetes for good.")
    cure = next(f for f in agreed.active_findings if f.code == "CC101")
    assert cure.engine == "rule+model" and cure.model_probability >= 0.5
    evidence_ok = engine.check_text("Insulin therapy lowers blood glucose.")
    suppressed = [f for f in evidence_ok.findings if f.code == "CC111"]
    assert suppressed and all(f.suppressed for f in suppressed)  # evidence is never revived
    fresh = engine.check_text(
        "With our stem cell protocol your body finally makes its own insulin like it did at twenty."
    )
    model_only = [f for f in fresh.active_findings if f.code == "CC114"]
    assert model_only and model_only[0].engine == "model"


def test_rules_and_import_do_not_load_scikit_learn() -> None:
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom claimcheck.cli import main\n"
        "r = CliRunner().invoke(main, ['rules'])\nassert r.exit_code == 0\n"
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _corpus_rows() -> list[dict[str, str]]:
    path = ROOT / "corpus" / "sentences.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def test_shipped_model_was_trained_on_this_corpus_and_its_card_says_so() -> None:
    import hashlib

    from claimcheck import training

    model = classify.load(classify.builtin_model_dir())
    rows = _corpus_rows()
    data = json.dumps([[r["text"], r["label"], r.get("split", "")] for r in rows])
    assert model.meta["training_data"]["sha256"] == hashlib.sha256(data.encode()).hexdigest()[:16]
    assert model.meta["vectorizers"] == training.CORPUS_VECTORIZERS
    assert model.meta["C"] == training.CORPUS_C
    card = (ROOT / "models" / "README.md").read_text("utf-8")
    assert f"`{model.version}`" in card  # the model card names the shipped model
    test = [r for r in rows if r["split"] == "test"]
    recomputed = training.evaluate(model, test, combined=False)["model"]["macro_f1"]
    assert recomputed == model.meta["test"]["model"]["macro_f1"]
    assert f"**{recomputed:.3f}**" in card


def test_page_like_test_documents_rarely_read_as_overclaims() -> None:
    # Documents d134-d191 are whole-page text (menus, bios, prices, logistics, legal
    # pages). The previous model read 23 of the 91 non-overclaim test sentences among them
    # as overclaims; the shipped one must stay well below that.
    model = classify.load(classify.builtin_model_dir())
    rows = [r for r in _corpus_rows() if r["split"] == "test" and int(r["source"][1:4]) >= 134]
    others = [r for r in rows if r["label"] != "overclaim"]
    predicted = model.predict([r["text"] for r in others])
    false_alarms = [
        r["text"] for r, p in zip(others, predicted, strict=True) if p.label == "overclaim"
    ]
    assert len(others) >= 80
    assert len(false_alarms) <= 0.15 * len(others), false_alarms
    claims = [r for r in rows if r["label"] == "overclaim"]
    found = sum(p.label == "overclaim" for p in model.predict([r["text"] for r in claims]))
    assert found >= 0.7 * len(claims)  # and it still finds the page-like overclaims


def test_vectorizer_settings_are_saved_with_the_model(tmp_path) -> None:
    texts, labels = zip(*TINY, strict=True)
    settings = {
        **classify.VECTORIZERS,
        "char": {**classify.VECTORIZERS["char"], "ngram_range": [1, 3]},
    }
    model = classify.train(texts, labels, settings=settings)
    classify.save(model, tmp_path / "m")
    loaded = classify.load(tmp_path / "m")
    assert loaded.vectorizers["char"].ngram_range == (1, 3)
    assert max(len(t) for t in loaded.vectorizers["char"].vocabulary_) == 3
    assert np.allclose(model.predict_proba(texts), loaded.predict_proba(texts))


def _cues_by_hand(texts, cues) -> np.ndarray:
    import regex

    rows = []
    for text in texts:
        hits = [bool(regex.search(p, text, regex.IGNORECASE)) for p in cues["patterns"]]
        both = [
            all(not hits[int(t[1:])] if str(t).startswith("~") else hits[int(t)] for t in terms)
            for terms in cues["conjunctions"]
        ]
        rows.append(hits + both)
    return np.array(rows, dtype=float)


def test_numpy_inference_matches_scikit_learn_on_the_corpus() -> None:
    from scipy.sparse import csr_matrix, hstack

    model = classify.load(classify.builtin_model_dir())
    texts = [r["text"] for r in _corpus_rows()] + ["", "   ", "a", "¿Qué?", "tab\there  twice"]
    reference = {}
    for name in classify.VECTORIZERS:
        vec = model.vectorizers[name]
        sk = classify._vectorizer(name, vec.vocabulary_, model.meta["vectorizers"])
        sk.idf_ = vec.idf_
        reference[name] = sk.transform(texts)
    parts = [reference[name] for name in classify.VECTORIZERS]
    if model.cues is not None:  # the cue features, computed the slow, obvious way
        parts.append(csr_matrix(_cues_by_hand(texts, model.cues)))
    features = hstack(parts).tocsr()
    scores = np.asarray(features @ model.coef.T) + model.intercept
    scores -= scores.max(axis=1, keepdims=True)
    expected = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert np.abs(model.predict_proba(texts) - expected).max() < 1e-9
    assert abs(model.features(texts) - features).max() < 1e-12


def test_checking_with_the_model_does_not_load_scikit_learn() -> None:
    code = (
        "import sys\nfrom claimcheck.config import Config\nfrom claimcheck.engine import Engine\n"
        "r = Engine(Config(model='default')).check_text("
        "'With our stem cell protocol your body finally makes its own insulin again.')\n"
        "assert r.findings, r\n"
        "print('sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_cue_features_are_saved_and_rebuilt(tmp_path) -> None:
    texts, labels = zip(*TINY, strict=True)
    model = classify.train(texts, labels, cues=classify.CUES)
    classify.save(model, tmp_path / "m")
    loaded = classify.load(tmp_path / "m")
    assert loaded.cues == classify.CUES
    assert loaded.coef.shape[1] == model.features(texts).shape[1]
    assert np.allclose(model.predict_proba(texts), loaded.predict_proba(texts))
    cues = classify.cue_matrix_dense(
        ["Our cells can repair your knee.", "May it help?"], classify.CUES
    )
    patterns = len(classify.CUES["patterns"])
    assert cues[0, 0] and cues[0, 2] and not cues[0, 1]  # benefit, 'can', no hedge
    assert cues[0, patterns]  # benefit + 'can' + no hedge
    assert cues[1, 1] and cues[1, 4] and not cues[1, patterns]  # hedge, question


def test_vocabulary_comes_only_from_the_vocabulary_texts() -> None:
    # Real-world sentences may be learned from but must leave no string in model.json.
    texts, labels = zip(*TINY, strict=True)
    extra = ("Zyxwv qqqrrr cures everything.", "overclaim")
    model = classify.train(
        [*texts, extra[0]], [*labels, extra[1]], vocabulary_texts=texts, sample_weight=[1.0] * 19
    )
    terms = set(model.vectorizers["word"].vocabulary_) | set(model.vectorizers["char"].vocabulary_)
    assert not any(g in t for t in terms for g in ("zyx", "yxw", "qqq", "qrr", "rrr"))
    assert "cure" in " ".join(terms)
