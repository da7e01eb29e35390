"""Vehicle detectors: ultralytics YOLO, and an OpenCV motion detector as the fallback.

Both return :class:`Detection` lists in full-image pixel coordinates. Only the bottom edge
of a box matters for speed (the road-contact point), so both detectors may work on a
region of interest around the measurement zone and at reduced scale to save CPU.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.errors import DetectorError
from cameras.vision.measure.blobs import merge_fragments, split_neighbours
from cameras.vision.measure.contact_edge import lowest_column, refined_bottom
from cameras.vision.measure.hints import split_by_hints
from cameras.vision.measure.shade import shade_bottoms

log = logging.getLogger(__name__)
FloatArray = NDArray[np.float64]

__all__ = ["Detection", "Detector", "MotionDetector", "make_detector"]
__all__ += ["UNRECOGNISED", "merge_fragments", "resolve_weights"]

Roi = tuple[int, int, int, int]  # x0, y0, x1, y1 in full-image pixels
VEHICLE_CLASSES: dict[int, str] = {2: "car", 3: "motorcycle", 5: "bus", 7: "truck"}
# The class of a moving blob that a classifying detector (YOLO) did not recognise as any
# of those (see ``fill_in``): measured, but not named.
UNRECOGNISED = "vehicle"
WEIGHTS_ENV = "FAIRSPEED_YOLO_WEIGHTS"


@dataclass(frozen=True)
class Detection:
    """One box: (x1, y1, x2, y2) pixels, confidence in [0, 1], class name. ``shade_y2``:
    the motion detector's second guess at the bottom (see ``shade``), where it differs.
    ``contact_x``: the column of the blob's lowest pixels (the motion detector's; a box
    alone does not say where along its bottom edge the vehicle reaches it); ``shade_x``
    the same for ``shade_y2``. ``sized``: False where the box's size is not comparable
    with the track's other boxes (another detector's outline standing in for a frame,
    see ``fill_in``): its bottom and contact place the vehicle, its size judges nothing."""

    xyxy: tuple[float, float, float, float]
    conf: float
    cls: str
    shade_y2: float | None = None
    contact_x: float | None = None
    shade_x: float | None = None
    sized: bool = True

    @property
    def contact_point(self) -> tuple[float, float]:
        """Bottom-centre of the box: where the vehicle stands on the road (in the image)."""
        x1, _, x2, y2 = self.xyxy
        return ((x1 + x2) / 2.0, y2)


class Detector(Protocol):
    """What the pipeline needs from a detector."""

    name: str

    def detect(self, image: NDArray[np.uint8]) -> list[Detection]: ...

    def describe(self) -> str: ...


def _crop(image: NDArray[np.uint8], roi: Roi | None) -> tuple[NDArray[np.uint8], int, int]:
    if roi is None:
        return image, 0, 0
    x0, y0, x1, y1 = roi
    return image[y0:y1, x0:x1], x0, y0


class MotionDetector:
    """MOG2 background subtraction, shadows removed, blobs as vehicle boxes.

    ``scale`` < 1 processes a downscaled image (boxes are mapped back to full resolution);
    ``roi`` restricts work to the zone's image rectangle. MOG2 marks shadow pixels 127,
    so thresholding at 200 keeps only real foreground: a cast shadow would otherwise drag
    the box bottom (the contact point) away from the tyres. With ``shade_contact`` each box
    also carries the bottom it would have with the shadow pixels directly below it.
    """

    name = "motion"

    def __init__(
        self,
        roi: Roi | None = None,
        scale: float | None = None,
        max_side: int = 480,
        min_area_px: float = 400.0,
        history: int = 600,
        var_threshold: float = 24.0,
        warmup_frames: int = 10,
        refine_bottom: bool = True,
        merge_fragments: bool = True,
        shade_contact: bool = True,
        unlike_floor: float = 36.0,
        unlike_factor: float = 6.0,
        cls: str = "car",
        road: Callable[[FloatArray], FloatArray] | None = None,
    ) -> None:
        # ``road``: full-image pixels (N, 2) -> road-plane metres; with it, a blob holding
        # two vehicles in neighbouring lanes is split (see ``blobs.split_neighbours``).
        self.road = road
        self.refine_bottom = refine_bottom
        self.merge_fragments = merge_fragments
        self.shade_contact = shade_contact
        self.unlike_floor = unlike_floor
        self.unlike_factor = unlike_factor
        self.last_shade: NDArray[np.bool_] | None = None
        self._diff: NDArray[np.float32] | None = None
        self._small: NDArray[np.uint8] | None = None
        self._raw: NDArray[np.uint8] | None = None  # MOG2's labels for the latest frame
        # the latest mask's blobs, pieces joined (``components``)
        self._pieces: tuple[NDArray[np.int32], NDArray[np.int32]] | None = None
        self.roi = roi
        self._fixed_scale = scale
        self.max_side = max_side
        self.min_area_px = min_area_px
        self.cls = cls
        self._mog = cv2.createBackgroundSubtractorMOG2(
            history=history, varThreshold=var_threshold, detectShadows=True
        )
        self._open = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        self._close = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
        self.last_mask: NDArray[np.uint8] | None = None
        # Boxes (N, 4, full-image pixels) where tracked vehicles are expected in the next
        # frame, set by the pipeline: a blob holding two of them is split (``hints``).
        self.hints: FloatArray | None = None
        # MOG2's automatic rate 1/n learns fast while the model is young, and a uniformly
        # coloured vehicle (or a plain van side) stays the same colour under each pixel for
        # many frames, so its inside would fade into the background and the blob would
        # split. Learn fast only for a short warm-up, then at 1/history. A colour seen
        # under a pixel for n frames becomes background once the old one's weight falls
        # below MOG2's background ratio (0.9): n = ln 0.9 / ln(1 - 1/history), 32 frames
        # at history 300, 63 at 600. A slow vehicle seen by a telephoto covers the same
        # pixels with one uniform face for over a second, so 300 learnt it in and split
        # it; 600 (synthetic suite 243 -> 247 of 259 measured) still forgets a stopped
        # vehicle or a lighting change within seconds. 1000 measured 247 too, but
        # with two phantoms.
        self.warmup_frames = warmup_frames
        self.learning_rate = 1.0 / history
        self.frames_seen = 0

    def seed_background(self, frames: Sequence[NDArray[np.uint8]]) -> bool:
        """Start the background model from the per-pixel median of ``frames`` (spread over
        the first seconds of a file), instead of learning it from the first frames.

        A vehicle present at the start would otherwise be learnt into the background and
        leave a ghost where it stood until the model forgets it: a blob that swallows
        the vehicles later passing through. Moving vehicles drop out of a temporal median.
        Returns False (model untouched) with fewer than 3 frames.
        """
        if len(frames) < 3:
            return False
        small = []
        for frame in frames:  # at the working scale: the median is then cheap
            crop, _, _ = _crop(frame, self.roi)
            s = self._scale_for(crop.shape)
            if s != 1.0:
                crop = np.asarray(
                    cv2.resize(crop, None, fx=s, fy=s, interpolation=cv2.INTER_AREA), np.uint8
                )
            small.append(crop)
        crop = np.median(np.stack(small), axis=0).astype(np.uint8)
        for _ in range(3):  # rate 1 re-initialises every pixel's model to this image
            self._mog.apply(crop, learningRate=1.0)
        self._diff = None  # the background changed under the latest frame
        self.frames_seen = max(self.frames_seen, self.warmup_frames)
        return True

    def _scale_for(self, shape: tuple[int, ...]) -> float:
        if self._fixed_scale is not None:
            return self._fixed_scale
        return min(1.0, self.max_side / max(shape[0], shape[1]))

    def describe(self) -> str:
        return f"motion (MOG2, roi={self.roi}, max_side={self.max_side})"

    def foreground(self, image: NDArray[np.uint8]) -> tuple[NDArray[np.uint8], float, int, int]:
        """Update the background model; return (binary mask, scale, x offset, y offset)."""
        crop, ox, oy = _crop(image, self.roi)
        s = self._scale_for(crop.shape)
        small: NDArray[np.uint8] = (
            crop
            if s == 1.0
            else np.asarray(
                cv2.resize(crop, None, fx=s, fy=s, interpolation=cv2.INTER_AREA), dtype=np.uint8
            )
        )
        self._small = small
        rate = -1.0 if self.frames_seen < self.warmup_frames else self.learning_rate
        raw = self._mog.apply(small, learningRate=rate)
        self.frames_seen += 1
        # 255 = foreground, 127 = shadow: keep only the former.
        _, fg = cv2.threshold(raw, 200, 255, cv2.THRESH_BINARY)
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, self._open)
        fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, self._close)
        mask = np.asarray(fg, dtype=np.uint8)
        self.last_mask = mask
        # The colour difference and the shade mask are worked out when first asked for
        # (``difference``, ``shade``): a YOLO gate that only asks for the mask does without.
        self._raw, self._diff, self.last_shade = np.asarray(raw, np.uint8), None, None
        self._pieces = None
        return mask, s, ox, oy

    def components(self, mask: NDArray[np.uint8]) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
        """The blobs of ``mask`` as ``cv2.connectedComponentsWithStats`` labels and stats,
        a vehicle's pieces joined (``merge_fragments``); for the latest frame's mask worked
        out once, whoever asks first (the blobs, or YOLO's box bottoms)."""
        if mask is self.last_mask and self._pieces is not None:
            return self._pieces
        _, raw_labels, raw_stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        labels = np.asarray(raw_labels, dtype=np.int32)
        stats = np.asarray(raw_stats, dtype=np.int32)
        if self.merge_fragments and len(stats) > 1:
            labels, stats = merge_fragments(labels, stats)
        if mask is self.last_mask:
            self._pieces = (labels, stats)
        return labels, stats

    def detect(self, image: NDArray[np.uint8]) -> list[Detection]:
        return self.blobs(*self.foreground(image))

    def blobs(self, mask: NDArray[np.uint8], s: float, ox: int, oy: int) -> list[Detection]:
        """The vehicle boxes in a foreground ``mask`` (at scale ``s``, its top-left at
        ``ox, oy``), as :meth:`foreground` returns it for the latest frame."""
        labels, stats = self.components(mask)
        if len(stats) <= 1:
            return []
        if self.hints is not None and len(self.hints) >= 2:
            off = np.array([ox, oy, ox, oy], dtype=np.float64)
            hints = (np.asarray(self.hints, dtype=np.float64) - off + 0.5) * s - 0.5
            labels, stats = split_by_hints(
                np.asarray(labels, dtype=np.int32),
                np.asarray(stats, dtype=np.int32),
                hints,
                self.min_area_px * s * s,
            )
        if self.road is not None:
            road = self.road
            offset = np.array([ox, oy], dtype=np.float64)

            def to_road(pts: FloatArray) -> FloatArray:
                return road((pts + 0.5) / s - 0.5 + offset)

            labels, stats = split_neighbours(
                np.asarray(labels, dtype=np.int32),
                np.asarray(stats, dtype=np.int32),
                to_road,
                self.min_area_px * s * s,
            )
        keep = np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= self.min_area_px * s * s) + 1
        if len(keep) == 0:
            return []
        lab: NDArray[np.int32] = np.asarray(labels, dtype=np.int32)
        st = stats[keep].astype(np.float64)
        x, y = st[:, cv2.CC_STAT_LEFT], st[:, cv2.CC_STAT_TOP]
        w, h = st[:, cv2.CC_STAT_WIDTH], st[:, cv2.CC_STAT_HEIGHT]
        fill = st[:, cv2.CC_STAT_AREA] / np.maximum(w * h, 1.0)
        # Boxes in OpenCV's pixel-centre convention (pixel i spans [i - 0.5, i + 0.5)), the
        # same as calibration image points: the last foreground row's index, not index + 1.
        bottom = y + h - 1
        if self.refine_bottom:
            diff = self.difference()
            if diff is not None:
                bottom = np.array(
                    [refined_bottom(diff, lab, int(k), st[i]) for i, k in enumerate(keep)]
                )
        boxes = np.c_[x, y, x + w - 1, bottom]
        lowest = np.array([lowest_column(lab, int(k), st[i]) for i, k in enumerate(keep)])
        shade = np.full(len(keep), np.nan)
        shade_x = np.full(len(keep), np.nan)
        shade_mask = self.shade()
        if shade_mask is not None:
            kept = np.zeros(np.shape(stats), dtype=np.int32)  # noise takes no shadow pixels
            kept[keep] = stats[keep]
            rows, cols = shade_bottoms(lab, kept, shade_mask)
            rows, cols = rows[keep], cols[keep]
            lower = rows > y + h - 1
            shade[lower] = (rows[lower] + 0.5) / s - 0.5 + oy
            shade_x[lower] = (cols[lower] + 0.5) / s - 0.5 + ox
        # Map back to full resolution: centre convention scales about -0.5.
        boxes = (boxes + 0.5) / s - 0.5 + np.array([ox, oy, ox, oy], dtype=np.float64)
        lowest = (lowest + 0.5) / s - 0.5 + ox
        # A solid blob (vehicle) fills most of its box; scattered noise does not. The
        # confidence lets ByteTrack's two-stage association tell them apart.
        conf = np.clip(0.3 + 0.7 * fill, 0.0, 1.0)
        return [
            Detection(
                (float(b[0]), float(b[1]), float(b[2]), float(b[3])),
                float(c),
                self.cls,
                float(sy) if np.isfinite(sy) else None,
                float(cx),
                float(sx) if np.isfinite(sx) else None,
            )
            for b, c, sy, cx, sx in zip(boxes, conf, shade, lowest, shade_x, strict=False)
        ]

    def _unlike_background(self, raw: NDArray[Any], diff: NDArray[np.float32]) -> NDArray[np.bool_]:
        """Pixels MOG2 called background that are nonetheless far from the background
        image. In a busy lane MOG2 can keep a common vehicle colour as a second background
        component (the road's own weight falls below its 0.9 ratio; the likely reason in
        the case below), so a body band in that colour counts as background while it
        differs from the road under it by 17-20 grey levels per channel; the road's own
        noise is 1-2. For the shade contact such pixels are not plain road (see
        ``shade``): a run that stopped on them stopped on the vehicle, above the road, and
        over-read (a road-grey van at 20 km/h read 20.60 +- 0.37; through them it reads
        19.93 +- 0.33). Far means more than
        ``unlike_factor`` times the typical difference of the frame's background pixels
        and more than ``unlike_floor`` (L1 over the three channels). The floor is 36
        because at 24 a cast shadow's faint penumbra counted too, and moved one van's
        contact enough for its halves to disagree."""
        quiet = diff[::4, ::4][raw[::4, ::4] == 0]
        typical = float(np.median(quiet)) if quiet.size else 0.0
        limit = max(self.unlike_floor, self.unlike_factor * typical)
        return (raw == 0) & (diff > limit)

    def difference(self) -> NDArray[np.float32] | None:
        """Per-pixel L1 colour difference between the latest frame and the background
        (worked out once a frame)."""
        if self._diff is not None:
            return self._diff
        if self._small is None:
            return None
        bg = self._mog.getBackgroundImage()
        if bg is None or bg.shape != self._small.shape:
            return None
        # Channel by channel: numpy's sum over the last axis of length 3 took 1.8 ms per
        # frame at 480 px, the two additions take 0.1 ms; the result is the same.
        b, g, r = cv2.split(cv2.absdiff(self._small, bg))
        total = cv2.add(cv2.add(b, g, dtype=cv2.CV_32F), r, dtype=cv2.CV_32F)
        self._diff = np.asarray(total, dtype=np.float32)
        return self._diff

    def shade(self) -> NDArray[np.bool_] | None:
        """With ``shade_contact``, the latest frame's pixels MOG2 calls shadow, or calls
        background though they are unlike it, cleaned like the foreground and outside it
        (``last_shade``; worked out once a frame, when first asked for)."""
        if not self.shade_contact or self._raw is None or self.last_mask is None:
            return None
        if self.last_shade is None:
            raw, diff = self._raw, self.difference()
            _, both = cv2.threshold(raw, 100, 255, cv2.THRESH_BINARY)
            if diff is not None:
                both[self._unlike_background(raw, diff)] = 255
            both = cv2.morphologyEx(both, cv2.MORPH_OPEN, self._open)
            both = cv2.morphologyEx(both, cv2.MORPH_CLOSE, self._close)
            self.last_shade = (both > 0) & (self.last_mask == 0)
        return self.last_shade


def resolve_weights(weights: str | Path | None) -> Path | None:
    """The weights to use: the argument, else $FAIRSPEED_YOLO_WEIGHTS, else None."""
    if weights:
        return Path(weights)
    env = os.environ.get(WEIGHTS_ENV)
    return Path(env) if env else None


def _yolo(
    path: Path,
    roi: Roi | None,
    gate: MotionDetector | None,
    long_side: int | None,
    contact: MotionDetector | None,
    fill_in: bool,
    movers: bool,
) -> Detector:
    from cameras.vision.measure.yolo import YoloDetector  # imports this module

    return YoloDetector(
        path,
        roi=roi,
        motion_gate=gate,
        imgsz=long_side,
        contact=contact,
        fill_in=fill_in,
        movers=movers,
    )


def make_detector(
    kind: str = "auto",
    weights: str | Path | None = None,
    roi: Roi | None = None,
    motion_gate: bool = False,
    min_area_px: float = 400.0,
    road: Callable[[FloatArray], FloatArray] | None = None,
    yolo_long_side: int | None = None,
    foreground_contact: bool = True,
    fill_in: bool = True,
    movers: bool = True,
) -> Detector:
    """Build a detector. ``auto`` picks YOLO when weights exist, else motion, and logs which.
    ``yolo_long_side``: the network input's long side (``yolo.input_long_side``).
    ``foreground_contact``: YOLO's box bottoms are placed on the motion foreground where
    it agrees (``contact_edge.bottoms_on_mask``); ``motion_gate``: YOLO skips frames with
    no foreground; ``fill_in``: frames YOLO misses are filled in from the motion blobs that
    continue a vehicle it saw (``fill_in.FillIn``; it needs the gate's or the contact's
    background model); ``movers``: with ``fill_in``, a moving blob YOLO never named is
    measured as an unrecognised vehicle. All use one.

    Call ``.describe()`` on the result to report the choice to the operator.
    """
    if kind not in ("auto", "yolo", "motion"):
        raise DetectorError(f"unknown detector {kind!r}: use auto, yolo or motion")
    path = resolve_weights(weights)
    motion = None
    if kind != "motion" and (motion_gate or foreground_contact):
        # The blobs YOLO's path hands on (``fill_in``) are placed as the motion path
        # places its own, second contact guess included; YOLO's boxes alone need none.
        motion = MotionDetector(roi=roi, min_area_px=min_area_px, shade_contact=fill_in)
    gate = motion if motion_gate else None
    contact = motion if foreground_contact else None
    if kind == "motion":
        det: Detector = MotionDetector(roi=roi, min_area_px=min_area_px, road=road)
    elif kind == "yolo":
        if path is None:
            raise DetectorError(
                f"the yolo detector needs weights: pass --weights or set {WEIGHTS_ENV}"
            )
        det = _yolo(path, roi, gate, yolo_long_side, contact, fill_in, movers)
    elif path is not None and path.exists():
        det = _yolo(path, roi, gate, yolo_long_side, contact, fill_in, movers)
    else:
        if path is not None:
            log.warning("YOLO weights %s not found; using the motion detector", path)
        det = MotionDetector(roi=roi, min_area_px=min_area_px, road=road)
    log.info("detector: %s", det.describe())
    return det
