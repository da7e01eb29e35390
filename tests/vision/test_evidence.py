"""Evidence packages: redacted stills with a data strip, plate crop, signed manifest."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from cameras.vision.evidence.package import (
    MANIFEST,
    SIGNATURE,
    EvidenceError,
    EvidenceFrame,
    Measurement,
    PackageTooLarge,
    build_package,
    burn_data_strip,
    make_event_id,
    package_from_bytes,
    package_to_bytes,
    verify_package,
)
from cameras.vision.evidence.plate import PlateRead
from cameras.vision.evidence.redact import RedactionConfig
from cameras.vision.evidence.signing import SigningKey, canonical_json, generate_key, sign_bytes

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
T0 = datetime(2025, 5, 6, 7, 8, 9, 250000, tzinfo=UTC)
FAST = RedactionConfig(detect_faces=False, detect_plates=False)
MEASUREMENT = Measurement(
    track_id=7,
    speed_kmh=71.4,
    uncertainty_kmh=2.1,
    limit_kmh=50,
    t_enter_s=12.0,
    t_exit_s=13.2,
    extra={"world_x_m": 1.8},
)
# Target box per frame (receding vehicle: largest first) and its plate inside the box.
BOXES = {10: (200.0, 120.0, 440.0, 340.0), 14: (240.0, 100.0, 400.0, 250.0)}
PLATE_IN_CROP = (80, 160, 160, 190)  # relative to the frame-10 crop
PLATE_IN_FRAME = (280, 280, 360, 310)


def _frame(index: int, seed: int) -> EvidenceFrame:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)
    x1, y1, x2, y2 = PLATE_IN_FRAME
    image[y1:y2, x1:x2] = 230
    cv2.putText(image, "AB12CD", (x1 + 4, y2 - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 2)
    return EvidenceFrame(index, T0 + timedelta(seconds=(index - 10) / 25), image)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return generate_key()


@pytest.fixture
def frames() -> list[EvidenceFrame]:
    return [_frame(i, i) for i in range(9, 16)]


@pytest.fixture
def package(tmp_path: Path, frames: list[EvidenceFrame], key: SigningKey) -> Path:
    build_package(
        tmp_path / "pkg",
        camera_id="cam-7",
        calibration_version="cal-2025-01",
        frames=frames,
        boxes=BOXES,
        other_boxes={14: [(450.0, 150.0, 600.0, 300.0)]},
        measurement=MEASUREMENT,
        key=key,
        plate_read=PlateRead("AB12CD", 0.97, PLATE_IN_CROP, False),
        created_utc=T0 + timedelta(seconds=5),
        redaction=FAST,
    )
    return tmp_path / "pkg"


def _manifest(package: Path) -> dict[str, Any]:
    return json.loads((package / MANIFEST).read_bytes())


def _decode(path: Path) -> np.ndarray:
    image = cv2.imread(str(path))
    assert image is not None
    return image


def _detail(image: np.ndarray) -> float:
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def test_an_intact_package_verifies_clean(package: Path, key: SigningKey) -> None:
    assert verify_package(package, key.public_key) == []


def test_the_manifest_records_measurement_identity_and_every_file_hash(package: Path) -> None:
    manifest = _manifest(package)
    assert manifest["camera_id"] == "cam-7"
    assert manifest["calibration_version"] == "cal-2025-01"
    assert manifest["event_id"] == make_event_id("cam-7", 7, T0)
    assert manifest["created_utc"] == "2025-05-06T07:08:14.250Z"
    assert manifest["measurement"]["speed_kmh"] == 71.4
    assert manifest["measurement"]["world_x_m"] == 1.8
    assert manifest["plate"] == {
        "text": "AB12CD",
        "confidence": 0.97,
        "needs_human": False,
        "reason": "",
    }
    names = {f["name"] for f in manifest["files"]}
    assert names == {"01_entry.jpg", "02_exit.jpg", "03_plate.jpg"}
    on_disk = {p.name for p in package.iterdir()}
    assert on_disk == names | {MANIFEST, SIGNATURE}
    for entry in manifest["files"]:
        assert entry["sha256"] == hashlib.sha256((package / entry["name"]).read_bytes()).hexdigest()
    # The manifest is written as canonical JSON: what is signed is what is stored.
    assert (package / MANIFEST).read_bytes() == canonical_json(manifest)


def test_the_stills_are_entry_and_exit_full_frames_with_a_data_strip(package: Path) -> None:
    files = {f["role"]: f for f in _manifest(package)["files"]}
    assert files["entry"]["frame_index"] == 10 and files["exit"]["frame_index"] == 14
    assert files["entry"]["timestamp_utc"] == "2025-05-06T07:08:09.250Z"
    assert files["exit"]["timestamp_utc"] == "2025-05-06T07:08:09.410Z"
    for role in ("entry", "exit"):
        still = _decode(package / files[role]["name"])
        assert still.shape[1] == 640 and still.shape[0] > 360  # whole frame + strip below
        strip = still[362:]
        assert strip.mean() < 60 and strip.max() > 200  # white text on black


def test_the_data_strip_wraps_on_narrow_frames_instead_of_clipping() -> None:
    lines = [
        "CAM cam-7  2025-05-06T07:08:09.250Z  FRAME 10  ENTRY",
        "SPEED 71.4 km/h (U 2.1, k=2)  LIMIT 50 km/h  CAL cal-2025-01  EVENT 1234abcd",
    ]
    wide = burn_data_strip(np.zeros((720, 1280, 3), np.uint8), lines)
    narrow = burn_data_strip(np.zeros((240, 320, 3), np.uint8), lines)
    assert narrow.shape[1] == 320
    assert (narrow.shape[0] - 240) > 2 * (wide.shape[0] - 720) * 320 / 1280  # more lines
    assert narrow[240:, -4:].max() == 0  # nothing runs off the right edge


def test_the_target_glass_is_redacted_before_encoding(package: Path) -> None:
    original = _frame(10, 10).image
    still = _decode(package / "01_entry.jpg")
    glass = (slice(120, 230), slice(200, 440))  # upper 55 % of the frame-10 box
    assert _detail(still[glass]) < 0.05 * _detail(original[glass])
    kinds = [r["kind"] for r in _manifest(package)["files"][0]["redactions"]]
    assert "target_glass" in kinds


def test_everything_but_the_target_is_obscured_in_each_still(package: Path) -> None:
    for index, name in ((10, "01_entry.jpg"), (14, "02_exit.jpg")):
        original, still = _frame(index, index).image, _decode(package / name)
        for window in ((slice(0, 90), slice(0, 180)), (slice(150, 300), slice(450, 600))):
            assert _detail(still[window]) < 0.05 * _detail(original[window]), (name, window)
    entry = next(f for f in _manifest(package)["files"] if f["role"] == "entry")
    assert entry["redactions"][0] == {"kind": "outside_target", "bbox": [0, 0, 640, 360]}
    assert entry["obscured"]["kinds"] == {"outside_target": 1, "target_glass": 1}
    assert entry["obscured"]["kept_plate"] is not None


def _yellow(pixel: np.ndarray) -> bool:
    b, g, r = (int(v) for v in pixel)
    return g > 180 and r > 180 and b < 110


def test_the_target_is_marked_at_its_corners_and_road_contact_point(package: Path) -> None:
    still = _decode(package / "01_entry.jpg")
    x1, y1, x2, y2 = (int(v) for v in BOXES[10])
    for cx, cy in ((x1 - 3, y1 - 3), (x2 + 3, y1 - 3), (x1 - 3, y2 + 3), (x2 + 3, y2 + 3)):
        patch = still[cy - 2 : cy + 3, cx - 2 : cx + 3].reshape(-1, 3)
        assert any(_yellow(p) for p in patch), (cx, cy)
    below = still[y2 + 4 : y2 + 14, (x1 + x2) // 2 - 2 : (x1 + x2) // 2 + 3].reshape(-1, 3)
    assert any(_yellow(p) for p in below), "no pointer at the road-contact point"
    centre = still[(y1 + y2) // 2, (x1 + x2) // 2]
    assert not _yellow(centre)  # the vehicle itself is not painted over


def test_an_unlocated_plate_goes_to_a_person_with_the_reason(
    tmp_path: Path, frames: list[EvidenceFrame], key: SigningKey
) -> None:
    pkg = build_package(tmp_path / "noplate", camera_id="cam-7", calibration_version="v1",
                        frames=frames, boxes=BOXES, measurement=MEASUREMENT, key=key,
                        plate_read=PlateRead("", 0.0, None, True), redaction=FAST)  # fmt: skip
    assert pkg.manifest["plate"]["needs_human"] is True
    assert pkg.manifest["plate"]["reason"] == "no plate located on the target vehicle"
    assert (pkg.directory / "03_plate_region.jpg").is_file()
    low = build_package(tmp_path / "low", camera_id="cam-7", calibration_version="v1",
                        frames=frames, boxes=BOXES, measurement=MEASUREMENT, key=key,
                        plate_read=PlateRead("AB12CD", 0.5, PLATE_IN_CROP, True),
                        redaction=FAST)  # fmt: skip
    assert low.manifest["plate"]["reason"] == "plate read with confidence 0.50, below 0.85"


def test_the_plate_crop_shows_the_targets_plate(package: Path) -> None:
    crop = _decode(package / "03_plate.jpg")
    x1, y1, x2, y2 = PLATE_IN_FRAME
    original = _frame(10, 10).image
    meta = next(f for f in _manifest(package)["files"] if f["role"] == "plate")
    cx1, cy1, cx2, cy2 = meta["crop_box"]
    assert cx1 <= x1 and cy1 <= y1 and cx2 >= x2 and cy2 >= y2
    inner = crop[y1 - cy1 : y2 - cy1, x1 - cx1 : x2 - cx1].astype(int)
    assert np.abs(inner - original[y1:y2, x1:x2]).mean() < 8  # JPEG loss only


def test_a_changed_byte_in_a_still_is_reported_by_name(package: Path, key: SigningKey) -> None:
    path = package / "02_exit.jpg"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    problems = verify_package(package, key.public_key)
    assert len(problems) == 1 and problems[0].startswith("02_exit.jpg: SHA-256 mismatch")


def test_a_missing_and_an_extra_file_are_both_reported(package: Path, key: SigningKey) -> None:
    (package / "03_plate.jpg").unlink()
    (package / "notes.txt").write_text("added later")
    problems = verify_package(package, key.public_key)
    assert "03_plate.jpg: missing" in problems
    assert "notes.txt: extra file not listed in the manifest" in problems


def test_an_edited_manifest_fails_the_signature(package: Path, key: SigningKey) -> None:
    manifest = _manifest(package)
    manifest["measurement"]["speed_kmh"] = 91.4
    (package / MANIFEST).write_bytes(canonical_json(manifest))
    problems = verify_package(package, key.public_key)
    assert problems == [problems[0]] and problems[0].startswith("manifest.json: signature")


def test_a_manifest_resigned_by_another_key_is_rejected(package: Path, key: SigningKey) -> None:
    import base64

    other = generate_key()
    sig = base64.b64encode(sign_bytes(other, (package / MANIFEST).read_bytes()))
    (package / SIGNATURE).write_bytes(sig)
    assert verify_package(package, key.public_key)[0].startswith("manifest.json: signature")
    assert verify_package(package, other.public_key) == []


def test_missing_signature_or_manifest_is_reported(package: Path, key: SigningKey) -> None:
    (package / SIGNATURE).unlink()
    assert verify_package(package, key.public_key) == [
        "manifest.sig: missing, the manifest is unsigned"
    ]
    (package / MANIFEST).unlink()
    assert verify_package(package, key.public_key) == ["manifest.json: missing"]


def test_a_package_round_trips_through_bytes(
    package: Path, key: SigningKey, tmp_path: Path
) -> None:
    data = package_to_bytes(package)
    assert data == package_to_bytes(package)  # deterministic: same package, same bytes
    out = package_from_bytes(data, tmp_path / "copy")
    assert verify_package(out, key.public_key) == []


def test_an_oversized_package_is_refused_with_the_limit(package: Path, tmp_path: Path) -> None:
    with pytest.raises(PackageTooLarge, match="over the 1000-byte limit"):
        package_to_bytes(package, max_bytes=1000)
    data = package_to_bytes(package)
    with pytest.raises(PackageTooLarge):
        package_from_bytes(data, tmp_path / "x", max_bytes=len(data) - 1)
    assert not (tmp_path / "x").exists()


def test_hostile_or_garbage_bytes_are_rejected_without_writing(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="not an evidence package"):
        package_from_bytes(b"definitely not a zip", tmp_path / "a")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../escape.txt", b"x")
    with pytest.raises(EvidenceError, match="unsafe file name"):
        package_from_bytes(buf.getvalue(), tmp_path / "b")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.bin", b"\0" * 2_000_000)  # compresses to ~2 kB
    with pytest.raises(PackageTooLarge):
        package_from_bytes(bomb.getvalue(), tmp_path / "c", max_bytes=100_000)
    assert list(tmp_path.iterdir()) == []


def test_it_needs_two_frames_with_increasing_time(tmp_path: Path, key: SigningKey) -> None:
    frames = [_frame(10, 1), EvidenceFrame(14, T0 - timedelta(seconds=1), _frame(14, 2).image)]
    common = dict(camera_id="c", calibration_version="v", measurement=MEASUREMENT, key=key,
                  plate_read=PlateRead("", 0.0, None, True), redaction=FAST)  # fmt: skip
    with pytest.raises(EvidenceError, match="at least two frames"):
        build_package(tmp_path / "a", frames=frames, boxes={10: BOXES[10]}, **common)  # type: ignore[arg-type]
    with pytest.raises(EvidenceError, match="increasing timestamps"):
        build_package(tmp_path / "b", frames=frames, boxes=BOXES, **common)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_an_existing_package_is_never_overwritten(
    package: Path, frames: list[EvidenceFrame], key: SigningKey
) -> None:
    before = (package / MANIFEST).read_bytes()
    with pytest.raises(FileExistsError):
        build_package(package, camera_id="c", calibration_version="v", frames=frames,
                      boxes=BOXES, measurement=MEASUREMENT, key=key, redaction=FAST,
                      plate_read=PlateRead("", 0.0, None, True))  # fmt: skip
    assert (package / MANIFEST).read_bytes() == before


def test_event_ids_are_stable_per_passage_and_differ_between_passages() -> None:
    assert make_event_id("cam-7", 7, T0) == make_event_id("cam-7", 7, T0)
    assert make_event_id("cam-7", 8, T0) != make_event_id("cam-7", 7, T0)
    assert make_event_id("cam-8", 7, T0) != make_event_id("cam-7", 7, T0)
    with pytest.raises(EvidenceError, match="timezone-aware"):
        make_event_id("cam-7", 7, T0.replace(tzinfo=None))


def test_a_real_car_is_read_and_packaged_with_its_plate(tmp_path: Path, key: SigningKey) -> None:
    path = DATA / "car_cn_plate.jpg"
    if not path.exists():
        pytest.skip("shared data car_cn_plate.jpg is not available")
    car = cv2.imread(str(path))
    assert car is not None
    frames = [EvidenceFrame(1, T0, car), EvidenceFrame(2, T0 + timedelta(seconds=0.5), car)]
    boxes = {1: (100.0, 50.0, 1100.0, 850.0), 2: (120.0, 60.0, 1080.0, 840.0)}
    pkg = build_package(tmp_path / "car", camera_id="cam-cn", calibration_version="v1",
                        frames=frames, boxes=boxes, measurement=MEASUREMENT, key=key,
                        redaction=RedactionConfig(detect_faces=False))  # fmt: skip
    assert pkg.manifest["plate"]["text"] == "浙GZ6825"
    assert not pkg.manifest["plate"]["needs_human"]
    assert verify_package(pkg.directory, key.public_key) == []
    plate_meta = next(f for f in pkg.manifest["files"] if f["role"] == "plate")
    x1, y1, x2, y2 = plate_meta["crop_box"]
    assert x1 <= 396 + 60 and y1 <= 604 + 15 and x2 >= 700 and y2 >= 690
