"""Redaction by default: all but the target obscured, its glass too, its plate untouched."""

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


def test_everything_outside_the_target_is_obscured_without_being_told_what_is_there() -> None:
    frame = _scene(6)
    target = (500, 300, 800, 650)
    result = redact(frame, target, config=NO_DETECTORS)
    assert [r.kind for r in result.regions] == ["outside_target", "target_glass"]
    for y0, x0 in ((0, 0), (0, 1100), (400, 100), (600, 1000), (660, 520)):
        window = (slice(y0, y0 + 60), slice(x0, x0 + 150))
        assert _detail(result.image[window]) < 0.02 * _detail(frame[window]), (y0, x0)
    summary = result.summary()
    assert summary["kinds"] == {"outside_target": 1, "target_glass": 1}
    assert 0.9 < float(summary["obscured_fraction"]) < 1.0  # type: ignore[arg-type]


def test_the_road_geometry_survives_as_context() -> None:
    road = np.full((1080, 1920, 3), 90, np.uint8)
    for x_bottom in (300, 960, 1620):  # lane lines converging towards the horizon
        cv2.line(road, (x_bottom, 1080), (960 + (x_bottom - 960) // 5, 300), (235, 235, 235), 14)
    result = redact(road, (800, 700, 1100, 1000), config=NO_DETECTORS)
    coarse = (slice(300, 700), slice(0, 1920))  # well outside the target
    before = cv2.GaussianBlur(road[coarse], (0, 0), 20)
    after = cv2.GaussianBlur(result.image[coarse], (0, 0), 20)
    assert _correlation(before, after) > 0.9


def test_the_target_plate_region_is_byte_identical_even_under_a_bystander() -> None:
    frame = _scene()
    target, plate_box = (400, 200, 900, 650), (560, 520, 740, 580)
    for known in (plate_box, None):  # located, or only where a plate can be
        # A bystander's box lying over the target's whole lower half, plate included.
        result = redact(frame, target, [(380, 400, 1100, 700)], target_plate_box=known)
        assert result.kept_plate is not None
        x1, y1, x2, y2 = result.kept_plate
        assert x1 <= 560 and y1 <= 520 and x2 >= 740 and y2 >= 580
        assert np.array_equal(result.image[y1:y2, x1:x2], frame[y1:y2, x1:x2])
        assert "other_vehicle" in {r.kind for r in result.regions}


def test_it_obscures_the_targets_glass_above_the_plate() -> None:
    frame = _scene(1)
    result = redact(frame, (400, 200, 900, 650), direction="away", config=NO_DETECTORS)
    glass = [r for r in result.regions if r.kind == "target_glass"]
    assert len(glass) == 1
    x1, y1, x2, y2 = glass[0].bbox
    assert (x1, y1, x2) == (400, 200, 900) and 200 < y2 < 650 - 0.3 * 450
    assert _detail(result.image[y1:y2, x1:x2]) < 0.05 * _detail(frame[y1:y2, x1:x2])
    # Below the glass the body and the plate area are unchanged.
    assert np.array_equal(result.image[y2:650, 400:900], frame[y2:650, 400:900])


def test_a_vehicle_seen_from_the_front_has_a_deeper_glass_band() -> None:
    frame = _scene(1)
    bands = {}
    for direction in ("away", "toward", None):
        result = redact(frame, (400, 200, 900, 650), direction=direction, config=NO_DETECTORS)
        bands[direction] = next(r.bbox for r in result.regions if r.kind == "target_glass")[3]
    assert bands["away"] < bands["toward"] == bands[None]


def test_the_glass_band_stops_above_a_plate_mounted_high() -> None:
    frame = _scene(2)
    target, plate_box = (100, 100, 500, 400), (220, 230, 380, 270)  # plate at 43-57 %
    result = redact(frame, target, target_plate_box=plate_box, config=NO_DETECTORS)
    glass = next(r for r in result.regions if r.kind == "target_glass")
    assert glass.bbox[3] == plate_box[1]
    assert np.array_equal(result.image[230:270, 220:380], frame[230:270, 220:380])


def test_another_vehicle_overlapping_the_target_is_obscured_there() -> None:
    frame = _scene(3)
    result = redact(frame, (100, 100, 500, 500), [(470, 200, 700, 600)], config=NO_DETECTORS)
    part = next(r.bbox for r in result.regions if r.kind == "other_vehicle")
    assert part == (470, 200, 500, 500)  # only where it overlaps: the rest is background
    below_glass = (slice(340, 500), slice(470, 500))  # would be sharp target body otherwise
    assert _detail(result.image[below_glass]) < 0.05 * _detail(frame[below_glass])


def test_a_bystanders_real_plate_cannot_be_read_though_nothing_detected_it() -> None:
    car = _load(CAR)
    before = plate.read_plate(car)
    assert before.text == "浙GZ6825", "precondition: the plate is readable unredacted"
    # The target is elsewhere in the frame; no box is given for the car itself.
    result = redact(car, (0, 0, 120, 120), config=NO_DETECTORS)
    after = plate.read_plate(result.image)
    assert after.text != before.text and after.needs_human
    x1, y1, x2, y2 = CAR_PLATE
    assert _detail(result.image[y1:y2, x1:x2]) < 0.05 * _detail(car[y1:y2, x1:x2])


def test_the_targets_own_real_plate_stays_readable() -> None:
    car = _load(CAR)
    for plate_box in (CAR_PLATE, None):  # located, or inside the plate zone
        result = redact(car, (100, 50, 1100, 850), target_plate_box=plate_box)
        assert CAR_PLATE not in [r.bbox for r in result.regions if r.kind == "plate"]
        x1, y1, x2, y2 = CAR_PLATE
        assert np.array_equal(result.image[y1:y2, x1:x2], car[y1:y2, x1:x2])
        assert plate.read_plate(result.image).text == "浙GZ6825"


def test_faces_in_a_real_photo_are_obscured_though_nothing_detected_them() -> None:
    photo = cv2.imread(str(_zidane()))
    assert photo is not None
    h, w = photo.shape[:2]
    # The two faces in zidane.jpg: the man on the right (near 990, 185) and Zidane (near
    # 637, 342). The target is elsewhere: the background alone hides both faces.
    result = redact(photo, (0, 640, 100, 720), config=NO_DETECTORS)
    gray = cv2.cvtColor(result.image, cv2.COLOR_BGR2GRAY)
    assert len(detect_faces(cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY), RedactionConfig())) >= 2
    for cx, cy in ((990, 185), (637, 342)):
        x0, y0 = max(0, cx - 200), max(0, cy - 200)
        window = gray[y0 : min(h, cy + 200), x0 : min(w, cx + 200)]
        found = detect_faces(window, RedactionConfig())
        assert not any(a < cx - x0 < c and b < cy - y0 < d for a, b, c, d in found), (cx, cy)


def test_a_face_inside_the_targets_sharp_body_is_found_and_obscured() -> None:
    photo = cv2.imread(str(_zidane()))
    assert photo is not None
    face = cv2.resize(photo[100:280, 900:1080], (90, 90))  # the right-hand man's face
    canvas = np.full((720, 1280, 3), 120, np.uint8)
    # Target (100..1100, 100..700): glass above y 460, plate zone x 200..1000 below it;
    # the face stands at the box's left edge, beside the body, in the sharp strip.
    canvas[520:610, 102:192] = face
    gray = cv2.cvtColor(canvas, cv2.COLOR_BGR2GRAY)
    assert detect_faces(gray, RedactionConfig()), "precondition: the pasted face is a face"
    result = redact(canvas, (100, 100, 1100, 700))
    assert any(r.kind == "face" for r in result.regions)
    window = cv2.cvtColor(result.image, cv2.COLOR_BGR2GRAY)[420:710, 0:400]
    assert not detect_faces(window, RedactionConfig())


def test_the_input_frame_is_not_modified_and_the_audit_is_json() -> None:
    frame = _scene(4)
    before = frame.copy()
    result = redact(frame, (100, 100, 400, 400), [(300, 100, 800, 400)], config=NO_DETECTORS)
    assert np.array_equal(frame, before)
    audit = json.loads(json.dumps(result.audit()))
    assert {a["kind"] for a in audit} == {"outside_target", "target_glass", "other_vehicle"}
    json.dumps(result.summary())


def test_a_target_outside_the_frame_leaves_everything_obscured() -> None:
    frame = _scene(7)
    result = redact(frame, (2000, 2000, 2100, 2100))
    assert result.target is None and result.kept_plate is None
    assert _detail(result.image) < 0.02 * _detail(frame)


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


def test_a_1080p_still_is_redacted_within_the_budget() -> None:
    frame = cv2.resize(_scene(8), (1920, 1080))
    redact(frame, (700, 500, 1200, 1000))  # cascades load on first use
    cpu = []
    for _ in range(5):
        started = time.process_time()
        redact(frame, (700, 500, 1200, 1000), [(1000, 450, 1400, 800)], direction="toward")
        cpu.append(time.process_time() - started)
    # 50 ms is the budget (benchmarks/redaction.py). CPU time, not wall time: on a shared
    # test machine other programs' turns on the cores are not redaction's; 4x slack.
    assert min(cpu) < 0.2, cpu


def test_the_smallest_face_searched_is_the_cascades_own_up_to_1080p_and_grows_for_4k() -> None:
    cfg = RedactionConfig()
    assert [face_min_size(w, h, cfg) for w, h in ((640, 360), (1280, 720), (1920, 1080))] == [
        16,
        16,
        20,  # below the cascades' 20-24 px windows: no face they could find is skipped
    ]
    assert face_min_size(3840, 2160, cfg) == 40
    assert face_min_size(3840, 2160, RedactionConfig(face_min_fraction=0)) == 16
