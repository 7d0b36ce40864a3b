"""A manifest that proves itself (issue 13, part 5): keygen, Ed25519 signatures over the
manifest, RFC 3161 time-stamps from a local TSA, and verification that fails when a page
is edited and every hash in the manifest recomputed.

The TSA is a tiny HTTP server on 127.0.0.1 started in the test, signing with an EC key and
a self-signed time-stamping certificate made in the test. Nothing leaves loopback.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from tests.helpers import run_python
from tests.site_server import SiteServer
from tests.test_integrity import ABOUT, BASE, HOME, HTML, build_audit, cli, clinic_audit, copy_of

from claimcheck.crawl.archive import MANIFEST, file_sha256
from claimcheck.crawl.signing import SIGNATURE, keygen, load_private_key, sign_audit
from claimcheck.crawl.tsa import TOKEN, stamp_audit
from claimcheck.crawl.verify import verify_audit
from claimcheck.errors import ClaimcheckError

FAST = ["--delay", "0", "--timeout", "2", "--retries", "0", "--max-bytes", "1000000"]


class LocalTSA:
    """An RFC 3161 time-stamping authority on 127.0.0.1 with a key made for the test."""

    def __init__(self, directory: Path, refuse: bool = False) -> None:
        self.refuse = refuse
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "claimcheck test TSA")])
        now = datetime.now(UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)
            .sign(self.key, hashes.SHA256())
        )
        self.cert_path = directory / "tsa.pem"
        self.cert_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        self.requests = 0

    def respond(self, body: bytes) -> bytes:
        """A granted TimeStampResp for the request (or a rejection when `refuse`)."""
        self.requests += 1
        if self.refuse:
            return bytes.fromhex("3005300302010" + "2")  # status rejection (2), no token
        request = tsp.TimeStampReq.load(body)
        cert = asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))
        info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": "1.3.6.1.4.1.99999.1",
                "message_imprint": request["message_imprint"],
                "serial_number": self.requests,
                "gen_time": datetime.now(UTC).replace(microsecond=0),
                "nonce": request["nonce"],
            }
        )
        attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
                cms.CMSAttribute(
                    {"type": "message_digest", "values": [hashlib.sha256(info.dump()).digest()]}
                ),
                cms.CMSAttribute(  # ESS: which certificate signed (openssl requires it)
                    {
                        "type": "signing_certificate_v2",
                        "values": [
                            {"certs": [{"cert_hash": hashlib.sha256(cert.dump()).digest()}]}
                        ],
                    }
                ),
            ]
        )
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": cert.issuer,
                            "serial_number": cert.serial_number,
                        }
                    }
                ),
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": attrs,
                "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                "signature": self.key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256())),
            }
        )
        signed = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [{"algorithm": "sha256"}],
                "encap_content_info": {"content_type": "tst_info", "content": info},
                "certificates": [cert],
                "signer_infos": [signer],
            }
        )
        token = cms.ContentInfo({"content_type": "signed_data", "content": signed})
        return tsp.TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": token}
        ).dump()

    def __enter__(self) -> LocalTSA:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                reply = tsa.respond(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[LocalTSA]:
    with LocalTSA(tmp_path) as server:
        yield server


@pytest.fixture
def keys(tmp_path: Path) -> tuple[str, str]:
    private, public, _ = keygen(str(tmp_path / "audit-key"))
    return private, public


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return clinic_audit(tmp_path_factory.mktemp("signing"))


@pytest.fixture
def audit(pristine: Path, tmp_path: Path) -> Path:
    return copy_of(pristine, tmp_path)


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path: Path) -> None:
    path = tmp_path / "k"
    result = cli("keygen", "-o", str(path))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    public = tmp_path / "k.pub"
    assert "pub" in public.name and b"BEGIN PUBLIC KEY" in public.read_bytes()
    assert b"BEGIN PRIVATE KEY" in path.read_bytes()
    assert "fingerprint ed25519:" in result.stdout
    again = cli("keygen", "-o", str(path))
    assert again.exit_code == 2 and "refused to overwrite" in again.stderr


def test_an_encrypted_key_needs_its_passphrase(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CLAIMCHECK_KEY_PASSPHRASE", "correct horse")
    private, _, _ = keygen(str(tmp_path / "k"))
    assert b"ENCRYPTED PRIVATE KEY" in Path(private).read_bytes()
    load_private_key(private)
    monkeypatch.setenv("CLAIMCHECK_KEY_PASSPHRASE", "wrong")
    with pytest.raises(ClaimcheckError, match="wrong passphrase"):
        load_private_key(private)
    monkeypatch.delenv("CLAIMCHECK_KEY_PASSPHRASE")
    with pytest.raises(ClaimcheckError, match="encrypted"):
        load_private_key(private)


def test_a_key_others_can_read_is_refused(keys: tuple[str, str]) -> None:
    os.chmod(keys[0], 0o644)
    with pytest.raises(ClaimcheckError, match="too open"):
        load_private_key(keys[0])


def rehash_everything(audit: Path, edited_body: bytes) -> None:
    """The forger's move: rebuild the audit with one page edited, every hash in the manifest
    recomputed (records, WARC, pages, report), and put the old signature back."""
    saved = {
        name: (audit / name).read_bytes() for name in (SIGNATURE, TOKEN) if (audit / name).exists()
    }
    shutil.rmtree(audit)
    build_audit(audit, [(BASE + "/", edited_body, HTML), (BASE + "/about", ABOUT, HTML)])
    for name, data in saved.items():
        (audit / name).write_bytes(data)


def test_a_signed_audit_verifies_and_an_edit_rehashed_does_not(
    audit: Path, keys: tuple[str, str]
) -> None:
    private, public = keys
    assert cli("sign", str(audit), "--key", private).exit_code == 0
    ok = cli("verify", str(audit), "--key", public)
    assert ok.exit_code == 0, ok.output
    assert "signature: OK, manifest signed by ed25519:" in ok.stdout
    edited = HOME.replace(b"cura la", b"cuRa la")  # one byte
    assert edited != HOME
    rehash_everything(audit, edited)
    forged = cli("verify", str(audit), "--key", public)
    assert forged.exit_code == 1
    assert "FAIL manifest.sig: signature does not match manifest.json" in forged.stdout
    assert verify_audit(str(audit)).problems == (
        "manifest.sig: signature does not match manifest.json (changed?)",
    )
    (audit / SIGNATURE).unlink()  # without the signature, every hash agrees ...
    assert verify_audit(str(audit)).ok
    missing = cli("verify", str(audit), "--key", public)  # ... but the key requires one
    assert missing.exit_code == 1 and "manifest.sig: missing" in missing.stdout


def test_a_listed_screenshot_is_covered_by_the_signature(
    audit: Path, keys: tuple[str, str]
) -> None:
    private, public = keys
    shot = audit / "screenshots" / "home.png"
    shot.parent.mkdir()
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    manifest = json.loads((audit / MANIFEST).read_text("utf-8"))
    entry = {"path": "screenshots/home.png", "sha256": file_sha256(str(shot)), "url": BASE + "/"}
    manifest["screenshots"] = [entry]
    (audit / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    sign_audit(str(audit), load_private_key(private))
    assert verify_audit(str(audit), key=public).files == 1
    shot.write_bytes(shot.read_bytes() + b"edited")
    assert "screenshots/home.png: SHA-256 does not match" in verify_audit(str(audit)).problems
    manifest["screenshots"][0]["sha256"] = file_sha256(str(shot))  # and re-hashed
    (audit / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert not verify_audit(str(audit), key=public).ok


def test_verify_with_another_key_fails(audit: Path, keys, tmp_path: Path) -> None:
    sign_audit(str(audit), load_private_key(keys[0]))
    _, other, _ = keygen(str(tmp_path / "other"))
    result = cli("verify", str(audit), "--key", other)
    assert result.exit_code == 1 and "not by the key given" in result.stdout


def test_sign_refuses_an_audit_that_does_not_verify(audit: Path, keys) -> None:
    (audit / "report.json").write_text("{}", encoding="utf-8")
    result = cli("sign", str(audit), "--key", keys[0])
    assert result.exit_code == 2 and "failed verification" in result.stderr
    assert not (audit / SIGNATURE).exists()


def test_a_time_stamp_from_a_local_tsa_is_checked(
    audit: Path, tsa: LocalTSA, tmp_path: Path
) -> None:
    info = stamp_audit(str(audit), tsa.url)
    assert tsa.requests == 1 and not info.problems and info.tsa.endswith("claimcheck test TSA")
    result = cli("verify", str(audit), "--tsa-cert", str(tsa.cert_path))
    assert result.exit_code == 0, result.output
    assert "time-stamp: manifest.json existed at" in result.stdout
    assert "checked against --tsa-cert" in result.stdout
    token = audit / TOKEN
    good = token.read_bytes()
    broken = bytearray(good)
    broken[-10] ^= 0x01  # inside the signature
    token.write_bytes(bytes(broken))
    assert not verify_audit(str(audit)).ok
    token.write_bytes(good)
    if shutil.which("openssl"):  # the token is standard: openssl checks it the same way
        command = ["openssl", "ts", "-verify", "-in", str(token), "-data", str(audit / MANIFEST)]
        checked = subprocess.run(
            [*command, "-CAfile", str(tsa.cert_path)], capture_output=True, text=True
        )
        assert "Verification: OK" in checked.stdout, checked.stderr
    (tmp_path / "other").mkdir()
    with LocalTSA(tmp_path / "other") as other:
        wrong = cli("verify", str(audit), "--tsa-cert", str(other.cert_path))
    assert wrong.exit_code == 1 and "other than --tsa-cert" in wrong.stdout
    manifest = audit / MANIFEST
    manifest.write_bytes(manifest.read_bytes() + b"\n")  # a token for another manifest
    assert any("another hash" in p for p in verify_audit(str(audit)).problems)


def test_a_refusing_tsa_is_one_line_and_exit_2(audit: Path, tmp_path: Path) -> None:
    with LocalTSA(tmp_path, refuse=True) as refusing:
        result = cli("sign", str(audit), "--tsa", refusing.url)
    assert result.exit_code == 2 and "TSA refused: rejection" in result.stderr
    assert not (audit / TOKEN).exists()
    unreachable = cli("sign", str(audit), "--tsa", "http://127.0.0.1:9/tsa")
    assert unreachable.exit_code == 2 and len(unreachable.stderr.strip().splitlines()) == 1


def test_crawl_signs_and_time_stamps_the_audit(tmp_path: Path, keys, tsa: LocalTSA) -> None:
    private, public = keys
    out = tmp_path / "crawl"
    with SiteServer() as site:
        result = run_python(
            "-m",
            "claimcheck",
            "crawl",
            site.base + "/",
            "--out",
            str(out),
            "--depth",
            "0",
            *FAST,
            "--no-history",
            "--sign",
            private,
            "--tsa",
            tsa.url,
            timeout=120,
        )
    assert result.returncode in (0, 1), result.stderr
    sha = file_sha256(str(out / MANIFEST))
    assert f"manifest sha256 {sha}" in result.stdout
    assert "signed manifest.sig with ed25519:" in result.stdout
    assert "time-stamped manifest.tsr" in result.stdout
    verify = cli(
        "verify", str(out), "--key", public, "--expect", sha, "--tsa-cert", str(tsa.cert_path)
    )
    assert verify.exit_code == 0, verify.output
