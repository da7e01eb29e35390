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
unredacted is ever written. Packages travel as a bounded zip (`package_to_bytes`) when
the worker and the back office share no filesystem.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from cameras.vision.evidence.plate import BBox, PlateRead, read_plate
from cameras.vision.evidence.redact import (
    BoxLike,
    RedactionConfig,
    RedactionResult,
    clip_box,
    redact,
)
from cameras.vision.evidence.signing import (
    PublicKey,
    SignatureError,
    SigningKey,
    canonical_json,
    sign_bytes,
    verify_bytes,
)

FORMAT = "fairspeed-evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
DEFAULT_MAX_PACKAGE_BYTES = 8 * 1024 * 1024
# uuid5 namespace for event ids: the same passage always gets the same id, so a worker
# that restarts and rebuilds it cannot create a second violation (the back office's
# record_violation is idempotent on this id).
EVENT_NAMESPACE = uuid.UUID("6f1c2a4e-4b0e-5d7a-9c39-2f6a8e0b7d15")


class EvidenceError(ValueError):
    """The inputs cannot make a valid package, or bytes are not a valid package."""


class PackageTooLarge(EvidenceError):
    pass


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


def _ascii(text: str) -> str:
    # OpenCV's Hershey fonts are ASCII only; anything else would render as '?' anyway.
    return text.encode("ascii", "replace").decode("ascii")


def warm_up() -> None:
    """Load the OCR models and the cascades and run each once. The first inference of an
    ONNX session costs about a second more than the next; a worker calls this when it
    starts, so its first violation does not arrive that much later than the rest."""
    still = np.full((120, 320, 3), 128, np.uint8)
    redact(still, (0, 0, 320, 120))
    read_plate(still)


def burn_data_strip(image: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """Return the image with a black strip below it carrying `lines` in white.

    Below, not over: the strip never hides part of the scene, and the frame pixels stay
    exactly what was redacted. On narrow frames (320 px clips) lines wrap at double
    spaces instead of shrinking the text below legibility.
    """
    w = image.shape[1]
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, max(0.35, w / 1600)
    thickness = 1 if scale < 0.8 else 2

    def width(text: str) -> int:
        return int(cv2.getTextSize(text, font, scale, thickness)[0][0])

    wrapped: list[str] = []
    for line in lines:
        current = ""
        for part in _ascii(line).split("  "):
            joined = f"{current}  {part}" if current else part
            if current and width(joined) > w - 10:
                wrapped.append(current)
                joined = part
            current = joined
        wrapped.append(current)
    line_h = int(cv2.getTextSize("Ag", font, scale, thickness)[0][1] * 1.9) + 2
    strip = np.zeros((line_h * len(wrapped) + 6, w, 3), np.uint8)
    for i, text in enumerate(wrapped):
        y = 4 + line_h * (i + 1) - line_h // 3
        cv2.putText(strip, text, (5, y), font, scale, (255, 255, 255), thickness, cv2.LINE_AA)
    return np.vstack([image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), strip])


def _encode(image: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise EvidenceError("JPEG encoding failed")
    return buf.tobytes()


def _area(box: BoxLike) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


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
    `other_boxes` maps frame index -> every other vehicle's box (to be redacted).
    `plate_read.bbox`, when given, is relative to the target's crop in
    `plate_frame_index` (what `read_plate` was given); without it the plate is read here
    from the frame where the target is largest.
    """
    directory = Path(directory)
    if directory.exists():
        raise FileExistsError(f"evidence directory {directory} already exists")
    by_index = {f.index: f for f in frames}
    usable = sorted(i for i in boxes if i in by_index)
    if len(usable) < 2:
        raise EvidenceError("need at least two frames with the vehicle's box")
    entry, exit_ = by_index[usable[0]], by_index[usable[-1]]
    if not entry.utc < exit_.utc:
        raise EvidenceError("entry and exit frames must have increasing timestamps")
    others = other_boxes or {}
    event_id = event_id or make_event_id(camera_id, measurement.track_id, entry.utc)
    created = _iso(created_utc or datetime.now(UTC))

    # Plate: read (or take) it on the frame where the vehicle is largest.
    if plate_frame_index is None:
        plate_frame_index = max(usable, key=lambda i: _area(boxes[i]))
    if plate_frame_index not in by_index or plate_frame_index not in boxes:
        raise EvidenceError(f"plate frame {plate_frame_index} has no frame or box")
    pframe = by_index[plate_frame_index]
    ph, pw = pframe.image.shape[:2]
    tbox = clip_box(boxes[plate_frame_index], pw, ph)
    if tbox is None:
        raise EvidenceError(f"the target box in frame {plate_frame_index} is outside the image")
    if plate_read is None:
        plate_read = read_plate(pframe.image[tbox[1] : tbox[3], tbox[0] : tbox[2]])
    plate_box: BBox | None = None
    if plate_read.bbox is not None:
        bx1, by1, bx2, by2 = plate_read.bbox
        plate_box = (tbox[0] + bx1, tbox[1] + by1, tbox[0] + bx2, tbox[1] + by2)

    cache: dict[int, RedactionResult] = {}

    def redacted(index: int) -> RedactionResult:
        # Redact once per frame (~1-2 s at 720p); the plate frame is usually a still too.
        if index not in cache:
            known = plate_box if index == plate_frame_index else None
            cache[index] = redact(
                by_index[index].image,
                boxes[index],
                others.get(index, ()),
                target_plate_box=known,
                config=redaction,
            )
        return cache[index]

    outputs: list[tuple[str, bytes, dict[str, Any]]] = []
    for n, (frame, role) in enumerate(((entry, "entry"), (exit_, "exit")), start=1):
        red = redacted(frame.index)
        m = measurement
        lines = [
            f"CAM {camera_id}  {_iso(frame.utc)}  FRAME {frame.index}  {role.upper()}",
            f"SPEED {m.speed_kmh:.1f} km/h (U {m.uncertainty_kmh:.1f}, k=2)  LIMIT "
            f"{m.limit_kmh:g} km/h  CAL {calibration_version}  EVENT {event_id[:8]}",
        ]
        meta = {"role": role, "frame_index": frame.index, "timestamp_utc": _iso(frame.utc),
                "target_box": [round(float(v), 1) for v in boxes[frame.index]],
                "redactions": red.audit()}  # fmt: skip
        image = burn_data_strip(red.image, lines)
        outputs.append((f"{n:02d}_{role}.jpg", _encode(image, jpeg_quality), meta))

    # Cut from the redacted frame, so a face or bystander plate inside it is already
    # obscured. Without a plate box keep the plate region (lower half) for a human.
    red = redacted(plate_frame_index)
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
    outputs.append((f"03_{role}.jpg", _encode(crop, 95), meta))

    files = [
        {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), **meta}
        for name, data, meta in outputs
    ]
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "event_id": event_id,
        "camera_id": camera_id,
        "calibration_version": calibration_version,
        "created_utc": created,
        "measurement": measurement.as_dict(),
        "plate": {
            "text": plate_read.text,
            "confidence": round(plate_read.confidence, 4),
            "needs_human": plate_read.needs_human,
        },
        "files": files,
        "signing_key_id": key.public_key.key_id,
    }
    manifest_bytes = canonical_json(manifest)
    signature = base64.b64encode(sign_bytes(key, manifest_bytes))
    blobs = [(n, d) for n, d, _ in outputs] + [(MANIFEST, manifest_bytes), (SIGNATURE, signature)]
    _write_atomically(directory, blobs)
    return EvidencePackage(directory, event_id, manifest)


def _write_atomically(directory: Path, blobs: Sequence[tuple[str, bytes]]) -> None:
    """Fill a sibling temp dir, fsync, then rename: a crash leaves no half package."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        for name, data in blobs:
            with open(tmp / name, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fd = os.open(directory.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _safe_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and "/" not in name
        and "\\" not in name
        and not name.startswith(".")
    )


def verify_package(directory: Path, public_key: PublicKey) -> list[str]:
    """Every problem found, each naming the file; an empty list means intact."""
    directory = Path(directory)
    if not directory.is_dir():
        return [f"{directory}: not a directory"]
    problems: list[str] = []
    manifest_path, sig_path = directory / MANIFEST, directory / SIGNATURE
    if not manifest_path.is_file():
        return [f"{MANIFEST}: missing"]
    manifest_bytes = manifest_path.read_bytes()
    if not sig_path.is_file():
        problems.append(f"{SIGNATURE}: missing, the manifest is unsigned")
    else:
        try:
            signature = base64.b64decode(sig_path.read_bytes().strip(), validate=True)
            verify_bytes(public_key, manifest_bytes, signature)
        except (SignatureError, ValueError) as exc:
            problems.append(f"{MANIFEST}: signature check failed ({exc})")
    try:
        manifest = json.loads(manifest_bytes)
        entries = manifest["files"]
        names = [e["name"] for e in entries]
    except (ValueError, KeyError, TypeError) as exc:
        return [*problems, f"{MANIFEST}: not a readable evidence manifest ({exc})"]
    if manifest.get("format") != FORMAT:
        problems.append(f"{MANIFEST}: unknown format {manifest.get('format')!r}")
    for entry in entries:
        name = entry.get("name")
        if not _safe_name(name):
            problems.append(f"{MANIFEST}: unsafe file name {name!r}")
            continue
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: missing")
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry.get("sha256"):
            problems.append(
                f"{name}: SHA-256 mismatch (manifest {str(entry.get('sha256'))[:12]}"
                f"..., file {digest[:12]}...)"
            )
        elif len(data) != entry.get("bytes"):
            problems.append(f"{name}: size {len(data)} differs from manifest {entry.get('bytes')}")
    expected = {*names, MANIFEST, SIGNATURE}
    for extra in sorted(p.name for p in directory.iterdir() if p.name not in expected):
        problems.append(f"{extra}: extra file not listed in the manifest")
    return problems


def package_to_bytes(directory: Path, max_bytes: int = DEFAULT_MAX_PACKAGE_BYTES) -> bytes:
    """A deterministic zip (stored: JPEGs do not compress) of a package directory."""
    directory = Path(directory)
    paths = sorted(directory.iterdir())
    for path in paths:
        if not path.is_file() or not _safe_name(path.name):
            raise EvidenceError(f"{path.name}: a package holds plain files only")
    total = sum(p.stat().st_size for p in paths)
    if total > max_bytes:
        raise PackageTooLarge(
            f"package {directory.name} is {total} bytes, over the "
            f"{max_bytes}-byte limit for a message"
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for path in paths:
            info = zipfile.ZipInfo(path.name, date_time=(1980, 1, 1, 0, 0, 0))
            zf.writestr(info, path.read_bytes())
    data = buf.getvalue()
    if len(data) > max_bytes:
        raise PackageTooLarge(
            f"zipped package is {len(data)} bytes, over the {max_bytes}-byte limit for a message"
        )
    return data


def package_from_bytes(
    data: bytes, directory: Path, max_bytes: int = DEFAULT_MAX_PACKAGE_BYTES
) -> Path:
    """Unpack bytes from `package_to_bytes` into `directory` (must not exist).

    Untrusted input: sizes are bounded before and while reading (zip bombs), names must
    be plain file names (no path traversal). Verify the result with `verify_package`.
    """
    if len(data) > max_bytes:
        raise PackageTooLarge(f"package is {len(data)} bytes, over the {max_bytes}-byte limit")
    directory = Path(directory)
    if directory.exists():
        raise FileExistsError(f"{directory} already exists")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise EvidenceError(f"not an evidence package: {exc}") from exc
    blobs: list[tuple[str, bytes]] = []
    total = 0
    with zf:
        names = [info.filename for info in zf.infolist()]
        if len(set(names)) != len(names):
            raise EvidenceError("package lists a file name twice")
        for info in zf.infolist():
            if not _safe_name(info.filename):
                raise EvidenceError(f"unsafe file name in package: {info.filename!r}")
            try:
                with zf.open(info) as fh:
                    content = fh.read(max_bytes - total + 1)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                raise EvidenceError(f"{info.filename}: cannot be read ({exc})") from exc
            total += len(content)
            if total > max_bytes:
                raise PackageTooLarge(f"package unpacks to over {max_bytes} bytes")
            blobs.append((info.filename, content))
    _write_atomically(directory, blobs)
    return directory
