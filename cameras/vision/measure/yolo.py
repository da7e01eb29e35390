"""The YOLO vehicle detector: YOLOv8 ``.onnx`` weights rewritten and run directly on
OpenVINO or onnxruntime (see ``yolo_onnx``, ``yolo_engine``), any other format
ultralytics loads (.pt, OpenVINO, TensorRT) through ultralytics. Vehicles only (COCO car,
motorcycle, bus, truck).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cameras.vision.errors import DetectorError
from cameras.vision.measure.contact_edge import bottoms_on_mask
from cameras.vision.measure.detect import (
    VEHICLE_CLASSES,
    Detection,
    MotionDetector,
    Roi,
    _crop,
)
from cameras.vision.measure.fill_in import FillIn
from cameras.vision.measure.geometry import RoadPlane
from cameras.vision.measure.yolo_engine import ENGINES
from cameras.vision.measure.yolo_onnx import OnnxYolo

__all__ = ["YoloDetector"]

# The network input's long side on the direct path when no calibration chooses it.
ONNX_LONG_SIDE = 416
# What the calibration chooses (``input_long_side``): a car, 1.8 m wide, at the zone's
# far end at least this many pixels wide in the network's input, where YOLOv8n still
# finds it; within these sides (CPU cost grows with the square of the side: 416 is the
# largest that keeps up with 30 fps on two cores; docs/engine-decisions.md).
MIN_VEHICLE_INPUT_PX = 24.0
NARROWEST_VEHICLE_M = 1.8
LONG_SIDE_RANGE = (256, 416)


def input_long_side(plane: RoadPlane, zone: ArrayLike, roi: Roi) -> int:
    """The network input's long side for a crop ``roi`` of the picture: the smallest (a
    multiple of 32) at which a car at the zone's far end is still
    ``MIN_VEHICLE_INPUT_PX`` wide, never more than the crop's own size."""
    corners = np.asarray(zone, dtype=np.float64).reshape(-1, 2)
    ppm = plane.pixels_per_metre(corners)
    ppm = ppm[np.isfinite(ppm) & (ppm > 0)]
    crop_long = max(roi[2] - roi[0], roi[3] - roi[1])
    if len(ppm) == 0 or crop_long <= 0:
        return ONNX_LONG_SIDE
    needed = crop_long * MIN_VEHICLE_INPUT_PX / (float(ppm.min()) * NARROWEST_VEHICLE_M)
    lo, hi = LONG_SIDE_RANGE
    return int(np.clip(-(-needed // 32) * 32, lo, min(hi, -(-crop_long // 32) * 32)))


# ByteTrack's thresholds for YOLO's scores. A vehicle YOLO finds at 0.1-0.3 in every
# frame (far away, low contrast, an unusual view) is as real as one at 0.9, and the
# measurement's own checks judge its track; with ByteTrack's defaults (a new track from
# 0.3, and the score multiplied into the overlap so that a 0.15 box never matches) such
# vehicles were never tracked at all (issue #20: 11 of 19 vehicles `not_tracked`).
# Every box the detector keeps (``conf`` 0.1) takes part in the first association and
# may start a track; ByteTrack's low-score second pass is left empty.
TRACKER: dict[str, float | bool] = {
    "high_thresh": 0.1,
    "low_thresh": 0.05,
    "new_track_thresh": 0.1,
    "fuse_score": False,
}


class YoloDetector:
    """YOLO, vehicles only, on the zone's rectangle and its margin.

    ``.onnx`` weights run on the engine ``runtime`` names (``yolo_engine``): ``auto``
    (``FAIRSPEED_YOLO_ENGINE``, else OpenVINO where installed), ``openvino`` or
    ``onnxruntime``; ``runtime="ultralytics"`` loads them through ultralytics (the path
    before 2026-12-06, kept for comparison in ``benchmarks/throughput.py``).

    ``roi`` crops the zone's rectangle before inference (fewer pixels, larger vehicles);
    ``motion_gate`` skips inference on frames where the motion detector sees less
    foreground in the roi than its smallest vehicle blob (``min_area_px``), which on a
    quiet road saves most of the CPU. ``contact``: a
    motion detector whose foreground places each box's bottom edge where it agrees with
    the box (see ``contact_edge.bottoms_on_mask``); the gate's, when both are given.
    ``fill_in``: the motion blobs of the frames YOLO misses continue its vehicles, and
    with ``movers`` a blob YOLO never named is measured as an unrecognised vehicle (see
    ``fill_in``).
    """

    name = "yolo"
    tracker_thresholds = TRACKER

    def __init__(
        self,
        weights: str | Path,
        roi: Roi | None = None,
        conf: float = 0.1,
        imgsz: int | None = None,
        classes: Sequence[int] = tuple(VEHICLE_CLASSES),
        motion_gate: MotionDetector | None = None,
        contact: MotionDetector | None = None,
        threads: int = 0,
        runtime: str = "auto",
        fill_in: bool = True,
        movers: bool = True,
    ) -> None:
        path = Path(weights)
        if not path.exists():
            raise DetectorError(f"YOLO weights {path} do not exist")
        os.environ.setdefault("YOLO_OFFLINE", "1")  # never download anything at run time
        self.weights = path
        self.roi = roi
        self.conf = conf
        self.classes = list(classes)
        self.motion_gate = motion_gate
        self.contact = contact
        self.frames_skipped = 0
        self.frames_inferred = 0
        self.fill_in = (
            FillIn(conf, movers=movers) if fill_in and self.motion_model is not None else None
        )
        self.direct: OnnxYolo | None = None
        self.model: Any = None
        if runtime not in (*ENGINES, "ultralytics"):
            raise DetectorError(
                f"unknown YOLO runtime {runtime!r}: use {', '.join(ENGINES)} or ultralytics"
            )
        if path.suffix.lower() == ".onnx" and runtime != "ultralytics":
            self.imgsz = imgsz or ONNX_LONG_SIDE
            engine = None if runtime == "auto" else runtime
            self.direct = OnnxYolo(path, long_side=self.imgsz, threads=threads, engine=engine)
        else:
            self.imgsz = imgsz or 640
            self.model = _ultralytics_model(path)

    def describe(self) -> str:
        gate = "on" if self.motion_gate is not None else "off"
        contact = "foreground" if self.contact is not None else "box"
        runtime = self.direct.engine.label if self.direct is not None else "ultralytics"
        return (
            f"yolo ({self.weights.name}, {runtime}, roi={self.roi}, imgsz={self.imgsz}, "
            f"motion gate {gate}, contact from {contact}, "
            f"fill-in {'on' if self.fill_in is not None else 'off'}, "
            f"unrecognised movers {'measured' if self.fill_in and self.fill_in.movers else 'off'})"
        )

    @property
    def hints(self) -> NDArray[np.float64] | None:
        """Where the tracks expect their vehicles (set by the pipeline): the blobs handed
        on are split where one holds two of them, as the motion path's are."""
        motion = self.motion_model
        return motion.hints if motion is not None else None

    @hints.setter
    def hints(self, boxes: NDArray[np.float64] | None) -> None:
        motion = self.motion_model
        if motion is not None and self.fill_in is not None:
            motion.hints = boxes

    @property
    def motion_model(self) -> MotionDetector | None:
        """The background model this detector keeps (to seed it from a file's median)."""
        return self.motion_gate or self.contact

    def detect(self, image: NDArray[np.uint8]) -> list[Detection]:
        motion = self.motion_model
        foreground = motion.foreground(image) if motion is not None else None
        if self.motion_gate is not None and foreground is not None:
            mask, scale = foreground[0], foreground[1]
            if np.count_nonzero(mask) < self.motion_gate.min_area_px * scale * scale:
                self.frames_skipped += 1
                if self.fill_in is not None:
                    self.fill_in.reset()
                return []
        found = self._boxes(image)
        if motion is None or foreground is None:
            return found
        if self.contact is not None and found:
            mask, scale, ox, oy = foreground
            diff = self.contact.difference()  # the background image: only with boxes to place
            shade = self.contact.shade()  # the second contact guess, as for blobs
            joined, _ = self.contact.components(mask)  # the blobs reuse them
            found = bottoms_on_mask(
                found, mask, diff, scale, (ox, oy), shade=shade, components=joined
            )
        if self.fill_in is not None:
            wanted = self.fill_in.missing(found) or (
                self.fill_in.movers and _moves_outside(found, foreground, motion.min_area_px)
            )
            found = self.fill_in.step(found, motion.blobs(*foreground) if wanted else [])
        return found

    def _boxes(self, image: NDArray[np.uint8]) -> list[Detection]:
        """YOLO's vehicle boxes in full-picture pixels."""
        crop, ox, oy = _crop(image, self.roi)
        if crop.size == 0:
            return []
        self.frames_inferred += 1
        if self.direct is not None:
            raw = self.direct.infer(crop, self.conf, set(self.classes))
            xyxy, confs, clss = raw.xyxy, raw.scores, raw.classes
            names: dict[int, str] = dict(enumerate(self.direct.names))
        else:
            xyxy, confs, clss, names = self._ultralytics(crop)
        xyxy = xyxy + np.array([ox, oy, ox, oy], dtype=np.float64)
        return [
            Detection(
                (float(b[0]), float(b[1]), float(b[2]), float(b[3])),
                float(c),
                str(VEHICLE_CLASSES.get(int(k), names.get(int(k), str(k)))),
            )
            for b, c, k in zip(xyxy, confs, clss, strict=False)
        ]

    def _ultralytics(
        self, crop: NDArray[np.uint8]
    ) -> tuple[NDArray[np.float64], NDArray[Any], NDArray[Any], dict[int, str]]:
        result = self.model.predict(
            crop, conf=self.conf, imgsz=self.imgsz, classes=self.classes, verbose=False
        )[0]
        boxes = result.boxes
        if boxes is None or len(boxes) == 0:
            return np.zeros((0, 4)), np.zeros(0), np.zeros(0, int), {}
        return (
            boxes.xyxy.cpu().numpy().astype(np.float64),
            boxes.conf.cpu().numpy(),
            boxes.cls.cpu().numpy().astype(int),
            dict(result.names or {}),
        )


def _moves_outside(
    found: list[Detection],
    foreground: tuple[NDArray[np.uint8], float, int, int],
    min_area_px: float,
) -> bool:
    """Whether the foreground outside YOLO's boxes could hold a vehicle's blob: as many
    pixels as the smallest blob (a blob mostly inside a box is YOLO's vehicle, see
    ``fill_in``, so the frames YOLO boxes everything that moves need no blobs)."""
    mask, s, ox, oy = foreground
    rest = mask.copy()
    h, w = rest.shape[:2]
    for d in found:
        x1, y1, x2, y2 = ((np.asarray(d.xyxy) - (ox, oy, ox, oy) + 0.5) * s - 0.5).tolist()
        c0, r0 = max(0, int(np.floor(x1))), max(0, int(np.floor(y1)))
        c1, r1 = min(w, int(np.ceil(x2)) + 1), min(h, int(np.ceil(y2)) + 1)
        rest[r0:r1, c0:c1] = 0
    return bool(np.count_nonzero(rest) >= min_area_px * s * s)


def _ultralytics_model(path: Path) -> Any:
    try:
        from ultralytics import YOLO
    except ImportError as exc:  # pragma: no cover - ultralytics is a dependency
        raise DetectorError("the yolo detector needs the ultralytics package") from exc
    try:
        return YOLO(str(path), task="detect")
    except Exception as exc:
        raise DetectorError(f"cannot load YOLO weights {path}: {exc}") from exc
