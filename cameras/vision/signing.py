"""Per-camera Ed25519 signing keys for evidence manifests.

Each camera worker holds one private key; the back office holds the matching public key
(registered with the camera). A signed manifest lets anyone holding the public key show
that an evidence package left the camera unchanged.

The `cryptography` package is used when it is importable. The edge box is only promised
OpenCV and NumPy, so a small pure-Python Ed25519 (the RFC 8032 reference algorithm) is
kept as a fallback: signatures are deterministic, so both backends produce identical
bytes and either can verify the other's. The fallback is not constant-time; that matters
little for a camera signing its own manifests, but `cryptography` is preferred.

Keys are stored as standard PEM (PKCS#8 private, SubjectPublicKeyInfo public) so they
are readable by OpenSSL and by `cryptography` whichever backend wrote them.
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

try:  # pragma: no cover - which branch runs depends on the environment
    from cryptography.exceptions import InvalidSignature as _InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey as _PrivateKey,
    )
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PublicKey as _PublicKey,
    )

    BACKEND = "cryptography"
except ImportError:  # pragma: no cover
    BACKEND = "pure-python"

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
        if BACKEND == "cryptography":
            from cryptography.hazmat.primitives import serialization

            raw = (
                _PrivateKey.from_private_bytes(self.seed)
                .public_key()
                .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            )
            return PublicKey(raw)
        return PublicKey(_ref_public(self.seed))

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
    if BACKEND == "cryptography":
        return _PrivateKey.from_private_bytes(key.seed).sign(message)
    return _ref_sign(key.seed, message)


def verify_bytes(public_key: PublicKey, message: bytes, signature: bytes) -> None:
    """Raise SignatureError unless `signature` is valid for `message`."""
    if len(signature) != 64:
        raise SignatureError(f"an Ed25519 signature is 64 bytes, got {len(signature)}")
    if BACKEND == "cryptography":
        try:
            _PublicKey.from_public_bytes(public_key.raw).verify(signature, message)
        except _InvalidSignature:
            ok = False
        else:
            ok = True
    else:
        ok = _ref_verify(public_key.raw, message, signature)
    if not ok:
        raise SignatureError(
            f"signature does not verify with public key {public_key.key_id} "
            "(the signed data changed, or it was signed by another key)"
        )


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


# --- RFC 8032 section 6 reference Ed25519 (fallback backend) ------------------------
_P = 2**255 - 19
_Q = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_Point = tuple[int, int, int, int]


def _add(a: _Point, b: _Point) -> _Point:
    pa, pb = (a[1] - a[0]) * (b[1] - b[0]) % _P, (a[1] + a[0]) * (b[1] + b[0]) % _P
    pc, pd = 2 * a[3] * b[3] * _D % _P, 2 * a[2] * b[2] % _P
    e, f, g, h = pb - pa, pd - pc, pd + pc, pb + pa
    return (e * f, g * h, f * g, e * h)


def _mul(s: int, pt: _Point) -> _Point:
    acc: _Point = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            acc = _add(acc, pt)
        pt = _add(pt, pt)
        s >>= 1
    return acc


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 % _P == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    return _P - x if (x & 1) != sign else x


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0) or 0
_G: _Point = (_GX, _GY, 1, _GX * _GY % _P)


def _compress(pt: _Point) -> bytes:
    zinv = pow(pt[2], _P - 2, _P)
    x, y = pt[0] * zinv % _P, pt[1] * zinv % _P
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")


def _decompress(s: bytes) -> _Point | None:
    y = int.from_bytes(s, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


def _expand(seed: bytes) -> tuple[int, bytes]:
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    return (a & ((1 << 254) - 8)) | (1 << 254), h[32:]


def _hq(data: bytes) -> int:
    return int.from_bytes(hashlib.sha512(data).digest(), "little") % _Q


def _ref_public(seed: bytes) -> bytes:
    return _compress(_mul(_expand(seed)[0], _G))


def _ref_sign(seed: bytes, msg: bytes) -> bytes:
    a, prefix = _expand(seed)
    pub = _compress(_mul(a, _G))
    r = _hq(prefix + msg)
    rs = _compress(_mul(r, _G))
    s = (r + _hq(rs + pub + msg) * a) % _Q
    return rs + int.to_bytes(s, 32, "little")


def _ref_verify(public: bytes, msg: bytes, sig: bytes) -> bool:
    a_pt, r_pt = _decompress(public), _decompress(sig[:32])
    s = int.from_bytes(sig[32:], "little")
    if a_pt is None or r_pt is None or s >= _Q:
        return False
    lhs = _mul(s, _G)
    rhs = _add(r_pt, _mul(_hq(sig[:32] + public + msg), a_pt))
    # Projective equality: compare x/z and y/z without inverting.
    return (lhs[0] * rhs[2] - rhs[0] * lhs[2]) % _P == 0 and (
        lhs[1] * rhs[2] - rhs[1] * lhs[2]
    ) % _P == 0
