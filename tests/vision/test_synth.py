"""The synthetic renderer's geometry and ground truth are exact (it is the benchmark's ruler)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cameras.vision.synth import (
    CameraRig,
    SceneSpec,
    VehicleSpec,
    auto_zone,
    place_vehicles,
    project,
    random_scene,
    render_scene,
    unproject,
)
from cameras.vision.synth.render import draw_vehicles
from cameras.vision.synth.world import RoadSpec

ROADSIDE = CameraRig(
    height_m=6.0,
    tilt_deg=12.0,
    pan_deg=10.0,
    focal_px=700.0,
    width=640,
    height=360,
    fps=30.0,
    x_m=-9.0,
)
OVERHEAD = CameraRig(
    height_m=8.0,
    tilt_deg=25.0,
    pan_deg=0.0,
    focal_px=600.0,
    width=640,
    height=360,
    fps=25.0,
    x_m=1.75,
)
DISTORTED = CameraRig(
    height_m=7.0,
    tilt_deg=18.0,
    pan_deg=-5.0,
    focal_px=450.0,
    width=640,
    height=360,
    fps=30.0,
    roll_deg=1.5,
    k1=-0.18,
    x_m=3.0,
)


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-8, 8), y=st.floats(8, 80), rig_i=st.integers(0, 2))
def test_project_unproject_round_trip(x: float, y: float, rig_i: int) -> None:
    rig = (ROADSIDE, OVERHEAD, DISTORTED)[rig_i]
    uv = project(rig, np.array([[x, y]]))
    if np.isnan(uv).any():  # behind the camera or past the lens's fold radius
        return
    back = unproject(rig, uv)
    assert np.allclose(back, [[x, y]], atol=1e-6)


def test_distortion_matches_opencv() -> None:
    pts = np.array([[-3.0, 15.0, 0.0], [4.0, 30.0, 1.2], [0.0, 12.0, 0.5]])
    ours = project(DISTORTED, pts)
    r = DISTORTED.rotation()
    rvec, _ = cv2.Rodrigues(r)
    tvec = -r @ DISTORTED.centre
    theirs, _ = cv2.projectPoints(
        pts, rvec, tvec, DISTORTED.camera_matrix(), DISTORTED.dist_coeffs()
    )
    assert np.allclose(ours, theirs.reshape(-1, 2), atol=1e-6)


def test_points_behind_camera_are_nan() -> None:
    uv = project(OVERHEAD, np.array([[1.75, -20.0]]))
    assert np.isnan(uv).all()


@pytest.mark.parametrize("rig", [ROADSIDE, OVERHEAD, DISTORTED])
def test_lowest_vehicle_pixel_is_its_road_contact(rig: CameraRig) -> None:
    """The lowest pixel of each drawn vehicle is the projection of a bottom (z=0) corner."""
    road = RoadSpec()
    zone = auto_zone(rig, road)
    ymid = sum(p[1] for p in zone) / 4
    xs = sorted({p[0] for p in zone})
    specs = [
        VehicleSpec(60.0, xs[0] + 1.75, 1, 0.0, kind, y_start_m=ymid + 5 * i)
        for i, kind in enumerate(("car", "truck", "motorcycle"))
    ]
    spec = SceneSpec(rig=rig, vehicles=specs, duration_s=1.0, zone=zone)
    for v in place_vehicles(spec, zone):
        frame = np.zeros((rig.height, rig.width, 3), np.uint8)
        labels = np.zeros((rig.height, rig.width), np.uint8)
        drawn = draw_vehicles(frame, labels, rig, [v], 0.0, np.array([0.0, 0.0, 1.0]))
        assert drawn and drawn[0].visible_px == drawn[0].own_px
        rows = np.nonzero(labels.any(axis=1))[0]
        corners = v.corners(0.0)
        uv = project(rig, corners)
        lowest = int(np.nanargmax(uv[:, 1]))
        assert lowest < 4, "the lowest projected corner must be on the road"
        assert abs(rows.max() - uv[lowest, 1]) <= 1.0  # OpenCV: pixel centres at integers
        back = unproject(rig, uv[lowest : lowest + 1])[0]
        assert np.allclose(back, corners[lowest, :2], atol=1e-6)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[SceneSpec, Path, Path, Path]:
    spec = random_scene(
        7,
        rig=ROADSIDE,
        n_vehicles=3,
        noise_sigma=0.0,
        shadows=False,
        survey_noise_m=0.0,
        pixel_noise_px=0.0,
    )
    files = render_scene(spec, tmp_path_factory.mktemp("synth"))
    return spec, files.video_path, files.calibration_path, files.truth_path


def test_video_is_readable(rendered: tuple[SceneSpec, Path, Path, Path]) -> None:
    spec, video, _, truth_path = rendered
    truth = json.loads(truth_path.read_text())
    cap = cv2.VideoCapture(str(video))
    assert cap.isOpened()
    n = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        assert frame.shape == (spec.rig.height, spec.rig.width, 3)
        n += 1
    assert n == truth["scene"]["n_frames"] == len(truth["frame_times_s"])
    assert abs(cap.get(cv2.CAP_PROP_FPS) - spec.rig.fps) < 1e-3


def test_calibration_points_reproject_exactly(rendered: tuple[SceneSpec, Path, Path, Path]) -> None:
    spec, _, calib_path, _ = rendered
    calib = json.loads(calib_path.read_text())
    assert set(calib) >= {"image_points", "world_points", "zone", "speed_limit_kmh", "fps"}
    world = np.array(calib["world_points"])
    image = np.array(calib["image_points"])
    assert len(world) >= 4
    assert np.allclose(project(spec.rig, world), image, atol=2e-3)
    h, _ = cv2.findHomography(world, image)
    assert h is not None
    zone = np.array(calib["zone"])
    uv = cv2.perspectiveTransform(zone.reshape(-1, 1, 2), h).reshape(-1, 2)
    assert np.allclose(uv, project(spec.rig, zone), atol=0.05)


def test_distorted_calibration_has_intrinsics(tmp_path: Path) -> None:
    spec = SceneSpec(rig=DISTORTED, vehicles=[], duration_s=0.2)
    files = render_scene(spec, tmp_path)
    calib = json.loads(files.calibration_path.read_text())
    k = np.array(calib["camera_matrix"])
    d = np.array(calib["dist_coeffs"])
    image = np.array(calib["image_points"], dtype=np.float64)
    # cv2.undistortPoints' default 5 iterations do not converge at the corners of a strong
    # barrel lens; iterate to convergence so the test checks the file, not OpenCV's default.
    crit = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 200, 1e-12)
    und = cv2.undistortPointsIter(image.reshape(-1, 1, 2), k, d, np.eye(3), np.eye(3), crit)
    und = und.reshape(-1, 2)
    # undistorted normalised points and road points must be related by a homography
    h, _ = cv2.findHomography(np.array(calib["world_points"]), und)
    pred = cv2.perspectiveTransform(np.array(calib["world_points"]).reshape(-1, 1, 2), h)
    assert np.abs(pred.reshape(-1, 2) - und).max() * DISTORTED.focal_px < 0.01


def test_contact_points_land_where_truth_says(rendered: tuple[SceneSpec, Path, Path, Path]) -> None:
    """In the decoded video, the vehicle ends at its truth contact row: just above differs
    from the empty road, just below does not."""
    _, video, _, truth_path = rendered
    truth = json.loads(truth_path.read_text())
    cap = cv2.VideoCapture(str(video))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f.astype(np.int16))
    background = np.median(np.stack(frames[::3]), axis=0)
    checked = 0
    for v in truth["vehicles"]:
        if not v["crosses_zone"] or not v["fully_visible_in_zone"]:
            continue
        t_mid = 0.5 * (
            v["zone"][v["near_contact"]]["t_enter_s"] + v["zone"][v["near_contact"]]["t_exit_s"]
        )
        row = min(v["frames"], key=lambda r: abs(r[1] - t_mid))
        u, vv = round(row[2]), round(row[3])
        diff = np.abs(frames[row[0]] - background).sum(axis=2)
        # compare a few pixels either side of the contact point along the bottom edge
        above = diff[vv - 3, u - 2 : u + 3].mean()
        below = diff[vv + 3, u - 2 : u + 3].mean()
        assert above > 30 and below < 15, (v["id"], above, below)
        checked += 1
    assert checked >= 2


def test_a_rolling_shutter_draws_each_row_where_the_vehicle_was_when_it_was_read(
    tmp_path: Path,
) -> None:
    base = random_scene(7, rig=ROADSIDE, n_vehicles=3, noise_sigma=0.0, shadows=False)
    spec = replace(base, readout_s=1.0 / ROADSIDE.fps, duration_s=3.0)
    files = render_scene(spec, tmp_path)
    assert json.loads(files.calibration_path.read_text())["readout_s"] == spec.readout_s
    truth = json.loads(files.truth_path.read_text())
    cap = cv2.VideoCapture(str(files.video_path))
    frames = []
    while (got := cap.read())[0]:
        frames.append(got[1].astype(np.int16))
    background = np.median(np.stack(frames[::3]), axis=0)
    vehicles = place_vehicles(spec, truth["scene"]["zone"])
    shifts = []
    for rec, v in zip(truth["vehicles"], vehicles, strict=True):
        if not rec["crosses_zone"] or not rec["fully_visible_in_zone"]:
            continue
        zone = rec["zone"][rec["near_contact"]]
        t_mid = 0.5 * (zone["t_enter_s"] + zone["t_exit_s"])
        index, stamp = min(((r[0], r[1]) for r in rec["frames"]), key=lambda r: abs(r[1] - t_mid))
        when = stamp
        for _ in range(20):  # the row read depends on where the vehicle is when it is read
            uv = project(ROADSIDE, v.corners(when))
            lowest = int(np.nanargmax(uv[:, 1]))
            when = stamp + spec.readout_s * uv[lowest, 1] / ROADSIDE.height
        u, row = round(uv[lowest, 0]), round(uv[lowest, 1])
        shifts.append(abs(uv[lowest, 1] - np.nanmax(project(ROADSIDE, v.corners(stamp))[:, 1])))
        diff = np.abs(frames[index] - background).sum(axis=2)
        assert diff[row - 3, u - 2 : u + 3].mean() > 30, rec["id"]
        assert diff[row + 3, u - 2 : u + 3].mean() < 15, rec["id"]
    assert shifts and max(shifts) > 3.0  # the readout moved the contact visibly


def test_zone_times_match_positions(rendered: tuple[SceneSpec, Path, Path, Path]) -> None:
    spec, _, _, truth_path = rendered
    truth = json.loads(truth_path.read_text())
    vehicles = place_vehicles(spec, truth["scene"]["zone"])
    for rec, v in zip(truth["vehicles"], vehicles, strict=True):
        if not rec["crosses_zone"]:
            continue
        for which, z in rec["zone"].items():
            off = v.contact_offsets()[which]
            assert v.centre_y(z["t_enter_s"]) + off == pytest.approx(z["y_enter_m"], abs=1e-6)
            assert v.centre_y(z["t_exit_s"]) + off == pytest.approx(z["y_exit_m"], abs=1e-6)
        assert rec["mean_zone_speed_kmh"] == pytest.approx(rec["speed_kmh"], rel=1e-6)


def test_occluding_pair_is_flagged(tmp_path: Path) -> None:
    spec = random_scene(3, rig=ROADSIDE, n_vehicles=1, occlusion=True)
    files = render_scene(spec, tmp_path)
    truth = json.loads(files.truth_path.read_text())
    occluded = [v for v in truth["vehicles"] if v.get("occluded_in_zone")]
    assert occluded and all(v["kind"] == "car" for v in occluded)


def test_a_hundred_frame_scene_renders_every_frame(tmp_path: Path) -> None:
    # Render speed is a benchmark figure (benchmarks/throughput.py), not a timed test.
    spec = random_scene(11, rig=OVERHEAD, n_vehicles=2, noise_sigma=2.0, jpeg_quality=80)
    spec = SceneSpec(**{**spec.__dict__, "duration_s": 100 / spec.rig.fps})
    files = render_scene(spec, tmp_path)
    video = cv2.VideoCapture(str(files.video_path))
    try:
        assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 100
    finally:
        video.release()
