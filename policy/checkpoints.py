"""Signed checkpoints of the audit chain's head, kept outside the database.

The hash chain shows that no row was edited or removed *within* the chain, but someone
who can write to the database could delete the newest rows, or rewrite every row and
recompute every later hash. A checkpoint (how many events, the last id, its hash),
signed with an Ed25519 key the database does not hold and appended to a file kept apart
from it (and written to the log), pins the chain at that moment: ``audit_verify``
compares the database with every checkpoint, so a truncated tail or a rewritten chain
is named. Written hourly by celery beat and by ``manage.py audit_checkpoint``.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from policy.models import AuditEvent

log = logging.getLogger(__name__)
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Checkpoint:
    at: str  # ISO time it was taken
    count: int  # events in the chain, up to and including last_id
    last_id: int
    head: str  # the hash of event last_id

    def signed_bytes(self) -> bytes:
        body = {"v": FORMAT_VERSION, **asdict(self)}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


class CheckpointError(Exception):
    """The checkpoint file or key is unusable; the message says which line and why."""


def _key_path() -> Path:
    return Path(str(settings.FAIRSPEED["AUDIT_CHECKPOINT_KEY"]))


def _file_path() -> Path:
    return Path(str(settings.FAIRSPEED["AUDIT_CHECKPOINT_FILE"]))


def checkpoint_key() -> Ed25519PrivateKey:
    """The signing key, made once (mode 0600) where none exists yet."""
    path = _key_path()
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise CheckpointError(f"{path} is not an Ed25519 private key")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    log.warning("created the audit checkpoint signing key %s: keep a copy apart", path)
    return key


def checkpoint_write() -> Checkpoint | None:
    """Sign the chain's head now and append it to the checkpoint file (None: empty log)."""
    last = AuditEvent.objects.order_by("-id").only("id", "hash").first()
    if last is None:
        return None
    checkpoint = Checkpoint(
        at=timezone.now().isoformat(),
        count=AuditEvent.objects.filter(id__lte=last.pk).count(),
        last_id=last.pk,
        head=last.hash,
    )
    signature = checkpoint_key().sign(checkpoint.signed_bytes())
    line = {**asdict(checkpoint), "sig": base64.b64encode(signature).decode()}
    path = _file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    log.info("audit checkpoint: %s", json.dumps(line, sort_keys=True))
    return checkpoint


def _parse(number: int, raw: str, public: Ed25519PublicKey) -> Checkpoint:
    try:
        data = json.loads(raw)
        checkpoint = Checkpoint(
            at=str(data["at"]),
            count=int(data["count"]),
            last_id=int(data["last_id"]),
            head=str(data["head"]),
        )
        signature = base64.b64decode(str(data["sig"]), validate=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"checkpoint line {number} is unreadable ({exc})") from None
    try:
        public.verify(signature, checkpoint.signed_bytes())
    except InvalidSignature:
        raise CheckpointError(f"checkpoint line {number}: the signature does not verify") from None
    return checkpoint


def checkpoints_read() -> list[Checkpoint]:
    """Every checkpoint, oldest first, each signature verified (CheckpointError if not)."""
    path = _file_path()
    if not path.exists():
        return []
    public = checkpoint_key().public_key()
    lines = path.read_text(encoding="utf-8").splitlines()
    return [_parse(n, raw, public) for n, raw in enumerate(lines, start=1) if raw.strip()]
