"""Policy step 10 (combine.py): when the classifier alone may report an overclaim (CC114).

The gates exist because whole pages are full of text the corpus sentences do not look
like: headings glued to their paragraph, menus, price cells, footers. These tests use the
real seed page and the bundled samples, with the shipped model switched on.
"""

from __future__ import annotations

import pytest
from tests.helpers import SAMPLES, SEEDS, needs_shared

from claimcheck import combine
from claimcheck.config import Config
from claimcheck.engine import Engine
from claimcheck.extract import extract
from claimcheck.segment import segment
from claimcheck.sources import read_path

CAREFUL_SEED = "003_36cb7fad48af8e90.txt"
CAREFUL_SAMPLES = ("careful-clinic.html", "clinica-cuidadosa.md", "warning-article.md")


@pytest.fixture(scope="module")
def model_engine() -> Engine:
    return Engine(Config(model="default"))


def test_heading_seam_finds_a_heading_run_into_its_paragraph() -> None:
    glued = "What to expect from treatment Expectations matter, and expectations shape results."
    assert combine.heading_seam(glued) == glued.index("Expectations")
    # A page that writes the word in lower case elsewhere counts too ('Type' / 'type 2').
    page = "Living with type 2 diabetes. Why cells are studied Type 2 diabetes is common."
    sentence = "Why cells are studied Type 2 diabetes is common."
    assert combine.heading_seam(sentence, page) == sentence.index("Type")


@pytest.mark.parametrize(
    "sentence",
    [
        "Our clinic in Tijuana treats adults with type 2 diabetes every week.",  # 'in' + name
        "Led by our medical director Dr. Marcus Vela, the team treats diabetes.",  # a name
        "Our stem cell protocol helps your body heal the way nature intended.",  # no capital
    ],
)
def test_heading_seam_leaves_names_and_plain_sentences_alone(sentence: str) -> None:
    assert combine.heading_seam(sentence) is None


def test_model_only_candidates_are_body_sentences_that_name_a_treatment() -> None:
    claim = "With our stem cell protocol your body makes its own insulin again."
    assert combine.model_only_candidate(claim, True)
    assert not combine.model_only_candidate(claim, False)  # names no treatment
    assert not combine.model_only_candidate(claim, True, kind="heading")
    assert not combine.model_only_candidate(claim, True, kind="table_cell")
    assert not combine.model_only_candidate(claim, True, region="footer")
    assert not combine.model_only_candidate(claim, True, region="nav")
    assert not combine.model_only_candidate("Stem cells cure diabetes", True)  # < 6 words
    menu = "Home | Stem cell therapy | Diabetes | Prices | Contact our clinic"
    assert not combine.model_only_candidate(menu, True)
    glued = "Why our stem cell therapy is different Our stem cell therapy rebuilds the pancreas."
    assert not combine.model_only_candidate(glued, True, page_text="our stem cell therapy")


SEED_HEADINGS = {
    "Why type 2 diabetes is being reconsidered through a regenerative lens",
    "What MSCs are and why researchers picked them for diabetes",
    "What the 2026 clinical evidence actually shows",
    "How a clinical protocol typically looks",
    "What patients should realistically expect",
    "Moving forward with clarity",
}


@needs_shared
def test_the_glued_headings_on_the_careful_seed_are_recognised() -> None:
    doc = extract(read_path(str(SEEDS / CAREFUL_SEED)))
    sentences = segment(doc)
    page_text = " ".join(s.text for s in sentences)
    glued = {
        s.text[: combine.heading_seam(s.text, page_text)].strip()
        for s in sentences
        if s.kind in combine.BODY_KINDS and combine.heading_seam(s.text, page_text) is not None
    }
    # Plain text can lose the line break after a heading: a section heading then arrives
    # glued to the first sentence of its section. Only real headings may be found as
    # seams, and each heading is either found or was kept apart by the extractor.
    assert glued <= SEED_HEADINGS
    apart = {s.text.strip() for s in sentences if s.text.strip() in SEED_HEADINGS}
    assert glued | apart == SEED_HEADINGS


@needs_shared
def test_careful_seed_gets_no_cc1xx_with_the_model_on(model_engine: Engine) -> None:
    report = model_engine.check_raw(read_path(str(SEEDS / CAREFUL_SEED)))
    assert report.findings  # the page was checked (it has other findings)
    assert not [f.code for f in report.active_findings if f.code.startswith("CC1")]


@pytest.mark.parametrize("name", CAREFUL_SAMPLES)
def test_careful_samples_get_no_overclaim_with_the_model_on(
    model_engine: Engine, name: str
) -> None:
    report = model_engine.check_raw(read_path(str(SAMPLES / name)))
    assert not [f.sentence for f in report.active_findings if f.code.startswith("CC1")]


def test_model_only_findings_still_reach_egregious_pages(model_engine: Engine) -> None:
    reports = [
        model_engine.check_raw(read_path(str(SAMPLES / name)))
        for name in ("plain-copy.txt", "us-regenerative-center.html", "egregious-clinic.html")
    ]
    model_only = [f for r in reports for f in r.active_findings if f.code == "CC114"]
    assert len(model_only) >= 2
    assert all(f.engine == "model" and f.model_probability >= 0.5 for f in model_only)


def test_model_only_claim_about_reducing_insulin_is_attributed_to_the_page_treatment(
    model_engine: Engine,
) -> None:
    # 'Patients cut insulin by up to 80%': insulin is what the claim reduces; judging it
    # as an insulin claim would cite insulin's approval and suggest calling it investigational.
    page = model_engine.check_raw(read_path(str(SAMPLES / "plain-copy.txt")))
    found = [f for f in page.active_findings if f.code == "CC114" and "cut insulin" in f.sentence]
    assert found, "the shipped model no longer flags 'Patients cut insulin by up to 80%'"
    assert found[0].evidence.intervention == "stem_cells"
    assert found[0].evidence.intervention_inferred


def test_page_words_match_whole_words_as_written() -> None:
    # heading_seam looks words up in a per-page set instead of searching the page per
    # sentence (which made a megabyte-long page take minutes); same answers as the search.
    import re

    text = (SAMPLES / "plain-copy.txt").read_text(encoding="utf-8")
    for word in ("patients", "stem", "cells", "our", "type", "x-ray", "insulin", "vitalis"):
        searched = re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None
        assert (word in combine._words(text)) == searched, word


# Step 10b relaxed: on a short text ('unknown') or a seller's page a claim often names no
# treatment ('most of our patients ...'); on an editorial page the model stays nearly quiet.
IMPLIED_CLAIM = (
    "Most of our autism patients show better speech and eye contact within three months."
)
NEWS_PAGE = """Regional news desk, 3 March 2026. By Laura Mendez, health reporter.

According to the state health department, several clinics in the city advertise infusions
of stem cells for knee pain and for autism. Inspectors said the clinics promised that the
cells regenerate cartilage and restore speech. The department warned that no such product
has been approved and asked patients to report the advertisements.

One advertisement seen by inspectors read: {claim}

A university orthopaedic surgeon told this newspaper that knee replacement remains the
standard treatment for severe arthritis. Researchers at the university are running a small
phase 1 study of cell injections for cartilage repair; its results are expected next year.
"""


def test_model_only_finding_on_a_short_text_that_names_no_treatment(
    model_engine: Engine,
) -> None:
    report = model_engine.check_text(IMPLIED_CLAIM)
    assert report.page_type in combine.SELLER_PAGE_TYPES
    model_only = [f for f in report.active_findings if f.code == "CC114"]
    assert model_only and model_only[0].engine == "model"
    # The old gate wanted a treatment named in the sentence; this one names none.
    assert not combine.model_only_candidate(IMPLIED_CLAIM, False)


def test_editorial_page_gets_no_model_only_finding(model_engine: Engine) -> None:
    report = model_engine.check_text(NEWS_PAGE.format(claim=IMPLIED_CLAIM))
    assert report.page_type == "editorial"
    assert not [f.sentence for f in report.active_findings if f.engine == "model"]


def test_model_only_thresholds_rise_with_the_page_type() -> None:
    t = combine.DEFAULT_THRESHOLDS
    assert t["model_only"] <= t["model_only_commercial"] <= t["model_only_editorial"] < 1.0
    shipped = Engine(Config(model="default")).classifier.meta["thresholds"]
    assert shipped["model_only_editorial"] >= 0.95 and shipped["revive"] > 1.0
