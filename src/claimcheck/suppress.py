"""Inline and per-file suppressions, and the unused-suppression report (CC901, like RUF100).

Directives, read from `Document.source_text` in any input format:

- `<!-- claimcheck-disable CC102 -->` ... `<!-- claimcheck-enable CC102 -->`: a range (to
  the end of the file without an enable; a bare enable closes every open range). A range
  still open at the end of the file also covers whole-page findings (CC201 ...).
- `<!-- claimcheck-disable-next-line CC104 -->`: the next non-blank line (and its own).
- `claimcheck: ignore[CC104]`: its own line, and the next non-blank line too when it
  stands alone on its line.

Codes are separated by commas or spaces and may be codes, prefixes (`CC1`) or rule names.
A finding's `line` decides whether a directive covers it. Suppressed findings stay in the
report with `suppressed_by`. A bare disable and an unknown code are warnings (`path:line`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, partial

import regex

from claimcheck.combine import render_text
from claimcheck.config import Config, selector_matches
from claimcheck.i18n import output_lang
from claimcheck.lexicon.types import Rule
from claimcheck.model import Document, Finding
from claimcheck.sources import glob_match

UNUSED_CHECK = "unused_suppression"
# What the directives are, for reference and tests; `_directives_in` finds the same matches
# in linear time (with these, each of 40,000 unclosed comments searched the rest of the line).
_COMMENT = re.compile(
    r"<!--\s*claimcheck-(disable-next-line|disable|enable)(?![\w-])(.*?)-->", re.IGNORECASE
)
_IGNORE = re.compile(r"claimcheck:\s*ignore\[([^\]\n]*)\]", re.IGNORECASE)
_COMMENT_HEAD = re.compile(
    r"<!--\s*claimcheck-(disable-next-line|disable|enable)(?![\w-])", re.IGNORECASE
)
_IGNORE_HEAD = re.compile(r"claimcheck:\s*ignore\[", re.IGNORECASE)
_SPLIT = re.compile(r"[,\s]+")


@dataclass(frozen=True, slots=True)
class Directive:
    """One code of one suppression comment and the lines it covers (`last=None`: to the end)."""

    code: str
    text: str
    line: int
    column: int
    first: int
    last: int | None

    def covers(self, f: Finding) -> bool:
        """True when the finding lies in this directive's lines and its code matches."""
        if not _code_matches(self.code, f):
            return False
        if not f.sentence and f.scope == "page":
            return self.last is None
        return self.first <= f.line and (self.last is None or f.line <= self.last)

    @property
    def label(self) -> str:
        return f"inline: {self.text} (line {self.line})"


def _code_matches(selector: str, f: Finding) -> bool:
    return f.code.upper().startswith(selector.upper()) or f.name == selector.lower()


def _next_nonblank(lines: Sequence[str], index: int) -> int:
    """1-based number of the first non-blank line after 0-based `index` (or past the end)."""
    for i in range(index + 1, len(lines)):
        if lines[i].strip():
            return i + 1
    return len(lines) + 1


class _Alone:
    """Does a directive stand alone on its line (nothing but copies of it and spaces)?
    Asked once per distinct directive text that starts the line's first word, so many
    directives on one line cost one pass, not one pass each."""

    def __init__(self, line: str) -> None:
        self.line = line
        self.first = len(line) - len(line.lstrip())
        self.answers: dict[str, bool] = {}

    def __call__(self, raw: str) -> bool:
        """Same as `not line.replace(raw, "").strip()`."""
        if not self.line.startswith(raw, self.first):
            return False  # the first non-space character would be left
        if raw not in self.answers:
            self.answers[raw] = not self.line.replace(raw, "").strip()
        return self.answers[raw]


@dataclass(frozen=True, slots=True)
class _Found:
    """One directive match on a line: its kind, the text of its codes, and its span."""

    kind: str
    body: str
    start: int
    end: int


def _heads(line: str, head: re.Pattern[str], closer: str) -> list[tuple[re.Match[str], int]]:
    """Each match of `head` that `closer` follows, with where the closer starts, as
    `head` + lazy body + `closer` would match: once a head has no closer after it, no
    later head has one, so the line is not searched again."""
    out: list[tuple[re.Match[str], int]] = []
    pos = 0
    while (m := head.search(line, pos)) is not None:
        close = line.find(closer, m.end())
        if close < 0:
            break
        out.append((m, close))
        pos = close + len(closer)
    return out


def _directives_in(line: str) -> list[_Found]:
    """The `_COMMENT` and `_IGNORE` matches of one line, in order of their start."""
    found = [
        _Found(m.group(1).lower(), line[m.end() : close], m.start(), close + 3)
        for m, close in _heads(line, _COMMENT_HEAD, "-->")
    ]
    found += [
        _Found("ignore", line[m.end() : close], m.start(), close + 1)
        for m, close in _heads(line, _IGNORE_HEAD, "]")
    ]
    return sorted(found, key=lambda f: f.start)


# `regex` scans a page for this case-insensitively about 15x faster than lower-casing it.
_MENTION = regex.compile("claimcheck", regex.IGNORECASE)


def parse_directives(doc: Document, known: Sequence[Rule]) -> tuple[list[Directive], list[str]]:
    """The suppression directives of a document, one per code, and warnings for bare
    disables and unknown codes (each starting with `path:line`)."""
    source = doc.source_text
    if _MENTION.search(source) is None:
        return [], []
    lines = source.split("\n")
    next_nonblank = cache(partial(_next_nonblank, lines))  # many directives, one line
    directives: list[Directive] = []
    warnings: list[str] = []
    open_ranges: dict[str, Directive] = {}
    for i, line in enumerate(lines):
        alone = _Alone(line)
        for found in _directives_in(line):
            kind, raw = found.kind, line[found.start : found.end]
            text = " ".join(raw.split())
            where = f"{doc.path}:{i + 1}"
            codes = [c for c in _SPLIT.split(found.body.strip()) if c]
            if kind == "enable":
                named = {c.upper() for c in codes}
                closing = [k for k in open_ranges if not codes or k in named]
                for key in closing:
                    directives.append(replace(open_ranges.pop(key), last=i + 1))
                continue
            if not codes:
                warnings.append(f"{where}: {text} names no rule codes and suppresses nothing")
                continue
            if kind == "disable":
                first, last = i + 1, None
            elif kind == "disable-next-line" or alone(raw):
                # its own line too: in text, a lone directive joins the next line's sentence
                first, last = i + 1, next_nonblank(i)
            else:
                first = last = i + 1
            for code in codes:
                if not any(selector_matches(code, r) for r in known):
                    warnings.append(f"{where}: unknown rule code {code!r} in {text}")
                    continue
                d = Directive(code, text, i + 1, found.start + 1, first, last)
                if kind == "disable":
                    open_ranges[code.upper()] = d
                else:
                    directives.append(d)
    return directives + list(open_ranges.values()), warnings


def _per_file(doc: Document, config: Config) -> list[tuple[str, str]]:
    """(glob, selector) pairs of per-file-ignores whose glob matches this document."""
    named = doc.origin.kind == "file" or (doc.origin.kind == "stdin" and doc.path != "-")
    if not config.per_file_ignores or not named:  # stdin counts once --stdin-filename names it
        return []
    rel = os.path.relpath(os.path.abspath(doc.path), config.root or os.getcwd())
    rel = rel.replace(os.sep, "/")
    if rel.startswith("../"):
        return []
    return [
        (glob, code)
        for glob, codes in config.per_file_ignores
        if glob_match(rel, [glob])
        for code in codes
    ]


def _mark(findings: list[Finding], directives: Sequence[Directive], used: set[int]) -> None:
    for n, f in enumerate(findings):
        if f.suppressed:
            continue
        for k, d in enumerate(directives):
            if d.covers(f):
                findings[n] = replace(f, suppressed=True, suppressed_by=d.label)
                used.add(k)
                break


def _unused(
    doc: Document,
    rule: Rule,
    directives: Sequence[Directive],
    used: set[int],
    enabled: Sequence[Rule],
    lang: str = "en",
) -> list[Finding]:
    """CC901 findings: one per directive comment whose enabled codes suppressed nothing.
    Codes of rules not enabled in this run are not judged; CC901 itself never is."""
    by_comment: dict[tuple[int, int], list[Directive]] = {}
    for k, d in enumerate(directives):
        judged = any(selector_matches(d.code, r) for r in enabled if r.code != rule.code)
        if k not in used and judged and not selector_matches(d.code, rule):
            by_comment.setdefault((d.line, d.column), []).append(d)
    out = []
    for (line, column), group in sorted(by_comment.items()):
        codes = ", ".join(d.code for d in group)
        out.append(
            Finding(
                code=rule.code,
                name=rule.name,
                severity=rule.severity,
                message=render_text(rule.message_for(lang), trigger=codes),
                path=doc.path,
                line=line,
                column=column,
                sentence=group[0].text,
                trigger=codes,
                pattern_id="directive",
                suggestion=render_text(rule.suggestion_for(lang), trigger=codes),
            )
        )
    return out


def apply_suppressions(
    doc: Document,
    findings: Sequence[Finding],
    known: Sequence[Rule],
    enabled: Sequence[Rule],
    config: Config,
) -> tuple[list[Finding], tuple[str, ...]]:
    """Mark findings suppressed by inline directives and per-file-ignores, add CC901 for
    unused directives when that rule is enabled, and return the directive warnings."""
    directives, warnings = parse_directives(doc, known)
    out = list(findings)
    used: set[int] = set()
    _mark(out, directives, used)
    unused_rule = next((r for r in enabled if r.check == UNUSED_CHECK), None)
    if unused_rule is not None:
        lang = output_lang(config.lang, doc.lang)
        extra = _unused(doc, unused_rule, directives, used, enabled, lang)
        _mark(extra, directives, set())
        out += extra
    for glob, code in _per_file(doc, config):
        label = f"config: per-file-ignores {glob}"
        out = [
            replace(f, suppressed=True, suppressed_by=label)
            if not f.suppressed and _code_matches(code, f)
            else f
            for f in out
        ]
    return out, tuple(warnings)
