"""Tests for claimcheck.segment: sentence splitting, offsets, positions and language."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimcheck.extract import extract_text
from claimcheck.model import Block, Document, Origin
from claimcheck.segment import MAX_SENTENCE, document_text, guess_lang, segment, split_sentences

ORIGIN = Origin("test")


def split(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr. Smith treats diabetes. He is kind.", ["Dr. Smith treats diabetes.", "He is kind."]),
        (
            "La Dra. López trata la diabetes. Es amable.",
            ["La Dra. López trata la diabetes.", "Es amable."],
        ),
        (
            "HbA1c fell to 6.5% in 12 weeks. Results vary.",
            ["HbA1c fell to 6.5% in 12 weeks.", "Results vary."],
        ),
        (
            "It dropped 1.5 percentage points. Modest.",
            ["It dropped 1.5 percentage points.", "Modest."],
        ),
        (
            "We treat approx. 40 patients. Tratamos aprox. 40 pacientes.",
            ["We treat approx. 40 patients.", "Tratamos aprox. 40 pacientes."],
        ),
        ("See No. 5 here. Ver núm. 7 allí.", ["See No. 5 here.", "Ver núm. 7 allí."]),
        (
            "¿Es una cura? No. Los estudios no lo muestran.",
            ["¿Es una cura?", "No.", "Los estudios no lo muestran."],
        ),
        ("¡Llame hoy! ¿Tiene dudas? Escríbanos.", ["¡Llame hoy!", "¿Tiene dudas?", "Escríbanos."]),
        (
            "J. Smith wrote it. It was not replicated.",
            ["J. Smith wrote it.", "It was not replicated."],
        ),
        (
            "Results vary... Some improve. Others… Not at all.",
            ["Results vary...", "Some improve.", "Others…", "Not at all."],
        ),
        ("1. Book a visit. 2. Get evaluated.", ["1. Book a visit.", "2. Get evaluated."]),
        ("It opened in 2019. The clinic grew.", ["It opened in 2019.", "The clinic grew."]),
        (
            "In the U.S. FDA rules apply. EE.UU. también.",
            ["In the U.S. FDA rules apply.", "EE.UU. también."],
        ),
        (
            "Clínica S.A. de C.V. Tel. 555. Av. Reforma 1, Col. Centro, C.P. 06600.",
            ["Clínica S.A. de C.V. Tel. 555.", "Av. Reforma 1, Col. Centro, C.P. 06600."],
        ),
        ('She said "I was cured." Then she left.', ['She said "I was cured."', "Then she left."]),
        ("Open 9 a.m. to 6 p.m. daily.", ["Open 9 a.m. to 6 p.m. daily."]),
        (
            "Stem cells, e.g. MSCs, are investigational.",
            ["Stem cells, e.g. MSCs, are investigational."],
        ),
        ("Lower blood sugar", ["Lower blood sugar"]),
        ("ends with lowercase. next part", ["ends with lowercase. next part"]),
        (
            "Prof. Díaz, Ph.D., M.D. Céd. Prof. 123. Fin.",
            ["Prof. Díaz, Ph.D., M.D. Céd. Prof. 123.", "Fin."],
        ),
        ("   padded sentence.   Next one.  ", ["padded sentence.", "Next one."]),
        ("", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split(text) == expected


def test_long_sentences_are_cut() -> None:
    clause = "stem cells help some patients with diabetes in small trials"
    text = "; ".join([clause] * 60) + "."
    pieces = split(text)
    assert len(pieces) > 1 and all(len(p) <= MAX_SENTENCE for p in pieces)
    assert pieces[0].endswith(";")
    no_breaks = "x" * 2500
    assert [len(p) for p in split(no_breaks)] == [1000, 1000, 500]
    commas = ", ".join(["word"] * 500)
    assert all(p.endswith(",") for p in split(commas)[:-1])


def test_megabyte_block_is_fast_and_bounded() -> None:
    text = "word " * 250_000
    start = time.perf_counter()
    pieces = split_sentences(text)
    assert time.perf_counter() - start < 5
    assert max(end - begin for begin, end in pieces) <= MAX_SENTENCE


def test_segment_copies_block_fields_and_offsets() -> None:
    blocks = (
        Block("Main claim. Second claim.", "paragraph", 3, 5, region="main"),
        Block("Hidden disclaimer.", "paragraph", 9, 1, hidden=True, region="footer"),
        Block("Heading without stop", "heading", 1, 1),
    )
    doc = Document(ORIGIN, "html", blocks)
    text = document_text(doc)
    assert text == "Main claim. Second claim.\n\nHidden disclaimer.\n\nHeading without stop"
    sentences = segment(doc)
    assert [(s.text, s.block_index, s.start, s.end) for s in sentences] == [
        ("Main claim.", 0, 0, 11),
        ("Second claim.", 0, 12, 25),
        ("Hidden disclaimer.", 1, 27, 45),
        ("Heading without stop", 2, 47, 67),
    ]
    assert sentences[2].hidden and sentences[2].region == "footer"
    assert not sentences[0].hidden and sentences[3].kind == "heading"
    assert (sentences[0].line, sentences[0].column) == (3, 5)
    assert (sentences[1].line, sentences[1].column) == (3, 5)  # no source text: block position


def test_markdown_positions_are_exact() -> None:
    source = "# Title\n\nFirst **bold** claim. Second\nline claim. [Third](http://x) one.\n"
    doc = extract_text(source, "markdown", ORIGIN)
    got = [(s.text, s.line, s.column) for s in segment(doc)]
    assert got == [
        ("Title", 1, 3),
        ("First bold claim.", 3, 1),
        ("Second line claim.", 3, 23),
        ("Third one.", 4, 14),
    ]


def test_text_positions_are_exact_across_lines() -> None:
    source = "Heading\n\n  - bullet one. Bullet two.\n    Wrapped sentence\n    ends here. Done.\n"
    doc = extract_text(source, "text", ORIGIN)
    lines = source.split("\n")
    sentences = segment(doc)
    assert [(s.text, s.line, s.column) for s in sentences] == [
        ("Heading", 1, 1),
        ("bullet one.", 3, 5),
        ("Bullet two.", 3, 17),
        ("Wrapped sentence ends here.", 4, 5),
        ("Done.", 5, 16),
    ]
    for sentence in sentences:
        first_word = sentence.text.split(" ")[0]
        assert lines[sentence.line - 1][sentence.column - 1 :].startswith(first_word)


def test_html_positions_best_effort() -> None:
    source = (
        "<html><body>\n<p>First claim here.\n   Second claim here. Third <b>one</b>.</p>\n"
        "</body></html>"
    )
    doc = extract_text(source, "html", ORIGIN)
    got = [(s.text, s.line, s.column) for s in segment(doc)]
    assert got == [
        ("First claim here.", 2, 4),
        ("Second claim here.", 3, 4),
        ("Third one.", 3, 23),
    ]


def test_html_positions_with_entities() -> None:
    source = "<p>Caf&eacute; open. Caf&eacute; closed.</p>\n<p>&laquo;Cura&raquo; dicen. Falso.</p>"
    sentences = segment(extract_text(source, "html", ORIGIN))
    assert [(s.text, s.line, s.column) for s in sentences] == [
        ("Café open.", 1, 4),
        ("Café closed.", 1, 22),
        ("«Cura» dicen.", 2, 1),  # block not found in the source: line, column 1
        ("Falso.", 2, 30),
    ]


def test_guess_lang() -> None:
    assert guess_lang("Las células madre no curan la diabetes tipo 1.") == "es"
    assert guess_lang("Stem cells do not cure type 1 diabetes for the patients.") == "en"
    assert guess_lang("12345", default="es") == "es"
    assert guess_lang("") == "en"


def test_sentence_lang_uses_own_evidence_or_document() -> None:
    blocks = (
        Block(
            "Las células madre son un tratamiento experimental para la diabetes.", "paragraph", 1
        ),
        Block("The treatment is not approved for your condition.", "paragraph", 2),
        Block("Tijuana, BC.", "paragraph", 3),
    )
    spanish_doc = Document(ORIGIN, "html", blocks, lang="es-MX")
    assert [s.lang for s in segment(spanish_doc)] == ["es", "en", "es"]
    english_doc = Document(ORIGIN, "html", blocks, lang="en")
    assert [s.lang for s in segment(english_doc)] == ["es", "en", "en"]
    guessed = Document(ORIGIN, "text", blocks[:1] + blocks[2:])
    assert [s.lang for s in segment(guessed)] == ["es", "es"]


HTMLISH = st.text(alphabet=st.sampled_from(list("<>/ pdivbr=\"'.!?¿¡…&;A Zaé1\n\t")), max_size=200)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_random_text_keeps_offset_invariant(source: str) -> None:
    for fmt in ("text", "markdown"):
        doc = extract_text(source, fmt, ORIGIN)  # type: ignore[arg-type]
        check_invariants(doc)


@settings(max_examples=200, deadline=None)
@given(HTMLISH)
def test_random_html_keeps_offset_invariant(source: str) -> None:
    check_invariants(extract_text(source, "html", ORIGIN))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=80), max_size=6))
def test_random_blocks_keep_offset_invariant(texts: list[str]) -> None:
    blocks = tuple(Block(t, "paragraph", 1) for t in texts)
    check_invariants(Document(ORIGIN, "text", blocks, source_text="\n".join(texts)))


def check_invariants(doc: Document) -> None:
    text = document_text(doc)
    previous_end = 0
    for sentence in segment(doc):
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text and sentence.text == sentence.text.strip()
        assert sentence.start >= previous_end
        assert len(sentence.text) <= MAX_SENTENCE
        assert sentence.line >= 1 and sentence.column >= 1
        previous_end = sentence.end
