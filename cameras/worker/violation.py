"""Turning an enforceable passage into a violation event plus its signed evidence package."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from cameras.vision.event import (
    SCHEMA_VERSION,
    PassageRecord,
    PlateRead,
    ViolationEvent,
    event_to_message,
)
from cameras.vision.evidence.package import (
    EvidenceFrame,
    Measurement,
    build_package,
    make_event_id,
    package_to_bytes,
)
from cameras.vision.evidence.signing import SigningKey
from cameras.vision.measure.speed import Passage
from cameras.worker.ring import HeldFrame


class EvidenceUnavailable(Exception):
    """Fewer than two usable frames of the vehicle were held (the ring was over its cap)."""


@dataclass(frozen=True)
class ViolationDraft:
    event_id: str
    event: dict[str, Any]  # the message body without its evidence (added at delivery)
    package: bytes  # package_to_bytes of the signed evidence package


def utc_at(start: datetime, t_s: float) -> datetime:
    return start + timedelta(seconds=float(t_s))


def build_violation(
    *,
    passage: Passage,
    held: list[HeldFrame],
    camera_code: str,
    calibration_version: int | None,
    limit_kmh: float,
    stream_start: datetime,
    key: SigningKey,
    max_package_bytes: int,
    work_dir: Path,
    worker: dict[str, Any] | None = None,
) -> ViolationDraft:
    """Build, sign and serialise the package; the temporary directory never outlives this."""
    in_zone = set(passage.frame_indices)
    usable = [h for h in held if h.frame.index in in_zone] or held
    if len(usable) < 2:
        raise EvidenceUnavailable(
            f"track {passage.track_id}: {len(usable)} frame(s) held, evidence needs two"
        )
    frames = [
        EvidenceFrame(h.frame.index, utc_at(stream_start, h.frame.t_s), h.frame.image)
        for h in usable
    ]
    first_seen = utc_at(
        stream_start, passage.times_s[0] if passage.times_s else usable[0].frame.t_s
    )
    event_id = make_event_id(camera_code, passage.track_id, first_seen)
    cal = str(calibration_version) if calibration_version is not None else "none"
    measurement = Measurement(
        track_id=passage.track_id,
        speed_kmh=round(passage.speed_kmh, 2),
        uncertainty_kmh=round(passage.uncertainty_kmh, 2),
        limit_kmh=float(limit_kmh),
        t_enter_s=round(passage.t_enter_s, 3),
        t_exit_s=round(passage.t_exit_s, 3),
        extra={
            "world_x_m": round(passage.world_x_m, 2),
            "class": passage.cls,
            "direction": passage.direction,
        },
    )
    work_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=work_dir))
    try:
        package = build_package(
            tmp / "package",
            camera_id=camera_code,
            calibration_version=cal,
            frames=frames,
            boxes={h.frame.index: h.target_box for h in usable},
            other_boxes={h.frame.index: list(h.other_boxes) for h in usable},
            measurement=measurement,
            key=key,
            event_id=event_id,
        )
        data = package_to_bytes(package.directory, max_package_bytes)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    plate = package.manifest.get("plate", {})
    event = ViolationEvent(
        schema_version=SCHEMA_VERSION,
        event_id=uuid.UUID(event_id),
        camera_code=camera_code,
        calibration_version=calibration_version,
        measured_at=utc_at(stream_start, passage.t_enter_s),
        limit_kmh=float(limit_kmh),
        passage=msgspec.convert(passage.to_json(include_samples=True), PassageRecord),
        plate=PlateRead(text=plate.get("text", ""), confidence=plate.get("confidence")),
        stream_start=stream_start,
        worker=worker or {},
    )
    return ViolationDraft(event_id, event_to_message(event), data)
