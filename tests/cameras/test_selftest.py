"""Daily self-test: each check can fail on its own and says why; results are audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from django.utils import timezone

from cameras.models import Calibration, Camera
from cameras.services.selftest import selftest_run
from cameras.vision.measure.source import FrameSource
from policy.models import AuditEvent
from tests.cameras.calibration_samples import good_calibration, road_picture
from tests.factories import CalibrationFactory, CameraFactory

pytestmark = pytest.mark.django_db

FPS = 30.0
Frames = list[tuple[float, np.ndarray]]


def live_frames(n: int = 60, fps: float = FPS) -> Frames:
    """A moving scene: the picture shifts a pixel per frame, as traffic and noise do."""
    base = cv2.resize(road_picture(), (320, 240))
    return [(i / fps, np.roll(base, i, axis=1)) for i in range(n)]


@pytest.fixture
def camera() -> Camera:
    return CameraFactory()


@pytest.fixture
def calibration(camera: Camera) -> Calibration:
    data = good_calibration()
    return CalibrationFactory(camera=camera, data=data)


def run(camera: Camera, frames: Any, calibration: Calibration | None, **kw: Any) -> Any:
    kw.setdefault("clock_offset_s", 0.3)
    return selftest_run(camera, frames, calibration, timezone.now(), **kw)


def verdicts(selftest: Any) -> dict[str, str]:
    return {c["name"]: c["verdict"] for c in selftest.checks}


def test_a_healthy_camera_passes_every_check(camera: Camera, calibration: Calibration) -> None:
    result = run(camera, live_frames(), calibration)
    assert result.passed, result.reason
    assert set(verdicts(result)) == {
        "frames",
        "timestamps_increasing",
        "frame_rate",
        "largest_gap",
        "picture_brightness",
        "picture_not_blank",
        "picture_not_frozen",
        "zone_sharpness",
        "clock_offset",
        "reference_distances",
        "plate_width",
    }
    assert result.calibration == calibration and result.reason == ""


def test_every_check_records_its_value_limit_and_verdict(
    camera: Camera, calibration: Calibration
) -> None:
    result = run(camera, live_frames(), calibration)
    for check in result.checks:
        assert set(check) == {"name", "value", "limit", "verdict", "detail"}
    rate = next(c for c in result.checks if c["name"] == "frame_rate")
    assert rate["value"] == pytest.approx(30.0) and "± 5%" in rate["limit"]


def test_the_result_is_audited_as_the_camera_with_its_failures(
    camera: Camera, calibration: Calibration
) -> None:
    result = run(camera, live_frames(), calibration, clock_offset_s=5.0)
    audit = AuditEvent.objects.get(action="selftest.recorded", object_id=str(result.pk))
    assert audit.actor_label == f"camera:{camera.code}"
    assert audit.details["failed"] == ["clock_offset"] and audit.reason == result.reason


def test_timestamps_that_go_backwards_fail(camera: Camera, calibration: Calibration) -> None:
    frames = live_frames()
    frames[30] = (frames[28][0], frames[30][1])
    result = run(camera, frames, calibration)
    assert not result.passed and verdicts(result)["timestamps_increasing"] == "fail"
    assert "timestamps_increasing: 1 of 60 frame timestamps did not increase" in result.reason


def test_a_frame_rate_more_than_5_percent_off_fails(
    camera: Camera, calibration: Calibration
) -> None:
    result = run(camera, live_frames(fps=27.0), calibration)  # calibration says 30 fps
    assert verdicts(result)["frame_rate"] == "fail"
    assert "measured 27.00 fps, 10.0% from the nominal 30 fps" in result.reason


def test_a_frame_rate_within_5_percent_passes(camera: Camera, calibration: Calibration) -> None:
    result = run(camera, live_frames(fps=29.0), calibration)
    assert verdicts(result)["frame_rate"] == "pass"


def test_a_large_gap_between_frames_fails(camera: Camera, calibration: Calibration) -> None:
    frames = live_frames(90)
    frames = frames[:40] + frames[44:]  # four frames lost in a row: 167 ms gap
    result = run(camera, frames, calibration)
    assert verdicts(result)["largest_gap"] == "fail"
    assert "largest gap between frames 167 ms (limit 83 ms)" in result.reason


def test_one_dropped_frame_is_tolerated(camera: Camera, calibration: Calibration) -> None:
    frames = live_frames(90)
    result = run(camera, frames[:40] + frames[41:], calibration)
    assert verdicts(result)["largest_gap"] == "pass"


def test_a_clock_more_than_two_seconds_off_fails(camera: Camera, calibration: Calibration) -> None:
    result = run(camera, live_frames(), calibration, clock_offset_s=-2.5)
    assert verdicts(result)["clock_offset"] == "fail"
    assert "worker clock is -2.50 s from the back office" in result.reason


def test_an_unreported_clock_fails(camera: Camera, calibration: Calibration) -> None:
    result = run(camera, live_frames(), calibration, clock_offset_s=None)
    assert "clock_offset: the worker did not report its clock" in result.reason


def test_reference_distances_off_by_more_than_tolerance_fail(camera: Camera) -> None:
    data = good_calibration()
    data["world_points"][4] = [5.0, 10.4]  # the survey and the picture disagree by 0.4 m
    calibration = CalibrationFactory(camera=camera, data=data)
    result = run(camera, live_frames(), calibration)
    assert verdicts(result)["reference_distances"] == "fail"
    assert "reference_distances: worst pair: points" in result.reason
    assert "with calibration v1" in result.reason


def test_a_camera_without_calibration_fails_the_reference_check(camera: Camera) -> None:
    result = run(camera, live_frames(), None)
    assert "reference_distances: the camera has no calibration" in result.reason


def test_an_unusable_stored_calibration_fails_the_reference_check(camera: Camera) -> None:
    calibration = CalibrationFactory(camera=camera, data={"image_points": []})
    result = run(camera, live_frames(), calibration, nominal_fps=FPS)
    assert "reference_distances: calibration v1 is unusable" in result.reason


def test_a_frozen_picture_fails(camera: Camera, calibration: Calibration) -> None:
    still = road_picture()
    result = run(camera, [(i / FPS, still) for i in range(60)], calibration)
    assert verdicts(result)["picture_not_frozen"] == "fail"
    assert "the picture is frozen" in result.reason


def test_a_blank_picture_fails(camera: Camera, calibration: Calibration) -> None:
    rng = np.random.default_rng(1)
    grey = [
        (
            i / FPS,
            np.full((240, 320, 3), 120, np.uint8)
            + rng.integers(0, 2, (240, 320, 3), dtype=np.uint8),
        )
        for i in range(60)
    ]
    result = run(camera, grey, calibration)
    assert verdicts(result)["picture_not_blank"] == "fail"
    assert "lens covered" in result.reason


def test_a_dark_picture_fails(camera: Camera, calibration: Calibration) -> None:
    frames = [(t, (image // 16).astype(np.uint8)) for t, image in live_frames()]
    result = run(camera, frames, calibration)
    assert verdicts(result)["picture_brightness"] == "fail"


def test_too_few_frames_fail(camera: Camera, calibration: Calibration) -> None:
    result = run(camera, live_frames(5), calibration)
    assert verdicts(result)["frames"] == "fail"


def test_a_frame_source_is_read_directly(
    tmp_path: Path, camera: Camera, calibration: Calibration
) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (320, 240))
    for _, image in live_frames(20):
        writer.write(image)
    writer.release()
    result = run(camera, FrameSource(path), calibration)
    rate = next(c for c in result.checks if c["name"] == "frame_rate")
    assert rate["limit"].startswith("10 fps")  # the container's rate, not the calibration's
    assert result.passed, result.reason


def test_an_unreadable_source_fails_with_its_error(
    camera: Camera, calibration: Calibration
) -> None:
    result = run(camera, FrameSource("/nonexistent/clip.mp4"), calibration)
    assert not result.passed
    assert "frames: source unreadable: video /nonexistent/clip.mp4 does not exist" in result.reason


def test_a_real_traffic_clip_passes_the_timing_and_picture_checks(
    data_dir: Path, camera: Camera, calibration: Calibration
) -> None:
    clip = data_dir / "highway_video2_andrewssobral.avi"
    if not clip.exists():
        pytest.skip(f"{clip} not present")
    result = run(camera, FrameSource(clip), calibration)
    assert result.passed, result.reason
    rate = next(c for c in result.checks if c["name"] == "frame_rate")
    assert rate["value"] == pytest.approx(25.0, rel=0.01)
