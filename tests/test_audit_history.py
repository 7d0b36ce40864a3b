"""Audit history (SQLite), `claimcheck diff` between two audits of a changed test site,
and `claimcheck report` as HTML opened in headless Chromium (issue 4).

Two crawls of one local test site run in subprocesses (Twisted's reactor cannot restart):
the first with the site as it is, the second after `site.version = 2` (a reworded cure
claim, a removed guarantee, a new claim of absolute safety, a page text with a <script>).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from html import escape
from pathlib import Path

import jsonschema
import pytest
from tests.helpers import ROOT, open_watched, run_python
from tests.site_server import SiteServer

from claimcheck.diff import Item, diff_audits, match
from claimcheck.fingerprint import normalise_sentence
from claimcheck.history import History, host_key, migrations

FAST = ["--delay", "0", "--timeout", "0.5", "--retries", "0", "--max-bytes", "1000000"]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"


def claimcheck(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return run_python("-m", "claimcheck", *args, timeout=timeout)


@pytest.fixture(scope="module")
def audits(tmp_path_factory) -> dict:
    """Two audits of the same site, before and after it changed, recorded in one db."""
    root = tmp_path_factory.mktemp("audits")
    db = root / "history.sqlite"
    out: dict = {"db": db}
    with SiteServer() as site:
        out["site"] = site.base
        for version in (1, 2):
            site.version = version
            target = root / f"v{version}"
            args = ["crawl", site.base + "/", "--out", str(target), "--depth", "1"]
            result = claimcheck(*args, "--max-pages", "12", *FAST, "--db", str(db))
            assert result.returncode == 0, result.stderr
            assert f"recorded in {db}" in result.stdout
            out[version] = target
    return out


def _item(code: str, sentence: str, url: str = "u", severity: str = "error") -> Item:
    return Item(url, code, severity, sentence, "", normalise_sentence(sentence))


def test_migrations_apply_once_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    with History(path) as first:
        assert first.applied == [v for v, _, _ in migrations()] and first.version >= 1
        assert first.journal_mode == "wal"
    with History(path) as second:
        assert second.applied == []
        assert second.version == len(migrations())
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    versions = conn.execute("SELECT version FROM schema_version").fetchall()
    assert versions == [(v,) for v, _, _ in migrations()]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"audits", "pages", "findings", "schema_version"} <= tables


def test_default_db_path_follows_claimcheck_home(tmp_path: Path, monkeypatch) -> None:
    from claimcheck.history import default_db_path

    monkeypatch.setenv("CLAIMCHECK_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "history.sqlite"
    monkeypatch.delenv("CLAIMCHECK_HOME")
    assert default_db_path().parts[-4:] == (".local", "share", "claimcheck", "history.sqlite")


def test_history_records_and_lists_audits_by_date(audits: dict) -> None:
    with History(audits["db"]) as db:
        rows = db.audits(audits["site"])
        assert [Path(r.audit_dir) for r in rows] == [audits[1], audits[2]]
        assert rows[0].started <= rows[1].started
        assert all(r.site_score is not None and r.pages > 0 for r in rows)
        pages = db.conn.execute("SELECT COUNT(*) FROM pages WHERE audit_id = ?", (rows[0].id,))
        assert pages.fetchone()[0] == rows[0].pages
        codes = {
            r[0]
            for r in db.conn.execute(
                "SELECT code FROM findings WHERE audit_id = ? AND NOT suppressed", (rows[1].id,)
            )
        }
        assert "CC105" in codes
        db.record_audit(audits[2])  # recording again replaces, never duplicates
        assert len(db.audits(audits["site"])) == 2
    assert host_key(audits["site"] + "/x") == host_key(audits["site"].split("://")[1])
    result = claimcheck("history", audits["site"], "--db", str(audits["db"]))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("2 audit(s) of 127.0.0.1:")
    assert rows[0].id in result.stdout and rows[1].id in result.stdout
    assert result.stdout.index(rows[0].id) < result.stdout.index(rows[1].id)
    data = json.loads(
        claimcheck("history", audits["site"], "--db", str(audits["db"]), "--format", "json").stdout
    )
    assert [a["id"] for a in data["audits"]] == [rows[0].id, rows[1].id]
    assert data["audits"][0]["site_score"] == rows[0].site_score


def test_diff_classifies_new_fixed_and_persisting(audits: dict) -> None:
    base = audits["site"]
    result = diff_audits(str(audits[1]), str(audits[2]))
    # Only pages linked from the home page: the FAQ page, listed only in the sitemap, and the
    # deep chain pages may or may not be reached within the page limit in either crawl, and
    # bring (or take away) their own findings when they are.
    pages = ("/", "/tratamientos")
    linked = [i for i in result.new if i.url.removeprefix(base) in pages]
    new = {(i.url.removeprefix(base), i.code) for i in linked}
    fixed = {
        (i.url.removeprefix(base), i.code)
        for i in result.fixed
        if i.url.removeprefix(base) in pages
    }
    # "Sin efectos secundarios: elimina la diabetes en 30 días." is new in v2.
    assert new == {("/tratamientos", "CC105"), ("/tratamientos", "CC102")}
    assert fixed == {("/", "CC104")}
    reworded = [p for p in result.persisting if p.similarity < 1]
    assert [(p.after.url.removeprefix(base), p.after.code) for p in reworded] == [("/", "CC101")]
    assert "con células madre" in reworded[0].before.sentence
    assert "de células madre" in reworded[0].after.sentence
    assert sum(i.severity == "error" for i in linked) == 2  # both new claims are errors
    assert result.new_errors >= 2
    cli = claimcheck("diff", str(audits[1]), str(audits[2]))
    assert cli.returncode == 1, cli.stderr
    assert f"fixed ({len(result.fixed)}):" in cli.stdout and "reworded" in cli.stdout
    (ARTIFACTS).mkdir(exist_ok=True)
    (ARTIFACTS / "audit-diff.txt").write_text(cli.stdout, encoding="utf-8")
    data = json.loads(claimcheck("diff", str(audits[1]), str(audits[2]), "--format", "json").stdout)
    assert data["summary"]["new_errors"] == result.new_errors and data["summary"]["fixed"] == len(
        result.fixed
    )
    same = claimcheck("diff", str(audits[1]), str(audits[1]))
    assert same.returncode == 0 and "new (0):" in same.stdout


def test_diff_bad_input_exits_2(audits: dict, tmp_path: Path) -> None:
    result = claimcheck("diff", str(tmp_path), str(audits[2]))
    assert result.returncode == 2 and "no report.json" in result.stderr
    (tmp_path / "report.json").write_text("{not json", encoding="utf-8")
    assert claimcheck("diff", str(tmp_path), str(audits[2])).returncode == 2
    assert claimcheck("diff", str(tmp_path / "nope"), str(audits[2])).returncode == 2


def test_match_is_robust_to_small_edits() -> None:
    a = [_item("CC101", "Cura la diabetes tipo 2."), _item("CC104", "Resultados garantizados.")]
    b = [_item("CC101", "¡Cura  la diabetes tipo II!"), _item("CC104", "Te damos garantía total.")]
    new, fixed, persisting = match(a, b)
    assert [p.after.code for p in persisting] == ["CC101"]
    assert [i.code for i in new] == ["CC104"] and [i.code for i in fixed] == ["CC104"]
    same_url_only = match(
        [_item("CC101", "Cura la diabetes", "a")], [_item("CC101", "Cura la diabetes", "b")]
    )
    assert len(same_url_only[0]) == 1 and len(same_url_only[1]) == 1


def test_report_json_names_archived_copies(audits: dict, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = claimcheck("report", str(audits[2]), "--format", "json", "-o", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text("utf-8"))
    manifest = json.loads((audits[2] / "manifest.json").read_text("utf-8"))
    assert data["audit"]["audit_id"] == manifest["audit_id"]
    records = {p["url"]: p["record_id"] for p in data["audit"]["pages"]}
    assert records == {p["url"]: p["warc"]["record_id"] for p in manifest["pages"]}
    schema = ROOT / "src/claimcheck/schemas/report.schema.json"
    jsonschema.validate(data, json.loads(schema.read_text("utf-8")))
    crawled = json.loads((audits[2] / "report.json").read_text("utf-8"))
    assert data["files"] == crawled["files"] and data["site"] == crawled["site"]
    assert claimcheck("report", str(tmp_path)).returncode == 2


def test_report_html_in_headless_chromium(audits: dict, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if executable is None:
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it as root)")
    from tests.test_web_browser import ARGS

    out = tmp_path / "report.html"
    result = claimcheck("report", str(audits[2]), "--format", "html", "-o", str(out))
    assert result.returncode == 0, result.stderr
    html = out.read_text("utf-8")
    assert "<script" not in html.lower().replace("&lt;script", "")
    assert "&lt;script&gt;window.__claimcheckPwned" in html
    manifest = json.loads((audits[2] / "manifest.json").read_text("utf-8"))
    home = next(p for p in manifest["pages"] if p["url"] == audits["site"] + "/")
    assert escape(home["warc"]["record_id"]) in html and home["sha256"] in html

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        try:
            page, requests, errors = open_watched(browser, out.as_uri())
            assert page.locator("[data-testid=site-score]").inner_text().endswith("/100")
            assert page.locator("table.pages tbody tr").count() >= 3
            assert page.locator("li.finding[data-code=CC105]").count() >= 1
            assert page.locator("ol.findings[data-severity=error]").count() >= 1
            assert page.locator("mark.sev-error").count() >= 1
            assert page.locator("[data-testid=archive]").count() >= 3
            assert page.get_by_text("window.__claimcheckPwned = 1").count() >= 1
            assert page.evaluate("typeof window.__claimcheckPwned") == "undefined"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "audit-report.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert requests == [out.as_uri()]  # self-contained: nothing else is requested
