"""The YOLO graph on OpenVINO or onnxruntime: the same vehicles either way, the engine
named in the detector's description, a clear refusal of an engine that is not there."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from cameras.vision.errors import DetectorError
from cameras.vision.measure.source import FrameSource
from cameras.vision.measure.yolo import YoloDetector
from cameras.vision.measure.yolo_engine import ENGINE_ENV
from cameras.vision.measure.yolo_onnx import OnnxYolo

DATA = Path(
    os.environ.get("FAIRSPEED_DATA_DIR", Path(__file__).resolve().parents[3] / "shared/data")
)
WEIGHTS = DATA / "yolov8n_int8.onnx"
CLIPS = [DATA / "uk_road_cars_go-rknnlite-data.mp4", DATA / "urban_road_cars_kraten.mp4"]
needs_weights = pytest.mark.skipif(not WEIGHTS.exists(), reason="shared YOLO weights not present")
VEHICLES = {2, 3, 5, 7}


def iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.fixture(autouse=True)
def no_engine_chosen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    monkeypatch.setenv("FAIRSPEED_VAR_DIR", str(tmp_path))


@needs_weights
@pytest.mark.parametrize("clip", CLIPS, ids=lambda p: p.stem)
def test_openvino_finds_the_vehicles_onnxruntime_finds_with_the_same_boxes(clip: Path) -> None:
    if not clip.exists():
        pytest.skip("shared traffic clip not present")
    frames = [f.image for f in FrameSource(clip, max_frames=40)][::10]
    ov = OnnxYolo(WEIGHTS, long_side=416, engine="openvino")
    ort = OnnxYolo(WEIGHTS, long_side=416, engine="onnxruntime")
    compared = 0
    for frame in frames:
        a, b = ov.infer(frame, 0.1, VEHICLES), ort.infer(frame, 0.1, VEHICLES)
        for box, score in zip(b.xyxy, b.scores, strict=True):
            if score < 0.3:  # a weak box may fall either side of the floor
                continue
            best = max((iou(box, o) for o in a.xyxy), default=0.0)
            assert best > 0.95, (clip.name, box, a.xyxy)
            compared += 1
    assert compared >= 3


@needs_weights
def test_the_description_names_the_engine_and_its_precision() -> None:
    on_ov = YoloDetector(WEIGHTS, imgsz=256, runtime="openvino").describe()
    on_ort = YoloDetector(WEIGHTS, imgsz=256, runtime="onnxruntime").describe()

    assert "openvino, f32" in on_ov or "openvino, bf16" in on_ov
    assert "onnxruntime, f32" in on_ort


@needs_weights
def test_the_environment_chooses_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENGINE_ENV, "onnxruntime")

    assert OnnxYolo(WEIGHTS, long_side=256).engine.label == "onnxruntime, f32"


@needs_weights
def test_without_openvino_the_graph_runs_on_onnxruntime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openvino", None)  # ``import openvino`` now fails

    assert OnnxYolo(WEIGHTS, long_side=256).engine.label == "onnxruntime, f32"
    with pytest.raises(DetectorError, match="openvino package is not installed"):
        OnnxYolo(WEIGHTS, long_side=256, engine="openvino")


def test_an_engine_that_does_not_exist_is_refused_with_the_choices(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    weights = tmp_path / "weights.onnx"  # refused before the weights are read
    weights.write_bytes(b"\x00")
    monkeypatch.setenv(ENGINE_ENV, "tensorrt")
    with pytest.raises(DetectorError, match=r"'tensorrt'.*auto, openvino, onnxruntime"):
        OnnxYolo(weights, long_side=256)
    with pytest.raises(DetectorError, match="unknown YOLO runtime 'cuda'"):
        YoloDetector(weights, runtime="cuda")
