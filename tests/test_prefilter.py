"""The RE2 pre-filter may only skip work: findings are identical with and without it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers import SAMPLES, SEEDS

from claimcheck.engine import Engine
from claimcheck.prefilter import relax
from claimcheck.sources import read_path

FILTERED = Engine()
UNFILTERED = Engine(prefilter=False)
PAGES = sorted(p for p in SAMPLES.iterdir() if p.suffix in {".html", ".md", ".txt"})
PAGES += sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []


def test_relax_drops_boundaries_and_lookarounds() -> None:
    assert relax(r"\bcur(e|es)\b") == "(?i)cur(e|es)"
    assert relax(r"foo(?!\s+lab)bar") == "(?i)foobar"
    assert relax(r"[\w-]+\s\d") == r"(?i)[\pL\pN_-]+[\s\pZ]\pN"
    assert relax(r"a(?<=x(y))b[)(]") == "(?i)ab[)(]"


def test_most_patterns_are_in_the_filter() -> None:
    compiled = FILTERED.compiled
    ids = [cp.set_id for group in compiled.rule_patterns.values() for cp in group]
    ids += [m.set_id for m in compiled.modifiers]
    assert sum(i is not None for i in ids) / len(ids) > 0.95


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_same_findings_on_real_pages(path) -> None:
    raw = read_path(str(path))
    assert FILTERED.check_raw(raw) == UNFILTERED.check_raw(raw)


WORDS = st.sampled_from(
    [
        "cure",
        "cura",
        "diabetes",
        "stem cells",
        "células madre",
        "no",
        "not",
        "in mice",
        "?",
        ".",
        "Dr. Ana López",
        "cédula 1234567",
        "garantizado",
        "¿",
        "insulin-free",
        "FDA-approved",
        "éxito del 95%",
        "our treatment",
        "may",
        "results not typical",
        "NCT01234567",
        "\n\n",
    ]
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS, max_size=60))
def test_same_findings_on_random_text(words: list[str]) -> None:
    text = " ".join(words)
    assert FILTERED.check_text(text) == UNFILTERED.check_text(text)


def test_match_is_the_wrapper_answer() -> None:
    """PatternSet.match calls the RE2 binding directly; it must answer like the wrapper."""
    patterns = FILTERED.compiled.patterns
    for text in ("", "Our stem cells cure diabetes.", "Las células madre curan la diabetes ¿no?"):
        assert patterns.match(text) == (patterns._set.Match(text) or [])
