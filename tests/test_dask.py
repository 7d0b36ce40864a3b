"""`check --dask` (issue 14, part 3): a real `distributed.LocalCluster` with two worker
processes, started and closed here, gives byte for byte the report of a `--jobs 1` run
(files, an audit read as an input, an audit scored with its site); `--dask local` runs end
to end; an unreachable scheduler and a missing extra are one line and exit 2.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.helpers import SAMPLES, run_python
from tests.test_integrity import BASE, HOME, HTML, build_audit

from claimcheck.cli import main
from claimcheck.cluster import Task, plan_tasks
from claimcheck.config import Config

distributed = pytest.importorskip("distributed", reason="dask/distributed (claimcheck[scale])")

CLINIC = (
    "<html><body><h1>Clinic {n}</h1><p>Our stem cell therapy cures diabetes and reverses "
    "knee arthritis. Book now: $4,900.</p></body></html>"
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """Two worker processes, one thread each, no dashboard; closed after the module."""
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},
    ) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def audit(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dask") / "audit"
    about = b"<html><body><p>Nuestra terapia regenera el pancreas.</p></body></html>"
    build_audit(out, [(BASE + "/", HOME, HTML), (BASE + "/about", about, HTML)])
    return out


RECIPE = (
    "<html><body><h1>Lemon cake {n}</h1><p>Whisk the butter and sugar until pale. Fold in "
    "the flour and the zest of two lemons. Bake for forty minutes at 180 degrees. Let it "
    "cool on a rack before you glaze it. Serve it with tea in the afternoon.</p></body></html>"
)


def write_warc(path: Path, pages: int) -> None:
    """A gzip-per-record WARC written by warcio itself: clinic pages and recipes."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n in range(pages):
            body = (CLINIC if n % 3 == 0 else RECIPE).format(n=n).encode()
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                f"http://site-{n}.test/", "response", payload=io.BytesIO(body), http_headers=headers
            )
            writer.write_record(record)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


def test_config_ships_with_dask_serialisation() -> None:
    """The task argument is the Config (plain values), not an Engine or a model."""
    from distributed.protocol import deserialize, serialize

    config = Config(jurisdictions=("mx",), select=("CC1",), jobs=2)
    header, frames = serialize(config)
    assert deserialize(header, frames) == config
    assert sum(len(f) for f in frames) < 4096


def test_files_and_audit_input_same_as_one_job(cluster: str, audit: Path, tmp_path) -> None:
    """Samples, then an audit read as one input among others, then 24 small pages (11
    tasks: more than the window of 8 holds): same JSON, in the same order, as --jobs 1."""
    many = tmp_path / "many"
    many.mkdir()
    for n in range(24):
        (many / f"page-{n:02d}.html").write_text(CLINIC.format(n=n), encoding="utf-8")
    inputs = [str(SAMPLES), str(audit), str(many)]
    code1, local, _ = run(*inputs, "--jobs", "1", "--format", "json")
    code2, dask, err = run(*inputs, "--dask", cluster, "--format", "json")
    assert code1 == code2 == 1, err
    assert '"path": "' + BASE + '/about"' in local
    assert local.count('"path": "') == dask.count('"path": "')
    assert dask == local


def test_audit_site_score_same_as_one_job(cluster: str, audit: Path) -> None:
    code1, local, _ = run(str(audit), "--jobs", "1", "--format", "json")
    code2, dask, err = run(str(audit), "--dask", cluster, "--format", "json")
    assert code1 == code2, err
    assert '"site": {' in local
    assert dask == local


def test_sweep_site_scores_same_as_one_job(cluster: str, tmp_path) -> None:
    """A sweep (`crawl --sites`): one task per site audit, same pages and site scores."""
    from claimcheck.crawl.archive import file_sha256
    from claimcheck.crawl.sweep import write_sweep

    sweep = tmp_path / "sweep"
    pages = {
        "one.test": [(BASE + "/", HOME, HTML)],
        "two.test": [(BASE + "/", CLINIC.format(n=2).encode(), HTML)],
    }
    entries = []
    for name, site_pages in pages.items():
        build_audit(sweep / "sites" / name, site_pages)
        entries.append(
            {
                "seed": f"http://{name}/",
                "site": name,
                "dir": f"sites/{name}",
                "status": "done",
                "pages": 1,
                "errors": 0,
                "manifest_sha256": file_sha256(str(sweep / "sites" / name / "manifest.json")),
            }
        )
    index = {"kind": "claimcheck-sweep", "sweep_version": "1.0", "sites": entries}
    index["started"], index["ended"] = "2026-12-05T10:00:00+00:00", "2026-12-05T10:05:00+00:00"
    write_sweep(str(sweep), index)
    # a hand-built index (not a crawl's): verification is tested with real sweeps elsewhere
    code1, local, err1 = run(str(sweep), "--no-verify", "--jobs", "1", "--format", "json")
    code2, dask, err2 = run(str(sweep), "--no-verify", "--dask", cluster, "--format", "json")
    assert code1 == code2 == 1, (err1, err2)
    assert local.count('"path": "') == 2 and '"sites": [' in local
    assert dask == local


def test_text_report_same_and_pages_in_input_order(cluster: str, tmp_path) -> None:
    for name in ("b.html", "a.html", "c.html"):
        (tmp_path / name).write_text(CLINIC.format(n=name), encoding="utf-8")
    named = [str(tmp_path / n) for n in ("c.html", "a.html", "b.html")]
    _, local, _ = run(*named, "--jobs", "1")
    _, dask, err = run(*named, "--dask", cluster)
    assert dask == local, err
    assert dask.index("c.html") < dask.index("a.html") < dask.index("b.html")
    _, local, _ = run(*named, "--jobs", "1", "--format", "jsonl")
    _, dask, err = run(*named, "--dask", cluster, "--format", "jsonl")
    assert dask == local, err
    lines = [json.loads(line) for line in dask.splitlines()]
    assert [Path(p["path"]).name for p in lines[:-1]] == ["c.html", "a.html", "b.html"]
    assert lines[-1]["summary"]["files"] == 3


def test_jsonl_streams_page_by_page(tmp_path) -> None:
    """The first page line is out while the run is still going."""
    for n in range(30):
        (tmp_path / f"p{n:02d}.html").write_text(CLINIC.format(n=n), encoding="utf-8")
    cmd = ["-m", "claimcheck", "check", str(tmp_path), "--jobs", "1", "--format", "jsonl"]
    env = dict(os.environ, PYTHONPATH=str(SAMPLES.parent / "src"))
    with subprocess.Popen(
        [sys.executable, *cmd], stdout=subprocess.PIPE, text=True, env=env
    ) as proc:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        running = proc.poll() is None
        rest = proc.stdout.read().splitlines()
    assert first["path"].endswith("p00.html")
    assert running, "the first line came only when the run had ended"
    assert len(rest) == 30 and json.loads(rest[-1])["summary"]["files"] == 30


def test_warc_in_byte_ranges_same_as_one_job(cluster: str, tmp_path) -> None:
    """A WARC is cut into record-aligned byte ranges, one task each; the pages come back
    in record order and the pre-filter's skip count is the same as in one process."""
    warcfile = pytest.importorskip("claimcheck.crawl.warcfile", reason="the WARC reader")
    if not hasattr(warcfile, "warc_ranges"):
        pytest.skip("this WARC reader cannot cut byte ranges")
    warc = tmp_path / "mixed.warc.gz"
    write_warc(warc, 60)
    tasks = list(plan_tasks([str(warc)], Config(), threads=2))
    assert len(tasks) >= 2 and all(isinstance(t, Task) and t.kind == "range" for t in tasks)
    assert tasks[0].start == 0 and tasks[-1].end == warc.stat().st_size
    assert all(a.end == b.start for a, b in pairwise(tasks))
    code1, local, _ = run(str(warc), "--jobs", "1", "--format", "json")
    code2, dask, err = run(str(warc), "--dask", cluster, "--format", "json")
    assert code1 == code2 == 1, err
    assert local.count('"path": "http://site-') == 20  # the clinics; the recipes skipped:
    assert '"prefilter_skipped": 40' in local
    assert dask == local


def test_worker_in_another_directory_refuses_relative_paths(cluster: str, tmp_path) -> None:
    """Workers read inputs by path: one in another working directory would read other
    files (or none) for a relative path, so the run stops before submitting anything."""
    with distributed.Client(cluster) as client:
        here = os.getcwd()
        client.run(os.chdir, str(tmp_path))
        try:
            code, out, err = run(os.path.relpath(SAMPLES / "plain-copy.txt"), "--dask", cluster)
            absolute, _, err2 = run(str(SAMPLES / "plain-copy.txt"), "--dask", cluster)
        finally:
            client.run(os.chdir, here)
    assert (code, out) == (2, "")
    assert f"runs in {tmp_path}, not {here}" in err and err.count("\n") == 1
    assert absolute in (0, 1), err2


def test_dask_local_end_to_end() -> None:
    page = str(SAMPLES / "careful-clinic.html")
    code1, local, _ = run(page, "--jobs", "1", "--format", "json")
    code2, dask, err = run(page, "--dask", "local", "--jobs", "1", "--format", "json")
    assert (code2, dask) == (code1, local), err


def test_unreachable_scheduler_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("CLAIMCHECK_DASK_TIMEOUT", "1")
    code, out, err = run(str(SAMPLES), "--dask", f"tcp://127.0.0.1:{port}")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in err


def test_scheduler_without_workers_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMCHECK_DASK_TIMEOUT", "1")
    with distributed.LocalCluster(
        n_workers=0, processes=True, host="127.0.0.1", dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},
    ) as empty:  # fmt: skip
        code, out, err = run(str(SAMPLES), "--dask", empty.scheduler_address)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "has no worker after 1 s" in err


def test_without_dask_names_the_extra(tmp_path) -> None:
    page = tmp_path / "p.txt"
    shutil.copy(SAMPLES / "plain-copy.txt", page)
    block = "import sys; sys.modules.update(dict.fromkeys(['dask', 'distributed']))"
    cli = "from claimcheck.cli import main; main()"
    result = run_python(
        "-c", f"{block}; sys.argv = ['claimcheck', *sys.argv[1:]]; {cli}",
        "check", str(page), "--dask", "local",
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "claimcheck: error: --dask needs dask and distributed, which are not installed: "
        "pip install 'claimcheck[scale]'"
    ]


def test_scale_benchmark_smoke(tmp_path) -> None:
    """benchmarks/scale.py runs end to end (one configuration, a tiny WARC)."""
    result = run_python(
        "benchmarks/scale.py", "--records", "5", "--only", "jobs1", "--keep", str(tmp_path),
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| jobs1 | 10 | 10 |" in result.stdout
    assert "same report from every run on 10 records: True" in result.stdout
