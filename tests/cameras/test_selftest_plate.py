"""Plate readability and focus as camera properties: the self-test and the calibration
screen say whether this camera can produce a readable plate."""

from __future__ import annotations

import json
from typing import Any

import cv2
import pytest
from django.test import Client
from django.urls import reverse

from cameras.models import Calibration, Camera
from tests.cameras.calibration_samples import good_calibration
from tests.cameras.test_selftest import live_frames, run, verdicts
from tests.factories import CalibrationFactory, CameraFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def camera() -> Camera:
    return CameraFactory()


@pytest.fixture
def calibration(camera: Camera) -> Calibration:
    return CalibrationFactory(camera=camera, data=good_calibration())


def _check(selftest: Any, name: str) -> dict[str, Any]:
    return next(c for c in selftest.checks if c["name"] == name)


def test_a_defocused_zone_fails_the_self_test_with_the_reason(
    camera: Camera, calibration: Calibration
) -> None:
    blurred = [(t, cv2.GaussianBlur(image, (0, 0), 3)) for t, image in live_frames()]
    result = run(camera, blurred, calibration)
    assert not result.passed
    assert verdicts(result)["zone_sharpness"] == "fail"
    assert "zone_sharpness: the zone is blurred" in result.reason
    assert verdicts(run(camera, live_frames(), calibration))["zone_sharpness"] == "pass"


def test_thumbnails_leave_the_focus_check_out_rather_than_guess(
    camera: Camera, calibration: Calibration
) -> None:
    thumbs = [(t, cv2.resize(image, (80, 60))) for t, image in live_frames()]
    assert "zone_sharpness" not in verdicts(run(camera, thumbs, calibration))


def test_narrow_plates_are_a_warning_by_default(camera: Camera, calibration: Calibration) -> None:
    result = run(camera, live_frames(), calibration)
    plate = _check(result, "plate_width")
    assert plate["verdict"] == "warn" and result.passed
    assert "px wide at the zone's near edge, under the 80 px" in plate["detail"]


def test_narrow_plates_fail_the_self_test_where_the_deployment_says_so(
    camera: Camera, calibration: Calibration, settings: Any
) -> None:
    settings.FAIRSPEED = {**settings.FAIRSPEED, "PLATE_WIDTH_GATES_SELFTEST": True}
    result = run(camera, live_frames(), calibration)
    assert not result.passed and verdicts(result)["plate_width"] == "fail"
    assert "plate_width:" in result.reason
    settings.FAIRSPEED = {**settings.FAIRSPEED, "MIN_PLATE_PX": 5}
    assert verdicts(run(camera, live_frames(), calibration))["plate_width"] == "pass"


def test_the_calibration_screen_shows_the_plate_width_and_warns(
    client: Client, staff: Any, camera: Camera, settings: Any
) -> None:
    client.force_login(staff("operator"))
    url = reverse("cameras:calibrate-check", args=[camera.code])
    body = json.dumps({"calibration": good_calibration()})
    data = client.post(url, data=body, content_type="application/json").json()
    plate = data["plate"]
    assert plate["plate_width_m"] == 0.52 and plate["min_px"] == 80
    assert plate["narrowest_px"] <= plate["near_px"] <= plate["widest_px"]
    assert plate["readable"] is False and plate["message"] in data["warnings"]
    settings.FAIRSPEED = {**settings.FAIRSPEED, "PLATE_WIDTH_MM": 305, "MIN_PLATE_PX": 1}
    us = client.post(url, data=body, content_type="application/json").json()["plate"]
    assert us["near_px"] == pytest.approx(plate["near_px"] * 305 / 520, rel=0.02)
    assert us["readable"] is True
