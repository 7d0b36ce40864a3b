"""Run configuration: a frozen dataclass with packaged defaults; CLI options override them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from claimcheck.errors import ConfigError
from claimcheck.lexicon.types import Rule

JURISDICTIONS = ("mx", "us", "none")
PAGE_TYPES = ("commercial", "editorial")
FAIL_ON = ("error", "warning", "info", "never")


@dataclass(frozen=True, slots=True)
class Config:
    """Everything that changes what a run checks or reports.

    `jurisdictions=None` and `page_type=None` mean auto-detect per page. `select` and
    `ignore` take rule codes, code prefixes ('CC1') or rule names, like ruff.
    """

    jurisdictions: tuple[str, ...] | None = None
    page_type: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    lexicons: tuple[str, ...] = ()
    regex_timeout: float = 1.0
    jobs: int = 0
    max_bytes: int = 20 * 1024 * 1024
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.jurisdictions is not None:
            bad = [j for j in self.jurisdictions if j not in JURISDICTIONS]
            if bad:
                raise ConfigError(
                    f"unknown jurisdiction {bad[0]!r} (choose from {', '.join(JURISDICTIONS)})"
                )
        if self.page_type is not None and self.page_type not in PAGE_TYPES:
            raise ConfigError(f"unknown page type {self.page_type!r} (commercial or editorial)")
        if self.fail_on not in FAIL_ON:
            raise ConfigError(f"unknown fail-on level {self.fail_on!r} ({', '.join(FAIL_ON)})")
        if self.regex_timeout <= 0:
            raise ConfigError("regex timeout must be positive")

    def with_overrides(self, **values: object) -> Config:
        """A copy with the given non-None values replaced (CLI over config over defaults)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def _selector_matches(selector: str, rule: Rule) -> bool:
    s = selector.strip()
    return rule.code.upper().startswith(s.upper()) or rule.name == s.lower()


def select_rules(rules: Iterable[Rule], select: Sequence[str], ignore: Sequence[str]) -> list[Rule]:
    """Active rules after select/ignore; an unknown selector is a ConfigError."""
    rules = [r for r in rules if r.status == "active"]
    for selector in (*select, *ignore):
        if not any(_selector_matches(selector, r) for r in rules):
            raise ConfigError(f"no rule matches {selector!r} (see `claimcheck rules`)")
    chosen = [r for r in rules if not select or any(_selector_matches(s, r) for s in select)]
    return [r for r in chosen if not any(_selector_matches(s, r) for s in ignore)]
