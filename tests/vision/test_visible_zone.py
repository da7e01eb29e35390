"""A zone partly outside the picture is measured over the part seen; a vehicle that enters
the picture just before the zone is still measured over the whole zone."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from cameras.vision.errors import CalibrationError
from cameras.vision.measure.calibration import load_calibration
from cameras.vision.measure.calibration_check import calibration_check
from cameras.vision.measure.detect import MotionDetector
from cameras.vision.measure.geometry import zone_extent_at
from cameras.vision.measure.pipeline import MeasurementPipeline, measure_video
from cameras.vision.measure.visible import CAR_FOOTPRINT_M, visible_zone
from cameras.vision.synth import (
    CameraRig,
    RoadSpec,
    SceneSpec,
    VehicleSpec,
    build_scene,
    render_scene,
)
from cameras.vision.synth.scene import unproject

RIG = CameraRig(
    height_m=7.0, tilt_deg=16.0, pan_deg=0.0, focal_px=700.0, width=640, height=360, fps=30.0
)
LANE_X = 1.75
SPEED_KMH = 72.0


def zone_between_rows(near_row: float, far_row: float) -> list[tuple[float, float]]:
    """The lane from the road seen on image row ``near_row`` (a fraction of the height;
    above 1 is below the picture) to ``far_row``."""
    u = RIG.width / 2
    y_near, y_far = (
        float(unproject(RIG, np.array([[u, r * RIG.height]]))[0, 1]) for r in (near_row, far_row)
    )
    x0, x1 = LANE_X - 1.75, LANE_X + 1.75
    return [(x0, y_near), (x1, y_near), (x1, y_far), (x0, y_far)]


def receding_car(zone: list[tuple[float, float]], out: Path) -> tuple[Path, Path]:
    base = SceneSpec(
        rig=RIG, vehicles=[], duration_s=1.0, zone=zone, road=RoadSpec(), noise_sigma=2.0, seed=3
    )
    car = VehicleSpec(SPEED_KMH, LANE_X, direction=1, kind="car", colour="blue")
    spec = replace(build_scene(base, [(car, 1.5)], tail_s=1.0), seed=3)
    files = render_scene(spec, out)
    return files.video_path, files.calibration_path


def calibration_dict(zone: list[tuple[float, float]]) -> dict[str, object]:
    grid = [(x, y) for x in (-3.5, 0.0, 3.5) for y in (12.0, 20.0, 30.0)]
    pts = RIG.project(np.array(grid, dtype=np.float64))[0]
    return {
        "image_points": pts.tolist(),
        "world_points": [list(p) for p in grid],
        "zone": [list(p) for p in zone],
        "speed_limit_kmh": 50,
        "fps": 30.0,
    }


def test_a_zone_running_off_the_bottom_of_the_picture_is_cut_at_the_picture() -> None:
    check = calibration_check(calibration_dict(zone_between_rows(1.3, 0.45)), (640, 360))
    seen = visible_zone(check.engine.plane, check.engine.zone, 640, 360)
    assert seen.clipped and 0.4 < seen.seen_fraction < 0.95
    rows = check.engine.plane.world_to_image(seen.polygon)[:, 1]
    assert rows.max() == pytest.approx(360 - 4, abs=3)  # cut a few pixels in from the edge
    assert any("lies outside the picture" in w for w in check.warnings)


def test_where_the_picture_cuts_the_zone_a_car_is_seen_whole_a_car_length_short_of_it() -> None:
    # The zone runs off the top of the picture: a car's contact there is in view, its body
    # (4.5 m further away) is not. At the near line, inside the picture, nothing changes.
    check = calibration_check(calibration_dict(zone_between_rows(0.9, -0.03)), (640, 360))
    seen = visible_zone(check.engine.plane, check.engine.zone, 640, 360)
    near, far = zone_extent_at(seen.polygon, LANE_X)
    whole_near, whole_far = zone_extent_at(seen.whole, LANE_X)
    assert seen.clipped and whole_near == pytest.approx(near, abs=0.1)
    assert far - whole_far == pytest.approx(CAR_FOOTPRINT_M[1], abs=0.2)


def test_a_zone_inside_the_picture_is_used_as_drawn() -> None:
    check = calibration_check(calibration_dict(zone_between_rows(0.9, 0.45)), (640, 360))
    seen = visible_zone(check.engine.plane, check.engine.zone, 640, 360)
    assert not seen.clipped and np.array_equal(seen.polygon, check.engine.zone)
    assert np.array_equal(seen.whole, check.engine.zone)
    assert not any("measurement zone" in w for w in check.warnings)


def test_a_zone_wholly_outside_the_picture_is_refused_with_the_reason() -> None:
    data = calibration_dict(zone_between_rows(2.5, 1.6))
    check = calibration_check(data, (640, 360))
    assert any("wholly outside the picture" in w for w in check.warnings)
    with pytest.raises(CalibrationError, match="outside the 640x360 picture"):
        MeasurementPipeline(check.engine, MotionDetector(), frame_size=(640, 360))


def test_a_car_crossing_a_zone_partly_off_the_picture_is_measured_over_the_part_seen(
    tmp_path: Path,
) -> None:
    video, calib = receding_car(zone_between_rows(1.3, 0.45), tmp_path)
    passages = list(measure_video(video, load_calibration(calib), "motion", progress=False))
    valid = [p for p in passages if p.valid]
    assert len(valid) == 1, [(p.reject_reason, p.speed_kmh) for p in passages]
    assert abs(valid[0].speed_kmh - SPEED_KMH) <= valid[0].uncertainty_kmh


def test_a_car_entering_the_picture_just_before_the_zone_is_measured_over_all_of_it(
    tmp_path: Path,
) -> None:
    # The zone's first line is 5 % of the height above the bottom edge: the car's rear,
    # its road contact, comes into view well inside the detector's margin.
    video, calib = receding_car(zone_between_rows(0.95, 0.45), tmp_path)
    passages = list(measure_video(video, load_calibration(calib), "motion", progress=False))
    valid = [p for p in passages if p.valid]
    assert len(valid) == 1, [(p.reject_reason, p.speed_kmh) for p in passages]
    assert abs(valid[0].speed_kmh - SPEED_KMH) <= max(1.0, valid[0].uncertainty_kmh)
