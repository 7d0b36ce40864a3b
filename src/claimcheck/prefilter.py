"""A fast pre-filter: which lexicon patterns can possibly match in which sentence.

Every pattern the engine scans with is also added, in a relaxed form, to one RE2 set
(a DFA over all patterns at once). One pass of the set over a sentence tells which
patterns may match there; only those run with the full `regex` engine, which keeps the
exact semantics (Unicode word boundaries, lookarounds, timeouts).

The relaxed form only ever matches more than the original: word boundaries and
lookarounds and anchors are dropped, character classes are widened to Unicode, and
bounded repetitions become unbounded (which also keeps the DFA small). So the filter can
let a non-matching pattern through, never hold a matching one back;
tests/test_prefilter.py checks that findings are identical with and without it.
"""

from __future__ import annotations

import re as std_re
from collections.abc import Callable

try:
    import re2
except ImportError:  # pragma: no cover - google-re2 is a dependency; this keeps a fallback
    re2 = None

_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
_BOUND = std_re.compile(r"\{(\d*),?(\d*)\}")
MAX_MEM = 256 << 20
_ESCAPES_OUTSIDE = {"w": r"[\pL\pN_]", "d": r"\pN", "s": r"[\s\pZ]", "b": "", "B": ""}
_ESCAPES_INSIDE = {"w": r"\pL\pN_", "d": r"\pN", "s": r"\s\pZ"}


def _group_end(pattern: str, start: int) -> int:
    """Index just after the ')' closing the group that opens at `start`."""
    depth, i, in_class = 0, start, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(pattern)


def relax(pattern: str) -> str:
    """A pattern for RE2 that matches at least everything `pattern` matches."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            esc = pattern[i + 1]
            table = _ESCAPES_INSIDE if in_class else _ESCAPES_OUTSIDE
            out.append(table.get(esc, ch + esc))
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
            if pattern[i + 1 : i + 2] in ("]", "^"):
                out.append(pattern[i + 1])
                i += 1
        elif ch == "(" and pattern.startswith(_LOOKAROUND, i):
            i = _group_end(pattern, i)
            continue
        elif ch in "^$":
            pass  # anchors dropped: a superset, and keeps the relaxed form simple
        elif ch == "{" and (bound := _BOUND.match(pattern, i)):
            # Bounded repetition blows up the DFA; an unbounded one matches more and stays small.
            out.append("*" if int(bound.group(1) or 0) == 0 else "+")
            i = bound.end()
            if pattern[i : i + 1] == "?":
                i += 1
            continue
        else:
            out.append(ch)
        i += 1
    return "(?i)" + "".join(out)


class PatternSet:
    """Relaxed patterns in one RE2 set. `add` returns the id to look up, or None when the
    pattern cannot be represented (it then runs on every sentence)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and re2 is not None
        self._set = None
        if self.enabled:
            options = re2.Options()
            options.max_mem = MAX_MEM
            self._set = re2.Set.SearchSet(options)
        self._compiled = False
        self._match: Callable[[bytes], list[int]] | None = None

    def add(self, pattern: str) -> int | None:
        if not self.enabled or self._compiled:
            return None
        try:
            return self._set.Add(relax(pattern))
        except Exception:  # RE2 rejects a construct the relaxation did not remove
            return None

    def compile(self) -> None:
        if self.enabled and not self._compiled:
            self._set.Compile()
            # The binding's own set takes UTF-8 bytes; calling it directly skips the
            # wrapper's two Python frames on every sentence.
            raw = getattr(self._set, "_set", None)
            self._match = getattr(raw, "Match", None)
        self._compiled = True

    def match(self, text: str) -> list[int]:
        """Ids of the patterns that may match somewhere in `text`."""
        if self._match is not None:
            return self._match(text.encode())
        if not self.enabled:
            return []
        return self._set.Match(text) or []
