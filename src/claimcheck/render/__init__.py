"""Renderers: the same Report printed as text or JSON (more formats build on these)."""

from __future__ import annotations

from collections.abc import Callable

from claimcheck.model import Report
from claimcheck.render.json import render_json
from claimcheck.render.text import render_text

RENDERERS: dict[str, Callable[..., str]] = {"text": render_text, "json": render_json}


def render(report: Report, fmt: str, *, explain: bool = False, color: bool = False) -> str:
    """Render a report in one of RENDERERS' formats."""
    if fmt == "text":
        return render_text(report, explain=explain, color=color)
    return RENDERERS[fmt](report)
