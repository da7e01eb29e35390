"""The generalising suite's scene draws and photo vehicles (benchmarks.generalise*)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from benchmarks import generalise_scenes as gs
from benchmarks.common import DATA, YOLO_WEIGHTS
from cameras.vision.synth import CameraRig, RoadSpec, SceneSpec, VehicleSpec, render_scene
from cameras.vision.synth.render import FACES, draw_vehicles
from cameras.vision.synth.world import Vehicle

SEEDS = (*gs.TUNING_SEEDS[:3], 5, 77)


@pytest.mark.parametrize("seed", SEEDS)
def test_draw_is_deterministic_and_in_range(seed: int) -> None:
    a, b = gs.draw_scene(seed, n_vehicles=5), gs.draw_scene(seed, n_vehicles=5)
    assert repr(a.spec) == repr(b.spec) and a.meta == b.meta
    rig, road, zone = a.spec.rig, a.spec.road, a.spec.zone
    assert zone is not None
    assert (rig.width, rig.height) in gs.RESOLUTIONS
    assert rig.fps in gs.FPS
    assert gs.HEIGHT_M[0] <= rig.height_m <= gs.HEIGHT_M[1]
    fov = 2 * math.degrees(math.atan(rig.width / 2 / rig.focal_px))
    assert gs.FOV_DEG[0] - 1e-6 <= fov <= gs.FOV_DEG[1] + 1e-6
    assert gs.ROLL_DEG[0] <= rig.roll_deg <= gs.ROLL_DEG[1]
    assert rig.k1 == 0.0 or gs.K1[0] <= rig.k1 <= gs.K1[1]
    assert gs.LANES[0] <= road.n_lanes <= gs.LANES[1]
    ys = [p[1] for p in zone]
    assert gs.ZONE_LEN_M[0] <= max(ys) - min(ys) <= gs.ZONE_LEN_M[1]
    assert a.meta["placement"] in gs.PLACEMENTS
    assert len(a.spec.vehicles) == 5
    for v in a.spec.vehicles:
        assert gs.SPEED_KMH[0] <= v.speed_kmh <= gs.SPEED_KMH[1]
        assert road.x0_m < v.lane_x_m < road.x1_m
    # the video runs until the last vehicle has left the zone
    assert a.spec.duration_s > max(v.t_start_s for v in a.spec.vehicles)


def test_half_scale_is_the_same_view() -> None:
    full, half = gs.draw_scene(1001, 5), gs.draw_scene(1001, 5, scale=0.5)
    assert half.spec.zone == full.spec.zone
    assert half.spec.rig.width == full.spec.rig.width // 2
    assert half.spec.rig.focal_px == pytest.approx(full.spec.rig.focal_px / 2)
    assert [v.speed_kmh for v in half.spec.vehicles] == [v.speed_kmh for v in full.spec.vehicles]


def test_sets_are_disjoint() -> None:
    assert not set(gs.TUNING_SEEDS) & set(gs.SEALED_SEEDS)
    assert gs.speed_band(20.0) == "20-40" and gs.speed_band(199.9) == "180-200"


RIG = CameraRig(
    height_m=6.0, tilt_deg=10.0, pan_deg=6.0, focal_px=900.0, width=640, height=360,
    fps=30.0, x_m=-6.0,
)  # fmt: skip
MAGENTA = (255, 0, 255)


def _magenta(px: np.ndarray) -> float:
    """Share of pixels (N, 3) that are the photo's magenta (edges blend with the body)."""
    return float(np.mean(np.abs(px.astype(int) - MAGENTA).max(axis=1) <= 20))


def _face_mask(v: Vehicle, face: str) -> np.ndarray:
    idx, _ = FACES[face]
    uv = RIG.project(v.corners(0.0)[list(idx)])[0]
    mask = np.zeros((RIG.height, RIG.width), np.uint8)
    cv2.fillPoly(mask, [np.round(uv).astype(np.int32)], 1)
    return cv2.erode(mask, np.ones((5, 5), np.uint8)).astype(bool)


@pytest.mark.parametrize("direction", [1, -1])
def test_photo_goes_on_the_end_the_camera_sees(tmp_path: Path, direction: int) -> None:
    """A receding vehicle shows its rear photo, an approaching one its front photo, on the
    end face towards the camera (y0); the side faces keep the sampled colour."""
    photo = np.zeros((60, 80, 3), np.uint8)
    photo[:] = MAGENTA
    path = tmp_path / "end.png"
    cv2.imwrite(str(path), photo)
    spec = VehicleSpec(
        0.0, -1.75, direction, kind="car", colour="photo", size_m=(4.5, 1.8, 1.5),
        colour_bgr=(40, 160, 40),
        photo_rear=str(path) if direction > 0 else None,
        photo_front=str(path) if direction < 0 else None,
    )  # fmt: skip
    v = Vehicle(0, spec, 20.0, (40, 160, 40))
    frame = np.full((RIG.height, RIG.width, 3), 90, np.uint8)
    labels = np.zeros(frame.shape[:2], np.uint8)
    draw_vehicles(frame, labels, RIG, [v], 0.0, np.array([0.0, 0.0, 1.0]))
    end, side = _face_mask(v, "y0"), _face_mask(v, "x0")  # the camera is to the left
    assert end.sum() > 50 and side.sum() > 50
    assert _magenta(frame[end]) >= 0.95
    assert _magenta(frame[side]) == 0.0
    # the wrong end's photo is never drawn on the near face
    other = VehicleSpec(
        0.0, -1.75, direction, kind="car", size_m=(4.5, 1.8, 1.5),
        photo_front=str(path) if direction > 0 else None,
        photo_rear=str(path) if direction < 0 else None,
    )  # fmt: skip
    frame[:] = 90
    draw_vehicles(frame, labels, RIG, [Vehicle(0, other, 20.0)], 0.0, np.array([0, 0, 1.0]))
    assert _magenta(frame[end]) == 0.0


# A whole, sharp, unoccluded car front in the UK clip (YOLO: car 0.92 on frame 67).
UK_CLIP, UK_FRAME, UK_BOX = "uk_road_cars_go-rknnlite-data.mp4", 67, (581, 494, 817, 686)


@pytest.fixture(scope="module")
def yolo_photo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list[Any]]:
    """One approaching photo car (the UK clip's car front) at 72 km/h through a 18 m zone,
    rendered and measured through YOLO once for the tests below: (truth, passages)."""
    if not YOLO_WEIGHTS.is_file() or not (DATA / UK_CLIP).is_file():
        pytest.skip("shared clips or YOLO weights absent")
    from cameras.vision.measure.calibration import load_calibration
    from cameras.vision.measure.pipeline import measure_video

    tmp_path = tmp_path_factory.mktemp("yolo_photo")
    cap = cv2.VideoCapture(str(DATA / UK_CLIP))
    cap.set(cv2.CAP_PROP_POS_FRAMES, UK_FRAME)
    ok, frame = cap.read()
    cap.release()
    assert ok
    x0, y0, x1, y1 = UK_BOX
    crop = tmp_path / "front.png"
    cv2.imwrite(str(crop), frame[y0:y1, x0:x1])
    rig = CameraRig(
        height_m=6.0, tilt_deg=12.0, pan_deg=4.0, focal_px=1000.0, width=960, height=540,
        fps=30.0, x_m=-4.0,
    )  # fmt: skip
    road = RoadSpec(n_lanes=2, x0_m=-3.5)
    car = VehicleSpec(
        72.0, -1.75, -1, kind="car", colour="photo", size_m=(4.5, 1.8, 1.45),
        colour_bgr=(200, 200, 200), photo_front=str(crop), t_start_s=0.0, y_start_m=60.0,
    )  # fmt: skip
    scene = SceneSpec(
        rig=rig, vehicles=[car], duration_s=3.6, zone=[(-3.5, 18.0), (0.0, 18.0), (0.0, 36.0),
        (-3.5, 36.0)], road=road, noise_sigma=1.5, seed=3,
    )  # fmt: skip
    files = render_scene(scene, tmp_path)
    truth = json.loads(files.truth_path.read_text())["vehicles"][0]
    cal = load_calibration(files.calibration_path)
    passages = list(
        measure_video(files.video_path, cal, detector="yolo", weights=YOLO_WEIGHTS, progress=False)
    )
    return truth, passages


@pytest.mark.slow
def test_photo_vehicle_is_tracked_through_the_zone_by_yolo(
    yolo_photo_run: tuple[dict[str, Any], list[Any]],
) -> None:
    truth, passages = yolo_photo_run
    assert truth["fully_visible_in_zone"]
    zone = truth["zone"][truth["near_contact"]]
    assert passages, "YOLO never tracked the photo vehicle"
    assert any(
        abs(p.t_enter_s - zone["t_enter_s"]) < 0.1 and abs(p.t_exit_s - zone["t_exit_s"]) < 0.1
        for p in passages
    )


@pytest.mark.slow
def test_photo_vehicle_is_measured_through_yolo(
    yolo_photo_run: tuple[dict[str, Any], list[Any]],
) -> None:
    _, passages = yolo_photo_run
    valid = [p for p in passages if p.valid]
    assert len(valid) == 1, [(p.speed_kmh, p.reject_reason) for p in passages]
    assert valid[0].speed_kmh == pytest.approx(72.0, abs=2.5)
