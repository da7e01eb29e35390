"""The violation event: the one message a camera worker sends the back office.

One definition, Django-free, shared by both ends: the worker builds a ``ViolationEvent``
and sends ``event_to_message(event)``; ``enforcement`` turns the message back into a
``ViolationEvent`` with ``event_from_message``. Field names are the same on both sides
and in the stored violation.

msgspec is used rather than a dataclass with hand-written checks or pydantic: it
validates types strictly (a string is never coerced into a number), states the path of
the first bad field in its error (``at `$.passage.speed_kmh```), checks the database's
lengths and ranges declared beside each field, and is a small, dependency-free library.

A message whose ``schema_version`` is unknown, or that lacks a field, raises
``EventError``; the back office keeps such a message whole as a dead letter.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

SCHEMA_VERSION = 1
SUPPORTED_VERSIONS = frozenset({SCHEMA_VERSION})
# The worker publishes by name: the camera side never imports the back office's tasks.
RECORD_VIOLATION_TASK = "enforcement.record_violation"
VIOLATIONS_QUEUE = "violations"

# Lengths match the back office's columns (enforcement.Violation, cameras.Camera).
CameraCode = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")]
PlateText = Annotated[str, msgspec.Meta(max_length=20)]
VehicleClass = Annotated[str, msgspec.Meta(max_length=30)]
Confidence = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Speed = Annotated[float, msgspec.Meta(ge=0.0, lt=500.0)]
Uncertainty = Annotated[float, msgspec.Meta(ge=0.0, lt=100.0)]
Limit = Annotated[float, msgspec.Meta(gt=0.0, lt=300.0)]
Version = Annotated[int, msgspec.Meta(ge=1, le=2_147_483_647)]


class EventError(ValueError):
    """The message is not a violation event of a known version; the reason names the field."""


class PlateRead(msgspec.Struct, frozen=True):
    text: PlateText = ""
    confidence: Confidence | None = None


class PassageRecord(msgspec.Struct, frozen=True, rename={"vehicle_class": "class"}):
    """``Passage.to_json(include_samples=True)``: the measurement contract plus samples."""

    speed_kmh: Speed
    uncertainty_kmh: Uncertainty
    valid: bool
    track_id: int | None = None
    t_enter_s: float | None = None
    t_exit_s: float | None = None
    world_x_m: float | None = None
    vehicle_class: VehicleClass = ""
    reject_reason: str | None = None
    direction: str = "unknown"
    n_samples: int = 0
    speed_first_half_kmh: float | None = None
    speed_second_half_kmh: float | None = None
    speed_fit_kmh: float | None = None
    distance_m: float | None = None
    details: dict[str, float | None] = {}
    frames: list[int] = []
    boxes: list[list[float]] = []
    times_s: list[float] = []


class EvidenceRef(msgspec.Struct, frozen=True, omit_defaults=True):
    """How the signed evidence package travels: inside the message, or through storage."""

    format: str
    sha256: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
    bytes: Annotated[int, msgspec.Meta(ge=0)]
    transport: Literal["inline", "storage"]
    package_b64: str | None = None
    name: Annotated[str, msgspec.Meta(max_length=300)] | None = None


class ViolationEvent(msgspec.Struct, frozen=True):
    schema_version: int
    event_id: uuid.UUID
    camera_code: CameraCode
    calibration_version: Version | None
    measured_at: datetime
    limit_kmh: Limit
    passage: PassageRecord
    plate: PlateRead = PlateRead()
    stream_start: datetime | None = None
    worker: dict[str, Any] = {}
    # Written as an ``EvidenceRef`` by the worker, but read loosely: the back office checks
    # the package itself (format, transport, hash, signature) and stores a violation whose
    # evidence fails with every problem listed, rather than dead-lettering it.
    evidence: dict[str, Any] | None = None


def event_to_message(event: ViolationEvent) -> dict[str, Any]:
    """The JSON-ready dict that travels as the task's argument and sits in the spool."""
    message: dict[str, Any] = msgspec.to_builtins(event)
    return message


def event_from_message(message: object) -> ViolationEvent:
    """Check a received message; raise EventError naming the first problem."""
    if not isinstance(message, dict):
        raise EventError("a violation event must be a JSON object")
    version = message.get("schema_version")
    if version is None:
        raise EventError("violation event lacks 'schema_version'")
    if version not in SUPPORTED_VERSIONS:
        raise EventError(
            f"unsupported schema_version {version!r}; this back office reads "
            f"{sorted(SUPPORTED_VERSIONS)}"
        )
    try:
        event = msgspec.convert(message, ViolationEvent, strict=True)
    except msgspec.ValidationError as exc:
        raise EventError(f"violation event: {exc}") from None
    for name in ("measured_at", "stream_start"):
        value = getattr(event, name)
        if value is not None and value.tzinfo is None:
            raise EventError(f"violation event: {name} must carry a time zone")
    return event
