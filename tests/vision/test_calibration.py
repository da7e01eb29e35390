"""Calibration contract and road-plane geometry: each way a calibration can be wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cameras.vision.errors import CalibrationError
from cameras.vision.measure.calibration import Calibration, load_calibration
from cameras.vision.measure.geometry import LensModel, RoadPlane
from tests.vision.scenes import Camera

CAM = Camera(width=1280, height=720, focal_px=1100.0)
WORLD = np.array([[x, y] for x in (-5.25, -1.75, 1.75, 5.25) for y in (12.0, 24.0, 36.0)])
ZONE = [[-6.0, 15.0], [6.0, 15.0], [6.0, 35.0], [-6.0, 35.0]]


def calib(**override: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "image_points": CAM.road_to_image(WORLD).tolist(),
        "world_points": WORLD.tolist(),
        "zone": ZONE,
        "speed_limit_kmh": 50,
        "fps": 30.0,
    }
    data.update(override)
    return data


def test_it_accepts_a_good_calibration_and_maps_both_ways() -> None:
    c = Calibration.from_dict(calib())
    assert c.plane.rms_m < 1e-6
    pts = np.array([[0.0, 20.0], [3.0, 33.0], [-4.0, 14.0]])
    assert np.allclose(c.plane.image_to_world(CAM.road_to_image(pts)), pts, atol=1e-6)
    assert np.allclose(c.plane.world_to_image(pts), CAM.road_to_image(pts), atol=1e-6)
    assert Calibration.from_dict(c.to_dict()).to_dict() == c.to_dict()


def test_it_reports_per_point_residuals_in_metres() -> None:
    world = WORLD.copy()
    world[4, 1] += 0.2  # one mis-surveyed mark
    c = Calibration.from_dict(calib(world_points=world.tolist()))
    assert int(np.argmax(c.plane.residuals_m)) == 4
    assert 0.02 < c.plane.rms_m < 0.2
    assert c.calibration_sigma_m > c.plane.rms_m  # inflated for the 8 fitted parameters


def test_it_rejects_fewer_than_four_points() -> None:
    with pytest.raises(CalibrationError, match="at least 4"):
        Calibration.from_dict(
            calib(image_points=calib()["image_points"][:3], world_points=WORLD[:3].tolist())
        )


def test_it_rejects_mismatched_point_counts() -> None:
    with pytest.raises(CalibrationError, match="same order"):
        Calibration.from_dict(calib(world_points=WORLD[:-1].tolist()))


def test_it_rejects_collinear_points() -> None:
    world = np.array([[0.0, y] for y in (10.0, 20.0, 30.0, 40.0, 50.0)])
    with pytest.raises(CalibrationError, match="one line"):
        Calibration.from_dict(
            calib(image_points=CAM.road_to_image(world).tolist(), world_points=world.tolist())
        )


def test_it_rejects_three_of_four_points_on_a_line() -> None:
    world = np.array([[-3.0, 10.0], [-3.0, 20.0], [-3.0, 30.0], [3.0, 20.0]])
    with pytest.raises(CalibrationError, match="do not determine"):
        RoadPlane(CAM.road_to_image(world), world)


def test_it_rejects_pairs_that_fold_the_plane() -> None:
    image = CAM.road_to_image(WORLD)
    image[[0, 11]] = image[[11, 0]]  # two pairs swapped
    with pytest.raises(CalibrationError, match=r"horizon|disagree|fold"):
        Calibration.from_dict(calib(image_points=image.tolist()))


def test_it_rejects_a_zone_beyond_the_horizon() -> None:
    zone = [[-6.0, 15.0], [6.0, 15.0], [6.0, 5000.0], [-6.0, 5000.0]]
    # the camera looks down at 15 degrees or so: the horizon is a few hundred metres away
    with pytest.raises(CalibrationError, match="horizon"):
        Calibration.from_dict(calib(zone=zone))


def test_it_rejects_a_zone_behind_the_camera() -> None:
    zone = [[-6.0, -30.0], [6.0, -30.0], [6.0, -20.0], [-6.0, -20.0]]
    with pytest.raises(CalibrationError, match="horizon"):
        Calibration.from_dict(calib(zone=zone))


@pytest.mark.parametrize(
    ("zone", "message"),
    [
        ([[0.0, 15.0], [5.0, 15.0]], "at least 3"),
        ([[0.0, 15.0], [5.0, 15.0], [10.0, 15.0]], "no area"),
        ([[-6.0, 15.0], [6.0, 35.0], [6.0, 15.0], [-6.0, 35.0]], "cross"),
    ],
)
def test_it_rejects_an_invalid_zone_polygon(zone: list[list[float]], message: str) -> None:
    with pytest.raises(CalibrationError, match=message):
        Calibration.from_dict(calib(zone=zone))


@pytest.mark.parametrize(("key", "value"), [("speed_limit_kmh", 0), ("fps", -30.0), ("fps", "x")])
def test_it_rejects_a_non_positive_limit_or_fps(key: str, value: Any) -> None:
    with pytest.raises(CalibrationError, match=key):
        Calibration.from_dict(calib(**{key: value}))


@pytest.mark.parametrize("readout", [-0.001, 0.05, "fast"])
def test_it_rejects_a_shutter_readout_that_no_sensor_has(readout: Any) -> None:
    # 50 ms is longer than a frame lasts at 30 fps: no sensor reads out that slowly.
    with pytest.raises(CalibrationError, match="readout_s"):
        Calibration.from_dict(calib(readout_s=readout))


def test_a_rolling_shutter_readout_is_kept_with_the_calibration() -> None:
    c = Calibration.from_dict(calib(readout_s=0.025))
    assert c.readout_s == 0.025
    assert Calibration.from_dict(c.to_dict()).readout_s == 0.025
    assert Calibration.from_dict(calib()).readout_s == 0.0  # a global shutter
    assert "readout_s" not in Calibration.from_dict(calib()).to_dict()


def test_it_names_missing_keys_and_bad_files(tmp_path: Path) -> None:
    data = calib()
    del data["zone"]
    with pytest.raises(CalibrationError, match="zone"):
        Calibration.from_dict(data)
    with pytest.raises(CalibrationError, match="does not exist"):
        load_calibration(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CalibrationError, match=r"bad\.json.*not valid JSON"):
        load_calibration(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(calib()))
    assert load_calibration(good).speed_limit_kmh == 50


def test_it_undistorts_lens_distortion_before_the_homography() -> None:
    k = CAM.k
    dist = np.array([-0.25, 0.05, 0.0, 0.0, 0.0])
    lens = LensModel(k, dist)
    ideal = CAM.road_to_image(WORLD)
    plane_ideal = RoadPlane(ideal, WORLD)
    assert np.allclose(plane_ideal.world_to_image(WORLD), ideal, atol=1e-6)  # no lens
    import cv2

    rays = np.c_[ideal, np.ones(len(ideal))] @ np.linalg.inv(k).T
    projected, _ = cv2.projectPoints(rays.reshape(-1, 1, 3), np.zeros(3), np.zeros(3), k, dist)
    distorted = np.asarray(projected).reshape(-1, 2)
    plane = RoadPlane(distorted, WORLD, lens)
    assert plane.rms_m < 1e-3
    probe = np.array([[4.0, 30.0]])
    assert np.allclose(
        plane.world_to_image(probe), plane.distort(CAM.road_to_image(probe)), atol=1e-3
    )
    # ignoring the lens would bend the plane: residuals of centimetres to decimetres
    assert RoadPlane(distorted, WORLD).rms_m > 10 * plane.rms_m
    data = calib(
        image_points=distorted.tolist(), camera_matrix=k.tolist(), dist_coeffs=dist.tolist()
    )
    assert Calibration.from_dict(data).plane.lens is not None
    with pytest.raises(CalibrationError, match="both"):
        Calibration.from_dict(calib(camera_matrix=k.tolist()))
