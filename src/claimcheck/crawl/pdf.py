"""`claimcheck report AUDIT --format pdf`: the HTML report printed by headless Chromium,
stamped on every page with the audit id, the manifest's SHA-256 and the signature's key
fingerprint ("unsigned" when the audit has no signature)."""

from __future__ import annotations

import json
import os
from typing import Any

from claimcheck.config import Config
from claimcheck.crawl.archive import MANIFEST
from claimcheck.errors import ClaimcheckError

SIGNATURE = "manifest.sig"


def signature_fingerprint(directory: str) -> str | None:
    """What the PDF says about the audit's signature: the fingerprint of the key that signed
    the manifest, a warning when manifest.sig does not match the manifest, None when the
    audit is unsigned. (Tying the key to a person is `verify --key`'s job.)"""
    path = os.path.join(directory, SIGNATURE)
    if not os.path.lexists(path):
        return None
    try:
        from claimcheck.crawl.signing import check_signature, signature_info
    except ImportError:  # cryptography missing: name the key without checking
        return _named_key(path) + " (not checked)"
    try:
        with open(os.path.join(directory, MANIFEST), "rb") as handle:
            check = check_signature(directory, handle.read(), None)
        sig = signature_info(directory) or {}
    except (ClaimcheckError, OSError):
        return "manifest.sig unreadable"
    if check.problems:
        return "INVALID: manifest.sig does not match manifest.json"
    return str(sig.get("key_fingerprint") or "unknown key")


def _named_key(path: str) -> str:
    """The key fingerprint a signature file names, read without checking it."""
    try:
        with open(path, encoding="utf-8") as handle:
            data: Any = json.load(handle)
    except (OSError, ValueError, RecursionError):
        return "unknown key"
    named = data.get("key_fingerprint") if isinstance(data, dict) else None
    return named if isinstance(named, str) else "unknown key"


def audit_report_pdf(directory: str, config: Config | None = None, lang: str = "en") -> bytes:
    """The audit report as PDF: the same content as `report --format html`, stamped.

    Raises BrowserError (exit 2) when Playwright or Chromium is missing.
    """
    from claimcheck.crawl.browser import print_pdf
    from claimcheck.crawl.report import audit_info, audit_report_html
    from claimcheck.render.pdf import PdfStamp, pdf_options

    info = audit_info(directory)
    stamp = PdfStamp(
        audit_id=str(info.get("audit_id") or ""),
        manifest_sha256=str(info.get("manifest_sha256") or ""),
        signature=signature_fingerprint(directory),
        lang=lang,
    )
    return print_pdf(audit_report_html(directory, config, lang), pdf_options(stamp))
