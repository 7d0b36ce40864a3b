"""Sentences with the classifier's predictions, as JSONL rows ready for labelling."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from claimcheck.classify import load_named
from claimcheck.errors import ModelError
from claimcheck.extract import extract
from claimcheck.segment import segment
from claimcheck.sources import iter_inputs


def annotation_rows(paths: Sequence[str], model: str = "default") -> Iterator[dict[str, object]]:
    """One row per visible sentence: text, predicted label, probability, lang, source, line."""
    classifier = load_named(model)
    if classifier is None:
        raise ModelError("annotate needs a model (--model default or a directory)")
    for item in iter_inputs(paths):
        if isinstance(item, Exception):
            raise item
        doc = extract(item)
        sentences = [s for s in segment(doc) if not s.hidden]
        predictions = classifier.predict([s.text for s in sentences])
        for sentence, prediction in zip(sentences, predictions, strict=True):
            yield {
                "text": sentence.text,
                "label": prediction.label,
                "probability": round(prediction.probability, 4),
                "lang": sentence.lang,
                "source": doc.path,
                "line": sentence.line,
            }
