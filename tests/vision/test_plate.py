"""Offline plate reading: localisation, OCR, normalisation and the needs-human flag."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from cameras.vision.evidence import plate
from cameras.vision.evidence.plate import (
    PlateRead,
    find_plate_candidates,
    is_plausible_plate,
    normalise_plate_text,
    read_plate,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CAR = DATA / "car_cn_plate.jpg"
CROP = DATA / "plate_crop_cn.jpg"


def _load(path: Path) -> np.ndarray:
    if not path.exists():
        pytest.skip(f"shared data {path.name} is not available")
    image = cv2.imread(str(path))
    assert image is not None, f"{path} exists but does not decode"
    return image


@pytest.fixture(scope="module")
def warm_ocr() -> None:
    """Build RapidOCR once for the module (the first build loads three ONNX models)."""
    plate._engine()


def _canvas_with_plate(where: str) -> np.ndarray:
    """A grey 'vehicle' with the real plate crop, enlarged, pasted high or low."""
    crop = cv2.resize(_load(CROP), (282, 72), interpolation=cv2.INTER_CUBIC)
    canvas = np.full((600, 500, 3), 110, np.uint8)
    y = 60 if where == "top" else 440
    canvas[y : y + 72, 109 : 109 + 282] = crop
    return canvas


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("浙G·Z6825", "浙GZ6825"), ("ab 12-cd", "AB12CD"), ("ＡＢ１２３", "AB123"), ("", "")],
)
def test_plate_text_is_normalised_without_separators_in_upper_case(raw: str, expected: str) -> None:
    assert normalise_plate_text(raw) == expected


def test_only_plate_shaped_text_is_plausible() -> None:
    assert is_plausible_plate("浙GZ6825")
    assert not is_plausible_plate("STOP")  # no digit
    assert not is_plausible_plate("12")  # too short
    assert not is_plausible_plate("A" * 8 + "1" * 8)  # too long


def test_it_reads_the_plate_on_a_whole_car(warm_ocr: None) -> None:
    car = _load(CAR)
    started = time.perf_counter()
    read = read_plate(car)
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"car_cn_plate: {read} in {elapsed_ms:.0f} ms")
    assert read.text == "浙GZ6825"
    assert read.confidence >= plate.DEFAULT_THRESHOLD
    assert not read.needs_human
    assert read.bbox is not None
    x1, y1, x2, y2 = read.bbox
    # The plate is in the lower half of the car picture, below the windscreen.
    assert y1 > car.shape[0] / 2 and x2 - x1 > 2 * (y2 - y1)


def test_it_reads_a_tight_plate_crop(warm_ocr: None) -> None:
    read = read_plate(_load(CROP))
    assert read.text == "湘F6CL03"
    assert not read.needs_human


def test_a_blank_image_needs_a_human() -> None:
    read = read_plate(np.full((300, 400, 3), 128, np.uint8))
    assert read == PlateRead("", 0.0, None, True)


def test_noise_or_an_empty_array_needs_a_human(warm_ocr: None) -> None:
    rng = np.random.default_rng(3)
    assert read_plate(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)).needs_human
    assert read_plate(np.zeros((0, 0, 3), np.uint8)).needs_human


def test_a_higher_threshold_turns_the_same_read_into_needs_human(warm_ocr: None) -> None:
    read = read_plate(_load(CROP), threshold=0.9999, max_candidates=1)
    assert read.text == "湘F6CL03"
    assert read.needs_human


def test_the_edge_density_fallback_finds_the_plate_when_the_cascade_misses(
    warm_ocr: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Blind:
        def detectMultiScale(self, *args: object, **kwargs: object) -> tuple[()]:
            return ()

    car = _load(CAR)
    monkeypatch.setattr(plate, "plate_cascade", lambda: Blind())
    read = read_plate(car)
    assert read.text == "浙GZ6825"
    assert read.bbox is not None and read.bbox[1] > car.shape[0] / 2


def test_text_high_on_the_vehicle_is_not_read_as_its_plate(warm_ocr: None) -> None:
    # Windscreen stickers and the rear window are above the plate: never OCR them.
    assert read_plate(_canvas_with_plate("top")).needs_human
    low = read_plate(_canvas_with_plate("bottom"))
    assert low.text == "湘F6CL03"


def test_candidates_are_limited_and_lie_inside_the_image() -> None:
    car = _load(CAR)
    boxes = find_plate_candidates(car, max_candidates=2)
    assert 1 <= len(boxes) <= 2
    h, w = car.shape[:2]
    for x1, y1, x2, y2 in boxes:
        assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h


def test_the_ocr_engine_is_built_once_per_process(warm_ocr: None) -> None:
    assert plate._engine() is plate._engine()
