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

import regex

from claimcheck.combine import render_text
from claimcheck.config import Config, selector_matches
from claimcheck.lexicon.types import Rule
from claimcheck.model import Document, Finding
from claimcheck.sources import glob_match

UNUSED_CHECK = "unused_suppression"
_COMMENT = re.compile(
    r"<!--\s*claimcheck-(disable-next-line|disable|enable)(?![\w-])(.*?)-->", re.IGNORECASE
)
_IGNORE = re.compile(r"claimcheck:\s*ignore\[([^\]\n]*)\]", re.IGNORECASE)
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


# `regex` scans a page for this case-insensitively about 15x faster than lower-casing it.
_MENTION = regex.compile("claimcheck", regex.IGNORECASE)


def parse_directives(doc: Document, known: Sequence[Rule]) -> tuple[list[Directive], list[str]]:
    """The suppression directives of a document, one per code, and warnings for bare
    disables and unknown codes (each starting with `path:line`)."""
    source = doc.source_text
    if _MENTION.search(source) is None:
        return [], []
    lines = source.split("\n")
    directives: list[Directive] = []
    warnings: list[str] = []
    open_ranges: dict[str, Directive] = {}
    for i, line in enumerate(lines):
        found = [(m, m.group(1).lower(), m.group(2)) for m in _COMMENT.finditer(line)]
        found += [(m, "ignore", m.group(1)) for m in _IGNORE.finditer(line)]
        for match, kind, body in sorted(found, key=lambda x: x[0].start()):
            text = " ".join(match.group(0).split())
            where = f"{doc.path}:{i + 1}"
            codes = [c for c in _SPLIT.split(body.strip()) if c]
            if kind == "enable":
                closing = [k for k in open_ranges if not codes or k in {c.upper() for c in codes}]
                for key in closing:
                    directives.append(replace(open_ranges.pop(key), last=i + 1))
                continue
            if not codes:
                warnings.append(f"{where}: {text} names no rule codes and suppresses nothing")
                continue
            alone = not line.replace(match.group(0), "").strip()
            if kind == "disable":
                first, last = i + 1, None
            elif kind == "disable-next-line" or alone:
                # its own line too: in text, a lone directive joins the next line's sentence
                first, last = i + 1, _next_nonblank(lines, i)
            else:
                first = last = i + 1
            for code in codes:
                if not any(selector_matches(code, r) for r in known):
                    warnings.append(f"{where}: unknown rule code {code!r} in {text}")
                    continue
                d = Directive(code, text, i + 1, match.start() + 1, first, last)
                if kind == "disable":
                    open_ranges[code.upper()] = d
                else:
                    directives.append(d)
    return directives + list(open_ranges.values()), warnings


def _per_file(doc: Document, config: Config) -> list[tuple[str, str]]:
    """(glob, selector) pairs of per-file-ignores whose glob matches this document."""
    if not config.per_file_ignores or doc.origin.kind != "file":
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
                message=render_text(rule.message, trigger=codes),
                path=doc.path,
                line=line,
                column=column,
                sentence=group[0].text,
                trigger=codes,
                pattern_id="directive",
                suggestion=render_text(rule.suggestion_for("en"), trigger=codes),
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
        extra = _unused(doc, unused_rule, directives, used, enabled)
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
