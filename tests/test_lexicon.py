"""Loading lexicons strictly: every problem names the file, the YAML path and the fix."""

from __future__ import annotations

import pytest

from claimcheck.errors import LexiconError
from claimcheck.lexicon import default_lexicon, load_lexicon

RULE = """kind: rules
rules:
  - code: CC101
    name: cure-claim
    family: overclaim
    severity: warning
    check: trigger
    strength: absolute
    requires: [condition]
    message: Local cure message.
    rationale: r
    citation: c
    patterns: [{id: cure, regex: '\\bcure\\b'}]
    examples: {flag: ['It will cure diabetes.'], pass: ['No cure for diabetes.']}
"""


def _write(tmp_path, text: str, name: str = "local.yaml"):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_builtin_lexicon_is_complete() -> None:
    lex = default_lexicon()
    codes = lex.codes
    required = {
        "CC101",
        "CC102",
        "CC103",
        "CC104",
        "CC105",
        "CC106",
        "CC107",
        "CC108",
        "CC109",
        "CC110",
        "CC111",
        "CC112",
        "CC113",
        "CC201",
        "CC202",
        "CC203",
        "CC204",
        "CC205",
        "CC206",
        "CC207",
        "CC301",
        "CC302",
        "CC303",
        "CC304",
        "CC305",
        "CC306",
        "CC307",
        "CC308",
        "CC309",
        "CC401",
        "CC402",
        "CC403",
        "CC404",
        "CC405",
    }
    assert required <= codes
    assert {p.code for p in lex.profiles} == {"mx", "us"}
    assert lex.version and len(lex.evidence) >= 20
    langs = {m.lang for m in lex.modifiers}
    assert langs == {"en", "es"}


def test_user_rule_replaces_builtin_by_code(tmp_path) -> None:
    lex = load_lexicon([_write(tmp_path, RULE)])
    assert lex.rule("CC101").message_for("en") == "Local cure message."
    assert lex.rule("cure-claim").severity.label == "warning"


def test_unknown_key_names_the_allowed_keys(tmp_path) -> None:
    bad = RULE.replace("    citation: c\n", "    citation: c\n    colour: red\n")
    with pytest.raises(LexiconError) as err:
        load_lexicon([_write(tmp_path, bad)])
    message = str(err.value)
    assert "local.yaml: $.rules[0]" in message and "'colour'" in message
    assert "allowed keys:" in message and "rationale" in message


def test_invalid_regex_is_reported_with_its_id(tmp_path) -> None:
    bad = RULE.replace("'\\bcure\\b'", "'(cure'")
    with pytest.raises(LexiconError, match=r"\(cure\).*invalid regular expression"):
        load_lexicon([_write(tmp_path, bad)])


def test_yaml_syntax_error_names_the_line(tmp_path) -> None:
    with pytest.raises(LexiconError, match=r"local.yaml: YAML syntax error at line \d+") as err:
        load_lexicon([_write(tmp_path, "kind: rules\nrules: [\n  - {code: ")])
    assert "\n" not in str(err.value)  # one line, as every CLI error


def test_unknown_kind_and_missing_kind(tmp_path) -> None:
    with pytest.raises(LexiconError, match="unknown kind 'recipes'"):
        load_lexicon([_write(tmp_path, "kind: recipes\n")])
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(LexiconError, match="top-level 'kind'"):
        load_lexicon([_write(other, "- just a list\n")])


def test_evidence_row_must_reference_known_terms(tmp_path) -> None:
    text = (
        "kind: evidence\nevidence:\n"
        "  - {intervention: unicorn, condition: t2d, level: none, citation: x}\n"
    )
    with pytest.raises(LexiconError, match="unknown intervention 'unicorn'"):
        load_lexicon([_write(tmp_path, text)])


def test_not_a_directory(tmp_path) -> None:
    with pytest.raises(LexiconError, match="not a lexicon directory"):
        load_lexicon([tmp_path / "missing"])
