"""Content-repository formats: front matter, MDX and Jinja/Hugo templates.

Everything here keeps line and column numbers: removed text is replaced by spaces, with its
newlines kept, so findings still point at the right place in the source file.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from claimcheck.yamlio import safe_load

TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
MDX_MODULE_LINE = re.compile(r"^[ \t]*(import|export)\b[^\n]*$", re.MULTILINE)
SETTING_KEYS = {"jurisdiction": "jurisdiction", "page-type": "page_type", "page_type": "page_type"}


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


_TAG_START = re.compile(r"\{[{%#]")


def strip_template_tags(text: str) -> str:
    """Blank out Jinja/Nunjucks/Liquid/Hugo tags ({{ }}, {% %}, {# #}, {{< >}})."""
    if not _TAG_START.search(text):  # one scan for the usual page without tags
        return text
    return TEMPLATE_TAG.sub(_blank, text)


def strip_mdx(text: str) -> str:
    """Blank out MDX `import` / `export` lines; JSX tags are dropped like inline HTML."""
    return MDX_MODULE_LINE.sub(_blank, text)


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
    except yaml.YAMLError:
        return {}, ["1: front matter is not valid YAML; its claimcheck settings are ignored"]
    table = data.get("claimcheck") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        return {}, []
    settings, warnings = {}, []
    for key, value in table.items():
        name = SETTING_KEYS.get(str(key))
        if name is None:
            warnings.append(f"1: unknown front-matter setting claimcheck.{key} (ignored)")
        elif name == "jurisdiction":
            values = value if isinstance(value, list) else [value]
            if all(v in ("mx", "us", "none") for v in values):
                settings[name] = tuple(values)
            else:
                warnings.append(f"1: claimcheck.jurisdiction {value!r} is not mx, us or none")
        elif value in ("commercial", "editorial"):
            settings[name] = value
        else:
            warnings.append(f"1: claimcheck.page-type {value!r} is not commercial or editorial")
    return settings, warnings
