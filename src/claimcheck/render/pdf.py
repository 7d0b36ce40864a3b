"""What `report --format pdf` prints: page options and the stamp on every page.

The PDF is the HTML report printed by headless Chromium (`claimcheck.crawl.pdf`), chosen
over WeasyPrint because the project already drives Chromium for screenshots and browser
tests, the PDF then shows the HTML report exactly as a browser does, and WeasyPrint would
add Pango and a second CSS engine. This module only says what to print: A4, backgrounds
on, a header (audit id, manifest SHA-256) and a footer (signature key fingerprint or
"unsigned", page N of M) on every page.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from claimcheck.render.html import strings

_BAR = (
    'style="font: 7.5px/1.3 system-ui, sans-serif; color: #444; width: 100%; '
    "box-sizing: border-box; padding: 0 10mm; display: flex; "
    'justify-content: space-between; gap: 8px"'
)


@dataclass(frozen=True)
class PdfStamp:
    """What every PDF page shows in its header and footer."""

    audit_id: str
    manifest_sha256: str
    signature: str | None
    """The signing key's fingerprint, or None for an unsigned audit."""
    lang: str = "en"


def header_footer(stamp: PdfStamp) -> tuple[str, str]:
    """The header and footer templates Chromium prints on every page (values escaped)."""
    t = strings(stamp.lang)
    e = html.escape
    signed = (
        f"{e(t['pdf_signed'])} {e(stamp.signature)}" if stamp.signature else e(t["pdf_unsigned"])
    )
    header = (
        f"<div {_BAR}><span>claimcheck · {e(t['audit_id'])} {e(stamp.audit_id)}</span>"
        f"<span>manifest.json SHA-256 {e(stamp.manifest_sha256)}</span></div>"
    )
    footer = (
        f"<div {_BAR}><span>{signed}</span><span>{e(t['pdf_page'])} "
        f'<span class="pageNumber"></span> {e(t["pdf_of"])} <span class="totalPages"></span>'
        "</span></div>"
    )
    return header, footer


def pdf_options(stamp: PdfStamp) -> dict[str, Any]:
    """Keyword arguments for Playwright's `page.pdf`: A4, backgrounds, the stamp, margins."""
    header, footer = header_footer(stamp)
    return {
        "format": "A4",
        "print_background": True,
        "display_header_footer": True,
        "header_template": header,
        "footer_template": footer,
        "margin": {"top": "16mm", "bottom": "16mm", "left": "10mm", "right": "10mm"},
    }
