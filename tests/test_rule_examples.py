"""Every rule's own YAML examples: each `flag` example must produce the rule, each `pass`
example must not, with only that rule enabled (proselint's habit)."""

from __future__ import annotations

import pytest

from claimcheck.config import Config
from claimcheck.engine import Engine
from claimcheck.lexicon import default_lexicon
from claimcheck.lexicon.types import Example, Rule

LEXICON = default_lexicon()
CASES = [
    pytest.param(rule, example, expected, id=f"{rule.code}-{kind}-{i}")
    for rule in LEXICON.rules
    for kind, expected, examples in (("flag", True, rule.examples_flag), ("pass", False, rule.examples_pass))
    for i, example in enumerate(examples)
]


def _run(rule: Rule, example: Example):
    config = Config(
        jurisdictions=example.jurisdiction or None,
        page_type=example.page_type or ("commercial" if rule.family != "overclaim" else None),
    )
    engine = Engine(config, LEXICON, rules=[rule])
    return engine.check_text(example.text, example.format, path="example")


@pytest.mark.parametrize(("rule", "example", "expected"), CASES)
def test_rule_example(rule: Rule, example: Example, expected: bool) -> None:
    report = _run(rule, example)
    codes = [f.code for f in report.active_findings]
    if expected:
        assert rule.code in codes, f"{rule.code} should flag: {example.text!r}"
    else:
        assert rule.code not in codes, (
            f"{rule.code} should pass: {example.text!r}; got "
            + "; ".join(f"{f.trigger!r} ({f.context.status})" for f in report.active_findings)
        )


def test_every_rule_has_both_kinds_of_example() -> None:
    for rule in LEXICON.rules:
        assert rule.examples_flag, f"{rule.code} has no flag example"
        assert rule.examples_pass, f"{rule.code} has no pass example"
