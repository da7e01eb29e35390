"""Evidence package for one passage over the threshold: redacted stills, plate crop,
a manifest with the SHA-256 of every file, signed with the camera's key.

Layout of a package directory (flat, nothing else allowed in it):

    01_entry.jpg   full frame near zone entry, data strip burned below the image
    02_exit.jpg    full frame near zone exit: same fixed scene, so the vehicle's
                   displacement is shown against the same stationary objects
    03_plate.jpg   crop of the target's plate (or of its plate region when not found)
    manifest.json  canonical JSON (sorted keys, no whitespace)
    manifest.sig   base64 Ed25519 signature of the exact manifest.json bytes

Every image is redacted (cameras.vision.evidence.redact) before it is encoded: nothing
unredacted is ever written. The stills carry the target's marks and a data strip
(cameras.vision.evidence.stills). Packages travel as a bounded zip (`package_to_bytes`,
cameras.vision.evidence.transport) when the worker and the back office share no
filesystem.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from cameras.vision.evidence.plate import DEFAULT_THRESHOLD, BBox, PlateRead, read_plate
from cameras.vision.evidence.redact import (
    BoxLike,
    RedactionConfig,
    RedactionResult,
    clip_box,
    redact,
)
from cameras.vision.evidence.signing import SigningKey, canonical_json, sign_bytes
from cameras.vision.evidence.stills import burn_data_strip, mark_target
from cameras.vision.evidence.transport import (
    DEFAULT_MAX_PACKAGE_BYTES,
    FORMAT,
    MANIFEST,
    SIGNATURE,
    EvidenceError,
    PackageTooLarge,
    package_from_bytes,
    package_to_bytes,
    verify_package,
    write_atomically,
)

__all__ = [
    "DEFAULT_MAX_PACKAGE_BYTES", "FORMAT", "MANIFEST", "SIGNATURE", "EvidenceError",
    "EvidenceFrame", "EvidencePackage", "Measurement", "PackageTooLarge", "build_package",
    "burn_data_strip", "make_event_id", "mark_target", "package_from_bytes",
    "package_to_bytes", "plate_reason", "verify_package", "warm_up",
]  # fmt: skip

# uuid5 namespace for event ids: the same passage always gets the same id, so a worker
# that restarts and rebuilds it cannot create a second violation (the back office's
# record_violation is idempotent on this id).
EVENT_NAMESPACE = uuid.UUID("6f1c2a4e-4b0e-5d7a-9c39-2f6a8e0b7d15")


@dataclass(frozen=True)
class EvidenceFrame:
    index: int  # frame number in the source video
    utc: datetime  # timezone-aware capture time
    image: np.ndarray  # BGR uint8, unredacted (never written as is)


@dataclass(frozen=True)
class Measurement:
    track_id: int
    speed_kmh: float
    uncertainty_kmh: float  # U at k=2
    limit_kmh: float
    t_enter_s: float
    t_exit_s: float
    extra: Mapping[str, Any] = field(default_factory=dict)  # more fields for the manifest

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(data.pop("extra"))
        return data


@dataclass(frozen=True)
class EvidencePackage:
    directory: Path
    event_id: str
    manifest: dict[str, Any]


def make_event_id(camera_id: str, track_id: int, first_seen_utc: datetime) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{camera_id}/{track_id}/{_iso(first_seen_utc)}"))


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise EvidenceError("timestamps must be timezone-aware (UTC)")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def warm_up() -> None:
    """Load the OCR models and the cascades and run each once. The first inference of an
    ONNX session costs about a second more than the next; a worker calls this when it
    starts, so its first violation does not arrive that much later than the rest."""
    still = np.full((120, 320, 3), 128, np.uint8)
    redact(still, (0, 0, 320, 120))
    read_plate(still)


def _encode(image: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise EvidenceError("JPEG encoding failed")
    return buf.tobytes()


def _area(box: BoxLike) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


@dataclass(frozen=True)
class _Plan:
    """What a package is made of, decided before any pixel is touched."""

    by_index: dict[int, EvidenceFrame]
    entry: EvidenceFrame
    exit: EvidenceFrame
    plate_frame: EvidenceFrame
    target_in_plate_frame: BBox
    event_id: str
    created: str


def _plan(
    frames: Sequence[EvidenceFrame],
    boxes: Mapping[int, BoxLike],
    camera_id: str,
    track_id: int,
    plate_frame_index: int | None,
    event_id: str | None,
    created_utc: datetime | None,
) -> _Plan:
    """Pick the entry, exit and plate frames and check they can make a package."""
    by_index = {f.index: f for f in frames}
    usable = sorted(i for i in boxes if i in by_index)
    if len(usable) < 2:
        raise EvidenceError("need at least two frames with the vehicle's box")
    entry, exit_ = by_index[usable[0]], by_index[usable[-1]]
    if not entry.utc < exit_.utc:
        raise EvidenceError("entry and exit frames must have increasing timestamps")
    if plate_frame_index is None:  # the plate is read where the vehicle is largest
        plate_frame_index = max(usable, key=lambda i: _area(boxes[i]))
    if plate_frame_index not in by_index or plate_frame_index not in boxes:
        raise EvidenceError(f"plate frame {plate_frame_index} has no frame or box")
    pframe = by_index[plate_frame_index]
    ph, pw = pframe.image.shape[:2]
    tbox = clip_box(boxes[plate_frame_index], pw, ph)
    if tbox is None:
        raise EvidenceError(f"the target box in frame {plate_frame_index} is outside the image")
    return _Plan(
        by_index, entry, exit_, pframe, tbox,
        event_id or make_event_id(camera_id, track_id, entry.utc),
        _iso(created_utc or datetime.now(UTC)),
    )  # fmt: skip


def _locate_plate(plan: _Plan, plate_read: PlateRead | None) -> tuple[PlateRead, BBox | None]:
    """Read the plate in the unredacted target crop (or take the caller's read); the box
    comes back in frame pixels."""
    x1, y1, x2, y2 = plan.target_in_plate_frame
    if plate_read is None:
        plate_read = read_plate(plan.plate_frame.image[y1:y2, x1:x2])
    if plate_read.bbox is None:
        return plate_read, None
    bx1, by1, bx2, by2 = plate_read.bbox
    return plate_read, (x1 + bx1, y1 + by1, x1 + bx2, y1 + by2)


def plate_reason(plate_read: PlateRead, threshold: float = DEFAULT_THRESHOLD) -> str:
    """Why a person must read this plate ("" when the read is good enough)."""
    if plate_read.bbox is None:
        return "no plate located on the target vehicle"
    if not plate_read.text:
        return "a plate was located but no text could be read"
    if plate_read.needs_human:
        return f"plate read with confidence {plate_read.confidence:.2f}, below {threshold:.2f}"
    return ""


Output = tuple[str, bytes, dict[str, Any]]


def _redacted_still(
    n: int, role: str, frame: EvidenceFrame, box: BoxLike, red: RedactionResult,
    lines: list[str], jpeg_quality: int,
) -> Output:  # fmt: skip
    h, w = frame.image.shape[:2]
    meta = {"role": role, "frame_index": frame.index, "timestamp_utc": _iso(frame.utc),
            "frame_size": [w, h], "target_box": [round(float(v), 1) for v in box],
            "redactions": red.audit(), "obscured": red.summary()}  # fmt: skip
    image = burn_data_strip(mark_target(red.image, box), lines)
    return f"{n:02d}_{role}.jpg", _encode(image, jpeg_quality), meta


def _plate_crop(plan: _Plan, red: RedactionResult, plate_box: BBox | None) -> Output:
    """Cut from the redacted frame, so whatever was obscured stays obscured. Without a
    plate box keep the plate region (lower half of the target) for a human."""
    pframe, tbox = plan.plate_frame, plan.target_in_plate_frame
    ph, pw = pframe.image.shape[:2]
    if plate_box is not None:
        x1, y1, x2, y2 = plate_box
        dx, dy = (x2 - x1) // 8, (y2 - y1) // 4
        crop_box = clip_box((x1 - dx, y1 - dy, x2 + dx, y2 + dy), pw, ph) or plate_box
        role = "plate"
    else:
        crop_box = (tbox[0], (tbox[1] + tbox[3]) // 2, tbox[2], tbox[3])
        role = "plate_region"
    crop = red.image[crop_box[1] : crop_box[3], crop_box[0] : crop_box[2]]
    meta = {"role": role, "frame_index": pframe.index, "timestamp_utc": _iso(pframe.utc),
            "crop_box": list(crop_box), "redactions": red.audit()}  # fmt: skip
    return f"03_{role}.jpg", _encode(crop, 95), meta


def _manifest(
    plan: _Plan, camera_id: str, calibration_version: str, measurement: Measurement,
    plate_read: PlateRead, outputs: Sequence[Output], key: SigningKey,
) -> dict[str, Any]:  # fmt: skip
    files = [
        {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), **meta}
        for name, data, meta in outputs
    ]
    return {
        "format": FORMAT,
        "event_id": plan.event_id,
        "camera_id": camera_id,
        "calibration_version": calibration_version,
        "created_utc": plan.created,
        "measurement": measurement.as_dict(),
        "plate": {
            "text": plate_read.text,
            "confidence": round(plate_read.confidence, 4),
            "needs_human": plate_read.needs_human,
            "reason": plate_reason(plate_read),
        },
        "files": files,
        "signing_key_id": key.public_key.key_id,
    }


def build_package(
    directory: Path,
    *,
    camera_id: str,
    calibration_version: str,
    frames: Sequence[EvidenceFrame],
    boxes: Mapping[int, BoxLike],
    measurement: Measurement,
    key: SigningKey,
    other_boxes: Mapping[int, Sequence[BoxLike]] | None = None,
    plate_read: PlateRead | None = None,
    plate_frame_index: int | None = None,
    event_id: str | None = None,
    created_utc: datetime | None = None,
    redaction: RedactionConfig | None = None,
    jpeg_quality: int = 92,
) -> EvidencePackage:
    """Write a signed package into `directory` (which must not exist yet) atomically.

    `boxes` maps frame index -> the target's box (x1, y1, x2, y2) in that frame;
    `other_boxes` maps frame index -> every other vehicle's box (obscured where they
    overlap the target; the rest of the frame is obscured anyway). `plate_read.bbox`,
    when given, is relative to the target's crop in `plate_frame_index` (what
    `read_plate` was given); without it the plate is read here from the frame where the
    target is largest.

    Stages: plan -> locate plate -> redact -> mark and strip -> plate crop -> manifest ->
    sign and write.
    """
    directory = Path(directory)
    if directory.exists():
        raise FileExistsError(f"evidence directory {directory} already exists")
    m = measurement
    plan = _plan(frames, boxes, camera_id, m.track_id, plate_frame_index, event_id, created_utc)
    plate_read, plate_box = _locate_plate(plan, plate_read)
    others = other_boxes or {}
    direction = str(m.extra.get("direction", "")) or None
    cache: dict[int, RedactionResult] = {}

    def redacted(index: int) -> RedactionResult:
        if index not in cache:  # the plate frame is usually one of the stills too
            known = plate_box if index == plan.plate_frame.index else None
            cache[index] = redact(
                plan.by_index[index].image, boxes[index], others.get(index, ()),
                target_plate_box=known, direction=direction, config=redaction,
            )  # fmt: skip
        return cache[index]

    outputs: list[Output] = []
    for n, (frame, role) in enumerate(((plan.entry, "entry"), (plan.exit, "exit")), start=1):
        lines = [
            f"CAM {camera_id}  {_iso(frame.utc)}  FRAME {frame.index}  {role.upper()}",
            f"SPEED {m.speed_kmh:.1f} km/h (U {m.uncertainty_kmh:.1f}, k=2)  LIMIT "
            f"{m.limit_kmh:g} km/h  CAL {calibration_version}  EVENT {plan.event_id[:8]}",
        ]
        red = redacted(frame.index)
        outputs.append(
            _redacted_still(n, role, frame, boxes[frame.index], red, lines, jpeg_quality)
        )
    outputs.append(_plate_crop(plan, redacted(plan.plate_frame.index), plate_box))
    manifest = _manifest(plan, camera_id, calibration_version, m, plate_read, outputs, key)
    manifest_bytes = canonical_json(manifest)
    signature = base64.b64encode(sign_bytes(key, manifest_bytes))
    blobs = [(n, d) for n, d, _ in outputs] + [(MANIFEST, manifest_bytes), (SIGNATURE, signature)]
    write_atomically(directory, blobs)
    return EvidencePackage(directory, plan.event_id, manifest)
