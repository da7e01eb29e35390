"""Offline licence-plate reading with a confidence, for the target vehicle only.

Localise the plate in a crop of the vehicle (OpenCV's Haar plate cascade first, then
edge-density candidates in the lower part of the vehicle), read each candidate with
RapidOCR's recogniser, and keep the best plausible read. Anything below the confidence
threshold is flagged `needs_human`: the policy gate never sends an unverified plate to an
owner lookup, and a reviewer checks every plate anyway.

Everything runs offline: the cascade ships with opencv-python and RapidOCR bundles its
PP-OCR models. No plate is stored or searched here; the caller decides what to keep.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from cameras.vision.boxes import iou

# (x1, y1, x2, y2) in pixels of the image given to the function.
BBox = tuple[int, int, int, int]

DEFAULT_THRESHOLD = 0.85
PLATE_CASCADE = "haarcascade_russian_plate_number.xml"
# Plates sit below the windows on the rear (and front) of a vehicle. Candidates whose
# centre is above this fraction of the crop height are ignored: it keeps windscreen
# stickers and the rear window (occupants) out of the OCR.
LOWER_REGION_START = 0.4
# Typical plate aspect ratios (width / height): EU 4.7, CN 3.1, US 2.0, two-line ~1.7.
MIN_ASPECT, MAX_ASPECT = 1.5, 6.5
MAX_CANDIDATES = 4
MIN_TEXT_LEN, MAX_TEXT_LEN = 4, 10


@dataclass(frozen=True)
class PlateRead:
    text: str  # normalised: no separators or spaces, upper case; "" when nothing read
    confidence: float  # 0..1, the OCR recogniser's score for the kept candidate
    bbox: BBox | None  # where the plate is in the given image; None when not found
    needs_human: bool  # confidence below threshold, implausible text, or no plate


_ENGINE: Any = None
_ENGINE_LOCK = threading.Lock()
_CASCADE: cv2.CascadeClassifier | None = None


def _engine() -> Any:
    """RapidOCR, built once per process (it loads three ONNX models)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            from rapidocr_onnxruntime import RapidOCR

            _ENGINE = RapidOCR()
        return _ENGINE


def cascade_path(name: str) -> str:
    """Path of a Haar cascade bundled with opencv-python (cv2.data is untyped)."""
    return str(cv2.data.haarcascades) + name  # type: ignore[attr-defined]


def plate_cascade() -> cv2.CascadeClassifier:
    global _CASCADE
    if _CASCADE is None:
        cascade = cv2.CascadeClassifier(cascade_path(PLATE_CASCADE))
        if cascade.empty():
            raise RuntimeError(f"OpenCV plate cascade {PLATE_CASCADE} could not be loaded")
        _CASCADE = cascade
    return _CASCADE


def normalise_plate_text(text: str) -> str:
    """'浙G·Z6825' -> '浙GZ6825': drop separators, spaces and punctuation; upper case.

    NFKC first folds full-width letters and digits (common in CJK OCR output) to ASCII.
    """
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if ch.isalnum()).upper()


def is_plausible_plate(text: str) -> bool:
    """Cheap format check shared by all jurisdictions: length and at least one digit."""
    return MIN_TEXT_LEN <= len(text) <= MAX_TEXT_LEN and any(ch.isdigit() for ch in text)


def find_plate_candidates(image: np.ndarray, max_candidates: int = MAX_CANDIDATES) -> list[BBox]:
    """Likely plate boxes, most likely first: cascade hits, then edge-density regions."""
    h, w = image.shape[:2]
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    candidates: list[BBox] = []
    if MIN_ASPECT <= w / max(h, 1) <= MAX_ASPECT and h <= 160:
        # The input already looks like a plate crop: read it whole.
        candidates.append((0, 0, w, h))
    hits = plate_cascade().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=3)
    # Larger hits first: a bigger box is more likely the target's own plate than clutter.
    for x, y, bw, bh in sorted((tuple(map(int, r)) for r in hits), key=lambda r: -r[2] * r[3]):
        if y + bh / 2 >= LOWER_REGION_START * h:
            candidates.append((x, y, x + bw, y + bh))
    for box in _edge_density_candidates(gray):
        if all(iou(box, c) < 0.5 for c in candidates):
            candidates.append(box)
    return candidates[:max_candidates]


def _edge_density_candidates(gray: np.ndarray) -> list[BBox]:
    """Fallback localiser: plates are dense in vertical strokes (characters) in a
    wide, short block. Close the vertical-edge map horizontally and keep blobs with a
    plate-like shape in the lower part of the vehicle, densest first."""
    h, w = gray.shape[:2]
    top = int(LOWER_REGION_START * h)
    roi = gray[top:, :]
    if roi.size == 0 or min(roi.shape) < 8:
        return []
    sobel = cv2.Sobel(roi, cv2.CV_16S, 1, 0, ksize=3)
    edges = cv2.convertScaleAbs(sobel)
    _, binary = cv2.threshold(edges, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, w // 40), max(3, h // 120)))
    closed = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, kernel)
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    scored: list[tuple[float, BBox]] = []
    for contour in contours:
        x, y, bw, bh = cv2.boundingRect(contour)
        if bh < 8 or bw < 0.05 * w or bw > 0.9 * w:
            continue
        if not MIN_ASPECT <= bw / bh <= MAX_ASPECT:
            continue
        density = float(binary[y : y + bh, x : x + bw].mean()) / 255.0
        if 0.15 <= density <= 0.85:  # text, not a flat panel nor a noise field
            scored.append((density, (x, top + y, x + bw, top + y + bh)))
    scored.sort(key=lambda s: -s[0])
    return [box for _, box in scored]


def _recognise(crop: np.ndarray, use_det: bool) -> tuple[str, float]:
    """Best text line in `crop` and its score; ('', 0.0) when nothing is read."""
    result, _ = _engine()(crop, use_det=use_det, use_cls=False, use_rec=True)
    if not result:
        return "", 0.0
    # Without detection each row is [text, score]; with it, [box, text, score].
    rows = [(str(r[-2]), float(r[-1])) for r in result]
    return max(rows, key=lambda r: (is_plausible_plate(normalise_plate_text(r[0])), r[1]))


def read_plate(
    vehicle: np.ndarray,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    max_candidates: int = MAX_CANDIDATES,
) -> PlateRead:
    """Read the plate of one vehicle crop (BGR). Never raises on an unreadable image."""
    if vehicle.size == 0 or vehicle.ndim not in (2, 3):
        return PlateRead("", 0.0, None, True)
    image = cv2.cvtColor(vehicle, cv2.COLOR_GRAY2BGR) if vehicle.ndim == 2 else vehicle
    w = image.shape[1]
    best = PlateRead("", 0.0, None, True)
    for x1, y1, x2, y2 in find_plate_candidates(image, max_candidates):
        text, score = "", 0.0
        # Recogniser scores are sensitive to the margin around the characters, so try
        # the box as found and then with a little horizontal context (characters at
        # the very edge); then let the text detector find the line inside a loose box
        # (cascade boxes often are). Each recognise is ~20 ms, a detect ~0.4 s.
        pad = (x2 - x1) // 20
        padded = (max(0, x1 - pad), y1, min(w, x2 + pad), y2)
        for (cx1, cy1, cx2, cy2), use_det in (
            ((x1, y1, x2, y2), False),
            (padded, False),
            (padded, True),
        ):
            got, got_score = _recognise(image[cy1:cy2, cx1:cx2], use_det=use_det)
            if got_score > score and is_plausible_plate(normalise_plate_text(got)):
                text, score = got, got_score
            if score >= threshold:
                break
        norm = normalise_plate_text(text)
        if not is_plausible_plate(norm):
            continue
        if score > best.confidence:
            best = PlateRead(norm, score, (x1, y1, x2, y2), score < threshold)
        if score >= threshold:
            break  # good enough: candidates are ordered, skip the slow rest
    return best
