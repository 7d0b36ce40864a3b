"""`claimcheck crawl`, `verify` and `check AUDIT_DIR|URL` against a local test site.

Crawls run in a subprocess (`python -m claimcheck`), because Twisted's reactor cannot be
restarted inside one pytest process. Politeness is off (delay 0, AutoThrottle off) and the
limits are small so that the whole file runs in a few seconds. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from tests.helpers import run_python
from tests.site_server import SiteServer

from claimcheck import __version__
from claimcheck.crawl.scope import Scope, normalise_url, site_key
from claimcheck.crawl.verify import verify_audit
from claimcheck.errors import CrawlError
from claimcheck.score import grade

SCHEMA = Path(__file__).resolve().parents[1] / "src/claimcheck/schemas/report.schema.json"

FAST = ["--delay", "0", "--timeout", "0.5", "--retries", "1", "--max-bytes", "1000000"]
CONTACT = "https://regulator.example/contact"


def claimcheck(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return run_python("-m", "claimcheck", *args, timeout=timeout)


@pytest.fixture(scope="module")
def site():
    with SiteServer() as server:
        yield server


@pytest.fixture(scope="module")
def audit(site: SiteServer, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("audit") / "clinic"
    args = ["crawl", site.base + "/", "--out", str(out), "--max-pages", "30", "--depth", "3"]
    result = claimcheck(*args, *FAST, "--contact", CONTACT)
    assert result.returncode == 0, result.stderr
    return out, result


@pytest.fixture(scope="module")
def manifest(audit) -> dict:
    return json.loads((audit[0] / "manifest.json").read_text("utf-8"))


def _paths(manifest: dict, base: str) -> set[str]:
    return {p["url"].removeprefix(base) for p in manifest["pages"]}


def test_crawl_follows_links_sitemap_and_redirects(site: SiteServer, manifest: dict) -> None:
    paths = _paths(manifest, site.base)
    assert {"/", "/tratamientos", "/contacto", "/ciclo/a", "/ciclo/b"} <= paths
    assert "/preguntas" in paths  # only in the sitemap
    assert manifest["sitemaps"][0]["urls"] == 4
    team = next(p for p in manifest["pages"] if p["url"].endswith("/equipo"))
    assert team["redirected_from"] == [site.base + "/antes"]
    assert "/tratamientos?a=1&b=2" in paths  # query sorted, fragment dropped
    assert sum(1 for p in paths if p.startswith("/ciclo/")) == 2  # the loop ends


def test_crawl_respects_robots_scope_and_depth(site: SiteServer, manifest: dict) -> None:
    requested = [path for path, _ in site.requests]
    assert not any(path.startswith("/privado/") for path in requested)
    reasons = {s["url"].removeprefix(site.base): s["reason"] for s in manifest["skipped"]}
    assert reasons["/privado/notas"] == "robots" and reasons["/privado/lista"] == "robots"
    assert manifest["robots"]["obeyed"] is True
    assert site.base + "/privado/notas" in manifest["robots"]["disallowed"]
    assert reasons["https://offsite.example/cupon"] == "off-site"
    assert reasons["https://offsite.example/"] == "off-site (redirect)"
    assert reasons["/cadena/4"] == "depth"
    assert max(p["depth"] for p in manifest["pages"]) == 3


def test_crawl_records_errors_and_unparsed_types(site: SiteServer, manifest: dict) -> None:
    pages = {p["url"].removeprefix(site.base): p for p in manifest["pages"]}
    assert pages["/error"]["status"] == 500 and not pages["/error"]["parsed"]
    assert pages["/folleto.pdf"]["content_type"] == "application/pdf"
    assert not pages["/folleto.pdf"]["parsed"] and not pages["/precios.csv"]["parsed"]
    errors = {e["url"].removeprefix(site.base): e["error"] for e in manifest["errors"]}
    assert "max size" in errors["/enorme"]
    assert "took longer than" in errors["/lento"]
    assert sum(1 for path, _ in site.requests if path == "/lento") == 2  # one retry


def test_crawl_identifies_itself(site: SiteServer, audit, manifest: dict) -> None:
    agents = {agent for _, agent in site.requests}
    assert agents == {f"claimcheck/{__version__} (+{CONTACT})"}
    assert manifest["settings"]["user_agent"] == f"claimcheck/{__version__} (+{CONTACT})"
    stderr = audit[1].stderr
    assert "page(s) fetched" in stderr and "queued" in stderr and "elapsed" in stderr


def test_manifest_points_at_warc_records(audit, manifest: dict) -> None:
    out = audit[0]
    assert manifest["kind"] == "claimcheck-audit" and manifest["tool"]["lexicon_version"]
    ids = {r["id"] for r in manifest["warc"]["records"]}
    for page in manifest["pages"]:
        assert page["warc"]["record_id"] in ids and len(page["sha256"]) == 64
    types = [r["type"] for r in manifest["warc"]["records"]]
    assert types[0] == "warcinfo" and types.count("request") == types.count("response")
    assert (out / "report.json").is_file()


def test_verify_accepts_the_archive(audit) -> None:
    result = claimcheck("verify", str(audit[0]))
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("OK: ")


@pytest.mark.parametrize("where", [0.5, 0.0001, 0.9999])
def test_verify_names_a_tampered_record(audit, tmp_path: Path, where: float) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(audit[0], copy)
    warc = copy / "crawl.warc.gz"
    data = bytearray(warc.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    warc.write_bytes(bytes(data))
    result = verify_audit(str(copy))
    assert not result.ok
    assert any(p.startswith("record <urn:uuid:") for p in result.problems), result.problems
    cli = claimcheck("verify", str(copy))
    assert cli.returncode == 1 and "FAIL record <urn:uuid:" in cli.stdout


def test_verify_detects_a_changed_report(audit, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(audit[0], copy)
    report = copy / "report.json"
    text = report.read_text("utf-8")
    changed = re.sub(r'"score": (\d+)', lambda m: f'"score": {int(m[1]) ^ 1}', text, count=1)
    assert changed != text
    report.write_text(changed, encoding="utf-8")
    assert "report.json: SHA-256 does not match" in verify_audit(str(copy)).problems


def test_rescoring_from_the_warc_matches_the_crawl(site: SiteServer, audit) -> None:
    site.requests.clear()
    result = claimcheck("check", str(audit[0]), "--format", "json")
    assert result.returncode == 1, result.stderr  # the clinic has error-level findings
    assert site.requests == []  # no network
    rescored = json.loads(result.stdout)
    crawled = json.loads((audit[0] / "report.json").read_text("utf-8"))
    assert rescored["files"] == crawled["files"]
    assert rescored["summary"] == crawled["summary"]
    home = next(f for f in rescored["files"] if f["path"] == site.base + "/")
    assert {"CC101", "CC104"} <= {f["code"] for f in home["findings"] if not f["suppressed"]}


def test_check_one_url_without_archive(site: SiteServer, tmp_path: Path) -> None:
    site.requests.clear()
    result = claimcheck("check", site.base + "/tratamientos", "--format", "json")
    assert result.returncode == 1, result.stderr
    page = json.loads(result.stdout)["files"][0]
    assert page["path"] == site.base + "/tratamientos"
    assert "CC103" in {f["code"] for f in page["findings"]}
    assert site.requests == [
        ("/tratamientos", f"claimcheck/{__version__} (+claimcheck audit; no contact given)")
    ]
    missing = claimcheck("check", site.base + "/nada")
    assert missing.returncode == 2 and "HTTP 404" in missing.stderr


def test_limits_and_ignore_robots(site: SiteServer, tmp_path: Path) -> None:
    out = tmp_path / "small"
    args = ["crawl", site.base + "/", "--out", str(out), "--max-pages", "4", "--ignore-robots"]
    result = claimcheck(*args, *FAST)
    assert result.returncode == 0, result.stderr
    assert "--ignore-robots" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert len(manifest["pages"]) + len(manifest["errors"]) <= 4
    assert any(s["reason"] == "page limit" for s in manifest["skipped"])
    assert manifest["robots"]["obeyed"] is False
    assert manifest["settings"]["robots"].startswith("ignored")
    again = claimcheck(*args, *FAST)
    assert again.returncode == 2 and "not an empty directory" in again.stderr


def test_scope_and_normalisation() -> None:
    assert normalise_url("HTTP://WWW.Clinic.mx:80/a?z=1&a=2#x") == "http://www.clinic.mx/a?a=2&z=1"
    assert site_key("https://www.clinica.com.mx/x") == "clinica.com.mx"
    assert site_key("http://127.0.0.1:8000/") == "127.0.0.1:8000"
    scope = Scope("https://www.clinica.com.mx/", allow_hosts=["citas.example"])
    assert "https://blog.clinica.com.mx/a" in scope
    assert "https://otra.com.mx/" not in scope
    assert "https://citas.example/agenda" in scope
    assert "http://127.0.0.1:8001/" not in Scope("http://127.0.0.1:8000/")
    with pytest.raises(CrawlError):
        normalise_url("mailto:citas@clinica.mx")


def test_crawl_package_is_light() -> None:
    code = "import claimcheck.crawl, sys; print('scrapy' in sys.modules, 'twisted' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"]


def test_site_score_and_site_wide_duties(site: SiteServer, audit) -> None:
    report = json.loads((audit[0] / "report.json").read_text("utf-8"))
    schema = json.loads(Path(SCHEMA).read_text("utf-8"))
    jsonschema.validate(report, schema)
    assert report["schema_version"] == "1.7"
    block = report["site"]
    assert block["grade"] == grade(block["score"]) and block["pages"] == len(report["files"])
    # the reasons are in the site's language (Spanish here, `lang` auto)
    assert any(r.startswith(("capped at", "limitada a")) for r in block["reasons"])
    files = {f["path"].removeprefix(site.base): f for f in report["files"]}
    shown = f"site: shown on {site.base}/contacto"

    def by_code(path: str, code: str) -> list[dict]:
        return [f for f in files[path]["findings"] if f["code"] == code]

    assert [f["suppressed_by"] for f in by_code("/", "CC301")] == [shown]
    assert [f["suppressed_by"] for f in by_code("/", "CC303")] == [shown]  # Dr. Esparza
    salinas = by_code("/tratamientos", "CC303")
    assert len(salinas) == 1 and not salinas[0]["suppressed"]  # no cédula anywhere
    assert any(not f["suppressed"] for f in by_code("/", "CC201"))  # disclaimers stay per page


def test_a_seller_site_types_all_its_pages_commercial(site: SiteServer, audit) -> None:
    report = json.loads((audit[0] / "report.json").read_text("utf-8"))
    files = {
        f["path"].removeprefix(site.base): f for f in report["files"] if f["score"] is not None
    }
    assert files["/"]["page_type"] == "commercial"  # the home page sells on its own
    blog = files["/ciclo/a"]  # no selling cue of its own: typed by its site
    assert blog["page_type"] == "commercial"
    assert blog["page_type_reasons"][0].startswith("site: ")
    assert all(f["page_type"] == "commercial" for f in files.values())
