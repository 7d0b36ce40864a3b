"""What the visitor saw: full-page PNGs of an audit's HTML pages, rendered from the archive.

`crawl --screenshots` calls `screenshot_audit` after the crawl, outside Scrapy's reactor.
Each HTML page is opened in headless Chromium (Playwright's sync API) at its own URL, but
every request the browser makes is answered from the WARC: the page's archived bytes and
any other archived response, and nothing else (other requests are blocked and counted).
So a screenshot shows exactly the archived bytes, works offline, and sends no request the
crawl did not make. JavaScript is off: pages render as served, and a hostile script cannot
hang or redirect the browser. Each PNG is capped in height and time.

Where a flagged sentence can be found in the rendered page, its boxes (page pixels) are
stored beside the screenshot as `marks`; the reports draw them over the image, so the
PNG itself stays unmarked evidence.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO

from claimcheck.crawl.archive import (
    audit_path,
    decoded_body,
    max_body_bytes,
    open_regular,
    parse_record,
    parsed_format,
    read_record,
)
from claimcheck.crawl.browser import BrowserError, launch_chromium, sync_playwright_api

SHOTS_DIR = "screenshots"
VIEWPORT = (1280, 800)
MAX_HEIGHT = 12_000
"""Pixels: a taller page is cut at this height (recorded as `truncated`)."""
PAGE_TIMEOUT_S = 20.0
"""Seconds for one page: loading from the archive plus the screenshot."""
MAX_MARK_BOXES = 40
EMBED_MAX_BYTES = 3 * 1024 * 1024
"""A screenshot larger than this is linked by path in the HTML report, not embedded."""
EMBED_TOTAL_BYTES = 40 * 1024 * 1024
_DROPPED_HEADERS = {"content-length", "transfer-encoding", "content-encoding"}

_LOCATE_JS = """
(sentences) => {
  const LIMIT = 2000000;
  const skip = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "TITLE"]);
  const chars = [], nodes = [], offsets = [];
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  walk: for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement && skip.has(node.parentElement.tagName)) continue;
    const text = node.data;
    for (let i = 0; i < text.length; i++) {
      if (chars.length >= LIMIT) break walk;
      if (/\\s/.test(text[i])) continue;
      chars.push(text[i]);
      nodes.push(node);
      offsets.push(i);
    }
  }
  const hay = chars.join("");
  const lower = hay.toLowerCase();
  const sx = window.scrollX, sy = window.scrollY;
  return sentences.map((sentence) => {
    const needle = sentence.normalize("NFC").replace(/\\s+/g, "");
    if (!needle) return [];
    let at = hay.indexOf(needle);
    if (at < 0 && lower.length === hay.length) at = lower.indexOf(needle.toLowerCase());
    if (at < 0) return [];
    const range = document.createRange();
    const end = at + needle.length - 1;
    range.setStart(nodes[at], offsets[at]);
    range.setEnd(nodes[end], offsets[end] + 1);
    return Array.from(range.getClientRects())
      .filter((r) => r.width >= 1 && r.height >= 1)
      .map((r) => [Math.round(r.left + sx), Math.round(r.top + sy),
                   Math.round(r.width), Math.round(r.height)]);
  });
}
"""


@dataclass(frozen=True)
class Mark:
    """Where one flagged sentence was found in the rendered page (boxes in page pixels)."""

    sentence: str
    boxes: tuple[tuple[int, int, int, int], ...]


@dataclass(frozen=True)
class Shot:
    """One stored screenshot, as the manifest lists it."""

    url: str
    path: str
    sha256: str
    width: int
    height: int
    record_id: str
    page_height: int
    truncated: bool
    blocked: int
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class ShotRun:
    """The screenshot step's outcome: the shots, and why some or all were not taken."""

    shots: tuple[Shot, ...]
    renderer: str = ""
    skipped: str | None = None
    failed: tuple[dict[str, str], ...] = ()


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; ValueError when it is not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


class _ArchiveRoutes:
    """Answers the browser's requests from the WARC's response records, read lazily; only a
    record whose bytes still match its manifest SHA-256 is served."""

    def __init__(self, handle: BinaryIO, manifest: Mapping[str, Any]) -> None:
        self.handle = handle
        self.cap = max_body_bytes(dict(manifest))
        self.refs: dict[str, Mapping[str, Any]] = {}
        for ref in manifest["warc"].get("records", []):
            if ref.get("type") == "response":
                self.refs.setdefault(ref["uri"], ref)
        self.blocked = 0

    def response(self, url: str) -> tuple[int, dict[str, str], bytes] | None:
        """(status, headers, body) of the archived response for `url`, if there is one."""
        ref = self.refs.get(url) or self.refs.get(url.split("#", 1)[0])
        if ref is None:
            return None
        data = read_record(self.handle, ref["offset"], ref["length"], self.cap)
        if hashlib.sha256(data).hexdigest() != ref["sha256"]:
            return None
        parsed = parse_record(data, self.cap)
        http = parsed.record.http_headers
        body = decoded_body(parsed.payload, http, self.cap)
        headers = {k: v for k, v in http.headers if k.lower() not in _DROPPED_HEADERS}
        return int(http.get_statuscode() or 200), headers, body

    def handle_route(self, route: Any) -> None:
        """Fulfil a request from the archive; abort (and count) anything else."""
        try:
            found = self.response(route.request.url)
        except Exception:  # a damaged or oversized record is not served; `verify` reports it
            found = None
        if found is None:
            self.blocked += 1
            route.abort("blockedbyclient")
            return
        status, headers, body = found
        route.fulfill(status=status, headers=headers, body=body)


def html_pages(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The manifest's pages that were parsed as HTML (the ones a visitor would see rendered)."""
    return [
        p
        for p in manifest.get("pages", [])
        if p.get("parsed") and parsed_format(p.get("content_type", "")) == "html"
    ]


def _shot_name(page: Mapping[str, Any], n: int) -> str:
    record = str(page.get("warc", {}).get("record_id", ""))
    stem = record.removeprefix("<").removesuffix(">").removeprefix("urn:uuid:")
    safe = "".join(c for c in stem if c.isalnum() or c == "-")
    return f"{SHOTS_DIR}/{safe or n}.png"


def _shoot_page(
    browser: Any,
    routes: _ArchiveRoutes,
    directory: str,
    page: Mapping[str, Any],
    name: str,
    sentences: list[str],
) -> Shot:
    """Render one archived page, store its PNG under `name`, locate `sentences` in it."""
    context = browser.new_context(
        viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]},
        java_script_enabled=False,
        service_workers="block",
        device_scale_factor=1,
    )
    try:
        tab = context.new_page()
        tab.set_default_timeout(PAGE_TIMEOUT_S * 1000)
        tab.route("**/*", routes.handle_route)
        tab.goto(page["url"], wait_until="load")
        width, full = tab.evaluate(
            "[Math.max(document.documentElement.scrollWidth, window.innerWidth),"
            " Math.max(document.documentElement.scrollHeight, window.innerHeight)]"
        )
        width, height = min(int(width), VIEWPORT[0] * 2), min(int(full), MAX_HEIGHT)
        clip = {"x": 0, "y": 0, "width": width, "height": height}
        data = tab.screenshot(full_page=True, clip=clip, animations="disabled")
        boxes = _locate(tab, sentences)
    finally:
        context.close()
    path = os.path.join(directory, name)
    with open(path, "wb") as handle:
        handle.write(data)
    got_w, got_h = png_size(data)
    return Shot(
        url=page["url"],
        path=name,
        sha256=hashlib.sha256(data).hexdigest(),
        width=got_w,
        height=got_h,
        record_id=str(page.get("warc", {}).get("record_id", "")),
        page_height=int(full),
        truncated=int(full) > height,
        blocked=routes.blocked,
        marks=_marks(sentences, boxes, got_h),
    )


def _locate(tab: Any, sentences: list[str]) -> list[list[list[int]]]:
    """The boxes of each sentence in the rendered page (the first 2 million visible
    characters are searched); none when the search fails, so the screenshot is kept."""
    if not sentences:
        return []
    try:
        return tab.evaluate(_LOCATE_JS, sentences)
    except Exception:  # a renderer out of memory or a page torn down: no marks, same PNG
        return []


def _marks(sentences: list[str], boxes: list[list[list[int]]], height: int) -> tuple[Mark, ...]:
    """Each sentence with its boxes that fall inside the stored image (capped in number)."""
    out = []
    for sentence, found in zip(sentences, boxes, strict=False):
        inside = tuple(tuple(b) for b in found if b[1] < height)[:MAX_MARK_BOXES]
        out.append(Mark(sentence=sentence, boxes=inside))  # type: ignore[arg-type]
    return tuple(out)


def _shoot_all(
    browser: Any,
    directory: str,
    manifest: Mapping[str, Any],
    flagged: Mapping[str, list[str]],
    progress: Callable[[str], None],
) -> tuple[list[Shot], list[dict[str, str]]]:
    """Screenshot each HTML page in turn; a page that fails is recorded and skipped."""
    pages = html_pages(manifest)
    shots: list[Shot] = []
    failed: list[dict[str, str]] = []
    os.makedirs(os.path.join(directory, SHOTS_DIR), exist_ok=True)
    warc = audit_path(directory, manifest["warc"]["file"], "warc.file")
    with open_regular(warc) as handle:
        for n, page in enumerate(pages, 1):
            routes = _ArchiveRoutes(handle, manifest)
            sentences = flagged.get(page["url"], [])
            try:
                shot = _shoot_page(browser, routes, directory, page, _shot_name(page, n), sentences)
            except Exception as exc:  # one hostile page never loses the others
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                failed.append({"url": page["url"], "error": first[:200]})
                continue
            shots.append(shot)
            progress(f"screenshot {n}/{len(pages)}: {page['url']}")
    return shots, failed


def _run(
    directory: str,
    manifest: Mapping[str, Any],
    flagged: Mapping[str, list[str]],
    progress: Callable[[str], None],
) -> ShotRun:
    """The screenshot step proper (run in its own thread: no event loop of Scrapy's)."""
    try:
        sync_api = sync_playwright_api("--screenshots")
        with sync_api.sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                shots, failed = _shoot_all(browser, directory, manifest, flagged, progress)
                renderer = f"Chromium {browser.version}"
            finally:
                browser.close()
    except BrowserError as exc:
        return ShotRun(shots=(), skipped=str(exc))
    return ShotRun(shots=tuple(shots), renderer=renderer, failed=tuple(failed))


def screenshot_audit(
    directory: str,
    manifest: Mapping[str, Any],
    flagged: Mapping[str, list[str]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> ShotRun:
    """Screenshot every archived HTML page of the audit in `directory`; never raises for a
    missing browser or a page that fails (the run says what was skipped and why).

    `flagged` maps a page URL to the sentences to locate on its screenshot.
    """
    result: list[ShotRun] = []
    worker = threading.Thread(
        target=lambda: result.append(_run(directory, manifest, flagged or {}, progress or _quiet)),
        name="claimcheck-screenshots",
    )
    worker.start()
    worker.join()
    if not result:
        return ShotRun(shots=(), skipped="the screenshot step stopped unexpectedly")
    return result[0]


def _quiet(_: str) -> None:
    return None


def manifest_fields(run: ShotRun) -> dict[str, Any]:
    """The manifest's `screenshots` list ({url, path, sha256, width, height, …} each) and
    `screenshots_info` (renderer, how pages were rendered, what was skipped and why)."""
    shots = []
    for shot in run.shots:
        entry = asdict(shot)
        entry["marks"] = [
            {"sentence": m.sentence, "boxes": [list(b) for b in m.boxes]} for m in shot.marks
        ]
        shots.append(entry)
    info = {
        "renderer": run.renderer or None,
        "source": "archived responses from the WARC; every other request blocked",
        "javascript": False,
        "viewport": list(VIEWPORT),
        "max_height": MAX_HEIGHT,
        "timeout_s": PAGE_TIMEOUT_S,
        "skipped": run.skipped,
        "failed": list(run.failed),
    }
    return {"screenshots": shots, "screenshots_info": info}


def flagged_sentences(report: Any) -> dict[str, list[str]]:
    """Page URL -> the distinct sentences of its active sentence-level findings."""
    out: dict[str, list[str]] = {}
    for page in report.files:
        seen: dict[str, None] = {}
        for f in page.active_findings:
            if f.scope != "page" and f.sentence:
                seen.setdefault(f.sentence, None)
        if seen:
            out[page.path] = list(seen)
    return out


def warn(message: str) -> None:
    """One line on stderr, the way the crawl reports its other warnings."""
    print(f"claimcheck: warning: {message}", file=sys.stderr)


def with_screenshots(
    directory: str, pages: Mapping[str, Mapping[str, Any]]
) -> dict[str, Mapping[str, Any]]:
    """The report's per-URL archive entries, each with a `screenshot` when the manifest lists
    one: a data: URI with the image size and marks, or a note saying why it is not embedded
    (missing, altered since the crawl, too large). Embedded images share a total budget."""
    from claimcheck.crawl.archive import load_manifest

    out: dict[str, Mapping[str, Any]] = dict(pages)
    total = 0
    for shot in load_manifest(directory).get("screenshots") or []:
        if not isinstance(shot.get("url"), str) or shot["url"] not in out:
            continue
        view = _shot_view(directory, shot, EMBED_TOTAL_BYTES - total)
        total += len(view.get("src", ""))
        out[shot["url"]] = {**out[shot["url"]], "screenshot": view}
    return out


def _shot_view(directory: str, shot: Mapping[str, Any], budget: int) -> dict[str, Any]:
    """The report's view of one screenshot (see `with_screenshots`); its size comes from the
    PNG itself and only well-formed marks are kept, so a forged manifest cannot break the
    report."""
    view: dict[str, Any] = {
        "path": str(shot["path"]),
        "sha256": str(shot["sha256"]),
        "truncated": shot.get("truncated") is True,
        "marks": _clean_marks(shot.get("marks")),
        "note": None,
    }
    path = audit_path(directory, shot["path"], "screenshot")
    if not os.path.isfile(path):
        return {**view, "note": "missing"}
    size = os.path.getsize(path)
    if size > min(EMBED_MAX_BYTES, budget):
        return {**view, "note": "too_large", "bytes": size}
    with open_regular(path) as handle:
        data = handle.read(EMBED_MAX_BYTES + 1)
    if hashlib.sha256(data).hexdigest() != view["sha256"]:
        return {**view, "note": "altered"}
    try:
        width, height = png_size(data)
    except ValueError:
        return {**view, "note": "unreadable"}
    src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return {**view, "width": width, "height": height, "src": src}


def _clean_marks(marks: Any) -> list[dict[str, Any]]:
    """The manifest's marks that have a sentence and boxes of four numbers each."""
    out = []
    for mark in marks if isinstance(marks, list) else []:
        if not isinstance(mark, dict) or not isinstance(mark.get("sentence"), str):
            continue
        boxes = [
            b
            for b in mark.get("boxes") or []
            if isinstance(b, list)
            and len(b) == 4
            and all(isinstance(n, int | float) and not isinstance(n, bool) for n in b)
        ]
        out.append({"sentence": mark["sentence"], "boxes": boxes[:MAX_MARK_BOXES]})
    return out


def screenshot_step(directory: str, manifest: Mapping[str, Any], report: Any) -> dict[str, Any]:
    """`crawl --screenshots`: screenshot the audit's HTML pages, say on stderr what was taken
    or skipped and why, and return the manifest fields (see `manifest_fields`)."""
    run = screenshot_audit(directory, manifest, flagged_sentences(report))
    if run.skipped:
        warn(f"screenshots skipped: {run.skipped}")
    else:
        located = sum(bool(m.boxes) for s in run.shots for m in s.marks)
        marks = sum(len(s.marks) for s in run.shots)
        print(
            f"screenshots: {len(run.shots)} of {len(html_pages(manifest))} page(s) "
            f"({run.renderer}, from the archive); {located} of {marks} flagged sentence(s) "
            "located on them",
            file=sys.stderr,
        )
    for failure in run.failed:
        warn(f"screenshot failed: {failure['url']}: {failure['error']}")
    return manifest_fields(run)
