"""Write docs/rules/*.md and the rule table in README.md from the rule data.

tests/test_docs.py fails when the committed files differ from what this script writes.
"""

from __future__ import annotations

from pathlib import Path

from claimcheck.lexicon import default_lexicon
from claimcheck.render.rules import explain_rule, rules_markdown_table

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def rule_docs() -> dict[Path, str]:
    """Every generated rule page, by path."""
    rules = default_lexicon().rules
    pages = {ROOT / "docs" / "rules" / f"{r.code}.md": explain_rule(r) for r in rules}
    index = "# Rules\n\nGenerated from `lexicons/rules/`; run `python tools/gen_rule_docs.py`.\n\n"
    table = rules_markdown_table(rules).replace("(docs/rules/", "(")
    pages[ROOT / "docs" / "rules" / "README.md"] = index + table
    return pages


def readme_with_table(readme: str) -> str:
    """README.md with the rule table between its markers replaced."""
    table = rules_markdown_table(default_lexicon().rules)
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}{END}{tail}"


def main() -> None:
    for path, text in rule_docs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    readme = ROOT / "README.md"
    readme.write_text(readme_with_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    print("rule docs written")


if __name__ == "__main__":
    main()
