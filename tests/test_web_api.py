"""`claimcheck serve`: the JSON API, the form post, error cases, headers and the SSRF guard."""

from __future__ import annotations

import json
import re
import warnings
from importlib import resources

import jsonschema
import pytest
from tests.helpers import SAMPLES

from claimcheck.cli import main
from claimcheck.config import Config
from claimcheck.engine import Engine
from claimcheck.web.app import MAX_BYTES, create_app
from claimcheck.web.fetch import FetchError, is_public_address, resolve_public

with warnings.catch_warnings():  # Starlette prefers httpx2 for its test client; httpx works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SPANISH = "Nuestro tratamiento con células madre cura la diabetes. Garantizamos resultados."


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Config()))


@pytest.fixture(scope="module")
def schema() -> dict:
    text = resources.files("claimcheck").joinpath("schemas/report.schema.json").read_text()
    return json.loads(text)


def _error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert "Traceback" not in response.text


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_api_check_equals_the_cli_json(client: TestClient, schema: dict, runner, tmp_path) -> None:
    response = client.post(
        "/api/check", json={"text": SPANISH, "format": "text", "jurisdiction": "mx"}
    )
    assert response.status_code == 200
    report = response.json()
    jsonschema.validate(report, schema)
    page = tmp_path / "draft.txt"
    page.write_text(SPANISH, encoding="utf-8")
    cli = runner.invoke(main, ["check", str(page), "--format", "json", "--jurisdiction", "mx"])
    expected = json.loads(cli.stdout)["files"][0]
    got = report["files"][0]
    assert got["score"] == expected["score"] and got["grade"] == expected["grade"]

    def key(f: dict) -> tuple:
        return (f["code"], f["line"], f["column"], f["message"], f["suppressed"])

    assert [key(f) for f in got["findings"]] == [key(f) for f in expected["findings"]]
    assert {f["code"] for f in got["findings"]} >= {"CC101", "CC104"}


def test_api_check_file_upload(client: TestClient, schema: dict) -> None:
    path = SAMPLES / "clinica-sin-permiso.html"
    with path.open("rb") as fh:
        response = client.post("/api/check/file", files={"file": (path.name, fh, "text/html")})
    assert response.status_code == 200
    report = response.json()
    jsonschema.validate(report, schema)
    page = report["files"][0]
    assert page["path"] == path.name and page["format"] == "html"
    assert page["jurisdictions"] == ["mx"] and page["grade"] == "F"
    assert any(f["code"] == "CC303" for f in page["findings"])


def test_error_cases(client: TestClient) -> None:
    _error(client.post("/api/check", json={"text": "   "}), 400, "empty")
    _error(client.post("/api/check", json={"text": "x" * (MAX_BYTES + 1)}), 413, "too_large")
    big = b"x" * (MAX_BYTES + 200_000)  # refused by Content-Length before the body is read
    headers = {"content-type": "application/json"}
    _error(client.post("/api/check", content=big, headers=headers), 413, "too_large")
    _error(client.post("/api/check", content=b"{not json", headers=headers), 400, "bad_json")
    _error(client.post("/api/check", content=b"[1]", headers=headers), 400, "bad_json")
    _error(
        client.post("/api/check", json={"text": "x", "jurisdiction": "fr"}),
        400,
        "unknown_jurisdiction",
    )
    _error(client.post("/api/check", json={"text": "x", "format": "pdf"}), 400, "invalid_format")
    _error(
        client.post("/api/check", json={"text": "x", "page_type": "ad"}), 400, "invalid_page_type"
    )
    _error(
        client.post("/api/check", content=b"text", headers={"content-type": "text/plain"}),
        415,
        "unsupported_type",
    )
    pdf = {"file": ("brochure.pdf", b"%PDF-1.4", "application/pdf")}
    _error(client.post("/api/check/file", files=pdf), 415, "unsupported_type")
    empty = {"file": ("empty.html", b"  \n", "text/html")}
    _error(client.post("/api/check/file", files=empty), 400, "empty")
    binary = {"file": ("page.txt", b"\x00\x01binary", "text/plain")}
    _error(client.post("/api/check/file", files=binary), 415, "unsupported_type")
    _error(client.post("/api/check/file", data={"jurisdiction": "mx"}), 400, "empty")


def test_unexpected_errors_are_a_generic_500(monkeypatch, caplog) -> None:
    engine = Engine()

    def boom(doc):
        raise RuntimeError(f"secret {doc.source_text}")

    monkeypatch.setattr(engine, "check_document", boom)
    client = TestClient(create_app(engine=engine))
    response = client.post("/api/check", json={"text": "confidential draft"})
    _error(response, 500, "internal")
    assert "confidential" not in response.text and "secret" not in response.text
    assert "confidential" not in caplog.text


def test_submitted_script_is_escaped_and_headers_are_strict(client: TestClient) -> None:
    text = "<script>window.__pwned=1</script>Nuestras células madre curan la diabetes."
    response = client.post("/check", data={"text": text, "format": "text"})
    assert response.status_code == 200
    assert "&lt;script&gt;" in response.text and "<script>window" not in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert 'class="sev-error"' in response.text and "CC101" in response.text


def test_result_page_downloads(client: TestClient, schema: dict) -> None:
    fields = {"text": SPANISH, "format": "text", "jurisdiction": "mx"}
    as_json = client.post("/check", data={**fields, "download": "json"})
    assert "attachment" in as_json.headers["content-disposition"]
    jsonschema.validate(as_json.json(), schema)
    as_html = client.post("/check", data={**fields, "download": "html"})
    assert as_html.text.startswith("<!doctype html>") and "CC101" in as_html.text
    # no external request: nothing loads from elsewhere (links to legal texts are not loads)
    assert not re.search(r'\b(src|srcset|data)="https?://|<link[^>]+https?://|url\(', as_html.text)
    external = re.findall(r'href="(https?://[^"]+)"', as_html.text)
    assert external and all(
        re.search(r"\.gob\.mx|\.gov|europa\.eu|asa\.org|isscr", u) for u in external
    )


def test_spanish_interface(client: TestClient) -> None:
    page = client.get("/?lang=es").text
    assert "Revisar el texto" in page and "Jurisdicción" in page and 'lang="es"' in page
    assert "nada de lo que envíe se guarda" in page
    english = client.get("/").text
    assert "Check the copy" in english and 'href="/?lang=es"' in english
    result = client.post("/check", data={"text": SPANISH, "lang": "es"}).text
    assert "Redacción sugerida" in result and "Por qué importa" in result


def test_page_errors_render_the_form(client: TestClient) -> None:
    response = client.post("/check", data={"text": "", "lang": "en"})
    assert response.status_code == 400 and "could not be checked" in response.text


def test_fetch_is_off_by_default(client: TestClient) -> None:
    _error(client.post("/api/check", json={"url": "https://example.com/"}), 400, "fetch_disabled")
    response = client.post("/check", data={"url": "https://example.com/"})
    assert response.status_code == 400
    assert 'name="url"' not in client.get("/").text


def test_fetch_refuses_loopback_when_enabled() -> None:
    client = TestClient(create_app(allow_fetch=True))
    assert 'name="url"' in client.get("/").text
    response = client.post("/api/check", json={"url": "http://127.0.0.1:9/"})
    _error(response, 400, "fetch_refused")


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "0.0.0.0"])
def test_ssrf_guard_refuses_non_public_addresses(address: str) -> None:
    assert not is_public_address(address)
    with pytest.raises(FetchError):
        resolve_public(address, 80)


def test_ssrf_guard_accepts_public_addresses() -> None:
    assert is_public_address("93.184.216.34") and not is_public_address("::ffff:10.0.0.1")
    assert resolve_public("93.184.216.34", 443) == "93.184.216.34"  # a literal: no DNS query


def test_html_format_from_the_cli(runner, tmp_path) -> None:
    out = tmp_path / "report.html"
    path = str(SAMPLES / "clinica-sin-permiso.html")
    result = runner.invoke(main, ["check", path, "--format", "html", "-o", str(out)])
    assert result.exit_code == 1
    html = out.read_text("utf-8")
    assert "<mark" in html and "CC101" in html and "COFEPRIS" in html
