"""YOLO without ultralytics: the int8 weights as float convolutions at any size, the
same vehicles as through ultralytics, one box per vehicle, and tracks from weak scores."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cameras.vision.errors import DetectorError
from cameras.vision.measure.detect import Detection, MotionDetector, make_detector
from cameras.vision.measure.source import FrameSource
from cameras.vision.measure.track import ByteTrackTracker
from cameras.vision.measure.yolo import TRACKER, YoloDetector
from cameras.vision.measure.yolo_onnx import (
    OnnxYolo,
    _join_nested,
    _nms,
    cache_dir,
    cached_graph,
    load_graph,
)

DATA = Path(
    os.environ.get("FAIRSPEED_DATA_DIR", Path(__file__).resolve().parents[3] / "shared/data")
)
REPO = Path(__file__).resolve().parents[2]
WEIGHTS = DATA / "yolov8n_int8.onnx"
CLIP = DATA / "uk_road_cars_go-rknnlite-data.mp4"
needs_weights = pytest.mark.skipif(not WEIGHTS.exists(), reason="shared YOLO weights not present")


def iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area


@needs_weights
def test_the_quantised_graph_becomes_float_convolutions_of_any_size() -> None:
    import onnx

    graph, names = load_graph(str(WEIGHTS))
    ops = {n.op_type for n in onnx.load_from_string(graph).graph.node}
    assert "ConvInteger" not in ops and "DynamicQuantizeLinear" not in ops
    assert names[2] == "car" and names[7] == "truck"
    model = OnnxYolo(WEIGHTS, long_side=320)
    for shape in ((200, 320, 3), (320, 180, 3)):  # landscape and portrait crops
        found = model.infer(np.full(shape, 114, np.uint8), 0.1, {2, 3, 5, 7})
        assert found.xyxy.shape[1] == 4


# A second start, in a fresh interpreter: it must find the kept graph and never import onnx.
SECOND_START = f"""
import sys
from cameras.vision.measure.yolo_onnx import OnnxYolo
model = OnnxYolo({str(WEIGHTS)!r}, long_side=320)
print(model.names[2], "onnx" in sys.modules)
"""


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The rewritten graph, kept under a fresh ``FAIRSPEED_VAR_DIR``."""
    monkeypatch.setenv("FAIRSPEED_VAR_DIR", str(tmp_path))
    return Path(str(cached_graph(str(WEIGHTS))))


@needs_weights
def test_the_rewritten_graph_is_kept_and_a_second_start_reads_it_without_onnx(
    kept: Path, tmp_path: Path
) -> None:
    assert kept.parent == cache_dir() == tmp_path / "cache" and kept.stat().st_size > 1_000_000
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]  # no temporary file left
    env = {**os.environ, "FAIRSPEED_VAR_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-c", SECOND_START], env=env, capture_output=True, text=True, check=True
    )
    assert run.stdout.split() == ["car", "False"], run.stderr


@needs_weights
def test_a_kept_graph_that_is_not_one_is_converted_again(kept: Path) -> None:
    kept.write_bytes(b"not a graph")
    model = OnnxYolo(WEIGHTS, long_side=320)
    assert model.names[7] == "truck" and kept.stat().st_size > 1_000_000


@needs_weights
def test_where_no_graph_can_be_kept_the_weights_are_converted_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("the cache folder cannot be made under a file")
    monkeypatch.setenv("FAIRSPEED_VAR_DIR", str(blocked))
    assert isinstance(cached_graph(str(WEIGHTS)), bytes)
    model = OnnxYolo(WEIGHTS, long_side=320)
    found = model.infer(np.full((200, 320, 3), 114, np.uint8), 0.1, {2})
    assert found.xyxy.shape[1] == 4
    assert model.engine.label == "onnxruntime, f32"  # OpenVINO is handed files only


@needs_weights
def test_a_real_frame_gives_the_vehicles_ultralytics_finds() -> None:
    if not CLIP.exists():
        pytest.skip("shared traffic clip not present")
    frame = next(iter(FrameSource(CLIP, max_frames=1))).image
    direct = YoloDetector(WEIGHTS, imgsz=640).detect(frame)
    through = YoloDetector(WEIGHTS, imgsz=640, runtime="ultralytics").detect(frame)
    confident = [d for d in through if d.conf >= 0.4]
    assert confident
    for d in confident:
        best = max(iou(np.array(d.xyxy), np.array(o.xyxy)) for o in direct)
        assert best > 0.9


def test_one_vehicle_read_as_car_and_truck_stays_one_box() -> None:
    boxes = np.array([[100, 100, 200, 180], [101, 99, 201, 181], [300, 100, 380, 160]], float)
    kept = _nms(boxes, np.array([0.4, 0.3, 0.5]), 0.7)
    assert sorted(kept.tolist()) == [0, 2]


def test_a_vehicles_face_boxed_inside_its_body_joins_the_body_box() -> None:
    face = [105, 140, 190, 180]  # the photo on the front, same bottom edge
    body = [100, 100, 200, 181]
    farther = [130, 110, 170, 140]  # seen over the body, its bottom well above
    boxes, scores, _ = _join_nested(
        np.array([face, body, farther], float), np.array([0.6, 0.4, 0.3]), np.array([2, 7, 2])
    )
    assert sorted(map(tuple, boxes.tolist())) == [(100, 100, 200, 181), (130, 110, 170, 140)]
    assert max(scores) == pytest.approx(0.6)


def test_weak_but_steady_yolo_boxes_make_one_track() -> None:
    tracker = ByteTrackTracker(**TRACKER)  # type: ignore[arg-type]
    for frame in range(12):
        x = 100.0 + 6.0 * frame
        tracker.update(frame, frame / 30, [Detection((x, 100.0, x + 60.0, 150.0), 0.15, "car")])
    (track,) = tracker.active.values()
    assert len(track.samples) == 12


def test_with_bytetracks_defaults_the_same_boxes_make_no_track() -> None:
    tracker = ByteTrackTracker()
    for frame in range(12):
        x = 100.0 + 6.0 * frame
        tracker.update(frame, frame / 30, [Detection((x, 100.0, x + 60.0, 150.0), 0.15, "car")])
    assert not any(len(t.samples) > 1 for t in tracker.active.values())


def test_weights_that_are_not_a_model_are_refused_with_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-model.onnx"
    bad.write_bytes(b"\x00garbage")
    with pytest.raises(DetectorError, match=r"not-a-model\.onnx"):
        YoloDetector(bad)


@needs_weights
def test_the_gate_skips_frames_with_less_foreground_than_the_smallest_vehicle() -> None:
    gate = MotionDetector(min_area_px=400.0, shade_contact=False)
    det = YoloDetector(WEIGHTS, motion_gate=gate, contact=gate, imgsz=256)
    road = np.full((240, 320, 3), 90, np.uint8)
    for _ in range(12):  # an empty road: the background model learns it, YOLO never runs
        assert det.detect(road) == []
    speck = road.copy()
    speck[100:110, 100:120] = 250  # 200 px of foreground (0.26 %): less than a vehicle's 400
    det.detect(speck)
    block = road.copy()
    block[100:140, 100:160] = 250  # 2400 px: worth a look
    det.detect(block)

    assert (det.frames_skipped, det.frames_inferred) == (13, 1)


@needs_weights
def test_the_yolo_path_fills_in_missed_frames_by_default_and_says_so() -> None:
    on = make_detector("yolo", WEIGHTS, motion_gate=True)
    off = make_detector("yolo", WEIGHTS, motion_gate=True, fill_in=False)
    bare = make_detector("yolo", WEIGHTS, foreground_contact=False)  # no background model

    assert "fill-in on" in on.describe()
    assert "fill-in off" in off.describe()
    assert "fill-in off" in bare.describe()


@needs_weights
def test_the_yolo_path_measures_what_it_never_named_by_default_and_says_so() -> None:
    on = make_detector("yolo", WEIGHTS, motion_gate=True)
    off = make_detector("yolo", WEIGHTS, motion_gate=True, movers=False)

    assert "unrecognised movers measured" in on.describe()
    assert "unrecognised movers off" in off.describe()
    assert on.motion_model.shade_contact  # type: ignore[attr-defined]  # blobs placed as motion's
