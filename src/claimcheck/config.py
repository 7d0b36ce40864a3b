"""Run configuration: packaged defaults < config file < CLI options, as a frozen dataclass.

The config file is the nearest of `.claimcheck.toml`, `claimcheck.toml` or a
`pyproject.toml` with a `[tool.claimcheck]` table, searching from the working directory
upward (in one directory, in that order, as ruff does). Keys are kebab-case and validated
against `schemas/config.schema.json`; paths in the file are relative to the file.
`Config.sources` records where each value came from: `default`, the file, or `--option`.
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from claimcheck.errors import ClaimcheckError, ConfigError
from claimcheck.lexicon.types import Rule

MAX_CONFIG_BYTES = 1024 * 1024
"""A config file larger than this (1 MB) is refused: real ones are a few KB."""

JURISDICTIONS = ("mx", "us", "none")
PAGE_TYPES = ("commercial", "editorial")
FAIL_ON = ("error", "warning", "info", "never")
LANG_SETTINGS = ("auto", "en", "es")  # output language; auto: each page's own
CONFIG_NAMES = (".claimcheck.toml", "claimcheck.toml", "pyproject.toml")
# TOML key -> Config field, in the order `config show` prints them.
KEYS = {
    "jurisdiction": "jurisdictions",
    "page-type": "page_type",
    "include": "include",
    "exclude": "exclude",
    "fail-on": "fail_on",
    "min-score": "min_score",
    "select": "select",
    "ignore": "ignore",
    "lexicons": "lexicons",
    "per-file-ignores": "per_file_ignores",
    "baseline": "baseline",
    "jobs": "jobs",
    "model": "model",
    "lang": "lang",
}
OPTION_NAMES = {v: k for k, v in KEYS.items()}
PerFileIgnores = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class Config:
    """Everything that changes what a run checks or reports.

    `jurisdictions=None` and `page_type=None` mean auto-detect per page. `select` and
    `ignore` take rule codes, code prefixes ('CC1') or rule names, like ruff.
    `per_file_ignores` pairs a glob (relative to `root`, the config file's directory)
    with selectors. `sources` maps a field name to where its value came from; a field
    missing from it has its default value. `regex_timeout` bounds one pattern call and
    `page_timeout` all of one page's pattern matching (seconds; a page over it is
    reported as not scored). `jobs` is capped at the CPU count (0: one per CPU).
    """

    jurisdictions: tuple[str, ...] | None = None
    page_type: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    min_score: int | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    lexicons: tuple[str, ...] = ()
    per_file_ignores: PerFileIgnores = ()
    baseline: str | None = None
    regex_timeout: float = 1.0
    page_timeout: float = 20.0
    jobs: int = 0
    model: str = "default"
    lang: str = "auto"
    max_bytes: int = 20 * 1024 * 1024
    root: str | None = None
    config_file: str | None = None
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
        if self.lang not in LANG_SETTINGS:
            raise ConfigError(f"unknown language {self.lang!r} ({', '.join(LANG_SETTINGS)})")
        if self.fail_on not in FAIL_ON:
            raise ConfigError(f"unknown fail-on level {self.fail_on!r} ({', '.join(FAIL_ON)})")
        if self.min_score is not None and not 0 <= self.min_score <= 100:
            raise ConfigError(f"min-score must be between 0 and 100, not {self.min_score}")
        if self.regex_timeout <= 0 or self.page_timeout <= 0:
            raise ConfigError("regex and page timeouts must be positive")

    def with_overrides(self, **values: object) -> Config:
        """A copy with the given non-None values replaced, each recorded as coming from its
        command-line option (`--fail-on`); `page_type='auto'` restores auto-detection."""
        given = {k: v for k, v in values.items() if v is not None}
        if given.get("page_type") == "auto":
            given["page_type"] = None
        sources = {**self.sources, **{k: f"--{OPTION_NAMES.get(k, k)}" for k in given}}
        return replace(self, **given, sources=sources)  # type: ignore[arg-type]

    def source(self, name: str) -> str:
        """Where a field's value came from: 'default', a config file path, or '--option'."""
        return self.sources.get(name, "default")


@cache
def config_schema() -> dict[str, Any]:
    """The JSON Schema of the config table (packaged with claimcheck)."""
    text = resources.files("claimcheck").joinpath("schemas/config.schema.json").read_text("utf-8")
    return json.loads(text)


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def read_small_file(path: str | Path, limit: int, error: type[ClaimcheckError], what: str) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, else `error` with one line.

    A FIFO, device (`/dev/zero`) or socket is refused before anything is read (opened
    without blocking, checked with fstat), and a larger file is refused by its size, so a
    hostile path can neither hang a run nor fill memory.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error(f"{what} {path} not found") from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    with open(fd, "rb", closefd=True) as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{what} {path} is not a regular file (a FIFO, socket or device)")
        if info.st_size > limit:
            raise error(f"{what} {path} is over the {limit:,}-byte limit")
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(f"{what} {path} is over the {limit:,}-byte limit")
    return data


def parse_json(data: bytes, error: type[ClaimcheckError], where: str) -> Any:
    """JSON from UTF-8 bytes; `error` with one line for bad UTF-8, bad JSON or JSON nested
    too deeply for Python's parser (a RecursionError otherwise)."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{where} is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:
        raise error(f"{where} is not valid JSON: {exc}") from None
    except RecursionError:
        raise error(f"{where} is nested too deeply to read") from None


def _read_toml(path: Path) -> dict[str, Any]:
    where = _display(path)
    data = read_small_file(path, MAX_CONFIG_BYTES, ConfigError, "config file")
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{where}: TOML nested too deeply to read") from None


def _table(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    if path.name != "pyproject.toml":
        return data
    table = data.get("tool", {}).get("claimcheck")
    return table if isinstance(table, dict) else None


def find_config(start: str | Path = ".") -> Path | None:
    """The nearest config file from `start` upward; a pyproject.toml without a
    [tool.claimcheck] table is skipped. None when there is none."""
    directory = Path(start).resolve()
    for folder in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file() and _table(candidate, _read_toml(candidate)) is not None:
                return candidate
    return None


def read_config_table(path: str | Path) -> dict[str, Any]:
    """The validated claimcheck table of one config file (kebab-case keys)."""
    path = Path(path)
    table = _table(path, _read_toml(path))
    where = _display(path)
    if table is None:
        raise ConfigError(f"{where} has no [tool.claimcheck] table")
    allowed = ", ".join(KEYS)
    for key in table:
        if key not in KEYS:
            raise ConfigError(f"unknown key {key!r} in {where} (allowed keys: {allowed})")
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(config_schema()).iter_errors(table)
    )
    if error is not None:
        key = error.absolute_path[0] if error.absolute_path else "?"
        raise ConfigError(f"{where}: bad value for {key!r}: {error.message}")
    return table


def _values(table: dict[str, Any], base: Path) -> dict[str, Any]:
    """Config field values from a validated table; paths resolved against `base`."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = KEYS[key]
        if key == "jurisdiction":
            value = (value,) if isinstance(value, str) else tuple(value)
        elif key == "page-type":
            value = None if value == "auto" else value
        elif key == "lexicons":
            value = tuple(str(base / p) for p in value)
        elif key == "baseline" or (key == "model" and value not in ("default", "none")):
            value = str(base / value)
        elif key == "per-file-ignores":
            value = tuple((glob, tuple(codes)) for glob, codes in value.items())
        elif isinstance(value, list):
            value = tuple(value)
        out[name] = value
    return out


def load_config(path: str | Path | None = None, cwd: str | Path = ".") -> Config:
    """Packaged defaults with the config file merged over them.

    `path` (from `--config`) overrides discovery from `cwd` upward. A run with no config
    file gets `Config()`.
    """
    found = Path(path) if path is not None else find_config(cwd)
    if found is None:
        return Config()
    if not found.is_file():
        raise ConfigError(f"config file {found} not found")  # as the user typed it
    found = found.resolve()
    values = _values(read_config_table(found), found.parent)
    where = _display(found)
    try:
        return Config(
            **values,
            root=str(found.parent),
            config_file=str(found),
            sources=dict.fromkeys(values, where),
        )
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def config_items(config: Config) -> list[tuple[str, Any, str]]:
    """(TOML key, JSON-ready value, source) for every configurable key, for `config show`."""
    items = []
    for key, name in KEYS.items():
        value = getattr(config, name)
        if name == "per_file_ignores":
            value = {glob: list(codes) for glob, codes in value}
        elif isinstance(value, tuple):
            value = list(value)
        items.append((key, value, config.source(name)))
    return items


def selector_matches(selector: str, rule: Rule) -> bool:
    """True when a code, code prefix ('CC1') or rule name selects the rule."""
    s = selector.strip()
    return rule.code.upper().startswith(s.upper()) or rule.name == s.lower()


def require_rules(rules: Iterable[Rule], selectors: Iterable[str], where: str = "") -> None:
    """Raise a ConfigError naming the first selector that matches no active rule, so a
    typo in a code never silently selects or ignores nothing."""
    active = [r for r in rules if r.status == "active"]
    for selector in selectors:
        if not any(selector_matches(selector, r) for r in active):
            raise ConfigError(f"no rule matches {selector!r}{where} (see `claimcheck rules`)")


def select_rules(
    rules: Iterable[Rule],
    select: Sequence[str],
    ignore: Sequence[str],
    per_file_ignores: PerFileIgnores = (),
) -> list[Rule]:
    """Active rules after select/ignore; an unknown selector (also in per-file-ignores) is
    a ConfigError."""
    rules = [r for r in rules if r.status == "active"]
    require_rules(rules, (*select, *ignore))
    for glob, codes in per_file_ignores:
        require_rules(rules, codes, f" in per-file-ignores for {glob!r}")
    chosen = [r for r in rules if not select or any(selector_matches(s, r) for s in select)]
    return [r for r in chosen if not any(selector_matches(s, r) for s in ignore)]
