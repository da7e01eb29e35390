"""The YOLO vehicle detector: YOLOv8 ``.onnx`` weights straight on onnxruntime (see
``yolo_onnx``), any other format ultralytics loads (.pt, OpenVINO, TensorRT) through
ultralytics. Vehicles only (COCO car, motorcycle, bus, truck).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cameras.vision.errors import DetectorError
from cameras.vision.measure.detect import (
    VEHICLE_CLASSES,
    Detection,
    MotionDetector,
    Roi,
    _crop,
)
from cameras.vision.measure.yolo_onnx import OnnxYolo

__all__ = ["YoloDetector"]

# The network input's long side on the direct path: a 720p zone crop at 416 px costs a
# quarter of a 640x640 square and still finds every vehicle of the clips that 640 finds
# (measurements: docs/engine-decisions.md).
ONNX_LONG_SIDE = 416


class YoloDetector:
    """YOLO, vehicles only, on the zone's rectangle and its margin.

    ``roi`` crops the zone's rectangle before inference (fewer pixels, larger vehicles);
    ``motion_gate`` skips inference on frames where the motion detector sees no
    foreground in the roi, which on a quiet road saves most of the CPU.
    """

    name = "yolo"

    def __init__(
        self,
        weights: str | Path,
        roi: Roi | None = None,
        conf: float = 0.1,
        imgsz: int | None = None,
        classes: Sequence[int] = tuple(VEHICLE_CLASSES),
        motion_gate: MotionDetector | None = None,
        min_foreground_frac: float = 0.002,
        threads: int = 0,
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
        self.min_foreground_frac = min_foreground_frac
        self.frames_skipped = 0
        self.frames_inferred = 0
        self.direct: OnnxYolo | None = None
        self.model: Any = None
        if path.suffix.lower() == ".onnx":
            self.imgsz = imgsz or ONNX_LONG_SIDE
            self.direct = OnnxYolo(path, long_side=self.imgsz, threads=threads)
        else:
            self.imgsz = imgsz or 640
            self.model = _ultralytics_model(path)

    def describe(self) -> str:
        gate = "on" if self.motion_gate is not None else "off"
        runtime = "onnxruntime, float" if self.direct is not None else "ultralytics"
        return (
            f"yolo ({self.weights.name}, {runtime}, roi={self.roi}, imgsz={self.imgsz}, "
            f"motion gate {gate})"
        )

    def detect(self, image: NDArray[np.uint8]) -> list[Detection]:
        if self.motion_gate is not None:
            mask, _, _, _ = self.motion_gate.foreground(image)
            if np.count_nonzero(mask) < self.min_foreground_frac * mask.size:
                self.frames_skipped += 1
                return []
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


def _ultralytics_model(path: Path) -> Any:
    try:
        from ultralytics import YOLO
    except ImportError as exc:  # pragma: no cover - ultralytics is a dependency
        raise DetectorError("the yolo detector needs the ultralytics package") from exc
    try:
        return YOLO(str(path), task="detect")
    except Exception as exc:
        raise DetectorError(f"cannot load YOLO weights {path}: {exc}") from exc
