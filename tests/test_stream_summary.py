"""`check --format jsonl` keeps no page report (issue 14): its summary line and exit code
are tallied as pages stream, and must be byte for byte what the full-report path (every
page kept, `build_report`) gives for the same inputs: on samples/, on a WARC made from
them with pages the pre-filter skips, and with `--dask local`.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.helpers import SAMPLES

from claimcheck.cli import main
from claimcheck.config import Config
from claimcheck.engine import ReportTally, check_paths, outcome_of
from claimcheck.lexicon import lexicon_for
from claimcheck.model import Report, Severity
from claimcheck.render.jsonl import JsonLinesWriter
from claimcheck.score import summarise

CONFIG = Config(model="none", jobs=1)

RECIPE = (
    "<html><body><h1>Lemon cake {n}</h1><p>Whisk the butter and sugar until pale. Fold in "
    "the flour and the zest of two lemons. Bake for forty minutes at 180 degrees.</p>"
    "</body></html>"
)


def write_warc(path: Path) -> None:
    """A gzip-per-record WARC written by warcio: three recipes (which the pre-filter
    skips) among the sample pages."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    samples = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".html", ".md", ".txt"))
    bodies = [(p.name, p.read_bytes()) for p in samples]
    for n in range(3):
        bodies.insert(4 * n + 1, (f"recipe-{n}.html", RECIPE.format(n=n).encode()))
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for name, body in bodies:
            kind = "text/plain" if name.endswith((".md", ".txt")) else "text/html"
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", f"{kind}; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                f"http://clinic.test/{name}", "response", payload=io.BytesIO(body),
                http_headers=headers,
            )  # fmt: skip
            writer.write_record(record)


@pytest.fixture(scope="module")
def warc(tmp_path_factory) -> Path:
    pytest.importorskip("warcio", reason="warcio (claimcheck[crawl]) writes the WARC")
    pytest.importorskip("claimcheck.crawl.warcfile", reason="the WARC reader")
    path = tmp_path_factory.mktemp("stream") / "samples.warc.gz"
    write_warc(path)
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", *args, "--model", "none", "--jobs", "1"])
    return result.exit_code, result.stdout, result.stderr


def summary_line(report: Report, config: Config) -> str:
    """The summary line the JSON Lines writer prints for a full report (pages kept)."""
    out = io.StringIO()
    JsonLinesWriter(out, lexicon_for(config.lexicons).rules, config.lang).finish(report)
    return out.getvalue().splitlines()[-1]


@pytest.fixture(scope="module")
def warc_full(warc: Path) -> Report:
    """The WARC's full report: every page kept, summed by `build_report`."""
    return check_paths([str(warc)], CONFIG)


def run_streamed(inputs: list[str], expected: str, *options: str) -> tuple[int, str]:
    """The streamed summary line is `expected`; returns the exit code and stderr."""
    code, out, err = run(*inputs, "--format", "jsonl", *options)
    assert out.splitlines()[-1] == expected, err
    return code, err


def test_samples_summary_exit_code_and_min_score_same_as_full_report() -> None:
    """On samples/ with --min-score 75: the summary line, exit code and stderr (a line for
    each page below 75, in input order) of the `--format json` run, which keeps every
    page (its report without `files` is what the JSON Lines writer prints)."""
    json_code, report, json_err = run(str(SAMPLES), "--format", "json", "--min-score", "75")
    head = json.loads(report)
    pages = head.pop("files")
    code, err = run_streamed(
        [str(SAMPLES)], json.dumps(head, ensure_ascii=False), "--min-score", "75"
    )
    assert code == json_code == 1 and err == json_err
    low = [p["path"] for p in pages if p["score"] is not None and p["score"] < 75]
    assert [line.split()[1] for line in err.splitlines()] == low and len(pages) == 13


def test_warc_summary_counts_prefilter_skips_like_full_report(
    warc: Path, warc_full: Report
) -> None:
    line = summary_line(warc_full, CONFIG)
    code, err = run_streamed([str(warc)], line)
    assert '"prefilter_skipped": 3' in line and '"files": 13' in line
    assert code == 1 and outcome_of(warc_full.files).worst == Severity.ERROR
    assert err == ""


def test_streamed_run_keeps_no_page(warc: Path, warc_full: Report) -> None:
    """With a tally the report lists nothing, yet its summary is the full report's."""
    tally = ReportTally(min_score=80)
    streamed = check_paths([str(warc)], CONFIG, tally=tally)
    assert streamed.files == () and len(warc_full.files) == 13
    assert streamed.summary == warc_full.summary == summarise(warc_full.files)
    assert streamed.prefilter_skipped == warc_full.prefilter_skipped == 3
    assert tally.outcome() == outcome_of(warc_full.files, 80)
    assert tally.outcome().below and tally.outcome().worst is not None


def test_dask_local_summary_same_as_full_report(warc: Path, warc_full: Report) -> None:
    pytest.importorskip("distributed", reason="dask/distributed (claimcheck[scale])")
    code, out, err = run(str(warc), "--format", "jsonl", "--dask", "local")
    assert out.splitlines()[-1] == summary_line(warc_full, CONFIG), err
    assert code == 1 and outcome_of(warc_full.files).worst == Severity.ERROR
