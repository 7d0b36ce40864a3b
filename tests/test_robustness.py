"""Hostile and random input never crashes or hangs the engine."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimcheck.engine import Engine
from claimcheck.model import Origin
from claimcheck.sources import RawInput

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TAGS = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div style='display:none'>",
        "</div>",
        "<li>",
        "<h1>",
        "<footer>",
        "<!--",
        "-->",
        "<script>",
        "</script>",
        "<br>",
        "&amp;",
        "<",
    ]
)
WORDS = st.sampled_from(
    [
        "cure",
        "diabetes",
        "stem cells",
        "no",
        "not",
        "in mice",
        "?",
        ".",
        "Dr. Ana López",
        "cédula 123",
        "garantizado",
        "¿",
        "«",
        '"',
        "FDA-approved",
    ]
)


def _raw(data: bytes, fmt: str = "html") -> RawInput:
    return RawInput(Origin(path=f"hostile.{fmt}"), data, fmt)  # type: ignore[arg-type]


@FAST
@given(st.text(max_size=2000))
def test_random_text_never_crashes(engine: Engine, text: str) -> None:
    report = engine.check_text(text)
    assert report.score is None or 0 <= report.score <= 100


@FAST
@given(st.lists(st.one_of(TAGS, WORDS, st.text(max_size=20)), max_size=200))
def test_random_html_never_crashes(engine: Engine, parts: list[str]) -> None:
    report = engine.check_text(" ".join(parts), "html")
    for f in report.findings:
        assert f.line >= 1 and f.column >= 1 and 0 <= f.start <= f.end


def _timed(engine: Engine, raw: RawInput) -> tuple[float, object]:
    start = time.perf_counter()
    report = engine.check_raw(raw)
    return time.perf_counter() - start, report


def test_deep_nesting(engine: Engine) -> None:
    data = ("<div>" * 20000 + "Our stem cells cure diabetes." + "</div>" * 20000).encode()
    seconds, report = _timed(engine, _raw(data))
    assert seconds < 30
    assert report.errors or any(f.code == "CC101" for f in report.active_findings)


def test_megabyte_line_and_nul_bytes(engine: Engine) -> None:
    line = ("stem cells cure diabetes, " * 40000).encode() + b"\x00" * 10
    seconds, report = _timed(engine, _raw(line, "text"))
    assert seconds < 30 and report.score is not None


def test_utf16_and_truncated_markup(engine: Engine) -> None:
    utf16 = "<p>Nuestro tratamiento con células madre cura la diabetes.</p>".encode("utf-16")
    report = engine.check_raw(_raw(utf16))
    assert any(f.code == "CC101" for f in report.active_findings)
    truncated = b"<html><body><p>Stem cells cure diabetes<div><span class='x"
    assert engine.check_raw(_raw(truncated)).errors == ()


def test_pathological_regex_input_is_bounded(engine: Engine) -> None:
    text = "insulin " + "a" * 200000 + " stop"
    seconds, report = _timed(engine, _raw(text.encode(), "text"))
    assert seconds < 30 and report.path == "hostile.text"
