"""Redaction: faces, glass and bystanders' plates obscured; the target plate untouched."""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from cameras.vision.evidence import plate
from cameras.vision.evidence.plate import normalise_plate_text
from cameras.vision.evidence.redact import (
    RedactionConfig,
    detect_faces,
    face_min_size,
    obscure,
    redact,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CAR = DATA / "car_cn_plate.jpg"
CROP = DATA / "plate_crop_cn.jpg"
CAR_PLATE = (396, 604, 725, 713)  # where the plate cascade finds it in car_cn_plate.jpg
NO_DETECTORS = RedactionConfig(detect_faces=False, detect_plates=False)


def _zidane() -> Path:
    """A real photo with faces, shipped inside the ultralytics package (not copied)."""
    try:
        import ultralytics
    except ImportError:
        pytest.skip("ultralytics is not installed")
    path = Path(ultralytics.__file__).parent / "assets" / "zidane.jpg"
    if not path.exists():
        pytest.skip("ultralytics' zidane.jpg is not available")
    return path


def _load(path: Path) -> np.ndarray:
    if not path.exists():
        pytest.skip(f"shared data {path.name} is not available")
    image = cv2.imread(str(path))
    assert image is not None
    return image


def _scene(seed: int = 0) -> np.ndarray:
    """A textured 720p frame: every region has detail that blurring must remove."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)


def _detail(patch: np.ndarray) -> float:
    """High-frequency energy (variance of the Laplacian): what makes text legible."""
    gray = cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY) if patch.ndim == 3 else patch
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    fa, fb = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    fa, fb = fa - fa.mean(), fb - fb.mean()
    denom = np.sqrt((fa * fa).sum() * (fb * fb).sum())
    return float((fa * fb).sum() / denom) if denom > 0 else 0.0


def _text_patch() -> np.ndarray:
    """A plate-like patch: dark characters on a light plate, with real edges."""
    patch = np.full((60, 220, 3), 235, np.uint8)
    cv2.putText(patch, "AB12 CDE", (8, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (20, 20, 20), 4)
    return patch


def test_an_obscured_plate_like_patch_is_no_longer_recoverable() -> None:
    original = _text_patch()
    text, _ = plate._recognise(original, use_det=False)
    assert normalise_plate_text(text) == "AB12CDE", "precondition: the patch is legible"
    image = original.copy()
    obscure(image, (0, 0, 220, 60))
    assert _detail(image) < 0.05 * _detail(original)
    # At the scale of the strokes (4 px wide) nothing of the characters is left...
    high_orig = original.astype(np.float64) - cv2.GaussianBlur(original, (0, 0), 2)
    high_blur = image.astype(np.float64) - cv2.GaussianBlur(image, (0, 0), 2)
    assert abs(_correlation(high_orig, high_blur)) < 0.2
    # ...and the recogniser that read it before reads nothing plate-like now.
    text, _ = plate._recognise(image, use_det=False)
    assert not plate.is_plausible_plate(normalise_plate_text(text))


def test_it_leaves_the_target_plate_pixel_identical() -> None:
    frame = _scene()
    target, plate_box = (400, 200, 900, 650), (560, 520, 740, 580)
    # A bystander overlapping the target and a face-size region over the plate.
    result = redact(frame, target, [(650, 300, 1100, 700)], target_plate_box=plate_box)
    x1, y1, x2, y2 = plate_box
    assert np.array_equal(result.image[y1:y2, x1:x2], frame[y1:y2, x1:x2])


def test_it_obscures_the_targets_glass_above_the_plate() -> None:
    frame = _scene(1)
    result = redact(frame, (400, 200, 900, 650), config=NO_DETECTORS)
    glass = [r for r in result.regions if r.kind == "target_glass"]
    assert len(glass) == 1
    x1, y1, x2, y2 = glass[0].bbox
    assert (x1, y1, x2) == (400, 200, 900) and 200 < y2 < 650 - 0.3 * 450
    assert _detail(result.image[y1:y2, x1:x2]) < 0.05 * _detail(frame[y1:y2, x1:x2])
    # Below the glass the body and the plate area are unchanged.
    assert np.array_equal(result.image[y2:650, 400:900], frame[y2:650, 400:900])


def test_the_glass_band_stops_above_a_plate_mounted_high() -> None:
    frame = _scene(2)
    target, plate_box = (100, 100, 500, 400), (220, 230, 380, 270)  # plate at 43-57 %
    result = redact(frame, target, target_plate_box=plate_box, config=NO_DETECTORS)
    glass = next(r for r in result.regions if r.kind == "target_glass")
    assert glass.bbox[3] == plate_box[1]
    assert np.array_equal(result.image[230:270, 220:380], frame[230:270, 220:380])


def test_it_blurs_other_vehicles_plates_and_glass() -> None:
    frame = _scene(3)
    other = (900, 300, 1200, 600)
    result = redact(frame, (100, 100, 500, 500), [other], config=NO_DETECTORS)
    kinds = {r.kind: r.bbox for r in result.regions}
    assert {"other_plate_band", "other_glass"} <= kinds.keys()
    for box in (kinds["other_plate_band"], kinds["other_glass"]):
        x1, y1, x2, y2 = box
        assert _detail(result.image[y1:y2, x1:x2]) < 0.05 * _detail(frame[y1:y2, x1:x2])
    # The band covers the lower-middle of the bystander, where plates are mounted.
    bx1, by1, bx2, by2 = kinds["other_plate_band"]
    assert bx1 > other[0] and bx2 < other[2] and by1 >= 450 and by2 == other[3]


def test_a_bystanders_real_plate_can_no_longer_be_read() -> None:
    car = _load(CAR)
    before = plate.read_plate(car)
    assert before.text == "浙GZ6825", "precondition: the plate is readable unredacted"
    # The whole car is a bystander; the target is elsewhere in the frame.
    result = redact(car, (0, 0, 120, 120), [(100, 50, 1100, 850)], config=NO_DETECTORS)
    after = plate.read_plate(result.image)
    assert after.text != before.text and after.needs_human


def test_a_plate_found_by_the_cascade_outside_the_target_is_obscured() -> None:
    car = _load(CAR)
    result = redact(car, (0, 0, 120, 120), config=RedactionConfig(detect_faces=False))
    plates = [r.bbox for r in result.regions if r.kind == "plate"]
    assert CAR_PLATE in plates
    x1, y1, x2, y2 = CAR_PLATE
    assert _detail(result.image[y1:y2, x1:x2]) < 0.1 * _detail(car[y1:y2, x1:x2])


def test_the_targets_own_plate_found_by_the_cascade_is_kept() -> None:
    car = _load(CAR)
    for plate_box in (CAR_PLATE, None):  # known, or inferred from the target's lower part
        result = redact(
            car,
            (100, 50, 1100, 850),
            target_plate_box=plate_box,
            config=RedactionConfig(detect_faces=False),
        )
        assert CAR_PLATE not in [r.bbox for r in result.regions if r.kind == "plate"]
        x1, y1, x2, y2 = CAR_PLATE
        assert np.array_equal(result.image[y1:y2, x1:x2], car[y1:y2, x1:x2])
        assert plate.read_plate(result.image).text == "浙GZ6825"


def test_faces_in_a_real_photo_are_found_and_obscured() -> None:
    photo = cv2.imread(str(_zidane()))
    assert photo is not None
    started = time.perf_counter()
    result = redact(photo, (0, 640, 100, 720))
    print(
        f"redaction of a {photo.shape[1]}x{photo.shape[0]} frame: "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    faces = [r.bbox for r in result.regions if r.kind == "face"]
    # The two faces in zidane.jpg: the man on the right (near 990, 185) and Zidane (near
    # 637, 342, found only on the mirrored frame).
    for cx, cy in ((990, 185), (637, 342)):
        assert any(x1 < cx < x2 and y1 < cy < y2 for x1, y1, x2, y2 in faces), (cx, cy)
    for x1, y1, x2, y2 in faces:
        assert _detail(result.image[y1:y2, x1:x2]) < 0.2 * _detail(photo[y1:y2, x1:x2])
    # Run the face detector again around each face: nothing is found there any more.
    gray = cv2.cvtColor(result.image, cv2.COLOR_BGR2GRAY)
    for cx, cy in ((990, 185), (637, 342)):
        x0, y0 = max(0, cx - 200), max(0, cy - 200)
        window = gray[y0 : cy + 200, x0 : cx + 200]
        still_found = detect_faces(window, RedactionConfig())
        assert not any(x1 < cx - x0 < x2 and y1 < cy - y0 < y2 for x1, y1, x2, y2 in still_found), (
            "a face is still detectable after redaction"
        )


def test_the_input_frame_is_not_modified_and_the_audit_is_json() -> None:
    frame = _scene(4)
    before = frame.copy()
    result = redact(frame, (100, 100, 400, 400), [(500, 100, 800, 400)], config=NO_DETECTORS)
    assert np.array_equal(frame, before)
    audit = json.loads(json.dumps(result.audit()))
    assert {a["kind"] for a in audit} == {"target_glass", "other_plate_band", "other_glass"}


def test_boxes_outside_or_across_the_frame_edge_are_clipped_not_fatal() -> None:
    frame = _scene(5)
    result = redact(
        frame,
        (-50.7, -20.2, 300.4, 200.9),
        [(1200, 650, 1500, 900), (2000, 2000, 2100, 2100), (10, 10, 10, 10)],
        target_plate_box=(-5, 150, 100, 190),
        config=NO_DETECTORS,
    )
    assert result.image.shape == frame.shape
    for region in result.regions:
        x1, y1, x2, y2 = region.bbox
        assert 0 <= x1 < x2 <= 1280 and 0 <= y1 < y2 <= 720
    assert np.array_equal(result.image[150:190, 0:100], frame[150:190, 0:100])


def test_the_smallest_face_searched_is_the_cascades_own_up_to_1080p_and_grows_for_4k() -> None:
    cfg = RedactionConfig()
    assert [face_min_size(w, h, cfg) for w, h in ((640, 360), (1280, 720), (1920, 1080))] == [
        16,
        16,
        20,  # below the cascades' 20-24 px windows: no face they could find is skipped
    ]
    assert face_min_size(3840, 2160, cfg) == 40
    assert face_min_size(3840, 2160, RedactionConfig(face_min_fraction=0)) == 16
