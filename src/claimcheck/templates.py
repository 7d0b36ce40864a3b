"""Content-repository formats: front matter, MDX and Jinja/Hugo templates.

Everything here keeps line and column numbers: removed text is replaced by spaces, with its
newlines kept, so findings still point at the right place in the source file.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Iterator
from typing import Any

import yaml

from claimcheck.yamlio import AliasError, safe_load

TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
"""What a tag is (for reference and tests); `template_tags` finds the same spans in linear
time: with the regex, each of 40,000 unclosed `{{` searched the rest of the page (8.4 s)."""
MDX_MODULE_LINE = re.compile(r"^[ \t]*(import|export)\b[^\n]*$", re.MULTILINE)
# Values quoted in warnings are shortened: a page's front matter can be megabytes.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 2, 4, 4
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = 60
SETTING_KEYS = {"jurisdiction": "jurisdiction", "page-type": "page_type", "page_type": "page_type"}


def _blank(match: re.Match[str]) -> str:
    return _NOT_NEWLINE.sub(" ", match.group(0))


_NOT_NEWLINE = re.compile(r"[^\n]")
_TAG_START = re.compile(r"\{[{%#]")
_TAG_END = {"{": "}}", "%": "%}", "#": "#}"}


def template_tags(text: str) -> Iterator[tuple[int, int]]:
    """The `(start, end)` spans `TEMPLATE_TAG.finditer` gives, found in linear time: a tag
    ends at the first closer after its opener, and once an opener has no closer after it,
    no later opener of that kind has one either, so it is not searched for again."""
    unclosed: set[str] = set()
    pos = 0
    while (opener := _TAG_START.search(text, pos)) is not None:
        kind = opener.group()[1]
        end = -1 if kind in unclosed else text.find(_TAG_END[kind], opener.end())
        if end < 0:
            unclosed.add(kind)
            pos = opener.start() + 1
            continue
        yield opener.start(), end + 2
        pos = end + 2


def strip_template_tags(text: str) -> str:
    """Blank out Jinja/Nunjucks/Liquid/Hugo tags ({{ }}, {% %}, {# #}, {{< >}})."""
    if not _TAG_START.search(text):  # one scan for the usual page without tags
        return text
    out: list[str] = []
    last = 0
    for start, end in template_tags(text):
        out += (text[last:start], _NOT_NEWLINE.sub(" ", text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def strip_mdx(text: str) -> str:
    """Blank out MDX `import` / `export` lines; JSX tags are dropped like inline HTML."""
    return MDX_MODULE_LINE.sub(_blank, text)


def _clip(text: str, limit: int = 60) -> str:
    """`text`, cut to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def front_matter_settings(text: str) -> tuple[dict[str, Any], list[str]]:
    """The `claimcheck:` table of a Markdown page's YAML front matter, and any warnings.

    Supported keys: `jurisdiction` (mx, us, none or a list) and `page-type` (commercial,
    editorial). Front matter that is not valid YAML is ignored with a warning.
    """
    if not text.startswith("---"):
        return {}, []
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        return {}, []
    try:
        data = safe_load("\n".join(lines[1:end])) or {}
    except AliasError:
        return {}, [
            "1: front matter uses YAML aliases (*name); its claimcheck settings are ignored"
        ]
    except yaml.YAMLError:
        return {}, ["1: front matter is not valid YAML; its claimcheck settings are ignored"]
    table = data.get("claimcheck") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        return {}, []
    settings, warnings = {}, []
    for key, value in table.items():
        name = SETTING_KEYS.get(str(key))
        if name is None:
            warnings.append(
                f"1: unknown front-matter setting claimcheck.{_clip(str(key))} (ignored)"
            )
        elif name == "jurisdiction":
            values = value if isinstance(value, list) else [value]
            if all(v in ("mx", "us", "none") for v in values):
                settings[name] = tuple(values)
            else:
                shown = _SHORT.repr(value)
                warnings.append(f"1: claimcheck.jurisdiction {shown} is not mx, us or none")
        elif value in ("commercial", "editorial"):
            settings[name] = value
        else:
            shown = _SHORT.repr(value)
            warnings.append(f"1: claimcheck.page-type {shown} is not commercial or editorial")
    return settings, warnings
