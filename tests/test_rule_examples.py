"""Every rule's own YAML examples: each `flag` example must produce the rule, each `pass`
example must not, with only that rule enabled (proselint's habit)."""

from __future__ import annotations

import pytest

from claimcheck.lexicon import default_lexicon
from claimcheck.lexicon.types import Example, Rule
from claimcheck.selftest import check_example

LEXICON = default_lexicon()
CASES = [
    pytest.param(rule, example, expected, id=f"{rule.code}-{kind}-{i}")
    for rule in LEXICON.rules
    for kind, expected, examples in (
        ("flag", True, rule.examples_flag),
        ("pass", False, rule.examples_pass),
    )
    for i, example in enumerate(examples)
]


@pytest.mark.parametrize(("rule", "example", "expected"), CASES)
def test_rule_example(rule: Rule, example: Example, expected: bool) -> None:
    result = check_example(LEXICON, rule, example, expected)
    assert result.ok, f"{rule.code} {result.kind} example {example.text!r}: {result.detail}"


def test_every_rule_has_both_kinds_of_example() -> None:
    for rule in LEXICON.rules:
        assert rule.examples_flag, f"{rule.code} has no flag example"
        assert rule.examples_pass, f"{rule.code} has no pass example"
