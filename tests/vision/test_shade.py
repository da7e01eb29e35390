"""Shadow-coloured vehicle faces: blobs take the shadow pixels below them (``shade``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from cameras.vision.calibration import load_calibration
from cameras.vision.detect import MotionDetector
from cameras.vision.pipeline import measure_video, min_blob_area_px
from cameras.vision.shade import absorb_shade_below
from cameras.vision.synth import (
    CameraRig,
    RoadSpec,
    SceneSpec,
    VehicleSpec,
    auto_zone,
    build_scene,
    render_scene,
)

Box = tuple[int, int, int, int]  # rows r0..r1, columns c0..c1, inclusive


def blobs(
    fg: list[Box], shade: list[Box], size: tuple[int, int] = (80, 100)
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.bool_]]:
    mask = np.zeros(size, np.uint8)
    for r0, r1, c0, c1 in fg:
        mask[r0 : r1 + 1, c0 : c1 + 1] = 255
    sh = np.zeros(size, bool)
    for r0, r1, c0, c1 in shade:
        sh[r0 : r1 + 1, c0 : c1 + 1] = True
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return np.asarray(labels, np.int32), np.asarray(stats, np.int32), sh & (mask == 0)


def bottoms(stats: NDArray[np.int32]) -> list[int]:
    live = stats[1:][stats[1:, 4] > 0]
    return sorted(int(s[1] + s[3] - 1) for s in live)


def test_a_window_above_a_shaded_face_takes_the_face_down_to_the_road() -> None:
    labels, stats, shade = blobs(fg=[(10, 14, 20, 40)], shade=[(15, 40, 18, 42)])
    labels, stats = absorb_shade_below(labels, stats, shade)
    assert bottoms(stats) == [40]
    assert labels[40, 30] == labels[12, 30]


def test_shade_beside_a_blob_is_left_alone() -> None:
    labels, stats, shade = blobs(fg=[(10, 30, 20, 40)], shade=[(10, 30, 41, 60)])
    new_labels, new_stats = absorb_shade_below(labels, stats, shade)
    assert np.array_equal(new_stats, stats)
    assert np.array_equal(new_labels, labels)


def test_one_column_running_down_a_shadow_does_not_move_the_bottom() -> None:
    labels, stats, shade = blobs(fg=[(10, 30, 20, 40)], shade=[(31, 70, 39, 40)])
    _, new_stats = absorb_shade_below(labels, stats, shade)
    assert bottoms(new_stats) == [30]


def test_the_run_stops_at_the_first_pixel_that_is_not_shade() -> None:
    labels, stats, shade = blobs(fg=[(10, 14, 20, 40)], shade=[(15, 24, 20, 40), (27, 60, 20, 40)])
    _, new_stats = absorb_shade_below(labels, stats, shade)
    assert bottoms(new_stats) == [24]


def test_a_window_and_its_bumper_joined_through_the_face_become_one_blob() -> None:
    labels, stats, shade = blobs(fg=[(10, 14, 25, 35), (30, 34, 18, 42)], shade=[(15, 29, 18, 42)])
    labels, stats = absorb_shade_below(labels, stats, shade)
    live = stats[1:][stats[1:, 4] > 0]
    assert len(live) == 1
    x, y, w, h = (int(v) for v in live[0, :4])
    assert (y, y + h - 1, x, x + w - 1) == (10, 34, 18, 42)
    assert labels[12, 30] == labels[32, 20] == labels[32, 40]


def test_blobs_touching_through_shade_in_a_few_columns_stay_apart() -> None:
    labels, stats, shade = blobs(fg=[(10, 20, 10, 40), (31, 45, 38, 70)], shade=[(21, 30, 38, 40)])
    _, new_stats = absorb_shade_below(labels, stats, shade)
    assert bottoms(new_stats) == [20, 45]


def test_the_run_never_takes_another_blobs_pixels() -> None:
    labels, stats, shade = blobs(fg=[(10, 14, 20, 40), (20, 30, 0, 99)], shade=[(15, 19, 20, 40)])
    before = labels == labels[25, 5]
    labels, _ = absorb_shade_below(labels, stats, shade)
    assert np.array_equal(labels == labels[25, 5], before | (labels == labels[25, 5]))
    assert np.all(labels[20:31, 0:100] == labels[25, 5])


# -- end to end: a road-grey van rendered with the suite's renderer ---------------------------
RIG = CameraRig(
    focal_px=1000.0, width=960, height=540, fps=30.0, height_m=4.0,
    tilt_deg=6.0, pan_deg=12.0, x_m=-9.5,
)  # fmt: skip
VAN_KMH = 65.0


@pytest.fixture(scope="module")
def grey_van(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The suite's roadside_low mount, one road-grey van coming closer."""
    road = RoadSpec()
    base = SceneSpec(
        rig=RIG,
        vehicles=[],
        duration_s=1.0,
        zone=auto_zone(RIG, road, max_m_per_px=0.2),
        road=road,
        noise_sigma=2.0,
        shadows=True,
        seed=3,
    )
    van = VehicleSpec(VAN_KMH, road.lane_centre(1), -1, kind="van", colour="road_grey")
    spec = replace(build_scene(base, [(van, 1.5)], tail_s=0.5), seed=3)
    files = render_scene(spec, tmp_path_factory.mktemp("grey-van"))
    return files.video_path, files.calibration_path


def test_a_road_grey_van_is_measured_from_its_road_contact(grey_van: tuple[Path, Path]) -> None:
    video, calib = grey_van
    passages = list(measure_video(video, load_calibration(calib), "motion", progress=False))
    valid = [p for p in passages if p.valid]
    assert len(valid) == 1, [(p.reject_reason, p.speed_kmh) for p in passages]
    assert abs(valid[0].speed_kmh - VAN_KMH) <= 1.5


def test_without_its_shaded_faces_the_van_is_only_fragments(grey_van: tuple[Path, Path]) -> None:
    video, calib = grey_van
    cal = load_calibration(calib)
    cap = cv2.VideoCapture(str(video))
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    cap.release()
    det = MotionDetector(
        roi=cal.plane.image_roi(cal.zone, *size),
        min_area_px=min_blob_area_px(cal),
        absorb_shade=False,
    )
    passages = list(measure_video(video, cal, det, progress=False))
    assert passages and not any(p.valid for p in passages)
