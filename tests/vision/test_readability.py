"""Plate width in pixels across the zone, and focus over it, from the calibration alone."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from cameras.vision.measure.calibration import load_calibration
from cameras.vision.measure.geometry import RoadPlane
from cameras.vision.measure.readability import (
    MIN_PLATE_PX,
    MIN_ZONE_SHARPNESS,
    PLATE_WIDTH_EU_M,
    PLATE_WIDTH_US_M,
    plate_readability,
    zone_mask,
    zone_sharpness,
)
from tests.vision.scenes import Camera

CALIBRATIONS = Path(__file__).resolve().parents[2] / "benchmarks" / "calibrations"


def _plane(camera: Camera) -> RoadPlane:
    world = np.array([(x, y) for x in (-6.0, 0.0, 6.0) for y in (5.0, 20.0, 40.0)])
    return RoadPlane(camera.road_to_image(world), world)


def test_the_width_is_the_pinhole_cameras_at_the_zones_near_edge() -> None:
    camera = Camera(width=1920, height=1080, focal_px=3200.0)  # a zoomed-in camera
    zone = [(-3.5, 10.0), (3.5, 10.0), (3.5, 30.0), (-3.5, 30.0)]
    found = plate_readability(_plane(camera), zone)
    half = PLATE_WIDTH_EU_M / 2
    expected = []
    for x in (-3.5, 3.5):  # the near edge's two ends: the narrower one decides
        ends = camera.road_to_image(np.array([[x - half, 10.0], [x + half, 10.0]]))
        expected.append(float(np.linalg.norm(ends[1] - ends[0])))
    assert abs(found.near_px - min(expected)) < 0.5
    assert found.narrowest_px < found.near_px <= found.widest_px
    assert found.readable and found.near_px >= MIN_PLATE_PX


def test_a_us_plate_or_a_farther_zone_is_narrower() -> None:
    plane = _plane(Camera(width=1920, height=1080, focal_px=1800.0))
    near = [(-3.5, 10.0), (3.5, 10.0), (3.5, 30.0), (-3.5, 30.0)]
    far = [(-3.5, 25.0), (3.5, 25.0), (3.5, 40.0), (-3.5, 40.0)]
    eu = plate_readability(plane, near)
    us = plate_readability(plane, near, PLATE_WIDTH_US_M)
    assert abs(us.near_px / eu.near_px - PLATE_WIDTH_US_M / PLATE_WIDTH_EU_M) < 0.02
    assert plate_readability(plane, far).near_px < 0.6 * eu.near_px


def test_the_real_clips_cameras_cannot_show_a_readable_plate() -> None:
    # No plate was read on either clip: both come out under the minimum, with a message.
    for name, top in (("uk_road_cars_go-rknnlite-data", 80), ("urban_road_cars_kraten", 30)):
        calibration = load_calibration(CALIBRATIONS / f"{name}.json")
        found = plate_readability(calibration.plane, calibration.zone)
        assert 10 < found.near_px < top and not found.readable, (name, found)
        assert "under the 80 px" in found.message() and "self-test" in found.message()


def test_focus_over_the_zone_tells_a_sharp_picture_from_a_defocused_one() -> None:
    camera = Camera(width=640, height=360, focal_px=500.0)
    plane = _plane(camera)
    zone = [(-3.5, 10.0), (3.5, 10.0), (3.5, 30.0), (-3.5, 30.0)]
    mask = zone_mask(plane, zone, 640, 360)
    assert 0 < (mask > 0).mean() < 1
    rng = np.random.default_rng(1)
    road = cv2.GaussianBlur(rng.integers(60, 200, (360, 640), dtype=np.uint8), (0, 0), 0.8)
    assert zone_sharpness(road, mask) > MIN_ZONE_SHARPNESS
    assert zone_sharpness(cv2.GaussianBlur(road, (0, 0), 3), mask) < MIN_ZONE_SHARPNESS
    assert zone_sharpness(road, np.zeros_like(mask)) == 0.0
