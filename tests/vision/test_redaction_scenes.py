"""A drawn street with real faces and real plates pasted at known places: after
redaction none but the target's plate survives, and that one is byte for byte intact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from cameras.vision.evidence import plate
from cameras.vision.evidence.package import EvidenceFrame, Measurement, build_package
from cameras.vision.evidence.redact import RedactionConfig, detect_faces, redact
from cameras.vision.evidence.signing import generate_key
from tests.vision.test_redact import _detail, _load, _zidane

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
Box = tuple[int, int, int, int]
TARGET: Box = (520, 300, 820, 620)
TARGET_PLATE: Box = (600, 560, 741, 596)  # inside the target's plate zone
OTHER: Box = (900, 250, 1180, 520)  # a car beside the target, wholly outside its box
OTHER_PLATE: Box = (990, 470, 1131, 506)
FAR: Box = (300, 200, 420, 300)  # a small car up the road
# Faces at known places: the target's driver (behind its glass), the other car's driver,
# a pedestrian on the verge (all large enough for the cascade to find unredacted), and a
# passenger far away at 14 px (too small for any cascade: only the default redaction
# can hide it).
FACES: dict[str, Box] = {
    "target driver": (640, 360, 700, 420),
    "other driver": (990, 290, 1045, 345),
    "pedestrian": (90, 400, 160, 470),
}
TINY_FACE: Box = (340, 225, 354, 239)


def _paste(image: np.ndarray, patch: np.ndarray, box: Box) -> None:
    x1, y1, x2, y2 = box
    image[y1:y2, x1:x2] = cv2.resize(patch, (x2 - x1, y2 - y1), interpolation=cv2.INTER_AREA)


def _car(image: np.ndarray, box: Box, colour: tuple[int, int, int]) -> None:
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    cv2.rectangle(image, (x1, y1), (x2, y2), colour, -1)
    cv2.rectangle(
        image, (x1 + w // 12, y1 + h // 10), (x2 - w // 12, y1 + h // 2), (60, 60, 60), -1
    )


@pytest.fixture(scope="module")
def street() -> np.ndarray:
    photo = cv2.imread(str(_zidane()))
    assert photo is not None
    face = photo[100:280, 900:1080]  # the right-hand man in zidane.jpg
    plate_patch = _load(DATA / "plate_crop_cn.jpg")
    image = np.full((720, 1280, 3), 105, np.uint8)
    image[:, :200] = (60, 140, 70)  # verge
    rng = np.random.default_rng(5)
    image[:] = np.clip(image + rng.normal(0, 6, image.shape), 0, 255).astype(np.uint8)
    for x in (420, 860):
        cv2.line(image, (x, 720), (640 + (x - 640) // 4, 120), (235, 235, 235), 8)
    _car(image, FAR, (40, 40, 160))
    _car(image, TARGET, (150, 80, 30))
    _car(image, OTHER, (30, 140, 200))
    for box in FACES.values():
        _paste(image, face, box)
    _paste(image, face, TINY_FACE)
    _paste(image, plate_patch, TARGET_PLATE)
    _paste(image, plate_patch, OTHER_PLATE)
    return image


def _read(image: np.ndarray, box: Box) -> str:
    x1, y1, x2, y2 = box
    text, _ = plate._recognise(image[y1:y2, x1:x2], use_det=False)
    return plate.normalise_plate_text(text)


def _face_near(image: np.ndarray, box: Box) -> bool:
    x1, y1, x2, y2 = box
    m = (x2 - x1) // 2
    gray = cv2.cvtColor(image[max(0, y1 - m) : y2 + m, max(0, x1 - m) : x2 + m], cv2.COLOR_BGR2GRAY)
    return bool(detect_faces(gray, RedactionConfig()))


def test_the_drawn_street_shows_faces_and_plates_before_redaction(street: np.ndarray) -> None:
    for name, box in FACES.items():
        assert _face_near(street, box), name
    assert _read(street, TARGET_PLATE) == _read(street, OTHER_PLATE) == "湘F6CL03"


def test_no_face_or_other_plate_survives_and_the_target_plate_is_intact(
    street: np.ndarray,
) -> None:
    result = redact(street, TARGET, [OTHER, FAR], direction="away")
    out = result.image
    for name, box in {**FACES, "tiny passenger": TINY_FACE}.items():
        x1, y1, x2, y2 = box
        assert not _face_near(out, box), name
        assert _detail(out[y1:y2, x1:x2]) < 0.1 * _detail(street[y1:y2, x1:x2]), name
    assert _read(out, OTHER_PLATE) != "湘F6CL03"
    x1, y1, x2, y2 = OTHER_PLATE
    assert _detail(out[y1:y2, x1:x2]) < 0.05 * _detail(street[y1:y2, x1:x2])
    x1, y1, x2, y2 = TARGET_PLATE
    assert np.array_equal(out[y1:y2, x1:x2], street[y1:y2, x1:x2])
    assert _read(out, TARGET_PLATE) == "湘F6CL03"


def test_the_stored_stills_hold_the_same_promise(street: np.ndarray, tmp_path: Path) -> None:
    t0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    later = street.copy()  # the same scene a moment later (the still's content is what counts)
    frames = [EvidenceFrame(1, t0, street), EvidenceFrame(2, t0 + timedelta(seconds=0.4), later)]
    measurement = Measurement(3, 71.0, 2.0, 50.0, 1.0, 1.4, extra={"direction": "away"})
    pkg = build_package(
        tmp_path / "pkg", camera_id="cam-s", calibration_version="v1", frames=frames,
        boxes={1: TARGET, 2: TARGET}, other_boxes={1: [OTHER, FAR], 2: [OTHER, FAR]},
        measurement=measurement, key=generate_key(),
    )  # fmt: skip
    assert pkg.manifest["plate"]["text"] == "湘F6CL03"
    for name in ("01_entry.jpg", "02_exit.jpg"):
        still = cv2.imread(str(pkg.directory / name))
        assert still is not None
        for face, box in FACES.items():
            assert not _face_near(still[:720], box), (name, face)
        assert _read(still, OTHER_PLATE) != "湘F6CL03"
        assert _read(still, TARGET_PLATE) == "湘F6CL03"
