"""Hostile input (issue 11): budgets and bounds that hold whatever a page or lexicon holds.

A runaway lexicon pattern spends one page's time budget, not a timeout per sentence; YAML
aliases (billion laughs) are refused in front matter and lexicons; FIFOs and devices are
refused instead of read forever; `jobs` never exceeds the CPU count.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
import regex
from click.testing import CliRunner

from claimcheck import engine as engine_module
from claimcheck.cli import main
from claimcheck.config import Config
from claimcheck.engine import Engine, cpu_count, iter_reports
from claimcheck.errors import LexiconError, SourceError
from claimcheck.extract import extract_text
from claimcheck.lexicon import load_lexicon
from claimcheck.match import PageBudget
from claimcheck.model import Origin
from claimcheck.sources import iter_inputs, read_path

CATASTROPHIC_RULE = """kind: rules
rules:
  - code: CC101
    name: cure-claim
    family: overclaim
    severity: warning
    check: trigger
    strength: absolute
    message: Local cure message.
    rationale: r
    citation: c
    patterns: [{id: runaway, regex: '(a+)+$'}]
    examples: {flag: ['aaa'], pass: ['bbb']}
"""


def _laughs(levels: int, indent: str = "") -> str:
    """Nested YAML aliases: `levels` lines of nine references each (9**levels strings)."""
    lines = [f'{indent}l0: &l0 ["ha","ha","ha","ha","ha","ha","ha","ha","ha"]']
    for n in range(1, levels):
        refs = ",".join([f"*l{n - 1}"] * 9)
        lines.append(f"{indent}l{n}: &l{n} [{refs}]")
    return "\n".join(lines) + "\n"


# Eight levels: 43 million strings once expanded (the unpatched front-matter warning
# printed 312 MB of them and peaked near 1 GB).
BOMB_PAGE = (
    "---\n"
    + _laughs(8)
    + "claimcheck:\n  jurisdiction: [*l7]\n---\n\n# Our clinic\n\n"
    + "Our stem cell therapy cures diabetes in every patient.\n"
)


# ------------------------------------------------------------------ page time budget


def test_page_budget_reads_as_the_time_left_capped_per_call() -> None:
    fresh = PageBudget.start(60.0, per_call=1.0)
    assert 0.9 < float(fresh) <= 1.0 and not fresh.spent
    spent = PageBudget(time.monotonic() - 1.0, per_call=1.0)
    assert float(spent) == 0.0 and spent.spent


def test_regex_honours_a_spent_budget_at_once() -> None:
    spent = PageBudget(time.monotonic() - 1.0, per_call=5.0)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        regex.compile(r"(a+)+$").search("a" * 650 + ".", timeout=spent)
    assert time.monotonic() - started < 0.5


def test_runaway_lexicon_pattern_spends_one_page_budget(tmp_path: Path) -> None:
    (tmp_path / "runaway.yaml").write_text(CATASTROPHIC_RULE, encoding="utf-8")
    # The per-call timeout is above the page budget, so only the budget can stop the page
    # (with the default 1 s per call a slow machine timed out the first call instead).
    config = Config(lexicons=(str(tmp_path),), model="none", page_timeout=2.0, regex_timeout=30.0)
    engine = Engine(config)
    # Thirty sentences on which the pattern backtracks for about a second each: with a
    # timeout per call and no page budget this took 22-26 s.
    text = "\n\n".join(["a" * 650 + "."] * 30)
    started = time.monotonic()
    report = engine.check_text(text, "text", "runaway.txt")
    elapsed = time.monotonic() - started
    assert report.score is None and report.grade is None
    assert [e.kind for e in report.errors] == ["timeout"]
    assert "time budget was spent" in report.errors[0].message
    assert "not scored" in report.errors[0].message
    assert elapsed < 2.0 + 6.0  # the budget, one call's overrun and a loaded machine


def test_default_budget_leaves_ordinary_pages_alone(engine: Engine) -> None:
    report = engine.check_text("Our stem cells cure diabetes. Book today.", "text")
    assert report.score is not None and not report.errors
    assert Config().page_timeout >= 10 * Config().regex_timeout


def test_page_timeout_must_be_positive() -> None:
    from claimcheck.errors import ConfigError

    with pytest.raises(ConfigError, match="positive"):
        Config(page_timeout=0)


# ----------------------------------------------------------------------- YAML bombs


def test_front_matter_alias_bomb_is_a_warning_and_the_page_is_still_checked(
    engine: Engine,
) -> None:
    tracemalloc.start()
    started = time.monotonic()
    try:
        doc = extract_text(BOMB_PAGE, "markdown", Origin(path="bomb.md", kind="string"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5.0
    assert peak < 20 * 1024 * 1024
    assert doc.settings == ()
    assert len(doc.warnings) == 1 and "aliases" in doc.warnings[0]
    report = engine.check_document(doc)
    assert report.score is not None
    assert any(f.code == "CC101" for f in report.findings)  # the body was checked
    assert any("aliases" in w for w in report.warnings)
    assert sum(len(w) for w in report.warnings) < 500


def test_front_matter_warnings_never_print_a_whole_value(engine: Engine) -> None:
    values = ", ".join(["xx"] * 50_000)
    page = f"---\nclaimcheck:\n  jurisdiction: [{values}]\n  {'k' * 900}: 1\n---\n\nText.\n"
    doc = extract_text(page, "markdown", Origin(path="long.md", kind="string"))
    assert len(doc.warnings) == 2
    assert all(len(w) < 200 for w in doc.warnings)


def test_huge_integer_in_front_matter_is_a_warning_not_a_crash() -> None:
    page = "---\nid: " + "7" * 5000 + "\n---\n\nText.\n"
    doc = extract_text(page, "markdown", Origin(path="int.md", kind="string"))
    assert doc.warnings and "not valid YAML" in doc.warnings[0]


def test_lexicon_alias_bomb_fails_fast_with_one_line(tmp_path: Path) -> None:
    body = "kind: rules\nrules:\n  - code: CC101\n    params:\n" + _laughs(8, "      ")
    (tmp_path / "laughs.yaml").write_text(body + "    message: *l7\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(LexiconError) as caught:
        load_lexicon([tmp_path])
    assert time.monotonic() - started < 5.0
    message = str(caught.value)
    assert "aliases" in message and "laughs.yaml" in message and "\n" not in message


def test_lexicon_alias_bomb_exits_2_in_the_cli(tmp_path: Path) -> None:
    lexicons = tmp_path / "lex"
    lexicons.mkdir()
    body = "kind: rules\nrules:\n  - code: CC101\n    params:\n" + _laughs(8, "      ")
    (lexicons / "laughs.yaml").write_text(body + "    message: *l7\n", encoding="utf-8")
    page = tmp_path / "page.txt"
    page.write_text("Our stem cells cure diabetes.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(page), "--lexicons", str(lexicons)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "aliases" in lines[0]


# -------------------------------------------------------------------- special files

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this OS")


def _within(seconds: float, target, *args):
    """Run `target(*args)` in a daemon thread; its result, or fail when it hangs."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = target(*args)
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{target.__name__} hung for {seconds} s"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]


def _unblock(fifo: Path) -> None:
    """Give a reader stuck on the FIFO its end of file (when a test has failed)."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


@needs_fifo
def test_fifo_given_directly_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "page.html"
    os.mkfifo(fifo)
    try:
        with pytest.raises(SourceError) as caught:
            _within(10, read_path, str(fifo))
    finally:
        _unblock(fifo)
    assert caught.value.kind == "unreadable"
    assert "not a regular file" in caught.value.detail


@needs_fifo
def test_fifo_in_a_directory_is_refused_and_the_rest_is_read(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<p>Our stem cells cure diabetes.</p>", encoding="utf-8")
    fifo = tmp_path / "b.html"
    os.mkfifo(fifo)
    try:
        items = _within(10, lambda: list(iter_inputs([str(tmp_path)])))
    finally:
        _unblock(fifo)
    assert [type(item).__name__ for item in items] == ["RawInput", "SourceError"]
    assert items[1].path == str(fifo) and "not a regular file" in items[1].detail


@needs_fifo
def test_cli_refuses_a_fifo_with_one_line_and_exit_2(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "page.html")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "claimcheck", "check", str(tmp_path), "--model", "none"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        _unblock(tmp_path / "page.html")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "page.html" in errors[0] and "not a regular file" in errors[0]


def test_device_is_refused() -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this OS")
    with pytest.raises(SourceError, match="not a regular file"):
        _within(10, read_path, "/dev/zero")


# -------------------------------------------------------------------------- jobs


def test_jobs_never_exceed_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "cpu_count", lambda: 2)
    assert engine_module._jobs(Config(jobs=24)) == 2
    assert engine_module._jobs(Config(jobs=1)) == 1
    assert engine_module._jobs(Config(jobs=0)) == 2
    assert 1 <= engine_module._jobs(Config(jobs=10_000)) <= 2


def test_a_directory_run_starts_at_most_cpu_count_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(20):
        (tmp_path / f"p{n:02}.txt").write_text(f"Page {n}.\n", encoding="utf-8")
    started: list[int] = []

    def fake_parallel(engine, items, jobs):
        started.append(jobs)
        return iter(())

    monkeypatch.setattr(engine_module, "_parallel", fake_parallel)
    list(iter_reports([str(tmp_path)], Config(jobs=24, model="none")))
    assert started == [min(24, cpu_count())]


def test_help_says_jobs_are_capped() -> None:
    result = CliRunner().invoke(main, ["check", "--help"])
    assert "never more than the cores" in " ".join(result.output.split())


# ------------------------------------------- corrupt configs, baselines, history inputs


def _one_line_exit_2(result) -> str:
    """The CLI's contract for bad input: exit 2, one line on stderr, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("claimcheck: error:"), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_baseline_dev_zero_in_the_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """Before: read /dev/zero until the OOM killer (here: the 1 GB limit or the timeout)."""
    (tmp_path / "page.txt").write_text("Hello world.\n", encoding="utf-8")
    (tmp_path / "claimcheck.toml").write_text('baseline = "/dev/zero"\n', encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "claimcheck", "check", "page.txt", "--model", "none"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
    )
    assert proc.returncode == 2, proc.stderr[-500:]
    assert proc.stderr.strip().splitlines() == [
        "claimcheck: error: baseline file /dev/zero is not a regular file "
        "(a FIFO, socket or device)"
    ]
    assert time.monotonic() - started < 30


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_baseline_fifo_and_oversized_baseline_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claimcheck import baseline

    page = tmp_path / "page.txt"
    page.write_text("Hello world.\n", encoding="utf-8")
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    runner = CliRunner()
    args = ["check", str(page), "--model", "none", "--baseline"]
    assert "not a regular file" in _one_line_exit_2(runner.invoke(main, [*args, str(fifo)]))
    big = tmp_path / "big.json"
    big.write_text('{"version": 1, "entries": []}' + " " * 2000, encoding="utf-8")
    monkeypatch.setattr(baseline, "MAX_BASELINE_BYTES", 1000)
    assert "over the 1,000-byte limit" in _one_line_exit_2(runner.invoke(main, [*args, str(big)]))


CORRUPT_CONFIGS = {
    "non-utf8": b'select = ["CC1"]\n# caf\xe9\n',
    "5000-deep": b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "5000-deep-tables": b"a = " + b"{b = " * 5000 + b"1" + b"}" * 5000 + b"\n",
}


@pytest.mark.parametrize("name", sorted(CORRUPT_CONFIGS))
def test_corrupt_config_is_one_line_and_exit_2(tmp_path: Path, name: str) -> None:
    """Before: UnicodeDecodeError / RecursionError tracebacks with exit 1."""
    config = tmp_path / "claimcheck.toml"
    config.write_bytes(CORRUPT_CONFIGS[name])
    page = tmp_path / "page.txt"
    page.write_text("Hello world.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(page), "--config", str(config)])
    assert "claimcheck.toml" in _one_line_exit_2(result)


@pytest.mark.parametrize(
    "content",
    [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000, b"\xff\xfe"],
    ids=["deep-array", "deep-object", "not-utf8"],
)
def test_corrupt_baseline_json_is_one_line_and_exit_2(tmp_path: Path, content: bytes) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_bytes(content)
    page = tmp_path / "page.txt"
    page.write_text("Hello world.\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["check", str(page), "--model", "none", "--baseline", str(baseline)]
    )
    assert "baseline file" in _one_line_exit_2(result)


@pytest.mark.parametrize(
    "content",
    [b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe{}", b"[1, 2]"],
    ids=["deep", "not-utf8", "not-an-object"],
)
def test_history_inputs_fail_with_a_history_error(tmp_path: Path, content: bytes) -> None:
    """A report.json the history reads is a one-line HistoryError, never a RecursionError."""
    from claimcheck.history import HistoryError, _read_json

    path = tmp_path / "report.json"
    path.write_bytes(content)
    with pytest.raises(HistoryError) as info:
        _read_json(str(path))
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_history_refuses_a_device_as_report() -> None:
    from claimcheck.history import HistoryError, _read_json

    with pytest.raises(HistoryError, match="not a regular file"):
        _read_json("/dev/zero")


# ------------------------------------------------------------ decoding like a browser


def test_declared_utf7_is_ignored_as_browsers_ignore_it() -> None:
    """Before: a page declaring UTF-7 was decoded from UTF-7, showing claimcheck text no
    browser shows (and hiding from it what browsers do show)."""
    from claimcheck.sources import decode

    hidden = "cura la diabetes".encode("utf-7").replace(b" ", b"+ACA-")
    page = b'<html><head><meta charset="utf-7"></head><body><p>' + hidden + b"</p></body></html>"
    text, encoding = decode(page)
    assert encoding != "utf-7" and "cura la diabetes" not in text
    text, encoding = decode(hidden, "UTF-7")  # declared by the HTTP header
    assert encoding != "utf-7" and text == hidden.decode("ascii")


def test_replacement_labels_decode_to_one_replacement_character() -> None:
    from claimcheck.sources import decode, web_encoding

    assert web_encoding("ISO-2022-KR") == "replacement"
    assert decode(b"cura la diabetes", "iso-2022-kr") == ("\ufffd", "replacement")
    assert web_encoding("latin1") == "cp1252" and web_encoding("utf-32") is None
    assert web_encoding("sjis") == "cp932" and web_encoding("koi8-r") == "koi8-r"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_bomless_utf16_page_is_read_and_checked(tmp_path: Path, engine: Engine, codec: str) -> None:
    """Before: refused as binary, so a clinic could hide its claims from the checker."""
    from claimcheck.extract import extract

    path = tmp_path / "page.txt"
    path.write_bytes("Our stem cell therapy cures diabetes.\n".encode(codec))
    raw = read_path(str(path))
    page = engine.check_document(extract(raw))
    assert any(f.code.startswith("CC1") for f in page.active_findings)
