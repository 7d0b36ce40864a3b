"""`claimcheck report AUDIT --format pdf`, printed by a real headless Chromium and read back
with poppler (pdftotext, pdfimages, pdftoppm) the way a person would open it (issue 13,
part 6). The audit is a crawl of the local test site on 127.0.0.1 with --screenshots.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.helpers import ROOT
from tests.helpers import run_claimcheck as claimcheck
from tests.site_server import SiteServer
from tests.test_screenshots import FAST, browser_missing

from claimcheck.crawl.screenshots import png_size

ARTIFACTS = ROOT / "test-artifacts"


def poppler(tool: str, *args: str) -> str:
    """Run a poppler-utils tool and return its stdout (the test skips without poppler)."""
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is missing (apt-get install poppler-utils; .ci/run does it as root)")
    result = subprocess.run([tool, *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def audit(tmp_path_factory) -> Path:
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("pdf") / "clinic"
    with SiteServer() as site:
        args = ["crawl", site.base + "/", "--out", str(out), "--max-pages", "5", "--depth", "1"]
        result = claimcheck(*args, *FAST, "--no-history", "--screenshots")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def pdf(audit: Path) -> Path:
    out = audit.parent / "report.pdf"
    result = claimcheck("report", str(audit), "--format", "pdf", "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


def _pages(pdf: Path) -> list[str]:
    """The text of each PDF page (pdftotext separates pages with form feeds)."""
    pages = poppler("pdftotext", "-layout", str(pdf), "-").split("\f")
    return [p for p in pages if p.strip()]


def test_every_page_carries_the_audit_id_manifest_hash_and_its_number(
    audit: Path, pdf: Path
) -> None:
    assert pdf.read_bytes().startswith(b"%PDF-")
    manifest = json.loads((audit / "manifest.json").read_text("utf-8"))
    manifest_sha = hashlib.sha256((audit / "manifest.json").read_bytes()).hexdigest()
    pages = _pages(pdf)
    assert len(pages) >= 2
    for n, text in enumerate(pages, 1):
        assert manifest["audit_id"] in text, f"page {n} lacks the audit id"
        assert manifest_sha in text, f"page {n} lacks the manifest hash"
        assert f"Page {n} of {len(pages)}" in text, f"page {n} lacks its number"
        assert "unsigned" in text
    body = "\n".join(pages)
    assert "What the visitor saw" in body and "CC101" in body


def test_the_pdf_shows_each_screenshot(audit: Path, pdf: Path) -> None:
    shots = json.loads((audit / "manifest.json").read_text("utf-8"))["screenshots"]
    listing = poppler("pdfimages", "-list", str(pdf)).splitlines()[2:]
    sizes = {(int(row.split()[3]), int(row.split()[4])) for row in listing}
    assert {(s["width"], s["height"]) for s in shots} <= sizes  # embedded at full resolution


def test_page_one_renders_as_an_image_a_person_can_read(pdf: Path, tmp_path: Path) -> None:
    poppler("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "p"))
    first = sorted(tmp_path.glob("p-*.png"))[0]
    data = first.read_bytes()
    width, height = png_size(data)
    assert abs(width - 496) <= 2 and abs(height - 702) <= 2  # A4 at 60 dpi
    assert len(data) > 20_000  # text and a screenshot, not a blank page
    ARTIFACTS.mkdir(exist_ok=True)
    for page in sorted(tmp_path.glob("p-*.png")):
        shutil.copy(page, ARTIFACTS / f"audit-report-pdf-{page.name}")


def test_a_signed_audit_shows_the_key_fingerprint_on_every_page(
    audit: Path, tmp_path: Path
) -> None:
    signing = pytest.importorskip("claimcheck.crawl.signing", reason="signing is not available")
    signed = tmp_path / "signed"
    shutil.copytree(audit, signed)
    _, _, fingerprint = signing.keygen(str(tmp_path / "key"))
    signing.sign_audit(str(signed), signing.load_private_key(str(tmp_path / "key")))
    out = tmp_path / "signed.pdf"
    result = claimcheck("report", str(signed), "--format", "pdf", "-o", str(out), "--lang", "es")
    assert result.returncode == 0, result.stderr
    pages = _pages(out)
    for n, text in enumerate(pages, 1):
        assert fingerprint in " ".join(text.split()), f"page {n} lacks the key fingerprint"
        assert f"Página {n} de {len(pages)}" in text


def test_pdf_without_a_browser_is_one_line_and_exit_2(audit: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    env = {"CLAIMCHECK_CHROMIUM": str(tmp_path / "no-such-chromium")}
    result = claimcheck("report", str(audit), "--format", "pdf", "-o", str(out), env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Chromium" in result.stderr and not out.exists()
