"""`claimcheck serve` under attack (issue 11): request deadlines in killable worker
processes, /healthz while a worst-case request runs, hung-up clients, slowloris heads and
bodies, malformed JSON, capped responses and fetch deadlines. Every server here is real,
on 127.0.0.1, started and stopped inside the test."""

from __future__ import annotations

import json
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

import httpx
import jsonschema
import pytest
from tests.servers import drip_handler, serving, uvicorn_serving

pytest.importorskip("uvicorn", reason="claimcheck[serve] is not installed")

from claimcheck.config import Config
from claimcheck.web import fetch as web_fetch
from claimcheck.web import work
from claimcheck.web.app import MAX_BYTES, Limits, create_app
from claimcheck.web.fetch import FetchError, fetch_url
from claimcheck.web.server import server_config

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

CLAIMS = (
    "Our stem cell therapy cures diabetes for good. Say goodbye to insulin forever. "
    "Results are guaranteed, with no side effects. Nuestras células madre curan la diabetes. "
)


def worst_case_page() -> str:
    """An ordinary-looking page just under 2 MB, dense with claims: the slowest kind of
    legitimate request."""
    return (CLAIMS * (MAX_BYTES // len(CLAIMS.encode())))[: MAX_BYTES - 1000]


@contextmanager
def running(app, limits: Limits) -> Iterator[str]:
    """Run `app` with the `claimcheck serve` uvicorn configuration in a thread."""
    with uvicorn_serving(
        lambda port: server_config(app, "127.0.0.1", port, limits.header_timeout)
    ) as base:
        yield base


def _wait_ready(base: str) -> None:
    """Wait until the worker processes have built their engines and answer a check."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        r = httpx.post(f"{base}/api/check", json={"text": "Hello."}, timeout=60)
        if r.status_code == 200:
            return
        time.sleep(0.2)
    pytest.fail("the workers never answered")


LIMITS = Limits(deadline=3.0, body_timeout=2.0, header_timeout=1.5, workers=1)


@pytest.fixture(scope="module")
def pooled() -> Iterator[str]:
    """A server with one worker process, a 3 s deadline and short slowloris timeouts."""
    with running(create_app(Config(), limits=LIMITS), LIMITS) as base:
        _wait_ready(base)
        yield base


def _health(base: str) -> tuple[float, dict]:
    started = time.monotonic()
    r = httpx.get(f"{base}/healthz", timeout=5)
    assert r.status_code == 200
    return time.monotonic() - started, r.json()


def test_worst_case_request_ends_at_its_deadline_and_healthz_stays_fast(pooled: str) -> None:
    """Fails on the in-thread server: the check holds the GIL and has no deadline."""
    killed = _health(pooled)[1]["killed"]
    answer: dict = {}

    def post() -> None:
        started = time.monotonic()
        r = httpx.post(f"{pooled}/api/check", json={"text": worst_case_page()}, timeout=60)
        answer.update(status=r.status_code, body=r.json(), took=time.monotonic() - started)

    thread = threading.Thread(target=post)
    thread.start()
    time.sleep(0.5)
    waits = []
    while thread.is_alive():
        waits.append(_health(pooled)[0])
        time.sleep(0.2)
    thread.join()
    assert waits and max(waits) < 1.0, waits
    assert answer["status"] == 504 and answer["body"]["error"]["code"] == "deadline"
    assert answer["took"] < LIMITS.deadline + 1.5, answer["took"]
    health = _health(pooled)[1]
    assert health["killed"] == killed + 1 and health["busy"] == 0


def test_a_hung_up_clients_work_is_stopped(pooled: str) -> None:
    killed = _health(pooled)[1]["killed"]
    body = json.dumps({"text": worst_case_page()}).encode()
    head = (
        "POST /api/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", int(pooled.rsplit(":", 1)[1]))) as sock:
        sock.sendall(head + body)
        time.sleep(0.6)
    # the client is gone well before the 3 s deadline: the worker must be killed early
    deadline = time.monotonic() + LIMITS.deadline - 0.8
    while time.monotonic() < deadline:
        if _health(pooled)[1]["killed"] > killed:
            break
        time.sleep(0.1)
    assert _health(pooled)[1]["killed"] == killed + 1
    _wait_ready(pooled)  # the replacement worker answers


def test_slowloris_head_is_cut_off(pooled: str) -> None:
    port = int(pooled.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(10)
        started = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        closed = False
        for _ in range(20):
            try:
                sock.sendall(b"X-Drip: 1\r\n")
                if sock.recv(1024, socket.MSG_DONTWAIT) == b"":
                    closed = True
                    break
            except BlockingIOError:
                pass
            except OSError:
                closed = True
                break
            time.sleep(0.25)
        took = time.monotonic() - started
    assert closed and took < LIMITS.header_timeout + 1.0, took


def test_slow_body_gets_a_408(pooled: str) -> None:
    port = int(pooled.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(10)
        started = time.monotonic()
        sock.sendall(
            b"POST /api/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            try:
                sock.sendall(b" ")
            except OSError:
                break
            time.sleep(0.2)
            try:
                chunk = sock.recv(4096, socket.MSG_DONTWAIT)
            except BlockingIOError:
                continue
            if not chunk:
                break
            data += chunk
        took = time.monotonic() - started
    assert data.startswith(b"HTTP/1.1 408"), data[:200]
    assert json.loads(data.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "body_timeout"
    assert took < LIMITS.body_timeout + 1.0


MALFORMED = [
    (b'{"text": "\\ud800 cura la diabetes"}', 400, "bad_text"),
    (b"[" * 100_000 + b"]" * 100_000, 400, "bad_json"),
    (b'{"text": ' * 50_000 + b"1" + b"}" * 50_000, 400, "bad_json"),
    (b'{"text": 123}', 400, "empty"),
    (b'{"text": ["a"]}', 400, "empty"),
    (b'{"text": "x", "format": ["html"]}', 400, "invalid_format"),
    (b'{"text": "x", "format": {"a": 1}}', 400, "invalid_format"),
    (b'{"text": "x", "jurisdiction": {"mx": 1}}', 400, "unknown_jurisdiction"),
    (b'{"text": "x", "jurisdiction": [1, 2]}', 400, "unknown_jurisdiction"),
    (b'{"text": "x", "page_type": ["ad"]}', 400, "invalid_page_type"),
    (b'{"text": "x", "page_type": {"a": 1}}', 400, "invalid_page_type"),
    (b'{"url": 5}', 400, "fetch_disabled"),
    (b"\xff\xfe{}", 400, "bad_json"),
    (b"null", 400, "bad_json"),
]


@pytest.mark.parametrize(("body", "status", "code"), MALFORMED)
def test_every_malformed_body_is_a_4xx_json(pooled: str, body: bytes, status: int, code: str):
    r = httpx.post(
        f"{pooled}/api/check", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == status, r.text[:300]
    assert r.json()["error"]["code"] == code


def test_404_and_405_are_json(pooled: str) -> None:
    r = httpx.get(f"{pooled}/no/such/page")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = httpx.get(f"{pooled}/api/check")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    assert "POST" in r.headers["allow"]


def test_a_huge_report_is_truncated_with_a_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails before the cap: the answer grows with the findings (51 MB for 2 MB)."""
    client = TestClient(create_app(Config()))
    full = client.post("/api/check", json={"text": CLAIMS * 60}).json()
    monkeypatch.setattr(work, "MAX_RESPONSE", 20_000)
    r = client.post("/api/check", json={"text": CLAIMS * 60})
    assert r.status_code == 200
    dropped = int(r.headers[work.TRUNCATED_HEADER])
    report = r.json()
    schema = json.loads(
        resources.files("claimcheck").joinpath("schemas/report.schema.json").read_text()
    )
    jsonschema.validate(report, schema)
    page = report["files"][0]
    assert dropped > 0 and page["findings"]
    assert len(page["findings"]) + dropped == len(full["files"][0]["findings"])
    assert any(w.startswith("response truncated") for w in page["warnings"])
    assert len(json.dumps(page["findings"], ensure_ascii=False).encode()) <= 20_000
    assert page["score"] == full["files"][0]["score"] and report["summary"] == full["summary"]


# --- --allow-fetch ------------------------------------------------------------------


@contextmanager
def drip_server(head: bool = False) -> Iterator[str]:
    """A site answering a byte (or with `head`, a header line) every 5 s, for ever."""
    with serving(drip_handler(5.0, head)) as base:
        yield base + "/page.txt"


@pytest.fixture
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the SSRF guard pass 127.0.0.1 so a local test server can play the hostile site."""
    monkeypatch.setattr(web_fetch, "resolve_public", lambda host, port: "127.0.0.1")


@pytest.mark.parametrize("head", [False, True], ids=["body-drip", "header-drip"])
def test_a_dripping_site_is_cut_at_the_fetch_deadline(loopback_allowed, head: bool) -> None:
    """Fails with a per-read timeout only: a byte every 5 s never trips a 10 s timeout."""
    with drip_server(head) as url:
        started = time.monotonic()
        with pytest.raises(FetchError, match="longer than 2 s"):
            fetch_url(url, MAX_BYTES, deadline=2.0)
        took = time.monotonic() - started
    assert 1.9 < took < 3.0, took


def test_fetches_have_their_own_small_pool(loopback_allowed) -> None:
    """Dripping fetches fill only the fetch slots: one more is told 503 at once, and a
    pasted-text check still gets its answer meanwhile."""
    limits = Limits(deadline=20.0, fetch_slots=2, fetch_deadline=4.0)
    app = create_app(Config(), allow_fetch=True, limits=limits)
    with drip_server() as url, running(app, limits) as base:
        results: list[int] = []

        def fetch() -> None:
            r = httpx.post(f"{base}/api/check", json={"url": url}, timeout=30)
            results.append(r.status_code)

        threads = [threading.Thread(target=fetch) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        started = time.monotonic()
        r = httpx.post(f"{base}/api/check", json={"url": url}, timeout=30)
        assert r.status_code == 503 and r.json()["error"]["code"] == "busy"
        r = httpx.post(f"{base}/api/check", json={"text": CLAIMS}, timeout=30)
        assert r.status_code == 200 and time.monotonic() - started < 3.0
        for t in threads:
            t.join()
        assert results == [400, 400]  # cut at the 4 s fetch deadline: fetch_refused


def test_a_worker_grown_big_is_recycled(pooled: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python keeps the memory of a big check: such a worker is replaced after its answer."""
    from claimcheck.web import pool

    before = _health(pooled)[1]["recycled"]
    monkeypatch.setattr(pool, "RECYCLE_MB", 1)
    assert httpx.post(f"{pooled}/api/check", json={"text": CLAIMS}, timeout=60).status_code == 200
    assert _health(pooled)[1]["recycled"] == before + 1
    monkeypatch.setattr(pool, "RECYCLE_MB", 400)
    _wait_ready(pooled)
