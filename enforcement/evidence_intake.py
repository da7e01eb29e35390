"""Receiving a violation's evidence in the back office.

A camera worker signs every evidence package (cameras.vision.evidence.package) with its own
Ed25519 key. The package travels inside the violation message (base64 of the zip) when
it is small enough, else through the private "evidence" storage (S3 in production),
so worker and back office need not share a filesystem. Either way it is unpacked with
size limits, every file's SHA-256 and the manifest signature are checked against the key
registered on the camera, and the files are stored under ``<camera>/<event_id>/``.

A package that fails any check is still stored (an auditor may need to see what arrived)
but ``verified`` is False and every problem is listed: the policy gate rejects the
violation and the problems go into its audit event.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import storages

from cameras.limits import max_message_bytes, max_package_bytes
from cameras.models import Camera
from cameras.vision.evidence.package import (
    FORMAT,
    MANIFEST,
    EvidenceError,
    package_from_bytes,
    verify_package,
)
from cameras.vision.evidence.signing import PublicKey, SignatureError

TRANSPORT_INLINE = "inline"
TRANSPORT_STORAGE = "storage"
# Where workers upload packages too large for a message (inside the "evidence" storage).
INCOMING_PREFIX = "incoming"


@dataclass
class EvidenceResult:
    verified: bool
    manifest: dict[str, Any] = field(default_factory=dict)
    stored_dir: str = ""
    problems: list[str] = field(default_factory=list)


def incoming_name(camera_code: str, event_id: str) -> str:
    return f"{INCOMING_PREFIX}/{camera_code}/{event_id}.zip"


def evidence_receive(
    camera: Camera, event_id: str, evidence: dict[str, Any] | None
) -> EvidenceResult:
    if not evidence:
        return EvidenceResult(verified=False, problems=["no evidence attached to the event"])
    if not isinstance(evidence, dict) or evidence.get("format") != FORMAT:
        fmt = evidence.get("format") if isinstance(evidence, dict) else None
        return EvidenceResult(verified=False, problems=[f"evidence format {fmt!r} not recognised"])
    data, problems = _package_bytes(camera, event_id, evidence)
    if data is None:
        return EvidenceResult(verified=False, problems=problems)
    declared = evidence.get("sha256")
    if declared is not None and hashlib.sha256(data).hexdigest() != declared:
        problems.append("package: SHA-256 differs from the one the camera declared")
    key = _camera_key(camera, problems)
    stored_dir = f"{camera.code}/{event_id}"
    with tempfile.TemporaryDirectory(prefix="evidence-") as tmp:
        directory = Path(tmp) / "package"
        try:
            package_from_bytes(data, directory, max_bytes=max_package_bytes())
        except (EvidenceError, OSError) as exc:
            return EvidenceResult(verified=False, problems=[*problems, f"package: {exc}"])
        if key is not None:
            problems.extend(verify_package(directory, key))
        manifest = _read_manifest(directory, problems)
        if manifest.get("event_id") != event_id:
            problems.append(
                f"{MANIFEST}: event id {manifest.get('event_id')!r} is not this event's"
            )
        if manifest.get("camera_id") != camera.code:
            problems.append(
                f"{MANIFEST}: camera {manifest.get('camera_id')!r} is not {camera.code!r}"
            )
        _store(directory, stored_dir)
    return EvidenceResult(
        verified=not problems, manifest=manifest, stored_dir=stored_dir, problems=problems
    )


def _package_bytes(
    camera: Camera, event_id: str, evidence: dict[str, Any]
) -> tuple[bytes | None, list[str]]:
    transport = evidence.get("transport")
    if transport == TRANSPORT_INLINE:
        encoded = evidence.get("package_b64")
        if not isinstance(encoded, str):
            return None, ["inline evidence lacks package_b64"]
        limit = max_message_bytes()
        # base64 is 4/3 of the bytes: refuse before decoding anything oversized.
        if len(encoded) > (limit * 4) // 3 + 4:
            return None, [
                f"inline evidence is {len(encoded)} base64 characters, over the "
                f"{limit}-byte message limit"
            ]
        try:
            return base64.b64decode(encoded, validate=True), []
        except (binascii.Error, ValueError) as exc:
            return None, [f"inline evidence is not valid base64: {exc}"]
    if transport == TRANSPORT_STORAGE:
        name = evidence.get("name")
        expected = incoming_name(camera.code, event_id)
        if name != expected:
            # Only the camera's own upload slot for this event: never an arbitrary path.
            return None, [f"stored evidence must be at {expected!r}, not {name!r}"]
        # An unreachable storage raises (OSError): the task retries rather than rejects.
        storage = storages["evidence"]
        if not storage.exists(name):
            return None, [f"stored evidence {name} is missing"]
        size = storage.size(name)
        if size > max_package_bytes():
            return None, [
                f"stored evidence is {size} bytes, over the {max_package_bytes()}-byte limit"
            ]
        with storage.open(name, "rb") as fh:
            return fh.read(max_package_bytes() + 1), []
    return None, [f"evidence transport {transport!r} not recognised"]


def _camera_key(camera: Camera, problems: list[str]) -> PublicKey | None:
    if not camera.public_key_pem.strip():
        problems.append(f"camera {camera.code} has no registered public key")
        return None
    try:
        return PublicKey.from_pem(camera.public_key_pem.encode())
    except SignatureError as exc:
        problems.append(f"camera {camera.code} public key unusable: {exc}")
        return None


def _read_manifest(directory: Path, problems: list[str]) -> dict[str, Any]:
    try:
        manifest = json.loads((directory / MANIFEST).read_bytes())
    except (OSError, ValueError) as exc:
        problems.append(f"{MANIFEST}: unreadable ({exc})")
        return {}
    if not isinstance(manifest, dict):
        problems.append(f"{MANIFEST}: not an object")
        return {}
    return manifest


def _store(directory: Path, stored_dir: str) -> None:
    """Write every file under ``stored_dir``, replacing a half-stored earlier attempt."""
    storage = storages["evidence"]
    for path in sorted(directory.iterdir()):
        name = f"{stored_dir}/{path.name}"
        if storage.exists(name):
            storage.delete(name)
        storage.save(name, ContentFile(path.read_bytes()))
