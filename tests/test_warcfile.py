"""`check` reads any WARC/ARC file (crawl/warcfile.py) and skips, with the keyword
pre-filter (pagefilter.py), archived pages that cannot have a finding.

Every archive here is written by warcio's own WARCWriter (not claimcheck's archive code),
or by hand for ARC, the way Common Crawl and other archives lay them out.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import sys
from importlib import resources
from itertools import pairwise
from pathlib import Path

import jsonschema
import pytest

from claimcheck.cli import main
from claimcheck.config import Config
from claimcheck.engine import Engine
from claimcheck.errors import SourceError
from claimcheck.extract import extract
from claimcheck.pagefilter import keyword_filter
from claimcheck.segment import document_text, segment
from claimcheck.sources import read_bytes, read_path

warcio = pytest.importorskip("warcio", reason="WARC reading needs claimcheck[crawl] (warcio)")
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from claimcheck.crawl.warcfile import (  # noqa: E402
    ArchivedInput,
    ReadCounts,
    fastwarc_available,
    iter_warc_inputs,
    warc_ranges,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SEEDS = ROOT.parent / "shared" / "seeds"
sys.path.insert(0, str(ROOT / "benchmarks"))
from warc_read import mixed_pages, unrelated_page, write_warc  # noqa: E402

CAP = 1 << 20
SMALL = (5, 12)  # sentences per generated unrelated page: keeps the checks fast
HTML = "text/html; charset=utf-8"
PAGE = b"<!doctype html><html><body><p>Stem cells for knee pain, %d.</p></body></html>"
NO_FASTWARC = "FastWARC (claimcheck[scale]) is not installed"
READERS = [
    "warcio",
    pytest.param(
        "fastwarc", marks=pytest.mark.skipif(not fastwarc_available(), reason=NO_FASTWARC)
    ),
]


@pytest.fixture(params=READERS)
def reader(request) -> str:
    """Each WARC test runs with both readers: they must give the same pages and errors."""
    return request.param


REPORT_SCHEMA = json.loads(
    resources.files("claimcheck").joinpath("schemas/report.schema.json").read_text("utf-8")
)


def _response(writer, url, body, headers, status="200 OK", warc_headers=None):
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    return writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=http,
        warc_headers_dict=warc_headers or {},
    )


def _write(path: Path, records, gzip_members=True, version="WARC/1.1") -> Path:
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gzip_members, warc_version=version)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for make in records:
            writer.write_record(make(writer))
    return path


def _pages(n: int):
    return [
        lambda w, i=i: _response(
            w, f"https://clinic.example/{i}", PAGE % i, [("Content-Type", HTML)]
        )
        for i in range(n)
    ]


def _mixed_records():
    """Pages among records that are not pages: request, metadata, image, 404, redirect."""
    request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "a.example")], is_http_request=True)
    return [
        lambda w: w.create_warc_record(
            "https://a.example/", "request", payload=io.BytesIO(b""), length=0, http_headers=request
        ),
        lambda w: _response(w, "https://a.example/", PAGE % 1, [("Content-Type", HTML)]),
        lambda w: _response(w, "https://a.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
                            [("Content-Type", "image/png")]),
        lambda w: _response(w, "https://a.example/gone", PAGE % 2, [("Content-Type", HTML)],
                            status="404 Not Found"),
        lambda w: _response(w, "https://a.example/old", b"", [("Location", "/new")],
                            status="301 Moved Permanently"),
        lambda w: w.create_warc_record(
            "https://a.example/", "metadata", payload=io.BytesIO(b"fetchTimeMs: 3\r\n"),
            length=16, warc_content_type="application/warc-fields",
        ),
        lambda w: _response(w, "https://a.example/notes.txt", b"Plain notes about PRP.\n",
                            [("Content-Type", "text/plain")]),
    ]  # fmt: skip


@pytest.mark.parametrize("gzip_members", [True, False], ids=["gzip", "plain"])
def test_warcio_written_warc_keeps_only_html_and_text_2xx_responses(
    tmp_path: Path, gzip_members: bool, reader: str
) -> None:
    name = "crawl.warc.gz" if gzip_members else "crawl.warc"
    warc = _write(tmp_path / name, _mixed_records(), gzip_members)
    counts = ReadCounts()
    items = list(iter_warc_inputs(str(warc), CAP, counts=counts, reader=reader))
    assert [i.origin.path for i in items] == ["https://a.example/", "https://a.example/notes.txt"]
    page = items[0]
    assert isinstance(page, ArchivedInput) and page.format == "html"
    assert page.data == PAGE % 1 and page.origin.kind == "url"
    assert page.origin.encoding == "utf-8" and page.origin.fetched_at.startswith("20")
    assert items[1].format == "text"
    assert (counts.records, counts.pages, counts.not_pages, counts.errors) == (8, 2, 6, 0)


def test_common_crawl_shaped_records(tmp_path: Path, reader: str) -> None:
    """WARC/1.0 responses as Common Crawl writes them: WARC-Identified-Payload-Type,
    WARC-Truncated, the original Transfer-Encoding renamed, a page without Content-Type."""
    body = b"<html><head><title>Clinica</title></head><body><p>Celulas madre.</p></body></html>"
    cc_headers = {
        "WARC-Identified-Payload-Type": "text/html",
        "WARC-Truncated": "length",
        "WARC-IP-Address": "192.0.2.7",
    }
    records = [
        lambda w: _response(
            w,
            "https://clinica.example/es/",
            body,
            [("Content-Type", "text/html; charset=ISO-8859-1"), ("X-Crawler-Encoding", "x")],
            warc_headers=cc_headers,
        ),
        lambda w: _response(w, "https://clinica.example/sin-tipo", body, [("Server", "x")],
                            warc_headers={"WARC-Identified-Payload-Type": "text/html"}),
        lambda w: _response(w, "https://clinica.example/sniffed", body, [("Server", "x")]),
        lambda w: _response(w, "https://clinica.example/a.pdf", b"%PDF-1.4", [("Server", "x")],
                            warc_headers={"WARC-Identified-Payload-Type": "application/pdf"}),
    ]  # fmt: skip
    warc = _write(tmp_path / "CC-MAIN-test.warc.gz", records, version="WARC/1.0")
    assert warc.read_bytes()[:3] == b"\x1f\x8b\x08"
    items = list(iter_warc_inputs(str(warc), CAP, reader=reader))
    assert [i.origin.path for i in items] == [
        "https://clinica.example/es/",
        "https://clinica.example/sin-tipo",
        "https://clinica.example/sniffed",
    ]
    assert items[0].origin.encoding == "iso-8859-1" and items[0].data == body
    assert all(i.format == "html" for i in items)


def test_chunked_body_is_joined(tmp_path: Path, reader: str) -> None:
    parts = [b"<html><body><p>Exosomes ", b"for COPD."]
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
    headers = [("Content-Type", HTML), ("Transfer-Encoding", "chunked")]
    records = [lambda w: _response(w, "https://c.example/", chunked, headers)]
    warc = _write(tmp_path / "c.warc.gz", records)
    (page,) = iter_warc_inputs(str(warc), CAP, reader=reader)
    assert page.data == b"<html><body><p>Exosomes for COPD."


def _arc_record(url: str, body: bytes, ctype: str = "text/html") -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype.encode() + b"\r\n\r\n" + body
    header = f"{url} 192.0.2.1 20261205101500 {ctype} {len(http)}\n".encode()
    return header + http + b"\n"


def _arc(gzip_members: bool) -> bytes:
    desc_body = b"1 0 test\nURL IP-address Archive-date Content-type Archive-length\n"
    desc = f"filedesc://test.arc 0.0.0.0 20261205101500 text/plain {len(desc_body)}\n".encode()
    parts = [
        desc + desc_body + b"\n",
        _arc_record("http://old.example/", PAGE % 7),
        _arc_record("http://old.example/a.gif", b"GIF89a" + b"\0" * 20, "image/gif"),
        _arc_record("http://old.example/b", PAGE % 8),
    ]
    if gzip_members:
        return b"".join(gzip.compress(p) for p in parts)
    return b"".join(parts)


@pytest.mark.parametrize("gzip_members", [True, False], ids=["arc.gz", "arc"])
def test_arc_files(tmp_path: Path, gzip_members: bool) -> None:
    arc = tmp_path / ("old.arc.gz" if gzip_members else "old.arc")
    arc.write_bytes(_arc(gzip_members))
    items = list(iter_warc_inputs(str(arc), CAP))
    assert [i.origin.path for i in items] == ["http://old.example/", "http://old.example/b"]
    assert items[1].data == PAGE % 8
    assert items[0].origin.fetched_at.startswith("2026-12-05T10:15:00")


def test_gzip_content_encoding_is_undone_and_a_bomb_is_capped(tmp_path: Path, reader: str) -> None:
    small = gzip.compress(PAGE % 3)
    bomb = gzip.compress(b"<p>" + b"a" * (8 * CAP))  # 8 MB out of a few KB
    zipped = [("Content-Type", HTML), ("Content-Encoding", "gzip")]
    plain = [("Content-Type", HTML)]
    records = [
        lambda w: _response(w, "https://z.example/", small, zipped),
        lambda w: _response(w, "https://z.example/bomb", bomb, zipped),
        lambda w: _response(w, "https://z.example/big", b"<p>" + b"b" * (2 * CAP), plain),
        lambda w: _response(w, "https://z.example/after", PAGE % 4, plain),
    ]
    warc = _write(tmp_path / "z.warc.gz", records)
    assert warc.stat().st_size < CAP  # the bomb is small on disk
    items = list(iter_warc_inputs(str(warc), CAP, reader=reader))
    assert items[0].data == PAGE % 3
    assert isinstance(items[1], SourceError) and items[1].kind == "too_large"
    assert items[1].path == "https://z.example/bomb"
    assert isinstance(items[2], SourceError) and items[2].kind == "too_large"
    assert items[3].data == PAGE % 4  # reading goes on after an oversized record


def test_truncated_file_ends_with_one_error(tmp_path: Path, reader: str) -> None:
    warc = _write(tmp_path / "t.warc.gz", _pages(20))
    data = warc.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    items = list(iter_warc_inputs(str(cut), CAP, reader=reader))
    pages = [i for i in items if not isinstance(i, SourceError)]
    errors = [i for i in items if isinstance(i, SourceError)]
    assert 5 < len(pages) < 20 and len(errors) == 1 and items[-1] is errors[0]
    assert "truncated" in errors[0].detail and errors[0].path == str(cut)


@pytest.mark.parametrize(
    "content",
    [b"just some text, not an archive\n" * 20, gzip.compress(b"<html>not a warc</html>")],
    ids=["text", "gzip"],
)
def test_not_a_warc_is_one_clear_error(tmp_path: Path, runner, content: bytes, reader: str) -> None:
    fake = tmp_path / "fake.warc.gz"
    fake.write_bytes(content)
    (error,) = list(iter_warc_inputs(str(fake), CAP, reader=reader))
    assert isinstance(error, SourceError) and "not a readable WARC or ARC file" in error.detail
    result = runner.invoke(main, ["check", str(fake)])
    assert result.exit_code == 2
    assert "not a readable WARC or ARC file" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("parts", [1, 2, 3, 7, 40])
def test_ranges_cover_the_file_and_their_union_is_the_whole_read(
    tmp_path: Path, parts, reader: str
) -> None:
    warc = _write(tmp_path / "r.warc.gz", _pages(30) + _mixed_records())
    whole = [(i.origin.path, i.data) for i in iter_warc_inputs(str(warc), CAP, reader=reader)]
    ranges = warc_ranges(str(warc), parts)
    assert ranges[0][0] == 0 and ranges[-1][1] == warc.stat().st_size
    assert all(a[1] == b[0] for a, b in pairwise(ranges))
    assert len(ranges) == parts or parts > 30
    union = [
        (i.origin.path, i.data)
        for a, b in ranges
        for i in iter_warc_inputs(str(warc), CAP, a, b, reader=reader)
    ]
    assert union == whole and len(whole) == 32


@pytest.mark.skipif(not fastwarc_available(), reason=NO_FASTWARC)
def test_both_readers_give_identical_pages_on_a_mixed_warc(tmp_path: Path) -> None:
    warc = tmp_path / "mixed.warc.gz"
    write_warc(warc, mixed_pages(60, 6, size=SMALL))
    by_warcio = list(iter_warc_inputs(str(warc), CAP, reader="warcio"))
    assert list(iter_warc_inputs(str(warc), CAP)) == by_warcio  # FastWARC by default
    assert len(by_warcio) == 60 and all(isinstance(i, ArchivedInput) for i in by_warcio)


def test_uncompressed_warc_is_one_range(tmp_path: Path) -> None:
    warc = _write(tmp_path / "p.warc", _pages(5), gzip_members=False)
    assert warc_ranges(str(warc), 4) == [(0, warc.stat().st_size)]


def test_check_reads_a_warc_end_to_end_json_text_and_jsonl(tmp_path: Path, runner) -> None:
    warc = tmp_path / "mixed.warc.gz"
    write_warc(warc, mixed_pages(24, 8, size=SMALL))
    rules_only = ["--model", "none", "--fail-on", "never"]
    result = runner.invoke(main, ["check", str(warc), "--format", "json", *rules_only])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    jsonschema.validate(report, REPORT_SCHEMA)
    listed = [f["path"] for f in report["files"]]
    assert all(p.startswith("https://clinic") for p in listed)  # the 5 sample pages
    assert len(listed) == 3 and report["summary"]["findings"] > 0
    assert report["summary"]["prefilter_skipped"] == 21
    text = runner.invoke(main, ["check", str(warc), "--lang", "en", *rules_only])
    assert "21 page(s) skipped by the keyword pre-filter" in text.output
    every = runner.invoke(
        main, ["check", str(warc), "--format", "json", "--no-prefilter", *rules_only]
    )
    full = json.loads(every.output)
    assert len(full["files"]) == 24 and "prefilter_skipped" not in full["summary"]
    assert full["summary"]["findings"] == report["summary"]["findings"]
    lines = runner.invoke(main, ["check", str(warc), "--format", "jsonl", *rules_only])
    assert lines.exit_code == 0, lines.output
    *pages, summary = [json.loads(line) for line in lines.output.splitlines()]
    assert [p["path"] for p in pages] == listed
    assert summary["summary"]["prefilter_skipped"] == 21


def test_named_files_are_never_prefiltered(tmp_path: Path, runner) -> None:
    page = tmp_path / "notes.html"
    page.write_bytes(unrelated_page(random.Random(3), 1))
    result = runner.invoke(main, ["check", str(page), "--format", "json"])
    report = json.loads(result.output)
    assert [f["path"] for f in report["files"]] == [str(page)]
    assert "prefilter_skipped" not in report["summary"]


NAMES_NOTHING_BUT_HAS_FINDINGS = {
    # No treatment or condition named, yet each gets findings from the full engine.
    "guarantee": "Our clinic guarantees results. 100% success rate! No side effects at all. "
    "It works like a miracle. Book your appointment today at our clinic in Tijuana.",
    "mx-seller": "Agenda tu cita hoy en nuestra clínica de Guadalajara, Jalisco. Atendemos de "
    "lunes a sábado. Llámanos al 33 1234 5678. Precios accesibles y estacionamiento gratis.",
    "our-therapy": "Our therapy is clinically proven and FDA-approved. It works for everyone, "
    "guaranteed. See the before and after photos of our patients.",
}


def _corpus(engine: Engine) -> list[tuple[str, object]]:
    docs = []
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix in (".html", ".md", ".txt"):
            docs.append((path.name, extract(read_path(str(path)))))
    if SEEDS.is_dir():
        for path in sorted(SEEDS.iterdir())[:20]:
            docs.append((path.name, extract(read_path(str(path)))))
    rng = random.Random(14)
    for n in range(40):
        page = unrelated_page(rng, n, (5, 40))
        docs.append((f"unrelated-{n}", extract(read_bytes(f"u{n}.html", page))))
    for name, text in NAMES_NOTHING_BUT_HAS_FINDINGS.items():
        for suffix in (".txt", ".html"):
            body = text if suffix == ".txt" else f"<html><body><p>{text}</p></body></html>"
            docs.append(
                (
                    name + suffix,
                    extract(read_bytes(f"https://x.com.mx/{name}{suffix}", body.encode())),
                )
            )
    return docs


def test_prefilter_never_skips_a_page_with_findings(engine: Engine) -> None:
    """The correctness property: every page the filter skips has no finding in the full
    engine, so skipping never changes a report's findings; and it does skip pages."""
    page_filter = keyword_filter(engine.compiled)
    skipped, kept = [], []
    for name, doc in _corpus(engine):
        findings = engine.check_document(doc).findings
        # What the filter relies on: sentences are slices of the page's text, and a page
        # with three visible blocks that hold a word has three visible sentences.
        text, sentences = document_text(doc), segment(doc)
        assert all(s.text == text[s.start : s.end] for s in sentences), name
        if sum(1 for b in doc.blocks if not b.hidden and any(c.isalnum() for c in b.text)) >= 3:
            assert sum(1 for s in sentences if not s.hidden) >= 3, name
        if page_filter.skips(doc):
            assert findings == (), f"{name}: skipped but has {[f.code for f in findings]}"
            skipped.append(name)
        else:
            kept.append(name)
    samples = [p.name for p in SAMPLES.iterdir() if p.suffix in (".html", ".md", ".txt")]
    assert all(name in kept for name in samples)  # every sample page has findings
    assert len(skipped) >= 25  # most unrelated pages
    for name in NAMES_NOTHING_BUT_HAS_FINDINGS:
        assert f"{name}.txt" in kept and f"{name}.html" in kept


def test_forced_page_type_turns_the_filter_off(tmp_path: Path) -> None:
    warc = tmp_path / "u.warc.gz"
    write_warc(warc, mixed_pages(6, 0, size=SMALL))
    from claimcheck.engine import check_paths

    auto = check_paths([str(warc)], Config(model="none", jobs=1))
    forced = check_paths([str(warc)], Config(model="none", jobs=1, page_type="commercial"))
    assert auto.prefilter_skipped == 6 and not auto.files
    assert forced.prefilter_skipped == 0 and len(forced.files) == 6
