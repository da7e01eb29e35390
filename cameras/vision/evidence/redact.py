"""Privacy redaction applied to every evidence image before it is encoded or written.

Redaction is by default, not by detection: the whole frame outside the target vehicle's
box is obscured, whether or not a detector found anything there, so a missed face or a
bystander beyond the detector's region of interest stays hidden. What stays sharp is the
target's body below its glass and its plate region; what is obscured:

* ``outside_target``: everything outside the target's box, averaged over cells of about
  1/40 of the frame's shorter side (27 px at 1080p, 18 px at 720p, 9 px at 360p) and
  smoothed. A face (8-40 px behind a windscreen) or a plate character (5-50 px) is at
  most a couple of cells, so its shape is averaged away; lanes, kerbs and the other
  vehicles' outlines (tens to hundreds of pixels) stay recognisable as context;
* ``target_glass``: the upper part of the target's box (windscreen or rear window and the
  side windows above the waist line; see ``RedactionConfig.glass_fraction``);
* ``other_vehicle``: another tracked vehicle's box where it overlaps the target's, with
  much coarser cells (a quarter of the box's shorter side);
* ``face`` and ``plate``: Haar cascade hits in the sharp part of the target's box that are
  not the target's own plate region.

The target's plate region (where a plate can be on the vehicle, widened to a located
plate box) is never obscured: it is copied byte for byte from the
input. Detectors only add to what is obscured, never take away.

Cost: two resizes of the frame plus small-region work, ~10-20 ms for a 1080p still on one
core of a laptop-class CPU (see benchmarks/redaction.py), against 2.4 s per 720p still for
the cascade-over-the-whole-frame design it replaced (2026-12-06).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from cameras.vision.boxes import overlaps
from cameras.vision.evidence.plate import BBox, cascade_path, plate_cascade

BoxLike = Sequence[float]  # (x1, y1, x2, y2) pixels, ints or floats (detector output)

FACE_CASCADES = (
    "haarcascade_frontalface_default.xml",
    "haarcascade_profileface.xml",
)


@dataclass(frozen=True)
class RedactionConfig:
    # Background cells across the frame's shorter side. 40 keeps a lane line (or a
    # vehicle) as a recognisable shape and no character of a plate 330 px wide in a
    # 1100x850 photo (tests/vision/test_redact.py reads it before and not after).
    background_cells: int = 40
    background_min_cell_px: int = 6
    # Fraction of the target's box height, from the top, that is glass, by the way the
    # vehicle is seen (Passage.direction: "away" shows its rear, "toward" its front). From
    # the rear, the rear window spans ~15-50 % of the box and the plate sits at 65-90 %;
    # from the front, an elevated camera sees the windscreen lower (to ~55 %) above the
    # bonnet, and the plate at 75-95 %. Unknown direction takes the larger.
    glass_fraction: float = 0.55
    glass_fraction_front: float = 0.6
    # Where a plate can be on the target, as fractions of its box (x0, x1) across and from
    # the glass's lower edge down: always kept sharp (with a located plate box, if it lies
    # outside), so neither a bystander's box nor a detector hit can cover the plate.
    plate_zone_x: tuple[float, float] = (0.1, 0.9)
    face_dilate: float = 0.3  # grow each face box by this fraction on every side
    # Smallest face searched: this many pixels, or this fraction of the frame's shorter
    # side if larger. Up to 1080p the cascades' own windows (24 px frontal, 20 px profile)
    # are the floor.
    face_min_px: int = 16
    face_min_fraction: float = 1 / 54
    face_scale_factor: float = 1.1
    detect_faces: bool = True  # in the sharp part of the target's box
    detect_plates: bool = True  # in the sharp part of the target's box, outside its plate
    cells_across: int = 4  # cells across a small region's shorter side (at most)
    min_cell_px: int = 6


@dataclass(frozen=True)
class Redaction:
    kind: str  # "outside_target" | "target_glass" | "other_vehicle" | "face" | "plate"
    bbox: BBox

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "bbox": list(self.bbox)}


@dataclass(frozen=True)
class RedactionResult:
    image: np.ndarray
    regions: tuple[Redaction, ...] = field(default_factory=tuple)
    target: BBox | None = None  # the part of the frame left sharp (less its glass)
    kept_plate: BBox | None = None  # never obscured: the plate zone and any located plate

    def audit(self) -> list[dict[str, object]]:
        """JSON-ready list of what was obscured, for the manifest and the audit log."""
        return [r.as_dict() for r in self.regions]

    def summary(self) -> dict[str, object]:
        """Counts per kind and the share of the frame obscured, for reports."""
        counts: dict[str, int] = {}
        for region in self.regions:
            counts[region.kind] = counts.get(region.kind, 0) + 1
        h, w = self.image.shape[:2]
        sharp = 0
        if self.target is not None:
            x1, y1, x2, y2 = self.target
            sharp = (x2 - x1) * (y2 - y1)
            sharp -= sum(_area(r.bbox) for r in self.regions if r.kind == "target_glass")
        return {
            "kinds": counts,
            "obscured_fraction": round(1.0 - max(0, sharp) / float(w * h), 4),
            "kept_plate": list(self.kept_plate) if self.kept_plate is not None else None,
        }


_FACE_CASCADES: list[cv2.CascadeClassifier] = []


def _face_cascades() -> list[cv2.CascadeClassifier]:
    if not _FACE_CASCADES:
        for name in FACE_CASCADES:
            cascade = cv2.CascadeClassifier(cascade_path(name))
            if cascade.empty():
                raise RuntimeError(f"OpenCV face cascade {name} could not be loaded")
            _FACE_CASCADES.append(cascade)
    return _FACE_CASCADES


def clip_box(box: BoxLike, width: int, height: int) -> BBox | None:
    """Round outwards and clip to the image; None when nothing is left."""
    x1, y1 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
    x2, y2 = min(width, math.ceil(box[2])), min(height, math.ceil(box[3]))
    return (x1, y1, x2, y2) if x2 > x1 and y2 > y1 else None


def _area(box: BBox) -> int:
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


def _sub_box(box: BBox, fx0: float, fy0: float, fx1: float, fy1: float) -> BBox:
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    return (x1 + round(fx0 * w), y1 + round(fy0 * h), x1 + round(fx1 * w), y1 + round(fy1 * h))


def _intersection(a: BBox, b: BBox) -> BBox | None:
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[2] > box[0] and box[3] > box[1] else None


def glass_fraction(direction: str | None, config: RedactionConfig) -> float:
    if direction == "away":
        return config.glass_fraction
    return max(config.glass_fraction, config.glass_fraction_front)


def face_min_size(width: int, height: int, config: RedactionConfig) -> int:
    return max(config.face_min_px, round(min(width, height) * config.face_min_fraction))


def detect_faces(gray: np.ndarray, config: RedactionConfig) -> list[BBox]:
    h, w = gray.shape[:2]
    side = face_min_size(w, h, config)
    boxes: list[BBox] = []
    # Haar cascades are not mirror-symmetric (the profile one only knows faces looking
    # one way), so each runs on the image and on its mirror. minNeighbors 3, not the
    # usual 5: a missed face is worse than a blurred bush.
    mirror = cv2.flip(gray, 1)
    for cascade in _face_cascades():
        for flipped, src in ((False, gray), (True, mirror)):
            hits = cascade.detectMultiScale(src, config.face_scale_factor, 3, minSize=(side, side))
            for x, y, bw, bh in hits:
                x = w - int(x) - int(bw) if flipped else int(x)
                boxes.append((x, int(y), x + int(bw), int(y) + int(bh)))
    out = []
    for x1, y1, x2, y2 in boxes:
        dx, dy = round(config.face_dilate * (x2 - x1)), round(config.face_dilate * (y2 - y1))
        grown = clip_box((x1 - dx, y1 - dy, x2 + dx, y2 + dy), w, h)
        if grown is not None:
            out.append(grown)
    return out


def detect_plates(gray: np.ndarray) -> list[BBox]:
    hits = plate_cascade().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=3)
    return [(int(x), int(y), int(x + w), int(y + h)) for x, y, w, h in hits]


def _smear(image: np.ndarray, cell: int) -> np.ndarray:
    """Average over `cell`-pixel cells, smooth, and scale back: irreversible, and cheap
    (the work is on an image `cell`² times smaller than the input)."""
    h, w = image.shape[:2]
    small = cv2.resize(
        image, (max(1, round(w / cell)), max(1, round(h / cell))), interpolation=cv2.INTER_AREA
    )
    if min(small.shape[:2]) >= 3:
        small = cv2.GaussianBlur(small, (3, 3), 0)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def obscure(
    image: np.ndarray, box: BBox, protect: Iterable[BBox] = (), *, cells: int = 4, min_cell: int = 6
) -> None:
    """Obscure `box` of `image` in place (cells of a quarter of its shorter side at most),
    leaving `protect` boxes untouched."""
    x1, y1, x2, y2 = box
    roi = image[y1:y2, x1:x2]
    h, w = roi.shape[:2]
    if h == 0 or w == 0:
        return
    coarse = _smear(roi, max(min_cell, math.ceil(min(h, w) / cells)))
    keep = np.zeros((h, w), dtype=bool)
    for px1, py1, px2, py2 in protect:
        ax1, ay1 = max(px1, x1) - x1, max(py1, y1) - y1
        ax2, ay2 = min(px2, x2) - x1, min(py2, y2) - y1
        if ax2 > ax1 and ay2 > ay1:
            keep[ay1:ay2, ax1:ax2] = True
    if keep.any():
        roi[~keep] = coarse[~keep]
    else:
        roi[...] = coarse


def background_cell(width: int, height: int, config: RedactionConfig) -> int:
    return max(
        config.background_min_cell_px, math.ceil(min(width, height) / config.background_cells)
    )


def redact(
    image: np.ndarray,
    target_box: BoxLike,
    other_boxes: Iterable[BoxLike] = (),
    *,
    target_plate_box: BoxLike | None = None,
    direction: str | None = None,
    config: RedactionConfig | None = None,
) -> RedactionResult:
    """Return a redacted copy of a BGR frame and the list of obscured regions.

    Stages: obscure the whole frame, paste the target's box back, obscure its glass, then
    what other vehicles' boxes and the detectors add inside it. The target's plate region
    (the plate zone, widened to `target_plate_box` in frame pixels) is copied from
    the input last, so nothing can cover it.
    """
    cfg = config or RedactionConfig()
    h, w = image.shape[:2]
    out = _smear(image, background_cell(w, h, cfg))
    regions = [Redaction("outside_target", (0, 0, w, h))]
    target = clip_box(target_box, w, h)
    if target is None:
        return RedactionResult(out, tuple(regions))
    tx1, ty1, tx2, ty2 = target
    out[ty1:ty2, tx1:tx2] = image[ty1:ty2, tx1:tx2]
    glass, kept = _glass_and_plate(target, target_plate_box, direction, cfg, w, h)
    if glass is not None:
        regions.append(Redaction("target_glass", glass))
    regions.extend(_inside_target(image, target, glass, kept, other_boxes, cfg))
    for region in regions[1:]:
        obscure(out, region.bbox, (kept,), cells=cfg.cells_across, min_cell=cfg.min_cell_px)
    kx1, ky1, kx2, ky2 = kept
    out[ky1:ky2, kx1:kx2] = image[ky1:ky2, kx1:kx2]
    return RedactionResult(out, tuple(regions), target, kept)


def _glass_and_plate(
    target: BBox,
    plate_box: BoxLike | None,
    direction: str | None,
    cfg: RedactionConfig,
    w: int,
    h: int,
) -> tuple[BBox | None, BBox]:
    """The target's glass band and the region kept sharp for its plate."""
    fraction = glass_fraction(direction, cfg)
    glass: BBox | None = _sub_box(target, 0.0, 0.0, 1.0, fraction)
    zx0, zx1 = cfg.plate_zone_x
    kept = _sub_box(target, zx0, fraction, zx1, 1.0)
    if _area(kept) == 0:
        kept = (target[0], target[3] - 1, target[2], target[3])
    located = clip_box(plate_box, w, h) if plate_box is not None else None
    if located is not None:  # usually inside the zone; a plate mounted high widens it
        kept = (min(kept[0], located[0]), min(kept[1], located[1]),
                max(kept[2], located[2]), max(kept[3], located[3]))  # fmt: skip
    assert glass is not None
    if overlaps(glass, kept):  # a plate mounted high: the glass stops above it
        glass = (glass[0], glass[1], glass[2], max(glass[1], kept[1]))
    return (glass if _area(glass) else None), kept


def _inside_target(
    image: np.ndarray,
    target: BBox,
    glass: BBox | None,
    kept: BBox,
    other_boxes: Iterable[BoxLike],
    cfg: RedactionConfig,
) -> list[Redaction]:
    """What else is obscured within the target's box: other vehicles overlapping it and
    detector hits in its sharp part (below the glass), never its plate region."""
    h, w = image.shape[:2]
    found: list[Redaction] = []
    for raw in other_boxes:
        other = clip_box(raw, w, h)
        part = _intersection(other, target) if other is not None else None
        if part is not None:
            found.append(Redaction("other_vehicle", part))
    sharp = (target[0], glass[3], target[2], target[3]) if glass is not None else target
    if _area(sharp) == 0 or not (cfg.detect_faces or cfg.detect_plates):
        return found
    for part in _minus(sharp, kept):
        found.extend(_detect_in(image, part, kept, cfg))
    return found


def _minus(box: BBox, hole: BBox) -> list[BBox]:
    """`box` less `hole`, as up to four rectangles (above, below, left, right)."""
    cut = _intersection(box, hole)
    if cut is None:
        return [box]
    x1, y1, x2, y2 = box
    parts = [(x1, y1, x2, cut[1]), (x1, cut[3], x2, y2),
             (x1, cut[1], cut[0], cut[3]), (cut[2], cut[1], x2, cut[3])]  # fmt: skip
    return [p for p in parts if _area(p) > 0]


def _detect_in(image: np.ndarray, part: BBox, kept: BBox, cfg: RedactionConfig) -> list[Redaction]:
    """Face and plate cascade hits in one sharp rectangle, in frame pixels. A rectangle
    narrower than the cascades' smallest window cannot hold what they find: skipped."""
    px1, py1, px2, py2 = part
    if min(px2 - px1, py2 - py1) < 20:
        return []
    roi = image[py1:py2, px1:px2]
    gray = cv2.cvtColor(roi, cv2.COLOR_BGR2GRAY) if roi.ndim == 3 else roi
    hits: list[tuple[str, BBox]] = []
    if cfg.detect_faces:
        hits.extend(("face", b) for b in detect_faces(gray, cfg))
    if cfg.detect_plates:
        hits.extend(("plate", b) for b in detect_plates(gray))
    found = []
    for kind, (x1, y1, x2, y2) in hits:
        box = (px1 + x1, py1 + y1, px1 + x2, py1 + y2)
        if kind == "plate" and overlaps(box, kept):
            continue  # the target's own plate: it is the evidence
        found.append(Redaction(kind, box))
    return found
