"""Headless Chromium for `crawl --screenshots` and `report --format pdf`, via Playwright.

Playwright is an optional extra (`claimcheck[browser]`); its absence or a browser that
cannot start becomes a BrowserError with one line saying what to install. The browser is
the system's Chromium when there is one (Debian's `chromium`, or $CLAIMCHECK_CHROMIUM),
else Playwright's own download.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from typing import Any

from claimcheck.errors import ClaimcheckError


class BrowserError(ClaimcheckError):
    """Playwright or headless Chromium is missing or cannot start."""


EXTRA = "browser"
CHROMIUM_ENV = "CLAIMCHECK_CHROMIUM"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_chromium() -> str | None:
    """A Chromium executable: $CLAIMCHECK_CHROMIUM, then the system's chromium or chrome.

    None means: let Playwright use its own downloaded browser, if there is one.
    """
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def sync_playwright_api(feature: str) -> Any:
    """Playwright's sync API module, or BrowserError naming the extra that installs it."""
    try:
        from playwright import sync_api
    except ImportError:
        raise BrowserError(
            f"{feature} needs Playwright: pip install 'claimcheck[{EXTRA}]' "
            "(and a Chromium: apt-get install chromium)"
        ) from None
    return sync_api


def launch_chromium(playwright: Any) -> Any:
    """Start headless Chromium, or raise BrowserError with a one-line reason."""
    executable = find_chromium()
    try:
        return playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_ARGS), headless=True
        )
    except Exception as exc:  # Playwright raises its own Error for a missing or broken browser
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = executable or "Playwright's own Chromium"
        raise BrowserError(f"headless Chromium could not start ({where}): {first}") from None


def print_pdf(document: str, options: Mapping[str, Any], timeout_s: float = 120.0) -> bytes:
    """Print a self-contained HTML document to PDF with Playwright's `page.pdf(**options)`.

    JavaScript is off and every network request is blocked: nothing is fetched.
    """
    sync_api = sync_playwright_api("report --format pdf")
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_context(java_script_enabled=False).new_page()
            page.set_default_timeout(timeout_s * 1000)
            page.route("**/*", lambda route: route.abort("blockedbyclient"))
            page.set_content(document, wait_until="load")
            page.emulate_media(media="print")
            return page.pdf(**options)
        finally:
            browser.close()
