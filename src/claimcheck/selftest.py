"""Run rules' own examples: each `flag` example must raise the rule, each `pass` must not."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from claimcheck.config import Config, select_rules
from claimcheck.engine import Engine
from claimcheck.lexicon.types import Example, Lexicon, Rule


@dataclass(frozen=True, slots=True)
class ExampleResult:
    """The outcome of one example: did the rule behave as the example says?"""

    rule: str
    kind: str
    example: Example
    ok: bool
    detail: str


_ENGINES: dict[tuple[int, str], tuple[Lexicon, Engine]] = {}


def _compiled(lexicon: Lexicon, model: str) -> Engine:
    """One Engine per lexicon and model setting, compiled once for all the examples (the
    lexicon is kept with it so that its id is not reused)."""
    key = (id(lexicon), model)
    if key not in _ENGINES:
        _ENGINES[key] = (lexicon, Engine(Config(model=model), lexicon))
    return _ENGINES[key][1]


def check_example(
    lexicon: Lexicon, rule: Rule, example: Example, expect_flag: bool
) -> ExampleResult:
    """Run one example with only its rule enabled; a "meta" rule (CC901) judges other rules'
    suppressions, so it runs with every active rule of the lexicon, and the model rule
    (CC114) runs with the shipped model."""
    page_type = example.page_type or ("commercial" if rule.family != "overclaim" else None)
    model = "default" if rule.check == "model_only" else "none"
    rules = select_rules(lexicon.rules, (), ()) if rule.family == "meta" else [rule]
    engine = _compiled(lexicon, model).with_page_options(example.jurisdiction or None, page_type)
    report = engine.with_rules(rules).check_text(example.text, example.format, "example")  # type: ignore[arg-type]
    hits = [f for f in report.active_findings if f.code == rule.code]
    ok = bool(hits) == expect_flag
    if expect_flag:
        detail = "flagged" if hits else "not flagged"
    else:
        detail = "; ".join(f"flagged '{f.trigger}' ({f.context.status})" for f in hits) or "passed"
    return ExampleResult(rule.code, "flag" if expect_flag else "pass", example, ok, detail)


def run_examples(lexicon: Lexicon, rules: Sequence[Rule] | None = None) -> Iterator[ExampleResult]:
    """Every example of every given rule (default: all active rules of the lexicon)."""
    for rule in rules if rules is not None else lexicon.rules:
        if rule.status != "active":
            continue
        for example in rule.examples_flag:
            yield check_example(lexicon, rule, example, True)
        for example in rule.examples_pass:
            yield check_example(lexicon, rule, example, False)
