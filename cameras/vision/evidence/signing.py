"""Per-camera Ed25519 signing keys for evidence manifests.

Each camera worker holds one private key; the back office holds the matching public key
(registered with the camera). A signed manifest lets anyone holding the public key show
that an evidence package left the camera unchanged.

Ed25519 comes from the `cryptography` package (a well-kept, constant-time
implementation); the edge box installs it beside OpenCV and NumPy. Keys are stored as
standard PEM (PKCS#8 private, SubjectPublicKeyInfo public), readable by OpenSSL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature as _InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey as _PrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey as _PublicKey

BACKEND = "cryptography"

# Fixed DER prefixes for Ed25519 keys (RFC 8410): 32 raw key bytes follow each.
_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
_PEM_RE = re.compile(rb"-----BEGIN ([A-Z ]+)-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END \1-----")


class SignatureError(ValueError):
    """A signature did not verify, or a key/signature was malformed."""


def canonical_json(obj: Any) -> bytes:
    """Canonical JSON: sorted keys, no whitespace, UTF-8, no NaN (not portable JSON)."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


@dataclass(frozen=True)
class PublicKey:
    raw: bytes  # 32 bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 32:
            raise SignatureError(f"an Ed25519 public key is 32 bytes, got {len(self.raw)}")

    @property
    def key_id(self) -> str:
        """Short stable fingerprint, written into manifests so the right key is found."""
        return hashlib.sha256(self.raw).hexdigest()[:16]

    def to_pem(self) -> bytes:
        return _pem("PUBLIC KEY", _SPKI_PREFIX + self.raw)

    @classmethod
    def from_pem(cls, data: bytes) -> PublicKey:
        return cls(_unpem(data, "PUBLIC KEY", _SPKI_PREFIX))


@dataclass(frozen=True, repr=False)
class SigningKey:
    seed: bytes  # the 32-byte Ed25519 private seed

    def __post_init__(self) -> None:
        if len(self.seed) != 32:
            raise SignatureError(f"an Ed25519 private key is 32 bytes, got {len(self.seed)}")

    def __repr__(self) -> str:  # never print the secret into logs
        return f"SigningKey(key_id={self.public_key.key_id!r})"

    @property
    def public_key(self) -> PublicKey:
        raw = (
            _PrivateKey.from_private_bytes(self.seed)
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
        return PublicKey(raw)

    def to_pem(self) -> bytes:
        return _pem("PRIVATE KEY", _PKCS8_PREFIX + self.seed)

    @classmethod
    def from_pem(cls, data: bytes) -> SigningKey:
        return cls(_unpem(data, "PRIVATE KEY", _PKCS8_PREFIX))


def generate_key() -> SigningKey:
    return SigningKey(os.urandom(32))


def save_private_key(key: SigningKey, path: Path) -> None:
    """Write the key readable by its owner only (0600), atomically; never overwrite."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"refusing to overwrite an existing key at {path}")
    tmp = path.with_name(path.name + ".tmp")
    # O_EXCL + mode 0o600 at creation: the secret is never briefly world-readable.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key.to_pem())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)  # in case the umask or filesystem altered the mode
    os.replace(tmp, path)


def load_private_key(path: Path) -> SigningKey:
    path = Path(path)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise PermissionError(
            f"private key {path} is accessible by group/others (mode {mode:o}); chmod 600 it"
        )
    return SigningKey.from_pem(path.read_bytes())


def save_public_key(key: PublicKey, path: Path) -> None:
    Path(path).write_bytes(key.to_pem())


def load_public_key(path: Path) -> PublicKey:
    return PublicKey.from_pem(Path(path).read_bytes())


def sign_bytes(key: SigningKey, message: bytes) -> bytes:
    return _PrivateKey.from_private_bytes(key.seed).sign(message)


def verify_bytes(public_key: PublicKey, message: bytes, signature: bytes) -> None:
    """Raise SignatureError unless `signature` is valid for `message`."""
    if len(signature) != 64:
        raise SignatureError(f"an Ed25519 signature is 64 bytes, got {len(signature)}")
    try:
        _PublicKey.from_public_bytes(public_key.raw).verify(signature, message)
    except _InvalidSignature:
        raise SignatureError(
            f"signature does not verify with public key {public_key.key_id} "
            "(the signed data changed, or it was signed by another key)"
        ) from None


def sign_json(key: SigningKey, payload: Any) -> str:
    """Sign the canonical JSON of `payload`; returns the signature as base64."""
    return base64.b64encode(sign_bytes(key, canonical_json(payload))).decode("ascii")


def verify_json(public_key: PublicKey, payload: Any, signature_b64: str) -> None:
    try:
        signature = base64.b64decode(signature_b64.strip(), validate=True)
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"signature is not valid base64: {exc}") from exc
    verify_bytes(public_key, canonical_json(payload), signature)


def _pem(label: str, der: bytes) -> bytes:
    b64 = base64.encodebytes(der).decode("ascii").replace("\n", "")
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return (f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n").encode()


def _unpem(data: bytes, label: str, prefix: bytes) -> bytes:
    match = _PEM_RE.search(data)
    if match is None or match.group(1).decode() != label:
        raise SignatureError(f"not a PEM '{label}' block")
    der = base64.b64decode(b"".join(match.group(2).split()))
    if len(der) != len(prefix) + 32 or not der.startswith(prefix):
        raise SignatureError(f"PEM '{label}' is not an Ed25519 key")
    return der[len(prefix) :]
