"""`claimcheck crawl --sites FILE` / several URLs: a sweep of many local sites in one run,
and `verify`, `check`, `report`, `diff` and `history` on the sweep directory.

Three copies of the test clinic (tests/site_server.py) listen on 127.0.0.1 on their own
ports, and one port has nothing listening. Crawls run in a subprocess (Twisted's reactor
cannot restart inside pytest) with politeness off and small limits, as in test_crawl.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from tests.helpers import ROOT, run_python
from tests.site_server import SiteServer

from claimcheck.crawl.scope import site_key
from claimcheck.crawl.verify import verify_audit

SCHEMA = Path(__file__).resolve().parents[1] / "src/claimcheck/schemas/report.schema.json"
MAX_PAGES = 6
FAST = ["--delay", "0", "--timeout", "0.5", "--retries", "0", "--max-bytes", "1000000"]
REDIRECTS = ("/antes", "/salir")  # the test site's 301s (tests/site_server.py)
LIMITS = ["--max-pages", str(MAX_PAGES), "--depth", "2"]


def claimcheck(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return run_python("-m", "claimcheck", *args, timeout=timeout)


def dead_ports(count: int) -> list[int]:
    """Distinct ports on 127.0.0.1 with nothing listening (bound together, then released)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class CountingServer(SiteServer):
    """The test site, also counting the requests it is serving at the same moment."""

    def __init__(self) -> None:
        super().__init__()
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()

    def process_request_thread(self, request, client_address) -> None:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.lock:
                self.active -= 1


@pytest.fixture(scope="module")
def servers() -> Iterator[list[SiteServer]]:
    with SiteServer() as a, SiteServer() as b, SiteServer() as c:
        yield [a, b, c]


@pytest.fixture(scope="module")
def sweep(servers, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str], str]:
    """One sweep of the three sites and the dead one, from a sites file with comments, a
    blank line and a second URL of the first site."""
    root = tmp_path_factory.mktemp("sweep")
    dead = f"http://127.0.0.1:{dead_ports(1)[0]}/"
    a, b, c = servers
    sites = root / "clinics.txt"
    sites.write_text(
        f"# clinics to audit\n{a.base}/\n\n{b.base}/\n  # indented comment\n"
        f"{a.base}/contacto\n{dead}\n{c.base}/\n",
        "utf-8",
    )
    out = root / "sweep"
    db = root / "history.db"
    result = claimcheck(
        "crawl", "--sites", str(sites), "--out", str(out), *LIMITS, *FAST, "--db", str(db)
    )
    return out, result, dead


@pytest.fixture(scope="module")
def index(sweep) -> dict:
    return json.loads((sweep[0] / "sweep.json").read_text("utf-8"))


def test_sweep_crawls_each_site_once_and_records_the_unreachable_one(servers, sweep, index):
    out, result, dead = sweep
    assert result.returncode == 0, result.stderr
    assert "clinics.txt:6:" in result.stderr and "merged" in result.stderr  # the duplicate
    assert "1 of 4 site(s) failed" in result.stderr
    by_site = {e["site"]: e for e in index["sites"]}
    assert list(by_site) == [site_key(s.base) for s in servers[:2]] + [
        site_key(dead),
        site_key(servers[2].base),
    ]
    for server in servers:
        entry = by_site[site_key(server.base)]
        assert entry["status"] == "done" and entry["pages"] > 0, entry
        assert entry["dir"] == "sites/" + site_key(server.base).replace(":", "_")
        manifest = json.loads((out / entry["dir"] / "manifest.json").read_text("utf-8"))
        assert manifest["seed"] == server.base + "/"  # its own audit, its own scope
        assert all(p["url"].startswith(server.base) for p in manifest["pages"])
    failed = by_site[site_key(dead)]
    assert failed["status"] == "failed" and failed["pages"] == 0
    assert "robots.txt unreachable" in failed["reason"], failed["reason"]
    assert index["ended"] >= index["started"]


def test_each_site_audit_verifies_and_the_sweep_verifies(sweep, index):
    out = sweep[0]
    for entry in index["sites"]:
        result = verify_audit(str(out / entry["dir"]))
        assert result.ok, result.problems
        assert result.manifest_sha256 == entry["manifest_sha256"]
    verified = claimcheck("verify", str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "OK: 4 of 4 site(s) verified" in verified.stdout


def test_no_server_sees_more_than_its_page_limit(servers, sweep):
    """--max-pages holds per site: each server gets at most that many page requests, plus
    robots.txt and the sitemap once each; a 301 hop belongs to the page it leads to."""
    for server in servers:
        paths = [path for path, _ in server.requests]
        pages = [p for p in paths if p not in ("/robots.txt", "/sitemap.xml", *REDIRECTS)]
        assert paths.count("/robots.txt") == 1
        assert paths.count("/sitemap.xml") <= 1
        assert 0 < len(pages) <= MAX_PAGES, paths
        assert len(set(pages)) == len(pages)  # no page fetched twice


def test_check_gives_each_site_its_score(sweep, index, tmp_path):
    out = sweep[0]
    target = tmp_path / "check.json"
    result = claimcheck("check", str(out), "--format", "json", "-o", str(target))
    assert result.returncode in (0, 1), result.stderr
    data = json.loads(target.read_text("utf-8"))
    jsonschema.validate(data, json.loads(SCHEMA.read_text("utf-8")))
    assert "site" not in data
    scores = {s["site"]: s for s in data["sites"]}
    assert list(scores) == [e["site"] for e in index["sites"]]
    for entry in index["sites"]:
        own = json.loads((out / entry["dir"] / "report.json").read_text("utf-8"))["site"]
        assert scores[entry["site"]]["score"] == own["score"] == entry.get("score")
        assert scores[entry["site"]]["grade"] == own["grade"]
    done = [e for e in index["sites"] if e["status"] == "done"]
    assert all(scores[e["site"]]["score"] is not None for e in done)
    hosts = {page["path"].split("/")[2] for page in data["files"]}
    assert hosts == {e["site"] for e in done}
    # a site of the sweep scores as its audit does when checked alone
    alone = claimcheck("check", str(out / done[0]["dir"]), "--format", "json")
    single = json.loads(alone.stdout)
    assert single["site"]["score"] == scores[done[0]["site"]]["score"]
    mine = [p for p in data["files"] if p["path"].split("/")[2] == done[0]["site"]]
    assert [(p["path"], p["score"], p["findings"]) for p in single["files"]] == [
        (p["path"], p["score"], p["findings"]) for p in mine
    ]


def test_verify_detects_a_tampered_site(sweep, index, tmp_path):
    copy = tmp_path / "sweep"
    shutil.copytree(sweep[0], copy)
    victim = next(e for e in index["sites"] if e["status"] == "done")
    report = copy / victim["dir"] / "report.json"
    report.write_text(report.read_text("utf-8").replace('"score"', '"score" ', 1), "utf-8")
    result = claimcheck("verify", str(copy))
    assert result.returncode == 1
    assert f"FAIL {victim['site']}" in result.stdout
    assert "FAILED: 3 of 4 site(s) verified, 1 failed" in result.stdout
    checked = claimcheck("check", str(copy), "--format", "json")
    assert checked.returncode == 2 and victim["site"] in checked.stderr
    # a site dir pointing out of the sweep is refused, not followed
    data = json.loads((copy / "sweep.json").read_text("utf-8"))
    data["sites"][0]["dir"] = "sites/../../elsewhere"
    (copy / "sweep.json").write_text(json.dumps(data), "utf-8")
    outside = claimcheck("verify", str(copy))
    assert outside.returncode == 2 and "Traceback" not in outside.stderr


def test_report_diff_and_history_understand_a_sweep(sweep, index, tmp_path):
    out = sweep[0]
    report = claimcheck("report", str(out), "--format", "json")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["kind"] == "claimcheck-sweep-audits"
    assert [s["site"] for s in data["sites"]] == [e["site"] for e in index["sites"]]
    assert all("audit" in s["report"] for s in data["sites"])
    html = claimcheck("report", str(out), "--format", "html")
    assert html.returncode == 2 and "sweep" in html.stderr
    # B lacks the last site: compared site by site, that one listed as only in A
    later = tmp_path / "later"
    shutil.copytree(out, later)
    trimmed = json.loads((later / "sweep.json").read_text("utf-8"))
    gone = trimmed["sites"].pop()
    (later / "sweep.json").write_text(json.dumps(trimmed), "utf-8")
    diff = claimcheck("diff", str(out), str(later), "--format", "json")
    assert diff.returncode == 0, diff.stderr
    result = json.loads(diff.stdout)
    compared = [e["site"] for e in index["sites"] if e["status"] == "done"][:2]
    assert [s["site"] for s in result["sites"]][:2] == compared
    assert result["only_in_a"] == [gone["site"]] and result["only_in_b"] == []
    assert result["summary"]["new"] == 0 and result["summary"]["fixed"] == 0
    db = str(out.parent / "history.db")
    history = claimcheck("history", "--list", "--format", "json", "--db", db)
    assert history.returncode == 0, history.stderr
    recorded = {s["host"] for s in json.loads(history.stdout)["sites"]}
    assert {e["site"] for e in index["sites"]} <= recorded


def test_a_bad_line_names_its_number(tmp_path):
    sites = tmp_path / "sites.txt"
    sites.write_text("# list\nhttp://127.0.0.1:1/\nftp://clinic.example/\n", "utf-8")
    result = claimcheck("crawl", "--sites", str(sites), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert f"{sites}:3:" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_several_urls_none_reachable_exit_2(tmp_path):
    urls = [f"http://127.0.0.1:{port}/" for port in dead_ports(2)]
    out = tmp_path / "out"
    result = claimcheck("crawl", *urls, "--out", str(out), *LIMITS, *FAST, "--no-history")
    assert result.returncode == 2, result.stderr
    assert "no page archived from any of the 2 site(s)" in result.stderr
    statuses = [e["status"] for e in json.loads((out / "sweep.json").read_text())["sites"]]
    assert statuses == ["failed", "failed"]


def test_an_interrupted_sweep_is_readable_and_polite(tmp_path):
    """Ctrl-C during the first site (one site at a time, politeness on): that site is scored
    and marked incomplete, the next one is listed as not started, the sweep verifies, and
    no server ever had two requests of the crawl at once."""
    out = tmp_path / "sweep"
    with CountingServer() as first, CountingServer() as second:
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        args = ["crawl", first.base + "/", second.base + "/", "--out", str(out)]
        args += ["--concurrent-sites", "1", "--delay", "0.2", "--timeout", "5", "--retries", "0"]
        process = subprocess.Popen(
            [sys.executable, "-m", "claimcheck", *args, "--no-history"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while len(first.requests) < 4 and time.monotonic() < deadline:  # 1 page archived
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        assert first.peak == 1 and second.requests == []
    assert process.returncode == 0, stderr
    assert "interrupted (shutdown)" in stdout
    entries = json.loads((out / "sweep.json").read_text("utf-8"))["sites"]
    assert [e["status"] for e in entries] == ["incomplete", "incomplete"]
    assert entries[0]["reason"].startswith("interrupted") and entries[0]["pages"] > 0
    assert entries[1]["reason"] == "not started: the sweep was interrupted"
    verified = claimcheck("verify", str(out))
    assert verified.returncode == 0, verified.stdout
    assert "2 of 2 site(s) failed or are incomplete" in stderr
