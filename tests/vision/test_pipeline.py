"""End to end on small rendered clips: detectors, pipeline, CLI; YOLO on real data."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from cameras.vision.errors import DetectorError, VideoSourceError
from cameras.vision.measure import cli
from cameras.vision.measure.calibration import Calibration, load_calibration
from cameras.vision.measure.detect import MotionDetector, make_detector
from cameras.vision.measure.pipeline import (
    MeasurementPipeline,
    background_frames,
    measure_video,
    seed_background_from_file,
)
from cameras.vision.measure.source import FrameSource
from cameras.vision.measure.yolo import YoloDetector
from tests.vision.scenes import Camera, Scene, Vehicle, road_plane

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
WEIGHTS = DATA / "yolov8n_int8.onnx"
CAM = Camera(width=480, height=320, focal_px=520.0)
TRUE_KMH = 90.0


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    scene = Scene(camera=CAM, vehicles=[Vehicle(x=-1.75, y0=4.0, speed_ms=25.0)], duration_s=2.0)
    return scene.write(tmp_path_factory.mktemp("clip"))


def _bottom_errors(
    scene: Scene, road: Callable[[float], NDArray[np.uint8]] | None = None
) -> list[float]:
    """The motion detector's lowest box bottom minus the lowest row of the scene's one
    vehicle, in each of frames 20-54 where it found something; ``road(t)`` is the picture
    the vehicle is drawn over at time t (the plain background by default)."""
    bg = scene.background()
    det = MotionDetector(min_area_px=50)
    errors = []
    for i in range(55):
        t = i / 30
        found = det.detect(scene.render(t, bg if road is None else road(t)))
        if i >= 20 and found:
            true_bottom = CAM.project(scene.vehicles[0].corners(t))[:, 1].max()
            errors.append(max(d.xyxy[3] for d in found) - true_bottom)
    return errors


def test_the_motion_detector_finds_the_vehicle_bottom_to_a_pixel() -> None:
    # the vehicle appears after the background model's warm-up (no ghost of it is learnt)
    car = Vehicle(x=-1.75, y0=4.0, speed_ms=25.0, t_start=0.5)
    errors = _bottom_errors(Scene(camera=CAM, vehicles=[car]))
    assert len(errors) >= 20
    assert abs(float(np.median(errors))) < 0.5


def _with_shadow(
    bg: NDArray[np.uint8], car: Vehicle, t: float, reach_m: float = 0.3, darken: float = 0.45
) -> NDArray[np.uint8]:
    """``bg`` with ``car``'s shadow on the road: its footprint's width, from ``reach_m``
    behind its rear to 2 m under it, darkened by ``darken``."""
    x, y = car.footprint_at(t)
    half = car.width / 2
    near, far = y - reach_m, y + 2.0
    road = np.array([[x - half, near], [x + half, near], [x + half, far], [x - half, far]])
    poly = np.round(CAM.road_to_image(road) * 16).astype(np.int32)
    dark = np.zeros(bg.shape[:2], np.uint8)
    cv2.fillConvexPoly(dark, poly, 255, cv2.LINE_AA, shift=4)
    return np.asarray(bg * (1.0 - darken * dark[..., None] / 255.0), dtype=np.uint8)


@pytest.mark.xfail(
    strict=True, reason="the bottom's coverage counts a shallow shadow band as body (2026-12-07)"
)
def test_a_short_cast_shadow_under_the_vehicle_does_not_lower_its_bottom_edge() -> None:
    # The vehicle's shadow falls on the road 0.3 m beyond its rear (towards the camera):
    # a band a pixel or two deep below the body, dark enough for MOG2 to call it shadow.
    # ``refined_bottom`` measures coverage against the road three rows further down, so
    # the band counts as body: the edge sits 1.2 px low in the median. Reading shadow
    # pixels as road fixes this scene and over-reads elsewhere (docs/engine-decisions.md,
    # 2026-12-07, "Not kept").
    car = Vehicle(x=-1.75, y0=4.0, speed_ms=20.0, t_start=0.5)
    scene = Scene(camera=CAM, vehicles=[car])
    bg = scene.background()
    errors = _bottom_errors(scene, lambda t: _with_shadow(bg, car, t) if t >= car.t_start else bg)
    assert len(errors) >= 20
    assert abs(float(np.median(errors))) < 0.5
    assert float(np.max(np.abs(errors))) < 1.0


@pytest.mark.xfail(
    strict=True,
    reason="MOG2's shadow line is 0.5 of a background model that lags the exposure (2026-12-07)",
)
def test_a_cast_shadow_stays_out_of_the_vehicle_when_the_exposure_darkens_by_a_tenth() -> None:
    # The picture darkens by 10 % over its first half second (an exposure ramp, with
    # sensor noise) and the background model, learning at 1/600 a frame, lags: the
    # shadow, 0.55 of the road, reads under 0.5 of the model, MOG2 calls it foreground
    # and the box reaches down to the shadow's near edge, 1.5 m of road closer: 8 px low
    # in the median. Without the drift the same scene is within 0.2 px in the median.
    # Following the exposure with the shadow line fixes this scene and reads the tuning
    # draws no better (docs/engine-decisions.md, 2026-12-07, "Not kept").
    car = Vehicle(x=-1.75, y0=4.0, speed_ms=20.0, t_start=0.5)
    scene = Scene(camera=CAM, vehicles=[car])
    bg = scene.background()

    def road(t: float) -> NDArray[np.uint8]:
        gain = 1.0 - 0.1 * min(1.0, t / 0.5)
        shadowed = _with_shadow(bg, car, t, reach_m=1.5) if t >= car.t_start else bg
        noise = np.random.default_rng(round(t * 1000)).normal(0.0, 3.0, bg.shape)
        return np.asarray(np.clip(shadowed * gain + noise, 0, 255), dtype=np.uint8)

    errors = _bottom_errors(scene, road)
    assert len(errors) >= 20
    assert abs(float(np.median(errors))) < 0.5
    assert float(np.max(np.abs(errors))) < 3.0


def test_the_motion_detector_finds_where_a_vehicle_seen_obliquely_reaches_its_bottom() -> None:
    # Seen obliquely, a vehicle reaches its box bottom along its near end, off the box's
    # centre (``Detection.contact_x``). The bottom-centre lies on road beside the vehicle:
    # on this lens the same row, elsewhere (distortion, roll) another road position.
    car = Vehicle(x=3.5, y0=4.0, speed_ms=20.0, t_start=0.5, length=10.0, width=2.5, height=3.5)
    scene = Scene(camera=CAM, vehicles=[car])
    plane = road_plane(CAM)
    bg = scene.background()
    det = MotionDetector(min_area_px=50)
    at_contact, at_centre = [], []
    for i in range(50):
        t = i / 30
        found = det.detect(scene.render(t, bg))
        if i >= 20 and len(found) == 1 and found[0].contact_x is not None:
            x1, _, x2, y2 = found[0].xyxy
            near_y = car.footprint_at(t)[1]  # the rear end, nearest the camera
            pts = np.array([[found[0].contact_x, y2], [(x1 + x2) / 2, y2]])
            road = plane.image_to_world(pts)
            at_contact.append((road[0, 0] - car.x, road[0, 1] - near_y))
            at_centre.append((road[1, 0] - car.x, road[1, 1] - near_y))
    assert len(at_contact) >= 15
    lateral, along = np.median(at_contact, axis=0)
    assert abs(along) < 0.1
    assert abs(lateral) < 0.1  # the middle of the near end, seen along its bottom row
    assert abs(float(np.median(at_centre, axis=0)[0])) > 0.2  # off it, towards the side


def test_the_motion_detector_ignores_a_cast_shadow() -> None:
    scene = Scene(camera=CAM)
    bg = scene.background()
    det = MotionDetector(min_area_px=50)
    for _ in range(20):
        det.detect(bg)
    shadowed = bg.copy()
    shadowed[200:260, 100:220] = (shadowed[200:260, 100:220] * 0.6).astype(np.uint8)
    assert det.detect(shadowed) == []


def test_auto_picks_yolo_only_when_weights_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAIRSPEED_YOLO_WEIGHTS", raising=False)
    assert make_detector("auto").name == "motion"
    assert make_detector("auto", tmp_path / "absent.onnx").name == "motion"
    with pytest.raises(DetectorError, match="weights"):
        make_detector("yolo")
    with pytest.raises(DetectorError, match="unknown"):
        make_detector("sift")


def test_it_measures_a_rendered_vehicle_without_phantoms(clip: tuple[Path, Path]) -> None:
    video, calib_path = clip
    seen: list[int] = []
    pipes: list[MeasurementPipeline] = []
    passages = list(
        measure_video(
            video,
            load_calibration(calib_path),
            detector="motion",
            progress=False,
            observer=lambda frame, tracks: seen.append(frame.index),
            pipeline_out=pipes,
        )
    )
    assert len(passages) == 1
    p = passages[0]
    assert p.valid, p.reject_reason
    assert abs(p.speed_kmh - TRUE_KMH) < 3.0
    assert p.speed_kmh - TRUE_KMH < 2.0  # never over-read
    assert seen == list(range(60))
    timings = pipes[0].timings
    assert timings.frames == 60 and set(timings.fps()) >= {"decode", "detect", "track", "total"}


def test_a_rolling_shutter_calibration_times_each_contact_by_its_row(
    clip: tuple[Path, Path],
) -> None:
    video, calib_path = clip
    data = json.loads(calib_path.read_text())
    data["readout_s"] = 0.02
    pipes: list[MeasurementPipeline] = []
    passages = list(
        measure_video(
            video, Calibration.from_dict(data), "motion", progress=False, pipeline_out=pipes
        )
    )
    assert pipes[0].estimator.row_time_s == pytest.approx(0.02 / CAM.height)
    p = passages[0]
    stamps = np.array(p.frame_indices) / data["fps"]
    rows = np.array(p.boxes)[:, 3]
    assert np.allclose(np.array(p.times_s), stamps + 0.02 * rows / CAM.height, atol=1e-3)


def test_an_empty_road_gives_no_passage(tmp_path: Path) -> None:
    video, calib_path = Scene(camera=CAM, duration_s=1.0).write(tmp_path)
    assert list(measure_video(video, load_calibration(calib_path), "motion", progress=False)) == []


def test_cli_prints_one_json_line_per_vehicle(clip: tuple[Path, Path]) -> None:
    video, calib_path = clip
    args = cli.argparse.ArgumentParser()
    cli.add_arguments(args)
    ns = args.parse_args(
        [
            str(video),
            "--calibration",
            str(calib_path),
            "--detector",
            "motion",
            "--no-progress",
            "--samples",
        ]
    )
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(ns, stdout=out, stderr=err) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 1
    keys = {
        "track_id",
        "t_enter_s",
        "t_exit_s",
        "speed_kmh",
        "uncertainty_kmh",
        "world_x_m",
        "class",
        "valid",
        "reject_reason",
        "frames",
        "boxes",
    }
    assert keys <= set(lines[0])
    budget = lines[0]["details"]
    assert {"u_fit_kmh", "u_cal_kmh", "u_time_kmh", "u_contact_kmh", "u_shutter_kmh"} <= set(budget)
    u = sum(budget[k] ** 2 for k in budget if k.startswith("u_")) ** 0.5
    assert lines[0]["uncertainty_kmh"] == pytest.approx(
        2 * u + budget["lower_half_offset_kmh"], abs=0.02
    )
    assert "detector: motion" in err.getvalue()


def test_cli_exits_2_naming_a_bad_calibration_or_video(
    tmp_path: Path, clip: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    video, calib_path = clip
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "image_points": [[0, 0]],
                "world_points": [[0, 0]],
                "zone": [],
                "speed_limit_kmh": 50,
                "fps": 30,
            }
        )
    )
    assert cli.main([str(video), "--calibration", str(bad), "--no-progress"]) == 2
    assert "bad.json" in capsys.readouterr().err
    missing = tmp_path / "none.mp4"
    assert cli.main([str(missing), "--calibration", str(calib_path), "--no-progress"]) == 2
    assert "none.mp4 does not exist" in capsys.readouterr().err


def test_a_truncated_video_still_yields_what_was_measured(
    tmp_path: Path, clip: tuple[Path, Path]
) -> None:
    video, calib_path = clip
    cut = tmp_path / "cut.avi"
    data = video.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.8)])  # the vehicle has left the zone by then
    got = []
    with pytest.raises(VideoSourceError, match=r"cut\.avi"):
        for p in measure_video(cut, load_calibration(calib_path), "motion", progress=False):
            got.append(p)
    assert len(got) == 1 and got[0].valid


@pytest.mark.skipif(not WEIGHTS.exists(), reason="shared YOLO weights not present")
def test_yolo_detects_vehicles_in_a_real_clip() -> None:
    os.environ.setdefault("YOLO_OFFLINE", "1")
    clip_path = DATA / "urban_road_cars_kraten.mp4"
    if not clip_path.exists():
        pytest.skip("shared traffic clip not present")
    det = make_detector("auto", WEIGHTS)
    assert isinstance(det, YoloDetector)
    found = []
    for frame in FrameSource(clip_path, max_frames=3):
        found += det.detect(frame.image)
    assert found and all(d.cls in {"car", "motorcycle", "bus", "truck"} for d in found)
    assert all(
        0 <= d.xyxy[0] < d.xyxy[2] <= 640 and 0 <= d.xyxy[1] < d.xyxy[3] <= 360 for d in found
    )


def test_a_median_background_leaves_no_ghost_of_a_vehicle_present_at_the_start() -> None:
    car = Vehicle(x=-1.75, y0=8.0, speed_ms=15.0)  # in view from the first frame
    scene = Scene(camera=CAM, vehicles=[car])
    bg = scene.background()
    frames = [scene.render(i / 30, bg) for i in range(0, 60, 3)]
    learnt = MotionDetector(min_area_px=50)
    for _ in range(12):  # the usual warm-up on the first frame: the car becomes background
        learnt.detect(frames[0])
    seeded = MotionDetector(min_area_px=50)
    assert seeded.seed_background(frames)
    # the road once the car has gone: a ghost shows where the learnt model saw the car
    assert learnt.detect(bg) != []
    assert seeded.detect(bg) == []


def test_seeding_needs_a_few_frames() -> None:
    det = MotionDetector()
    assert not det.seed_background([np.zeros((10, 10, 3), np.uint8)] * 2)


def test_background_frames_spread_over_the_first_seconds(clip: tuple[Path, Path]) -> None:
    video, _ = clip
    frames = background_frames(video, seconds=1.0, count=5)
    assert len(frames) == 5
    assert frames[0].shape == (CAM.height, CAM.width, 3)
    assert background_frames(video.with_name("missing.avi")) == []


def test_a_motion_detector_on_a_file_starts_from_the_files_median_background(
    clip: tuple[Path, Path],
) -> None:
    video, _ = clip
    assert seed_background_from_file(MotionDetector(), str(video))


def test_streams_and_device_indexes_are_not_rewound_for_a_background(tmp_path: Path) -> None:
    assert not seed_background_from_file(MotionDetector(), "rtsp://127.0.0.1:1/cam")
    assert not seed_background_from_file(MotionDetector(), 0)
    assert not seed_background_from_file(MotionDetector(), str(tmp_path / "missing.mp4"))
