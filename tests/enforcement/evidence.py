"""Real, signed evidence packages for back-office tests.

A package is built and signed by the same code a camera worker runs
(cameras.vision.evidence.package), and the back office verifies it with the key registered on
the camera (enforcement.evidence_intake): nothing in the chain is replaced.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.utils.dateparse import parse_datetime

from cameras.vision.evidence.package import (
    EvidenceFrame,
    Measurement,
    build_package,
    package_to_bytes,
)
from cameras.vision.evidence.plate import PlateRead
from cameras.vision.evidence.signing import SigningKey

FPS = 30.0
ENTRY_FRAME, EXIT_FRAME = 10, 30
DEFAULT_START = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
PLATE_BOX = (30, 70, 70, 90)  # where the plate is in the vehicle's crop


def use_evidence_storage(settings: Any, root: Path) -> Path:
    """Point the private "evidence" storage at ``root`` (a test's own directory)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    return root


def public_key_pem(key: SigningKey) -> str:
    """What the registry holds for a camera that signs with ``key`` (Camera.public_key_pem)."""
    return key.public_key.to_pem().decode()


def package(
    tmp: Path,
    camera_code: str,
    key: SigningKey,
    event_id: str,
    *,
    measurement: Measurement | None = None,
    plate: PlateRead | None = None,
    calibration_version: str = "1",
    start: datetime = DEFAULT_START,
) -> bytes:
    """The zip bytes of a package for one passage, signed with ``key``.

    The entry frame is taken at ``start``, the exit frame two thirds of a second later.
    """
    image = np.full((240, 320, 3), 120, np.uint8)
    image[100:200, 100:200] = (40, 40, 200)  # the "vehicle"
    frames = [
        EvidenceFrame(i, start + timedelta(seconds=(i - ENTRY_FRAME) / FPS), image)
        for i in (ENTRY_FRAME, EXIT_FRAME)
    ]
    built = build_package(
        tmp / f"pkg-{uuid.uuid4().hex[:6]}",
        camera_id=camera_code,
        calibration_version=calibration_version,
        frames=frames,
        boxes={ENTRY_FRAME: (100, 100, 200, 200), EXIT_FRAME: (120, 80, 190, 150)},
        measurement=measurement or Measurement(7, 84.0, 1.4, 50.0, 0.3, 1.0),
        key=key,
        plate_read=plate or PlateRead("AB123CD", 0.91, PLATE_BOX, False),
        event_id=event_id,
    )
    return package_to_bytes(built.directory)


def inline(data: bytes) -> dict[str, Any]:
    """The event's ``evidence`` member for a package small enough to travel in the message."""
    return {
        "format": "fairspeed-evidence/1",
        "transport": "inline",
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "package_b64": base64.b64encode(data).decode(),
    }


def with_signed_evidence(data: dict[str, Any], key: SigningKey, tmp: Path) -> dict[str, Any]:
    """The event ``data`` with inline evidence signed by ``key`` that agrees with it.

    The manifest carries what a worker would sign for this event: its event id, camera,
    calibration version, plate, and a measurement with the event's speed, uncertainty and
    claimed speed limit (the event's ``limit_kmh``, even where that
    differs from the registry's); the frames start at the event's ``measured_at``.
    """
    passage = data["passage"]
    extra = {name: passage[name] for name in ("world_x_m", "class") if name in passage}
    measurement = Measurement(
        track_id=7,
        speed_kmh=float(passage["speed_kmh"]),
        uncertainty_kmh=float(passage["uncertainty_kmh"]),
        limit_kmh=float(data["limit_kmh"]),
        t_enter_s=0.0,
        t_exit_s=(EXIT_FRAME - ENTRY_FRAME) / FPS,
        extra=extra,
    )
    plate = data.get("plate") or {}
    measured_at = parse_datetime(str(data["measured_at"]))
    assert measured_at is not None and measured_at.tzinfo is not None, data["measured_at"]
    zipped = package(
        tmp,
        str(data["camera_code"]),
        key,
        str(data["event_id"]),
        measurement=measurement,
        plate=PlateRead(
            str(plate.get("text", "")), float(plate.get("confidence") or 0.0), PLATE_BOX, False
        ),
        calibration_version=str(data.get("calibration_version")),
        start=measured_at,
    )
    return {**data, "evidence": inline(zipped)}
