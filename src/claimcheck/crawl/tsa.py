"""RFC 3161 time-stamps of an audit's manifest (`manifest.tsr` beside `manifest.json`).

`stamp_audit` sends a TimeStampReq for the manifest's SHA-256 (with a nonce, asking for
the TSA's certificate) to a time-stamping authority over HTTP and keeps the whole
TimeStampResp, so `openssl ts -verify` can check it too. `check_timestamp` checks that
the token is for this manifest's hash, that its CMS signature verifies with the
certificate it carries, and, given `--tsa-cert`, that this certificate is the trusted
one or was issued by it. ASN.1 is read and written with asn1crypto; signatures are
checked with cryptography.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from claimcheck.crawl.archive import read_manifest
from claimcheck.crawl.signing import Check, SigningError, _read_small, _write_new
from claimcheck.errors import ConfigError

TOKEN = "manifest.tsr"
MAX_RESPONSE = 1024 * 1024
_HASHES = {"sha256", "sha384", "sha512"}


def build_request(digest: bytes, nonce: int) -> bytes:
    """A DER TimeStampReq for a SHA-256 digest, asking for the TSA's certificate."""
    from asn1crypto import tsp

    return tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    ).dump()


def request_timestamp(url: str, digest: bytes, timeout: float = 30.0) -> bytes:
    """POST a TimeStampReq to the TSA at `url`; the DER TimeStampResp once checked."""
    if not url.lower().startswith(("http://", "https://")):
        raise ConfigError(f"--tsa {url[:100]!r}: not an http(s) URL")
    nonce = secrets.randbits(63)
    request = urllib.request.Request(
        url,
        data=build_request(digest, nonce),
        headers={"Content-Type": "application/timestamp-query"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_RESPONSE + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise SigningError(f"time-stamp from {url[:100]}: {getattr(exc, 'reason', exc)}") from None
    if len(body) > MAX_RESPONSE:
        raise SigningError(f"time-stamp from {url[:100]}: response larger than {MAX_RESPONSE}")
    token = inspect_token(body, digest)
    if token.problems:
        raise SigningError(f"time-stamp from {url[:100]}: {token.problems[0]}")
    if token.nonce != nonce:
        raise SigningError(f"time-stamp from {url[:100]}: nonce does not match the request")
    return body


def stamp_audit(directory: str, url: str, timeout: float = 30.0) -> TokenInfo:
    """Time-stamp the audit's manifest at the TSA `url`; write manifest.tsr."""
    data, _ = read_manifest(directory)
    path = os.path.join(directory, TOKEN)
    if os.path.lexists(path):
        raise SigningError(f"{path}: already exists; the audit is already time-stamped")
    digest = hashlib.sha256(data).digest()
    body = request_timestamp(url, digest, timeout)
    _write_new(path, body, 0o644)
    return inspect_token(body, digest)


@dataclass(frozen=True)
class TokenInfo:
    """What a time-stamp token says (time, TSA, nonce, certificate) and what is wrong."""

    problems: tuple[str, ...]
    gen_time: str = ""
    tsa: str = ""
    nonce: int | None = None
    certificate: bytes = b""


def inspect_token(der: bytes, digest: bytes) -> TokenInfo:
    """Check a DER TimeStampResp against a manifest's SHA-256 digest."""
    from asn1crypto import tsp

    try:
        status_info = _status(der)
        status = status_info["status"].native
        if status not in ("granted", "granted_with_mods"):
            text = status_info["status_string"].native or []
            return TokenInfo((f"TSA refused: {status} {' '.join(text)[:100]}".strip(),))
        return _inspect_signed(tsp.TimeStampResp.load(der)["time_stamp_token"], digest)
    except Exception as exc:  # asn1crypto parses lazily and raises its own errors
        return TokenInfo((f"unreadable time-stamp token ({type(exc).__name__})",))


def _status(der: bytes) -> Any:
    """The PKIStatusInfo of a TimeStampResp, read on its own: asn1crypto's TimeStampResp
    requires a token, which a refusal does not carry."""
    from asn1crypto import core, tsp

    return tsp.PKIStatusInfo.load(core.Sequence.load(der)[0].dump())


def _inspect_signed(token: Any, digest: bytes) -> TokenInfo:
    """The token's TSTInfo, imprint, content digest and CMS signature."""
    if token["content_type"].native != "signed_data":
        return TokenInfo(("time-stamp token is not CMS SignedData",))
    signed = token["content"]
    encap = signed["encap_content_info"]
    if encap["content_type"].native != "tst_info":
        return TokenInfo(("time-stamp token holds no TSTInfo",))
    tst_der = encap["content"].contents
    tst = encap["content"].parsed
    imprint = tst["message_imprint"]
    problems: list[str] = []
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    if algorithm != "sha256" or imprint["hashed_message"].native != digest:
        problems.append("time-stamp is for another hash than this manifest's SHA-256")
    signer = signed["signer_infos"][0]
    certificate = _signer_certificate(signed, signer)
    if certificate is None:
        problems.append("time-stamp token carries no certificate for its signer")
    else:
        problems += _signature_problems(signer, tst_der, certificate)
    return TokenInfo(
        tuple(problems),
        gen_time=tst["gen_time"].native.isoformat(),
        tsa=certificate.subject.human_friendly if certificate is not None else "?",
        nonce=tst["nonce"].native,
        certificate=certificate.dump() if certificate is not None else b"",
    )


def _signer_certificate(signed: Any, signer: Any) -> Any:
    """The certificate in the token that the signer info points at, or None."""
    sid = signer["sid"]
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            same_serial = cert.serial_number == wanted["serial_number"].native
            if same_serial and cert.issuer == wanted["issuer"]:
                return cert
        elif cert.key_identifier == sid.chosen.native:
            return cert
    return None


def _signature_problems(signer: Any, tst_der: bytes, certificate: Any) -> list[str]:
    """The CMS checks: the signed message digest is the TSTInfo's, the signature over the
    signed attributes verifies with the certificate, which is for time-stamping."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    hash_name = signer["digest_algorithm"]["algorithm"].native
    if hash_name not in _HASHES:
        return [f"time-stamp token uses an unsupported digest ({hash_name})"]
    attrs = signer["signed_attrs"]
    digests = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"]
    if digests != [hashlib.new(hash_name, tst_der).digest()]:
        return ["time-stamp token's message digest does not match its TSTInfo"]
    signed_bytes = b"\x31" + attrs.dump()[1:]  # signed over as SET OF, stored as [0]
    try:
        cert = x509.load_der_x509_certificate(certificate.dump())
        _verify(cert.public_key(), signer, signed_bytes, hash_name)
    except InvalidSignature:
        return ["time-stamp token's signature does not verify"]
    except (ValueError, TypeError) as exc:
        return [f"time-stamp token's signature cannot be checked ({exc})"]
    usage = certificate.extended_key_usage_value
    if usage is None or "time_stamping" not in usage.native:
        return ["time-stamp certificate is not for time-stamping (extended key usage)"]
    return []


def _verify(public_key: Any, signer: Any, data: bytes, hash_name: str) -> None:
    """Verify a CMS signature with RSA PKCS#1 v1.5, ECDSA or Ed25519; raises on failure."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    chosen = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
    algorithm = chosen[hash_name]()
    signature = signer["signature"].native
    if isinstance(public_key, rsa.RSAPublicKey):
        if signer["signature_algorithm"].signature_algo != "rsassa_pkcs1v15":
            raise ValueError("only RSA PKCS#1 v1.5 is supported")
        public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(algorithm))
    elif isinstance(public_key, ed25519.Ed25519PublicKey):
        public_key.verify(signature, data)
    else:
        raise ValueError("unsupported key type")


def check_timestamp(directory: str, manifest_bytes: bytes, tsa_cert: str | None) -> Check:
    """Check manifest.tsr against the manifest's bytes; with `tsa_cert` (a PEM or DER
    certificate), a token is required and must come from that certificate or one it
    issued."""
    trusted = _load_certificate(tsa_cert) if tsa_cert else None
    path = os.path.join(directory, TOKEN)
    if not os.path.lexists(path):
        if trusted is not None:
            return Check(problems=(f"{TOKEN}: missing: the manifest is not time-stamped",))
        return Check()
    try:
        der = _read_small(path, "time-stamp token")
    except SigningError as exc:
        return Check(problems=(str(exc),))
    info = inspect_token(der, hashlib.sha256(manifest_bytes).digest())
    if info.problems:
        return Check(problems=tuple(f"{TOKEN}: {p}" for p in info.problems))
    said = f"time-stamp: manifest.json existed at {info.gen_time} (TSA: {info.tsa[:100]})"
    if trusted is None:
        return Check(notes=(said + "; TSA certificate not checked: pass --tsa-cert PEM",))
    if not _issued_by_or_is(info.certificate, trusted):
        return Check(problems=(f"{TOKEN}: signed by a TSA certificate other than --tsa-cert",))
    return Check(notes=(said + "; TSA certificate checked against --tsa-cert",))


def _load_certificate(path: str) -> Any:
    """A certificate (PEM or DER) for --tsa-cert."""
    from cryptography import x509

    data = _read_small(path, "TSA certificate")
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise ConfigError(f"{path}: not an X.509 certificate (PEM or DER)") from None


def _issued_by_or_is(der: bytes, trusted: Any) -> bool:
    """True when the token's certificate is the trusted one or was signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    if der == trusted.public_bytes(Encoding.DER):
        return True
    try:
        x509.load_der_x509_certificate(der).verify_directly_issued_by(trusted)
    except Exception:  # InvalidSignature, ValueError or TypeError: not issued by it
        return False
    return True
