"""The violation event a camera worker sends: parsed and checked before anything is stored."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime


class PayloadError(ValueError):
    """The event is malformed; it is not retried, and the reason is logged and audited."""


@dataclass(frozen=True)
class ViolationEvent:
    event_id: uuid.UUID
    camera_code: str
    calibration_version: int | None
    measured_at: datetime
    speed_kmh: float
    uncertainty_kmh: float
    limit_kmh: float
    valid: bool
    vehicle_class: str
    lane_x_m: float | None
    plate_text: str
    plate_confidence: float | None
    passage: dict[str, Any]
    evidence: dict[str, Any] | None


def _require(data: dict[str, Any], key: str) -> Any:
    if key not in data or data[key] is None:
        raise PayloadError(f"violation event lacks {key!r}")
    return data[key]


def parse_violation_event(data: dict[str, Any]) -> ViolationEvent:
    if not isinstance(data, dict):
        raise PayloadError("violation event must be a JSON object")
    try:
        event_id = uuid.UUID(str(_require(data, "event_id")))
    except ValueError:
        raise PayloadError(f"event_id {data.get('event_id')!r} is not a UUID") from None
    measured_at = parse_datetime(str(_require(data, "measured_at")))
    if measured_at is None or measured_at.tzinfo is None:
        raise PayloadError("measured_at must be an ISO 8601 time with a time zone")
    passage = _require(data, "passage")
    if not isinstance(passage, dict):
        raise PayloadError("passage must be an object")
    plate = data.get("plate") or {}
    try:
        speed = float(_require(passage, "speed_kmh"))
        uncertainty = float(_require(passage, "uncertainty_kmh"))
        limit = float(_require(data, "speed_limit_kmh"))
    except (TypeError, ValueError):
        raise PayloadError(
            "speed_kmh, uncertainty_kmh and speed_limit_kmh must be numbers"
        ) from None
    if not (0 <= speed < 500 and 0 <= uncertainty < 100 and 0 < limit < 300):
        raise PayloadError(f"implausible numbers: speed {speed}, U {uncertainty}, limit {limit}")
    lane = passage.get("world_x_m")
    cal_version = data.get("calibration_version")
    return ViolationEvent(
        event_id=event_id,
        camera_code=str(_require(data, "camera")),
        calibration_version=int(cal_version) if cal_version is not None else None,
        measured_at=measured_at,
        speed_kmh=speed,
        uncertainty_kmh=uncertainty,
        limit_kmh=limit,
        valid=bool(passage.get("valid", False)),
        vehicle_class=str(passage.get("class", "")),
        lane_x_m=float(lane) if lane is not None else None,
        plate_text=str(plate.get("text", ""))[:20],
        plate_confidence=float(plate["confidence"])
        if plate.get("confidence") is not None
        else None,
        passage=passage,
        evidence=data.get("evidence"),
    )
