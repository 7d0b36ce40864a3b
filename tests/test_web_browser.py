"""End to end in a real headless Chromium (Debian's, driven by Playwright): paste, upload,
switch language, and make sure a pasted <script> never runs. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers import ROOT, SAMPLES
from tests.servers import uvicorn_serving

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and shutil.which("chromium") is None,
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it as root)",
)
SPANISH = "Nuestro tratamiento con células madre cura la diabetes para siempre."


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    import uvicorn

    from claimcheck.web.app import create_app

    app = create_app()
    with uvicorn_serving(
        lambda port: uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    ) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
        b = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    pg = context.new_page()
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    yield pg
    context.close()


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.is_file() and path.stat().st_size > 1000
    return path


def test_paste_a_spanish_overclaim(page, base_url: str) -> None:
    page.goto(f"{base_url}/?lang=es")
    page.fill("#text", SPANISH)
    page.select_option("#jurisdiction", "mx")
    page.select_option("#page_type", "commercial")
    page.click("#submit")
    page.wait_for_selector("[data-testid=score]")
    mark = page.locator("mark.sev-error")
    assert mark.count() >= 1 and "cura la diabetes" in mark.first.inner_text()
    assert "Error" in mark.first.locator(".tag").inner_text()  # a label, not colour alone
    finding = page.locator("li.finding[data-code=CC101]")
    assert "podría ayudar" in finding.locator(".suggestion").inner_text()
    assert finding.locator("button.copy").is_visible()  # revealed by app.js
    assert page.locator("li[data-code=CC301]").count() == 1  # the checklist
    _shot(page, "serve-result-es.png")
    assert page.console_errors == []


def test_switch_interface_language(page, base_url: str) -> None:
    page.goto(base_url)
    assert page.locator("#submit").inner_text() == "Check the copy"
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=es]")
    assert page.locator("#submit").inner_text() == "Revisar el texto"
    page.click("#lang-switch")
    assert page.locator("#submit").inner_text() == "Check the copy"
    _shot(page, "serve-form.png")


def test_upload_a_sample_file(page, base_url: str) -> None:
    page.goto(base_url)
    page.set_input_files("#file", str(SAMPLES / "egregious-clinic.html"))
    assert page.locator("#filename").inner_text() == "egregious-clinic.html"
    page.click("#submit")
    page.wait_for_selector("[data-testid=score]")
    assert "egregious-clinic.html" in page.locator("#page-0-title").inner_text()
    assert page.locator("li.finding").count() >= 5
    assert "0/100" in page.locator("[data-testid=score]").inner_text()
    _shot(page, "serve-upload.png")
    assert page.console_errors == []


def test_pasted_script_does_not_run(page, base_url: str) -> None:
    page.goto(base_url)
    page.fill("#text", "<script>window.__pwned=1</script>Nuestras células madre curan la diabetes.")
    page.click("#submit")
    page.wait_for_selector("[data-testid=score]")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert (
        "<script>window.__pwned=1</script>" in page.locator("[data-testid=pagetext]").inner_text()
    )
    assert page.locator("li.finding[data-code=CC101]").count() == 1
    _shot(page, "serve-script.png")
    assert page.console_errors == []
