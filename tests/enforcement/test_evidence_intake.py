"""The back office verifies every evidence package against the camera's registered key."""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from cameras.models import Camera
from cameras.vision.evidence.signing import SigningKey, generate_key
from enforcement.evidence_intake import evidence_receive, incoming_name
from enforcement.services import violation_record
from policy.models import AuditEvent
from tests.enforcement.evidence import inline, package, public_key_pem, use_evidence_storage
from tests.factories import enforceable_camera

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings: Any, tmp_path: Path) -> Path:
    return use_evidence_storage(settings, tmp_path / "evidence")


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return generate_key()


def _rezip(data: bytes, change: dict[str, bytes | None]) -> bytes:
    """Rewrite a package zip: replace members' bytes, or drop them (None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    dst.writestr(info.filename, change[info.filename])
            else:
                dst.writestr(info, src.read(info))
    return out.getvalue()


@pytest.fixture
def camera(key: SigningKey) -> Camera:
    return enforceable_camera(public_key_pem=public_key_pem(key))


def test_an_intact_package_is_verified_and_stored_under_camera_and_event(
    camera: Camera, key: SigningKey, tmp_path: Path, private_storage: Path
) -> None:
    event_id = str(uuid.uuid4())
    result = evidence_receive(
        camera, event_id, inline(package(tmp_path, camera.code, key, event_id))
    )
    assert result.verified, result.problems
    assert result.stored_dir == f"{camera.code}/{event_id}"
    stored = sorted(p.name for p in (private_storage / camera.code / event_id).iterdir())
    assert stored == [
        "01_entry.jpg",
        "02_exit.jpg",
        "03_plate.jpg",
        "manifest.json",
        "manifest.sig",
    ]
    assert result.manifest["plate"]["text"] == "AB123CD"


def test_a_tampered_image_fails_its_hash(camera: Camera, key: SigningKey, tmp_path: Path) -> None:
    event_id = str(uuid.uuid4())
    data = _rezip(
        package(tmp_path, camera.code, key, event_id), {"02_exit.jpg": b"\xff\xd8 edited"}
    )
    result = evidence_receive(camera, event_id, inline(data))
    assert not result.verified
    assert any("02_exit.jpg: SHA-256 mismatch" in p for p in result.problems)


def test_a_tampered_signature_fails(camera: Camera, key: SigningKey, tmp_path: Path) -> None:
    event_id = str(uuid.uuid4())
    forged = base64.b64encode(b"\x01" * 64)
    data = _rezip(package(tmp_path, camera.code, key, event_id), {"manifest.sig": forged})
    result = evidence_receive(camera, event_id, inline(data))
    assert not result.verified
    assert any("signature check failed" in p for p in result.problems)


def test_an_edited_manifest_fails_its_signature(
    camera: Camera, key: SigningKey, tmp_path: Path
) -> None:
    event_id = str(uuid.uuid4())
    data = package(tmp_path, camera.code, key, event_id)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest = zf.read("manifest.json").replace(b'"speed_kmh":84.0', b'"speed_kmh":94.0')
    result = evidence_receive(camera, event_id, inline(_rezip(data, {"manifest.json": manifest})))
    assert any("signature check failed" in p for p in result.problems)


def test_a_package_signed_by_another_key_fails(camera: Camera, tmp_path: Path) -> None:
    event_id = str(uuid.uuid4())
    data = package(tmp_path, camera.code, generate_key(), event_id)
    result = evidence_receive(camera, event_id, inline(data))
    assert not result.verified
    assert any("signature check failed" in p for p in result.problems)


def test_a_missing_file_is_named(camera: Camera, key: SigningKey, tmp_path: Path) -> None:
    event_id = str(uuid.uuid4())
    data = _rezip(package(tmp_path, camera.code, key, event_id), {"03_plate.jpg": None})
    result = evidence_receive(camera, event_id, inline(data))
    assert not result.verified
    assert "03_plate.jpg: missing" in result.problems


def test_an_oversized_message_is_refused_before_decoding(
    camera: Camera, key: SigningKey, tmp_path: Path, settings: Any
) -> None:
    settings.FAIRSPEED = {**settings.FAIRSPEED, "MAX_EVIDENCE_MESSAGE_BYTES": 1000}
    event_id = str(uuid.uuid4())
    result = evidence_receive(
        camera, event_id, inline(package(tmp_path, camera.code, key, event_id))
    )
    assert not result.verified
    assert "over the 1000-byte message limit" in result.problems[0]


def test_evidence_of_another_event_is_refused(
    camera: Camera, key: SigningKey, tmp_path: Path
) -> None:
    replayed = package(tmp_path, camera.code, key, str(uuid.uuid4()))
    result = evidence_receive(camera, str(uuid.uuid4()), inline(replayed))
    assert any("is not this event's" in p for p in result.problems)


def test_a_camera_without_a_registered_key_cannot_verify(key: SigningKey, tmp_path: Path) -> None:
    camera = enforceable_camera()
    event_id = str(uuid.uuid4())
    result = evidence_receive(
        camera, event_id, inline(package(tmp_path, camera.code, key, event_id))
    )
    assert not result.verified
    assert f"camera {camera.code} has no registered public key" in result.problems


def test_a_large_package_arrives_through_the_evidence_storage(
    camera: Camera, key: SigningKey, tmp_path: Path
) -> None:
    event_id = str(uuid.uuid4())
    data = package(tmp_path, camera.code, key, event_id)
    name = incoming_name(camera.code, event_id)
    storages["evidence"].save(name, ContentFile(data))
    evidence = {
        "format": "fairspeed-evidence/1",
        "transport": "storage",
        "name": name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
    }
    assert evidence_receive(camera, event_id, evidence).verified
    other = {**evidence, "name": "cam-other/secret.zip"}
    assert "must be at" in evidence_receive(camera, event_id, other).problems[0]


def test_a_tampered_package_is_stored_as_a_rejected_violation_with_the_problem_audited(
    camera: Camera, key: SigningKey, tmp_path: Path
) -> None:
    event_id = str(uuid.uuid4())
    data = _rezip(package(tmp_path, camera.code, key, event_id), {"01_entry.jpg": b"edited"})
    violation, created = violation_record(
        {
            "schema_version": 1,
            "event_id": event_id,
            "camera_code": camera.code,
            "calibration_version": 1,
            "measured_at": timezone.now().isoformat(),
            "limit_kmh": 50,
            "passage": {"speed_kmh": 84.0, "uncertainty_kmh": 1.4, "valid": True, "class": "car"},
            "plate": {"text": "AB123CD", "confidence": 0.91},
            "evidence": inline(data),
        }
    )
    assert created and violation.status == "rejected"
    assert not violation.evidence_verified
    assert any("01_entry.jpg: SHA-256 mismatch" in p for p in violation.evidence_problems)
    audit = AuditEvent.objects.get(action="violation.recorded", object_id=str(violation.pk))
    assert audit.details["evidence_problems"] == violation.evidence_problems
