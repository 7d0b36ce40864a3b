"""`crawl --sites FILE --redis URL` and `merge SWEEP_DIR`: a sweep on a shared frontier.

Two worker processes crawl three local sites (each on its own port, each counting its
fetches) through a real redis-server on 127.0.0.1; `merge` then builds every site's
audit and fills in sweep.json, and `verify` and `check` read the result as any sweep.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers import needs_redis
from tests.helpers import run_claimcheck as _run
from tests.redis_support import (
    CLAIMCHECK,
    PAGES,
    ClinicSite,
    finish,
    free_port,
    redis_server,
    start_worker,
)
from tests.redis_support import url_paths as _paths

from claimcheck.crawl.sweep import site_dir_name


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """One redis-server for the module, stopped after it."""
    with redis_server() as url:
        yield url


@pytest.fixture
def three_sites() -> Iterator[list[ClinicSite]]:
    sites = [ClinicSite(0.2) for _ in range(3)]
    yield sites
    for site in sites:
        site.close()


def _sweep_worker(sites_file: Path, out: Path, redis_url: str, worker: str) -> subprocess.Popen:
    target = ["--sites", str(sites_file)]
    return start_worker(target, out, redis_url, worker, "sweep-two", "--depth", "10")


@needs_redis
def test_two_workers_share_every_site_of_a_sweep_and_merge_makes_the_sweep(
    redis_url: str, three_sites: list[ClinicSite], tmp_path: Path
) -> None:
    import redis

    sites_file = tmp_path / "sites.txt"
    sites_file.write_text("# three clinics\n" + "".join(f"{s.url}\n" for s in three_sites))
    out = tmp_path / "sweep"
    workers = [_sweep_worker(sites_file, out, redis_url, w) for w in ("w1", "w2")]
    results = finish(workers)
    for stdout, _ in results:
        assert "claimcheck merge" in stdout

    index = json.loads((out / "sweep.json").read_text())
    assert [e["status"] for e in index["sites"]] == ["incomplete"] * 3
    assert all(e["reason"].startswith("not merged") for e in index["sites"])
    keys = {k.decode() for k in redis.Redis.from_url(redis_url).keys("claimcheck:sweep-two:*")}
    per_worker = {"w1": 0, "w2": 0}
    for site in three_sites:
        name = site_dir_name(site.url)
        assert f"claimcheck:sweep-two:{name}:finished" in keys  # one frontier per site
        parts = out / "sites" / name / "parts"
        archived = []
        for worker in per_worker:
            if (parts / worker / "manifest.json").exists():
                pages = json.loads((parts / worker / "manifest.json").read_text())["pages"]
                per_worker[worker] += len(pages)
                archived += _paths(p["url"] for p in pages)
        assert sorted(archived) == sorted(site.page_paths()), name  # complete, once each
        twice = {p: n for p, n in site.fetches.items() if p != "/robots.txt" and n > 1}
        assert not twice, f"{name}: fetched more than once: {twice}"
        assert site.fetches["/robots.txt"] <= 2
    assert all(per_worker.values()), f"both workers archived pages: {per_worker} {results}"

    # the last site as if every worker had been stopped before its queue ran dry
    last = out / "sites" / site_dir_name(three_sites[2].url) / "parts"
    for record in last.glob("*.json"):
        data = json.loads(record.read_text())
        assert data["closed"] == "finished"
        record.write_text(json.dumps({**data, "closed": "shutdown"}))
    merged = _run("merge", str(out), "--no-history")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    index = json.loads((out / "sweep.json").read_text())
    assert [e["status"] for e in index["sites"]] == ["done", "done", "incomplete"]
    assert "queue run dry" in index["sites"][2]["reason"]
    for entry in index["sites"]:
        assert entry["pages"] == PAGES
        assert isinstance(entry["score"], int) and len(entry["manifest_sha256"]) == 64

    verified = _run("verify", str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    checked = _run("check", str(out), "--format", "json")
    assert checked.returncode in (0, 1), checked.stderr
    report = json.loads(checked.stdout)
    assert report["summary"]["files"] == 3 * PAGES
    hosts = [s["site"] for s in report["sites"]]
    assert sorted(hosts) == sorted(e["site"] for e in index["sites"])
    assert all(s["score"] is not None for s in report["sites"])

    ranked = _run("sweep", "report", str(out), "--format", "json")
    assert ranked.returncode == 0, ranked.stderr
    assert json.loads(ranked.stdout)["summary"]["ranked"] == 3

    again = _run("merge", str(out), "--no-history")
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1, again.stderr


@needs_redis
def test_a_second_worker_with_the_same_id_stops_with_one_line(
    redis_url: str, three_sites: list[ClinicSite], tmp_path: Path
) -> None:
    sites_file = tmp_path / "sites.txt"
    sites_file.write_text("".join(f"{s.url}\n" for s in three_sites))
    out = tmp_path / "sweep"
    (out / "sites" / site_dir_name(three_sites[1].url) / "parts" / "w1").mkdir(parents=True)
    (out / "sweep.json").write_text('{"kind": "claimcheck-sweep"}')
    result = _run(
        "crawl", "--sites", str(sites_file), "--out", str(out), "--redis", redis_url,
        "--worker-id", "w1", "--no-history",
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "give each worker its own --worker-id" in result.stderr
    assert "Traceback" not in result.stderr
    assert not any(s.fetches for s in three_sites)  # refused before any request


def test_an_unreachable_redis_stops_a_sweep_worker_before_it_writes(tmp_path: Path) -> None:
    port = free_port()  # nothing listens on it once the probe socket is closed
    sites_file = tmp_path / "sites.txt"
    sites_file.write_text("http://127.0.0.1:9/\nhttp://127.0.0.1:10/\n")
    out = tmp_path / "sweep"
    result = _run(
        "crawl", "--sites", str(sites_file), "--out", str(out),
        "--redis", f"redis://127.0.0.1:{port}/0", "--no-history",
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("claimcheck: error: --redis redis://127.0.0.1:")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not out.exists()


@needs_redis
def test_the_sweep_benchmark_runs_so_it_cannot_rot() -> None:
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "redis_crawl.py"
    result = subprocess.run(
        [CLAIMCHECK[0], str(script), "--sites", "3", "--pages", "3", "--latency", "0.01"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 sites of 3 pages" in result.stdout
    rows = [line.split() for line in result.stdout.splitlines() if line.strip()[:1] in "12"]
    assert [row[:2] for row in rows] == [["1", "9"], ["2", "9"]]  # every page, once
    assert "merge: exit 0" in result.stdout and "3 of 3 site(s) done" in result.stdout
    assert "verify: exit 0" in result.stdout


def test_merge_of_a_sweep_with_no_part_stops_with_one_line(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    (out / "sites" / "127.0.0.1_9" / "parts").mkdir(parents=True)  # a worker that joined late
    index = {
        "kind": "claimcheck-sweep",
        "sweep_version": "1.0",
        "sites": [
            {"seed": "http://127.0.0.1:9/", "site": "127.0.0.1:9", "dir": "sites/127.0.0.1_9",
             "status": "incomplete", "reason": "not merged"},
        ],
    }  # fmt: skip
    (out / "sweep.json").write_text(json.dumps(index))
    result = _run("merge", str(out), "--no-history")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no site has parts left to merge" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert json.loads((out / "sweep.json").read_text()) == index  # nothing rewritten
