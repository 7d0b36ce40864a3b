"""Compare claimcheck's sentence splitter with pysbd on hand-labelled tricky cases.

pysbd is not a project dependency; install it only to run this (`pip install pysbd`).
Each case is plain text (headings and bullets on their own lines, as in a .txt page)
with the sentences a reader would see. Both splitters get the same blocks from
claimcheck's plain-text extraction (headings and list items are blocks; list markers
such as "1." and "-" at a line start are stripped there), so only sentence splitting
is compared. A case counts as correct when the splitter returns exactly those
sentences (whitespace-normalised); boundary precision/recall count the split points.

Run: PYTHONPATH=src python benchmarks/segmentation.py
"""

from __future__ import annotations

import time

from claimcheck.extract import extract_text
from claimcheck.model import Block, Document, Origin
from claimcheck.segment import segment

# (language, text, expected sentences)
CASES: list[tuple[str, str, list[str]]] = [
    ("en", "Dr. Smith treats diabetes. He is kind.", ["Dr. Smith treats diabetes.", "He is kind."]),
    ("en", "Ask Mr. Jones and Mrs. Lee. They know.", ["Ask Mr. Jones and Mrs. Lee.", "They know."]),
    (
        "en",
        "HbA1c fell to 6.5% after treatment. Results vary.",
        ["HbA1c fell to 6.5% after treatment.", "Results vary."],
    ),
    (
        "en",
        "HbA1c dropped 1.5 percentage points. That is modest.",
        ["HbA1c dropped 1.5 percentage points.", "That is modest."],
    ),
    (
        "en",
        "The trial enrolled approx. 40 patients. None were cured.",
        ["The trial enrolled approx. 40 patients.", "None were cured."],
    ),
    (
        "en",
        "See No. 12 in the list. It explains the risks.",
        ["See No. 12 in the list.", "It explains the risks."],
    ),
    (
        "en",
        "J. Smith reported the case. It was not replicated.",
        ["J. Smith reported the case.", "It was not replicated."],
    ),
    (
        "en",
        "The U.S. FDA has not approved this product. Ask your doctor.",
        ["The U.S. FDA has not approved this product.", "Ask your doctor."],
    ),
    (
        "en",
        "Stem cells cure diabetes! Call now. Why wait?",
        ["Stem cells cure diabetes!", "Call now.", "Why wait?"],
    ),
    (
        "en",
        "Can stem cells reverse diabetes? No one knows yet.",
        ["Can stem cells reverse diabetes?", "No one knows yet."],
    ),
    ("en", "Results vary... Some patients improve.", ["Results vary...", "Some patients improve."]),
    ("en", "Results vary… Some patients improve.", ["Results vary…", "Some patients improve."]),
    ("en", 'She said "I was cured." Then she left.', ['She said "I was cured."', "Then she left."]),
    (
        "en",
        "Treatments include MSCs, exosomes, etc. and cost $5,000.",
        ["Treatments include MSCs, exosomes, etc. and cost $5,000."],
    ),
    (
        "en",
        "Fig. 2 shows the results. They are preliminary.",
        ["Fig. 2 shows the results.", "They are preliminary."],
    ),
    ("en", "Visit us at 10 a.m. on Monday.", ["Visit us at 10 a.m. on Monday."]),
    (
        "en",
        "Stem cells e.g. MSCs are investigational. Talk to a doctor.",
        ["Stem cells e.g. MSCs are investigational.", "Talk to a doctor."],
    ),
    (
        "en",
        "Our Therapy for Type 1 Diabetes\n\nWe offer cell therapy. It is investigational.",
        ["Our Therapy for Type 1 Diabetes", "We offer cell therapy.", "It is investigational."],
    ),
    (
        "en",
        "Benefits\n\n- Lower blood sugar\n- Less insulin\n- Better energy",
        ["Benefits", "Lower blood sugar", "Less insulin", "Better energy"],
    ),
    ("en", "1. Book a visit. 2. Get evaluated.", ["Book a visit.", "2. Get evaluated."]),
    ("en", "Three steps follow. 2. Get evaluated.", ["Three steps follow.", "2. Get evaluated."]),
    ("en", "In 2019. The clinic opened.", ["In 2019.", "The clinic opened."]),
    ("en", "Clinic Inc. is in Tijuana. Call us.", ["Clinic Inc. is in Tijuana.", "Call us."]),
    (
        "en",
        "Prof. Lee, M.D., leads the team. She trained at St. Mary's.",
        ["Prof. Lee, M.D., leads the team.", "She trained at St. Mary's."],
    ),
    (
        "en",
        "Type 2 diabetes affects 37 million people in the U.S. alone.",
        ["Type 2 diabetes affects 37 million people in the U.S. alone."],
    ),
    (
        "es",
        "La Dra. López trata la diabetes. Es muy amable.",
        ["La Dra. López trata la diabetes.", "Es muy amable."],
    ),
    (
        "es",
        "El Sr. Pérez y la Sra. Ruiz opinan igual. Llámenos.",
        ["El Sr. Pérez y la Sra. Ruiz opinan igual.", "Llámenos."],
    ),
    (
        "es",
        "¿Las células madre curan la diabetes? No hay evidencia.",
        ["¿Las células madre curan la diabetes?", "No hay evidencia."],
    ),
    ("es", "¡Llame hoy! Le esperamos.", ["¡Llame hoy!", "Le esperamos."]),
    (
        "es",
        "¿Es seguro? ¡Sí! Pregunte a su médico.",
        ["¿Es seguro?", "¡Sí!", "Pregunte a su médico."],
    ),
    (
        "es",
        "La HbA1c bajó a 6.5% en 12 semanas. Los resultados varían.",
        ["La HbA1c bajó a 6.5% en 12 semanas.", "Los resultados varían."],
    ),
    (
        "es",
        "Tratamos aprox. 200 pacientes al año. Muchos viajan desde EE.UU. cada mes.",
        ["Tratamos aprox. 200 pacientes al año.", "Muchos viajan desde EE.UU. cada mes."],
    ),
    (
        "es",
        "Clínica Regenera S.A. de C.V. Tel. 664 123 4567. Av. Revolución 100.",
        ["Clínica Regenera S.A. de C.V. Tel. 664 123 4567.", "Av. Revolución 100."],
    ),
    (
        "es",
        "Responsable sanitario: Dr. Juan Gómez, Céd. Prof. 1234567. Permiso COFEPRIS.",
        ["Responsable sanitario: Dr. Juan Gómez, Céd. Prof. 1234567.", "Permiso COFEPRIS."],
    ),
    (
        "es",
        "Ver el núm. 5 de la lista. Explica los riesgos.",
        ["Ver el núm. 5 de la lista.", "Explica los riesgos."],
    ),
    (
        "es",
        "Lic. Ana Ruiz, Ing. Luis Mora y el Prof. Díaz firmaron. Fue en 2020.",
        ["Lic. Ana Ruiz, Ing. Luis Mora y el Prof. Díaz firmaron.", "Fue en 2020."],
    ),
    (
        "es",
        "Horario de 9 a.m. a 6 p.m. de lunes a viernes.",
        ["Horario de 9 a.m. a 6 p.m. de lunes a viernes."],
    ),
    (
        "es",
        "Use terapias aprobadas, p.ej. insulina. Consulte a su médico.",
        ["Use terapias aprobadas, p.ej. insulina.", "Consulte a su médico."],
    ),
    (
        "es",
        "Los resultados varían... Algunos pacientes mejoran.",
        ["Los resultados varían...", "Algunos pacientes mejoran."],
    ),
    (
        "es",
        "Beneficios\n\n• Menos insulina\n• Más energía",
        ["Beneficios", "Menos insulina", "Más energía"],
    ),
    (
        "es",
        "Terapia Celular para la Diabetes\n\nOfrecemos células madre. Es experimental.",
        ["Terapia Celular para la Diabetes", "Ofrecemos células madre.", "Es experimental."],
    ),
    (
        "es",
        "J. García lo publicó en 2018. No se ha replicado.",
        ["J. García lo publicó en 2018.", "No se ha replicado."],
    ),
    (
        "es",
        "Col. Centro, C.P. 22000, Tijuana. Llámenos hoy.",
        ["Col. Centro, C.P. 22000, Tijuana.", "Llámenos hoy."],
    ),
    ("es", 'Dijo "me curé." Luego se fue.', ['Dijo "me curé."', "Luego se fue."]),
    (
        "es",
        "El costo es de $5,000 dólares aprox. e incluye hospedaje.",
        ["El costo es de $5,000 dólares aprox. e incluye hospedaje."],
    ),
]


def _norm(sentences: list[str]) -> list[str]:
    return [" ".join(s.split()) for s in sentences if s.strip()]


def _blocks(text: str) -> list[str]:
    return [block.text for block in extract_text(text, "text", Origin("case.txt")).blocks]


def claimcheck_split(lang: str, blocks: list[str]) -> list[str]:
    doc = Document(Origin("case.txt"), "text", tuple(Block(t, "paragraph", 1) for t in blocks))
    return [s.text for s in segment(doc)]


def _pysbd_splitter() -> object | None:
    try:
        import pysbd
    except ImportError:
        return None
    segmenters = {lang: pysbd.Segmenter(language=lang, clean=False) for lang in ("en", "es")}
    return lambda lang, blocks: [s for b in blocks for s in segmenters[lang].segment(b)]


def _boundaries(sentences: list[str]) -> set[int]:
    """Split points as offsets into the concatenated, space-free text."""
    points, total = set(), 0
    for sentence in sentences[:-1]:
        total += len("".join(sentence.split()))
        points.add(total)
    return points


def evaluate(name: str, split: object) -> None:
    correct = tp = fp = fn = 0
    failures: list[str] = []
    for lang, text, expected in CASES:
        got = _norm(split(lang, _blocks(text)))  # type: ignore[operator]
        if got == expected:
            correct += 1
        else:
            failures.append(f"    {expected!r}\n      got {got!r}")
        want, have = _boundaries(expected), _boundaries(got)
        tp, fp, fn = tp + len(want & have), fp + len(have - want), fn + len(want - have)
    corpus = [(lang, _blocks(text)) for lang, text, _ in CASES] * 50
    n_sentences = sum(len(expected) for *_, expected in CASES) * 50
    start = time.perf_counter()
    for lang, text in corpus:
        split(lang, text)  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(
        f"{name}: {correct}/{len(CASES)} cases exact ({correct / len(CASES):.1%}), "
        f"boundary P={precision:.3f} R={recall:.3f}, {n_sentences / elapsed:,.0f} sentences/s"
    )
    for failure in failures:
        print(failure)


def main() -> None:
    evaluate("claimcheck", claimcheck_split)
    splitter = _pysbd_splitter()
    if splitter is None:
        print("pysbd: not installed (pip install pysbd)")
    else:
        evaluate("pysbd", splitter)


if __name__ == "__main__":
    main()
