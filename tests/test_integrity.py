"""Archive integrity (issue 11, items 3 and 5): `verify` trusts nothing the manifest does
not list, paths stay inside the audit, corrupt manifests give one line and exit 2, `check`,
`report` and `diff` verify an audit before using it, and an archived gzip bomb is capped.

Audits are built in-process with the crawler's own WarcArchive (no crawl, no network), so
each test can forge exactly one thing.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.helpers import run_python
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from claimcheck.cli import main
from claimcheck.crawl.archive import (
    AUDIT_KIND,
    MANIFEST,
    REPORT,
    WARC_NAME,
    WarcArchive,
    file_sha256,
    iter_audit_inputs,
    load_manifest,
    ref_to_dict,
)
from claimcheck.crawl.verify import verify_audit
from claimcheck.errors import ArchiveError, SourceError

BASE = "http://clinic.test"
HOME = (
    "<html lang='es-MX'><body><h1>Clínica</h1><p>Nuestro tratamiento con células madre "
    "cura la diabetes tipo 2. Agenda tu cita: $68,000 MXN, +52 33 5555 0142.</p></body></html>"
).encode()
ABOUT = b"<html><body><p>Somos una clinica en Guadalajara.</p></body></html>"
FORGED = b"<html><body><p>FORGED PAGE: este texto nunca fue servido.</p></body></html>"
HTML = [("Content-Type", "text/html; charset=utf-8")]


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def build_audit(
    out: Path,
    pages: list[tuple[str, bytes, list[tuple[str, str]]]],
    max_bytes: int = 1_000_000,
    report: bool = True,
) -> dict:
    """An audit directory as `crawl` writes it: WARC, manifest, report.json, hashes."""
    out.mkdir(parents=True)
    archive = WarcArchive(str(out))
    archive.write_warcinfo({"software": "claimcheck tests"})
    entries = []
    for url, body, headers in pages:
        _request, response = archive.write_exchange(url, "GET", [], 200, headers, body)
        entries.append(
            {
                "url": url,
                "status": 200,
                "content_type": dict(headers)["Content-Type"],
                "sha256": hashlib.sha256(body).hexdigest(),
                "parsed": True,
                "warc": {"file": WARC_NAME, "record_id": response.id},
            }
        )
    manifest = {
        "kind": AUDIT_KIND,
        "audit_id": "clinic.test-test",
        "site": "clinic.test",
        "seed": BASE + "/",
        "started": "2026-01-01T00:00:00+00:00",
        "settings": {"max_bytes": max_bytes},
        "pages": entries,
        "errors": [],
        "skipped": [],
        "warc": {
            "file": WARC_NAME,
            "sha256": archive.close(),
            "records": [ref_to_dict(r) for r in archive.records],
        },
    }
    write_json(out / MANIFEST, manifest)
    if report:
        from claimcheck.crawl.audit import audit_report
        from claimcheck.render.json import render_json

        (out / REPORT).write_text(render_json(audit_report(str(out))), encoding="utf-8")
        manifest["report_sha256"] = file_sha256(str(out / REPORT))
        write_json(out / MANIFEST, manifest)
    return manifest


def clinic_audit(root: Path) -> Path:
    """The two-page clinic audit (home and about) built in `root`: a module's pristine
    audit, never touched (test_signing builds its own with this too)."""
    out = root / "audit"
    build_audit(out, [(BASE + "/", HOME, HTML), (BASE + "/about", ABOUT, HTML)])
    return out


def copy_of(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of a pristine audit, for one test to tamper with."""
    copy = tmp_path / "audit"
    shutil.copytree(pristine, copy)
    return copy


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return clinic_audit(tmp_path_factory.mktemp("integrity"))


@pytest.fixture
def audit(pristine: Path, tmp_path: Path) -> Path:
    return copy_of(pristine, tmp_path)


def manifest_of(audit: Path) -> dict:
    return json.loads((audit / MANIFEST).read_text("utf-8"))


def cli(*args: str):
    """`claimcheck ARGS` in-process (click's runner), its result."""
    return CliRunner().invoke(main, list(args))


def one_line_error(result) -> str:
    """The run failed with exit 2 and one line on stderr, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.stderr
    return lines[0]


def test_a_faithful_audit_verifies_and_is_used(audit: Path) -> None:
    result = cli("verify", str(audit))
    assert result.exit_code == 0 and result.stdout.startswith("OK: 5 WARC record(s), 2 page(s)")
    assert cli("check", str(audit), "--format", "json").exit_code == 1  # findings, verified
    assert cli("report", str(audit), "--format", "json").exit_code == 0


def append_forged_record(audit: Path, record_id: str, url: str) -> None:
    """Append a response record reusing a page's record id, and update the WARC hash."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    http = StatusAndHeaders("200 OK", HTML, protocol="HTTP/1.1")
    record = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(FORGED),
        length=len(FORGED),
        http_headers=http,
        warc_headers_dict={"WARC-Record-ID": record_id},
    )
    writer.write_record(record)
    with open(audit / WARC_NAME, "ab") as handle:
        handle.write(buffer.getvalue())
    manifest = manifest_of(audit)
    manifest["warc"]["sha256"] = file_sha256(str(audit / WARC_NAME))
    write_json(audit / MANIFEST, manifest)


def test_verify_fails_on_an_appended_record_with_a_pages_id(audit: Path) -> None:
    page = manifest_of(audit)["pages"][0]
    append_forged_record(audit, page["warc"]["record_id"], page["url"])
    result = verify_audit(str(audit))
    assert not result.ok
    assert any("not a listed record (appended?)" in p for p in result.problems), result.problems
    assert cli("verify", str(audit)).exit_code == 1
    refused = one_line_error(cli("check", str(audit)))
    assert "failed verification" in refused and "--no-verify" in refused
    # even unverified, only the records the manifest lists are read: the forgery is not scored
    unverified = cli("check", str(audit), "--no-verify", "--format", "json")
    assert unverified.exit_code == 1 and "FORGED" not in unverified.stdout


def test_verify_fails_on_a_record_slipped_between_two(audit: Path) -> None:
    manifest = manifest_of(audit)
    manifest["warc"]["records"].pop(2)  # its bytes stay in the file, unlisted
    write_json(audit / MANIFEST, manifest)
    problems = verify_audit(str(audit)).problems
    assert any("are not a listed record" in p for p in problems), problems


def test_report_sha256_is_required(audit: Path) -> None:
    manifest = manifest_of(audit)
    del manifest["report_sha256"]
    write_json(audit / MANIFEST, manifest)
    (audit / REPORT).write_text('{"files": []}', encoding="utf-8")  # a forged report
    problems = verify_audit(str(audit)).problems
    assert "report.json: not covered by the manifest (no report_sha256)" in problems


def test_a_page_whose_record_does_not_exist_fails(audit: Path) -> None:
    manifest = manifest_of(audit)
    manifest["pages"][1]["warc"]["record_id"] = "<urn:uuid:00000000-0000-0000-0000-000000000000>"
    write_json(audit / MANIFEST, manifest)
    problems = verify_audit(str(audit)).problems
    assert any("page's response record is not in the archive" in p for p in problems)
    pages = list(iter_audit_inputs(str(audit)))
    assert isinstance(pages[1], SourceError) and "not in the manifest" in str(pages[1])


@pytest.mark.parametrize("command", ["verify", "check", "report"])
def test_a_warc_path_outside_the_audit_is_refused(audit: Path, command: str) -> None:
    manifest = manifest_of(audit)
    manifest["warc"]["file"] = "../../../../etc/passwd"
    write_json(audit / MANIFEST, manifest)
    result = cli(command, str(audit))
    line = one_line_error(result)
    assert "outside the audit directory" in line
    assert "root:" not in result.output and result.stdout == ""


def test_a_symlink_out_of_the_audit_and_a_listed_file_outside_are_refused(audit: Path) -> None:
    (audit / "evil.warc.gz").symlink_to("/etc/passwd")
    manifest = manifest_of(audit)
    manifest["warc"]["file"] = "evil.warc.gz"
    write_json(audit / MANIFEST, manifest)
    assert "outside the audit directory" in one_line_error(cli("verify", str(audit)))
    manifest["warc"]["file"] = WARC_NAME
    manifest["screenshots"] = [{"path": "/etc/passwd", "sha256": "0" * 64, "url": BASE}]
    write_json(audit / MANIFEST, manifest)
    assert "outside the audit directory" in one_line_error(cli("verify", str(audit)))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo (POSIX)")
def test_a_warc_that_is_a_fifo_is_refused_without_hanging(audit: Path) -> None:
    os.mkfifo(audit / "pipe.warc.gz")
    manifest = manifest_of(audit)
    manifest["warc"]["file"] = "pipe.warc.gz"
    write_json(audit / MANIFEST, manifest)
    with pytest.raises(ArchiveError, match="not a regular file"):
        list(iter_audit_inputs(str(audit)))
    for command in (["verify"], ["check", "--no-verify"], ["report", "--no-verify"]):
        result = run_python("-m", "claimcheck", *command, str(audit), timeout=60)
        assert result.returncode == 2 and "not a regular file" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


CORRUPT = {
    "not JSON": b"{this is not json",
    "not UTF-8": b'{"kind": "claimcheck-audit\xff"}',
    "a list": b"[1, 2, 3]",
    "wrong types": json.dumps({"kind": AUDIT_KIND, "warc": 5, "pages": "x"}).encode(),
    "record offset a string": None,
    "100k-deep JSON": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
@pytest.mark.parametrize("command", ["verify", "check", "report"])
def test_a_corrupt_manifest_is_one_line_and_exit_2(audit: Path, case: str, command: str) -> None:
    data = CORRUPT[case]
    if data is None:
        manifest = manifest_of(audit)
        manifest["warc"]["records"][1]["offset"] = "12"
        data = json.dumps(manifest).encode()
    (audit / MANIFEST).write_bytes(data)
    extra = ["--allow-empty"] if command == "check" else []  # not "no files to check", exit 0
    one_line_error(cli(command, str(audit), *extra))


def test_diff_verifies_both_audits_first(audit: Path, pristine: Path) -> None:
    assert cli("diff", str(pristine), str(audit)).exit_code == 0
    report = audit / REPORT
    data = json.loads(report.read_text("utf-8"))
    data["files"] = []  # a forged report.json: every finding "fixed"
    report.write_text(json.dumps(data), encoding="utf-8")
    line = one_line_error(cli("diff", str(pristine), str(audit)))
    assert "failed verification" in line and "report.json: SHA-256 does not match" in line
    unverified = cli("diff", str(pristine), str(audit), "--no-verify")
    assert unverified.exit_code == 0 and "fixed (" in unverified.stdout


def test_report_refuses_a_tampered_warc_unless_told(audit: Path) -> None:
    warc = audit / WARC_NAME
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    assert "failed verification" in one_line_error(cli("report", str(audit), "--format", "json"))
    assert cli("report", str(audit), "--format", "json", "--no-verify").exit_code == 0


def test_verify_expect_compares_the_manifest_hash(audit: Path) -> None:
    sha = file_sha256(str(audit / MANIFEST))
    assert cli("verify", str(audit), "--expect", sha.upper()).exit_code == 0
    wrong = cli("verify", str(audit), "--expect", "ab" * 32)
    assert wrong.exit_code == 1 and f"FAIL manifest.json: SHA-256 {sha} is not the expected" in (
        wrong.stdout
    )
    assert "not a SHA-256" in one_line_error(cli("verify", str(audit), "--expect", "xyz"))


def gzip_bomb(size: int) -> bytes:
    """A valid gzip stream of `size` zero bytes, built from one repeated deflate block
    (so making it costs a few MB, not `size`)."""
    mib = 1 << 20
    zeros = bytes(mib)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH) == block
    end = compressor.flush(zlib.Z_FINISH)[:-8]  # the final empty block, without the trailer
    crc = 0
    for _ in range(size // mib):
        crc = zlib.crc32(zeros, crc)
    return head + block * (size // mib - 1) + end + struct.pack("<II", crc, size & 0xFFFFFFFF)


BOMB_PROBE = """
import json, resource, sys
from claimcheck.crawl.audit import audit_report

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

audit_report(sys.argv[1])  # the control: engine, model and a small gzip page, no bomb
control_mb = peak_mb()
report = audit_report(sys.argv[2])
page = next(p for p in report.files if p.path.endswith("/bomb"))
print(json.dumps({
    "score": page.score,
    "errors": [[e.kind, e.message] for e in page.errors],
    "scored": [p.path for p in report.files if p.score is not None],
    "control_mb": control_mb,
    "bomb_extra_mb": peak_mb() - control_mb,
}))
"""


def test_an_archived_gzip_bomb_is_capped_and_reported(tmp_path: Path) -> None:
    bomb = gzip_bomb(2 << 30)  # 2 GiB of zeros in about 2 MB
    assert len(bomb) < 3 << 20
    headers = [*HTML, ("Content-Encoding", "gzip")]
    out = tmp_path / "audit"
    pages = [(BASE + "/", HOME, HTML), (BASE + "/bomb", bomb, headers)]
    build_audit(out, pages, max_bytes=4 << 20, report=False)
    assert verify_audit(str(out)).problems == (
        "report.json: not covered by the manifest (no report_sha256)",
    )
    control = tmp_path / "control"
    small = gzip.compress(HOME)
    build_audit(control, [(BASE + "/", HOME, HTML), (BASE + "/bomb", small, headers)], 4 << 20)
    result = run_python("-c", BOMB_PROBE, str(control), str(out), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout)
    assert data["score"] is None and data["scored"] == [BASE + "/"]
    assert data["errors"][0][0] == "too_large" and "max-bytes" in data["errors"][0][1]
    # The bomb may cost its compressed record and the 4 MiB cap, never its 2 GiB: the
    # growth of peak memory over the control run (same engine, same pages) is what it costs.
    assert data["bomb_extra_mb"] < 64, data


def test_check_of_an_audit_dir_with_a_broken_manifest_never_says_no_files(audit: Path) -> None:
    (audit / MANIFEST).write_text("not json", encoding="utf-8")
    result = cli("check", str(audit), "--allow-empty")
    assert result.exit_code == 2 and "no files to check" not in result.output
    assert "unreadable manifest" in result.stderr
    with pytest.raises(ArchiveError):
        load_manifest(str(audit))
