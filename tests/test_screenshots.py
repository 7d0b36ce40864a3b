"""`crawl --screenshots` against the local test site, rendered in a real headless Chromium,
and the screenshots in `report --format html` (issue 13, part 4).

The crawl runs in a subprocess (Twisted's reactor cannot restart in one process). Only
127.0.0.1 is contacted; the screenshots are rendered from the WARC, not from the site.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from functools import cache
from pathlib import Path

import pytest
from tests.helpers import run_claimcheck as claimcheck
from tests.site_server import SiteServer

from claimcheck.crawl.archive import WarcArchive, ref_to_dict
from claimcheck.crawl.screenshots import png_size, screenshot_audit, with_screenshots

FAST = ["--delay", "0", "--timeout", "0.5", "--retries", "0", "--max-bytes", "1000000"]
CURE = "Nuestro tratamiento con células madre cura la diabetes tipo 2."


@cache
def browser_missing() -> str | None:
    """Why headless Chromium cannot run here, or None when it can."""
    from claimcheck.crawl.browser import BrowserError, launch_chromium, sync_playwright_api

    try:
        sync_api = sync_playwright_api("the screenshot tests")
        with sync_api.sync_playwright() as playwright:
            launch_chromium(playwright).close()
    except BrowserError as exc:
        return f"{exc} (.ci/run installs Debian's chromium as root)"
    return None


def needs_browser() -> None:
    reason = browser_missing()
    if reason:
        pytest.skip(reason)


def crawl(site: SiteServer, out: Path, *extra: str, env: dict[str, str] | None = None):
    args = ["crawl", site.base + "/", "--out", str(out), "--max-pages", "6", "--depth", "1"]
    return claimcheck(*args, *FAST, "--no-history", *extra, env=env)


@pytest.fixture(scope="module")
def site():
    with SiteServer() as server:
        yield server


@pytest.fixture(scope="module")
def audit(site: SiteServer, tmp_path_factory) -> Path:
    needs_browser()
    out = tmp_path_factory.mktemp("shots") / "clinic"
    result = crawl(site, out, "--screenshots")
    assert result.returncode == 0, result.stderr
    assert "screenshots: " in result.stderr
    return out


def _manifest(audit: Path) -> dict:
    return json.loads((audit / "manifest.json").read_text("utf-8"))


def test_every_html_page_has_a_hashed_full_page_png(audit: Path) -> None:
    manifest = _manifest(audit)
    html_pages = [
        p for p in manifest["pages"] if p["parsed"] and p["content_type"].startswith("text/html")
    ]
    shots = {s["url"]: s for s in manifest["screenshots"]}
    assert set(shots) == {p["url"] for p in html_pages} and len(shots) >= 3
    info = manifest["screenshots_info"]
    assert info["skipped"] is None and info["renderer"].startswith("Chromium")
    assert info["javascript"] is False
    for shot in shots.values():
        assert re.fullmatch(r"screenshots/[0-9a-f-]{36}\.png", shot["path"])
        data = (audit / shot["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == shot["sha256"]
        assert png_size(data) == (shot["width"], shot["height"])
        assert shot["width"] >= 1280 and 800 <= shot["height"] <= 12_000
        assert len(data) > 3_000  # a rendered page, not a blank image
        assert shot["blocked"] == 0  # the test site's pages load nothing else
    record_ids = {p["url"]: p["warc"]["record_id"] for p in html_pages}
    assert all(s["record_id"] == record_ids[u] for u, s in shots.items())


def test_flagged_sentences_are_located_on_the_screenshot(site: SiteServer, audit: Path) -> None:
    home = next(s for s in _manifest(audit)["screenshots"] if s["url"] == site.base + "/")
    marks = {m["sentence"]: m["boxes"] for m in home["marks"]}
    assert marks[CURE], "the cure claim was not located on the home page"
    x, y, w, h = marks[CURE][0]
    assert 0 <= x < 200 and 60 < y < 400 and 200 < w < 900 and 10 < h < 40


def test_report_html_embeds_each_screenshot_beside_its_findings(audit: Path, tmp_path) -> None:
    out = tmp_path / "report.html"
    result = claimcheck("report", str(audit), "--format", "html", "-o", str(out))
    assert result.returncode == 0, result.stderr
    html = out.read_text("utf-8")
    shots = _manifest(audit)["screenshots"]
    assert html.count('data-testid="screenshot"') == len(shots)
    assert html.count("data:image/png;base64,") == len(shots)
    assert "img-src data:" in html  # the CSP lets the embedded images, and nothing else, load
    mark = re.search(r'<a class="shot-mark sev-error" href="#(p\d+-f\d+)"', html)
    assert mark, "no flagged sentence is outlined over a screenshot"
    assert f'id="{mark.group(1)}"' in html  # the box links to its finding


def test_report_refuses_to_show_an_altered_screenshot(audit: Path, tmp_path) -> None:
    copy = tmp_path / "audit"
    shutil.copytree(audit, copy)
    shots = _manifest(copy)["screenshots"]
    png = copy / shots[0]["path"]
    data = bytearray(png.read_bytes())
    data[-20] ^= 0xFF
    png.write_bytes(bytes(data))
    (copy / shots[1]["path"]).unlink()
    views = with_screenshots(str(copy), {s["url"]: {"url": s["url"]} for s in shots})
    assert views[shots[0]["url"]]["screenshot"]["note"] == "altered"
    assert "src" not in views[shots[0]["url"]]["screenshot"]
    assert views[shots[1]["url"]]["screenshot"]["note"] == "missing"
    assert views[shots[2]["url"]]["screenshot"]["src"].startswith("data:image/png;base64,")


def test_crawl_without_a_browser_still_runs_and_says_why(site: SiteServer, tmp_path) -> None:
    out = tmp_path / "clinic"
    env = {"CLAIMCHECK_CHROMIUM": str(tmp_path / "no-such-chromium")}
    result = crawl(site, out, "--screenshots", env=env)
    assert result.returncode == 0, result.stderr
    assert "screenshots skipped:" in result.stderr
    manifest = _manifest(out)
    assert manifest["screenshots"] == []
    assert manifest["screenshots_info"]["skipped"]
    assert not (out / "screenshots").exists() or not any((out / "screenshots").iterdir())
    assert len(manifest["pages"]) >= 3  # the audit itself is complete


def _one_page_audit(directory: Path, url: str, body: bytes) -> dict:
    """An audit directory with one archived HTML page (no crawl), and its manifest."""
    archive = WarcArchive(str(directory))
    ctype = [("Content-Type", "text/html; charset=utf-8")]
    _, response = archive.write_exchange(url, "GET", [], 200, ctype, body)
    manifest = {
        "kind": "claimcheck-audit",
        "settings": {"max_bytes": 10_000_000},
        "pages": [
            {
                "url": url,
                "sha256": hashlib.sha256(body).hexdigest(),
                "parsed": True,
                "content_type": ctype[0][1],
                "warc": {"record_id": response.id},
            }
        ],
        "warc": {
            "file": "crawl.warc.gz",
            "sha256": archive.close(),
            "records": [ref_to_dict(r) for r in archive.records],
        },
    }
    (directory / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    return manifest


def test_a_hostile_page_is_capped_and_fetches_nothing(tmp_path: Path) -> None:
    needs_browser()
    url = "http://clinic.invalid/largo"
    body = (
        '<html><head><link rel="stylesheet" href="/s.css"><script>location.href="/x"</script>'
        '</head><body><div style="height: 30000px">Alto.</div><img src="https://tracker.invalid/p.gif">'
        "<p>Las células madre curan la diabetes.</p></body></html>"
    ).encode()
    manifest = _one_page_audit(tmp_path, url, body)
    run = screenshot_audit(str(tmp_path), manifest, {url: ["Las células madre curan la diabetes."]})
    assert run.skipped is None and run.failed == ()
    (shot,) = run.shots
    assert shot.height == 12_000 and shot.truncated and shot.page_height > 30_000
    assert shot.blocked == 2  # the stylesheet and the tracker; the script never ran
    assert shot.marks[0].boxes == ()  # the sentence is below the cut
    assert png_size((tmp_path / shot.path).read_bytes()) == (shot.width, 12_000)


def test_png_size_rejects_what_is_not_a_png() -> None:
    with pytest.raises(ValueError):
        png_size(b"GIF89a" + b"\0" * 30)
    header = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + (1280).to_bytes(4, "big") + (900).to_bytes(4, "big")
    assert png_size(header) == (1280, 900)
