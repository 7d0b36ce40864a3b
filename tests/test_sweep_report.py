"""`claimcheck sweep report DIR` (issue 14, part 4) on a real sweep of local sites.

Three small sites on 127.0.0.1 are crawled with the real `claimcheck crawl` in
subprocesses (Twisted's reactor cannot restart): a clean one, one making overclaims (one
of them quoting a `<script>` tag as text), and one whose report.json is edited after the
crawl. The overclaim site is crawled twice, changed in between, into one history database,
so the report has scores over time; its second crawl takes screenshots when Chromium is
installed. The sweep index is written with `write_sweep`, plus a site whose crawl failed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.helpers import ROOT, open_watched

from claimcheck.cli import main
from claimcheck.crawl.archive import file_sha256
from claimcheck.crawl.scope import site_key
from claimcheck.crawl.sweep import site_dir_name, write_sweep
from claimcheck.sweepexport import SITE_COLUMNS
from claimcheck.sweepreport import build_sweep_report

ARTIFACTS = ROOT / "test-artifacts"
FAST = ["--delay", "0", "--timeout", "2", "--retries", "0", "--depth", "1", "--max-pages", "4"]
HOSTILE = "<script>window.__pwned = 1</script>"

CLEAN = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Opening hours</title>
</head><body><h1>Opening hours</h1><p>The library opens at nine in the morning.</p>
<p>Books may be borrowed for three weeks.</p></body></html>"""

OVERCLAIM = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Stem cell clinic</title></head><body><h1>Stem cells for diabetes</h1>
<p>Our stem cell therapy cures type 2 diabetes {hostile} for good.</p>
<p>{extra}</p><p>Book your treatment today: $9,500 per session.</p>
<p><a href="/more">More</a></p></body></html>"""

MORE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>More</title></head>
<body><p>Our stem cell treatment reverses diabetes and you can stop insulin.</p></body></html>"""


class _Site(ThreadingHTTPServer):
    """One local site serving `pages` (path -> HTML) and 404 for the rest."""

    def __init__(self, pages: dict[str, str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pages = pages
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        page = self.server.pages.get(self.path.split("?")[0])  # type: ignore[attr-defined]
        body = (page or "not found").encode()
        self.send_response(200 if page else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8" if page else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _overclaim(extra: str) -> dict[str, str]:
    escaped = HOSTILE.replace("<", "&lt;").replace(">", "&gt;")
    return {"/": OVERCLAIM.format(hostile=escaped, extra=extra), "/more": MORE}


def _crawl(url: str, out: Path, db: Path, *extra: str) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "claimcheck", "crawl", url + "/", "--out", str(out)]
    return subprocess.Popen(
        [*args, *FAST, "--db", str(db), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, out + err


def _forge(audit: Path) -> None:
    """A careful forgery: a clean-looking report.json and a manifest whose report_sha256
    matches it, so the audit verifies on its own; the sweep index's manifest_sha256,
    taken at crawl time, no longer matches."""
    report = json.loads((audit / "report.json").read_text("utf-8"))
    report["site"]["score"], report["site"]["grade"] = 100, "A"
    for page in report["files"]:
        page["findings"] = []
    (audit / "report.json").write_text(json.dumps(report), "utf-8")
    manifest = json.loads((audit / "manifest.json").read_text("utf-8"))
    manifest["report_sha256"] = file_sha256(str(audit / "report.json"))
    (audit / "manifest.json").write_text(json.dumps(manifest), "utf-8")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Iterator[dict]:
    """The sweep directory, its history database and the sites' keys."""
    root = tmp_path_factory.mktemp("sweep")
    sweep_dir, db = root / "sweep", root / "history.sqlite"
    clean, bad, tampered, forged = (_Site(p) for p in ({"/": CLEAN}, *[_overclaim("")] * 3))
    try:
        sites = {"clean": clean.base, "bad": bad.base, "tampered": tampered.base}
        sites["forged"] = forged.base
        dirs = {k: sweep_dir / "sites" / site_dir_name(v) for k, v in sites.items()}
        bad.pages = _overclaim("Results are guaranteed and there are no side effects.")
        _wait(_crawl(bad.base, root / "bad-earlier", db))
        bad.pages = _overclaim("")  # a month later: the guarantee is gone
        _wait(
            _crawl(bad.base, dirs["bad"], db, "--screenshots"),
            _crawl(clean.base, dirs["clean"], db),
            _crawl(tampered.base, dirs["tampered"], db),
            _crawl(forged.base, dirs["forged"], db, "--no-history"),
        )
    finally:
        for server in (clean, bad, tampered, forged):
            server.shutdown()
            server.server_close()
    report = dirs["tampered"] / "report.json"
    data = json.loads(report.read_text("utf-8"))
    data["site"]["score"], data["site"]["grade"] = 100, "A"  # looks clean, is not verified
    report.write_text(json.dumps(data), "utf-8")
    entries = [
        {
            "seed": url + "/",
            "site": site_key(url + "/"),
            "dir": f"sites/{dirs[k].name}",
            "status": "incomplete" if k == "clean" else "done",  # ranked, and marked
            "pages": 1,
            "errors": 0,
            "manifest_sha256": file_sha256(str(dirs[k] / "manifest.json")),
        }
        for k, url in sites.items()
    ]
    _forge(dirs["forged"])  # report and manifest rewritten to agree: only the index knows
    entries.append(
        {
            "seed": "http://failed.invalid/",
            "site": "failed.invalid",
            "dir": "sites/failed.invalid",
            "status": "failed",
            "reason": "DNS lookup failed <img src=x onerror=alert(1)>",
        }
    )
    index = {"kind": "claimcheck-sweep", "sweep_version": "1.0", "sites": entries}
    index["started"], index["ended"] = "2026-12-05T10:00:00+00:00", "2026-12-05T10:05:00+00:00"
    write_sweep(str(sweep_dir), index)
    keys = {k: site_key(url + "/") for k, url in sites.items()}
    yield {"dir": sweep_dir, "db": db, "keys": keys, "root": root}


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_sites_are_ranked_worst_first_and_a_tampered_report_is_not_ranked(sweep: dict) -> None:
    keys = sweep["keys"]
    report = build_sweep_report(str(sweep["dir"]), db_path=str(sweep["db"]))
    assert [s.site for s in report.ranked] == [keys["bad"], keys["clean"]]
    bad, clean = report.ranked
    assert bad.score is not None and clean.score is not None and bad.score < clean.score
    assert bad.grade == "F" and bad.by_severity["error"] >= 2
    assert bad.by_code[bad.top_rule] == max(bad.by_code.values())
    assert [s.rank for s in report.ranked] == [1, 2]
    left_out = {s.site: s for s in report.sites if s.rank is None}
    assert set(left_out) == {keys["tampered"], keys["forged"], "failed.invalid"}
    assert not left_out[keys["forged"]].verified
    assert "not the expected" in left_out[keys["forged"]].problem
    assert not left_out[keys["tampered"]].verified
    assert "report.json" in left_out[keys["tampered"]].problem
    assert left_out[keys["tampered"]].score is None  # its forged 100 is never read
    assert "DNS lookup failed" in left_out["failed.invalid"].problem
    # counts cover verified sites only: the tampered copy of the same claims adds nothing
    assert sum(n for _, _, n in report.by_code) == sum(
        sum(s.by_severity.values()) for s in report.ranked
    )
    assert (
        dict(report.by_jurisdiction).get("us", 0) + dict(report.by_jurisdiction).get("none", 0) > 0
    )
    worst = report.worst[0]
    assert worst.severity == "error" and worst.site == keys["bad"]
    assert worst.record_id.startswith("<urn:uuid:") and worst.url.startswith("http://127.0.0.1")
    assert len(bad.history) == 2 and bad.history[0].score < bad.history[1].score


def test_csv_has_one_row_per_site_in_rank_order(sweep: dict, tmp_path: Path) -> None:
    out = tmp_path / "sweep.csv"
    code, _, err = _run(
        "sweep", "report", str(sweep["dir"]), "-o", str(out), "--db", str(sweep["db"])
    )
    assert code == 0, err
    assert "2 site audit(s) failed verification" in err and sweep["keys"]["tampered"] in err
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert tuple(rows[0]) == SITE_COLUMNS
    keys = sweep["keys"]
    assert [r["site"] for r in rows] == [
        keys["bad"],
        keys["clean"],
        keys["tampered"],
        keys["forged"],
        "failed.invalid",
    ]
    assert [r["rank"] for r in rows] == ["1", "2", "", "", ""]
    assert rows[2]["verified"] == "false" and rows[2]["score"] == ""
    assert [r["status"] for r in rows[:3]] == ["done", "incomplete", "done"]
    assert int(rows[0]["findings_error"]) >= 2 and rows[0]["grade"] == "F"
    assert int(rows[1]["score"]) > int(rows[0]["score"])


def test_findings_csv_and_json(sweep: dict) -> None:
    code, text, _ = _run("sweep", "report", str(sweep["dir"]), "--format", "findings-csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(text)))
    sites = {r["site"] for r in rows}
    assert sweep["keys"]["bad"] in sites and sites <= {sweep["keys"]["bad"], sweep["keys"]["clean"]}
    assert all(r["record_id"].startswith("<urn:uuid:") for r in rows)
    assert any(HOSTILE in r["sentence"] for r in rows)  # CSV keeps the text as written
    code, text, _ = _run("sweep", "report", str(sweep["dir"]), "--format", "json", "--top", "3")
    data = json.loads(text)
    assert list(data)[:4] == ["kind", "version", "directory", "started"]
    assert [s["rank"] for s in data["sites"]] == [1, 2, None, None, None]
    assert data["summary"] | {"by_severity": None} == {
        "sites": 5,
        "ranked": 2,
        "left_out": 3,
        "not_verified": 2,
        "no_audit": 1,
        "by_severity": None,
    }
    assert len(data["worst_findings"]) == 3
    assert list(data["sites"][0])[:4] == ["site", "seed", "dir", "status"]


def test_html_is_self_contained_escaped_and_charted(sweep: dict) -> None:
    out = sweep["root"] / "sweep.html"
    code, _, err = _run(
        "sweep", "report", str(sweep["dir"]), "-o", str(out), "--db", str(sweep["db"])
    )
    assert code == 0, err
    html = out.read_text("utf-8")
    assert '<html lang="en">' in html and "Content-Security-Policy" in html
    assert html.count("<svg") == 3  # distribution, rules, scores over time
    assert "<polyline" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "Sites ranked by score (worst first)" in html
    assert html.index(sweep["keys"]["bad"]) < html.index(sweep["keys"]["clean"])
    assert "not verified" in html and "<urn:uuid:" not in html and "&lt;urn:uuid:" in html
    shots = re.findall(r'href="([^"]+\.png)"', html)
    manifest = json.loads(
        (
            sweep["dir"]
            / "sites"
            / site_dir_name("http://" + sweep["keys"]["bad"])
            / "manifest.json"
        ).read_text("utf-8")
    )
    if not manifest.get("screenshots"):
        pytest.skip("Chromium is not installed: no screenshot to link (the rest passed)")
    assert shots and all(shot.startswith("sweep/sites/") for shot in shots)
    assert all((out.parent / shot).is_file() for shot in shots)


def test_spanish_report(sweep: dict) -> None:
    code, html, _ = _run("sweep", "report", str(sweep["dir"]), "--format", "html", "--lang", "es")
    assert code == 0
    assert '<html lang="es">' in html
    assert "Informe del barrido" in html and "Sitios ordenados por puntuación" in html
    assert "Sites ranked" not in html
    code, text, _ = _run("sweep", "report", str(sweep["dir"]), "--lang", "es")
    assert code == 0 and "sin verificar" in text and "sin auditoría" in text
    assert "fuera de la clasificación" in text


def test_text_summary_by_default(sweep: dict) -> None:
    code, text, _ = _run("sweep", "report", str(sweep["dir"]), "--no-history")
    assert code == 0
    lines = text.splitlines()
    assert lines[0] == "5 site(s) in the sweep: 2 ranked, 3 left out of the ranking."
    assert sweep["keys"]["bad"] in lines[2] and sweep["keys"]["clean"] in lines[3]
    assert lines[3].endswith("(crawl incomplete)") and "incomplete" not in lines[2]


@pytest.mark.parametrize(
    "index",
    [
        None,
        "",
        '{"kind": "claimcheck-sweep"}',
        '{"kind": "claimcheck-sweep", "sweep_version": "1", "sites": []}',
    ],
    ids=["empty-dir", "empty-file", "no-sites-key", "no-sites"],
)
def test_not_a_sweep_is_one_line_and_exit_2(tmp_path: Path, index: str | None) -> None:
    if index is not None:
        (tmp_path / "sweep.json").write_text(index, "utf-8")
    code, out, err = _run("sweep", "report", str(tmp_path))
    assert code == 2 and not out
    assert len(err.strip().splitlines()) == 1 and err.startswith("claimcheck: error:")
    code, _, err = _run("sweep", "report", str(tmp_path / "missing"))
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_html_renders_in_headless_chromium_without_any_request(sweep: dict) -> None:
    """Optional: the report in a real browser requests nothing but itself, runs no script
    and draws its charts."""
    from claimcheck.crawl.browser import BrowserError, launch_chromium, sync_playwright_api

    out = sweep["root"] / "browser.html"
    code, _, err = _run("sweep", "report", str(sweep["dir"]), "-o", str(out), "--no-history")
    assert code == 0, err
    try:
        api = sync_playwright_api("the sweep report browser test")
        with api.sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                page, requests, errors = open_watched(browser, out.as_uri())
                boxes = [page.locator("svg.chart").nth(n).bounding_box() for n in range(2)]
                assert all(b and b["width"] > 300 and b["height"] > 50 for b in boxes)
                assert page.locator("[data-testid=ranking] tbody tr").count() == 2
                assert page.get_by_text("window.__pwned = 1").count() >= 1
                assert page.evaluate("typeof window.__pwned") == "undefined"
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "sweep-report.png"), full_page=True)
            finally:
                browser.close()
    except BrowserError as exc:
        pytest.skip(f"{exc} (.ci/run installs Debian's chromium as root)")
    assert errors == []
    assert requests == [out.as_uri()]


def test_a_file_or_an_audit_is_not_a_sweep(sweep: dict) -> None:
    audit = next((sweep["dir"] / "sites").iterdir())
    for path in (audit, audit / "manifest.json"):
        code, out, err = _run("sweep", "report", str(path))
        assert code == 2 and not out and len(err.strip().splitlines()) == 1, err


def test_an_unreadable_history_loses_only_the_chart(sweep: dict, tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    db.write_bytes(b"not a database" * 100)
    code, html, err = _run(
        "sweep", "report", str(sweep["dir"]), "--format", "html", "--db", str(db)
    )
    assert code == 0 and "warning: history not read" in err
    assert html.count("<svg") == 2 and "not a usable history database" in html
