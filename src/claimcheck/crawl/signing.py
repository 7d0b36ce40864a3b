"""Ed25519 signatures over an audit's manifest (`manifest.sig` beside `manifest.json`).

The manifest lists the SHA-256 of the WARC file, of every record in it, of every page
body, of report.json and of every other file of the audit (screenshots), so a signature
over the manifest covers all of them: editing one byte anywhere and re-hashing everything
changes the manifest, and the signature no longer matches. What is signed is a short,
versioned message: a context line, the manifest's SHA-256 and the signing time.

Keys are PEM files (`claimcheck keygen`): the private key in PKCS #8, written 0600 and
encrypted when CLAIMCHECK_KEY_PASSPHRASE is set; the public key in SubjectPublicKeyInfo.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from claimcheck.crawl.archive import MANIFEST, open_regular, read_manifest
from claimcheck.errors import ArchiveError, ClaimcheckError

SIGNATURE = "manifest.sig"
SIGNATURE_KIND = "claimcheck-manifest-signature"
PASSPHRASE_ENV = "CLAIMCHECK_KEY_PASSPHRASE"
_CONTEXT = b"claimcheck audit manifest signature v1\n"
_MAX_KEY_BYTES = 64 * 1024


class SigningError(ClaimcheckError):
    """A key, signature or time-stamp cannot be made or read (bad file, passphrase, TSA)."""


@dataclass(frozen=True)
class Check:
    """What a signature or time-stamp check found: failures, and what it establishes."""

    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def public_key_path(private_path: str) -> str:
    """Where keygen puts the public key: beside the private one, `.pub` added."""
    return private_path + ".pub"


def keygen(path: str) -> tuple[str, str, str]:
    """Make an Ed25519 key pair: (private key path, public key path, fingerprint).

    Refuses to overwrite either file. The private key is created 0600 from the start
    (never readable by others, whatever the umask) and encrypted with the passphrase in
    CLAIMCHECK_KEY_PASSPHRASE when it is set.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public_path = public_key_path(path)
    for target in (path, public_path):
        if os.path.lexists(target):
            raise SigningError(f"{target}: already exists; refused to overwrite a key")
    key = Ed25519PrivateKey.generate()
    passphrase = os.environ.get(PASSPHRASE_ENV)
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_new(path, private_pem, 0o600)
    _write_new(public_path, public_pem, 0o644)
    return path, public_path, fingerprint(key.public_key())


def _write_new(path: str, data: bytes, mode: int) -> None:
    """Create `path` (never replacing a file) with exactly `mode` and write `data`."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise SigningError(f"{path}: {exc.strerror or exc}") from None
    with open(fd, "wb", closefd=True) as handle:
        os.fchmod(fd, mode)
        handle.write(data)


def _read_small(path: str, what: str) -> bytes:
    """A key or signature file: regular, at most 64 KiB; SigningError otherwise."""
    try:
        with open_regular(path) as handle:
            data = handle.read(_MAX_KEY_BYTES + 1)
    except ArchiveError as exc:
        detail = str(exc).removeprefix(f"{path}: ")
        raise SigningError(f"{path}: {what}: {detail}") from None
    if len(data) > _MAX_KEY_BYTES:
        raise SigningError(f"{path}: {what}: larger than {_MAX_KEY_BYTES} bytes")
    return data


def load_private_key(path: str) -> Any:
    """The Ed25519 private key at `path`; refuses one others can read, as ssh does."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    data = _read_small(path, "private key")
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if os.name == "posix" and mode & 0o077:
        raise SigningError(
            f"{path}: private key permissions {mode:04o} are too open; run chmod 600 {path}"
        )
    passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        key = load_pem_private_key(data, passphrase.encode() if passphrase else None)
    except TypeError:
        raise SigningError(
            f"{path}: the key is encrypted: set {PASSPHRASE_ENV}"
            if not passphrase
            else f"{path}: the key is not encrypted: unset {PASSPHRASE_ENV}"
        ) from None
    except ValueError:
        raise SigningError(
            f"{path}: not a PEM private key, or a wrong passphrase ({PASSPHRASE_ENV})"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path}: not an Ed25519 key (make one with `claimcheck keygen`)")
    return key


def load_public_key(path: str) -> Any:
    """The Ed25519 public key in the PEM file at `path`."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(_read_small(path, "public key"))
    except ValueError:
        raise SigningError(f"{path}: not a PEM public key (the .pub file of keygen)") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"{path}: not an Ed25519 public key")
    return key


def fingerprint(public_key: Any) -> str:
    """`ed25519:` and the SHA-256 of the raw 32-byte public key, in hex."""
    return "ed25519:" + hashlib.sha256(_raw(public_key)).hexdigest()


def _raw(public_key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _message(manifest_sha256: str, signed_at: str) -> bytes:
    """The bytes actually signed: context, manifest hash, time."""
    return _CONTEXT + f"{manifest_sha256}\n{signed_at}\n".encode()


def sign_audit(directory: str, key: Any) -> dict[str, Any]:
    """Sign the audit's manifest with an Ed25519 private key; write and return manifest.sig.

    Refuses to replace an existing signature (delete it first to re-sign on purpose).
    """
    data, _ = read_manifest(directory)
    path = os.path.join(directory, SIGNATURE)
    if os.path.lexists(path):
        raise SigningError(f"{path}: already exists; the audit is already signed")
    manifest_sha = hashlib.sha256(data).hexdigest()
    signed_at = datetime.now(UTC).isoformat(timespec="seconds")
    signature = {
        "kind": SIGNATURE_KIND,
        "version": 1,
        "algorithm": "Ed25519",
        "manifest": MANIFEST,
        "manifest_sha256": manifest_sha,
        "signed_at": signed_at,
        "key_fingerprint": fingerprint(key.public_key()),
        "public_key": base64.b64encode(_raw(key.public_key())).decode(),
        "signature": base64.b64encode(key.sign(_message(manifest_sha, signed_at))).decode(),
    }
    _write_new(path, (json.dumps(signature, indent=2) + "\n").encode(), 0o644)
    return signature


def signature_info(directory: str) -> dict[str, Any] | None:
    """The audit's manifest.sig as written (unchecked), or None when it is not signed."""
    path = os.path.join(directory, SIGNATURE)
    if not os.path.lexists(path):
        return None
    return _parse_signature(_read_small(path, "signature"))


def _parse_signature(data: bytes) -> dict[str, Any]:
    """Decode manifest.sig; SigningError when it is not one."""
    try:
        sig = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        raise SigningError(f"{SIGNATURE}: not JSON") from None
    fields = ("manifest_sha256", "signed_at", "key_fingerprint", "public_key", "signature")
    if (
        not isinstance(sig, dict)
        or sig.get("kind") != SIGNATURE_KIND
        or sig.get("algorithm") != "Ed25519"
        or not all(isinstance(sig.get(f), str) for f in fields)
    ):
        raise SigningError(f"{SIGNATURE}: not a claimcheck Ed25519 manifest signature")
    return sig


def check_signature(directory: str, manifest_bytes: bytes, key_path: str | None) -> Check:
    """Check manifest.sig against the manifest's bytes, with the public key at `key_path`
    (required to pass when given) or else with the key the signature names."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    trusted = load_public_key(key_path) if key_path else None
    try:
        sig = signature_info(directory)
    except SigningError as exc:
        return Check(problems=(str(exc),))
    if sig is None:
        if trusted is not None:
            return Check(problems=(f"{SIGNATURE}: missing: the manifest is not signed",))
        return Check(notes=("signature: none (sign with `claimcheck sign` or crawl --sign)",))
    try:
        named = Ed25519PublicKey.from_public_bytes(base64.b64decode(sig["public_key"]))
        signature = base64.b64decode(sig["signature"], validate=True)
    except ValueError:
        return Check(problems=(f"{SIGNATURE}: malformed key or signature",))
    key = trusted or named
    manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
    problems = []
    if trusted is not None and fingerprint(trusted) != sig["key_fingerprint"]:
        problems.append(
            f"{SIGNATURE}: signed by {sig['key_fingerprint'][:80]}, not by the key given "
            f"({fingerprint(trusted)})"
        )
    try:
        key.verify(signature, _message(manifest_sha, sig["signed_at"]))
    except InvalidSignature:
        problems.append(f"{SIGNATURE}: signature does not match manifest.json (changed?)")
    if problems:
        return Check(problems=tuple(problems))
    who = fingerprint(key)
    if trusted is not None:
        return Check(notes=(f"signature: OK, manifest signed by {who} at {sig['signed_at']}",))
    return Check(
        notes=(
            f"signature: consistent with the key it names ({who}), which is not checked: "
            "pass --key PUB to tie it to a key you trust",
        )
    )
