"""Shadow-coloured vehicle faces: a second guess at a blob's bottom (``shade``)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from cameras.vision.measure.calibration import load_calibration
from cameras.vision.measure.detect import MotionDetector
from cameras.vision.measure.pipeline import measure_video, min_blob_area_px
from cameras.vision.measure.shade import shade_bottoms
from cameras.vision.measure.track import Track, TrackSample
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


def bottoms(
    labels: NDArray[np.int32], stats: NDArray[np.int32], shade: NDArray[np.bool_]
) -> list[int]:
    return [int(b) for b in shade_bottoms(labels, stats, shade)[0][1:]]


def test_a_window_above_a_shaded_face_reaches_down_to_the_road() -> None:
    assert bottoms(*blobs(fg=[(10, 14, 20, 40)], shade=[(15, 40, 18, 42)])) == [40]


def test_shade_beside_a_blob_leaves_its_bottom_alone() -> None:
    assert bottoms(*blobs(fg=[(10, 30, 20, 40)], shade=[(10, 30, 41, 60)])) == [30]


def test_one_column_running_down_a_shadow_does_not_move_the_bottom() -> None:
    assert bottoms(*blobs(fg=[(10, 30, 20, 40)], shade=[(31, 70, 39, 40)])) == [30]


def test_the_run_stops_at_the_first_pixel_that_is_not_shade() -> None:
    shade = [(15, 24, 20, 40), (27, 60, 20, 40)]
    assert bottoms(*blobs(fg=[(10, 14, 20, 40)], shade=shade)) == [24]


def test_a_run_that_ends_on_another_blob_is_no_contact() -> None:
    # a window over a face down to its bumper: the run's end is the bumper's top edge,
    # half a metre above the road; the bumper's own run below it does reach the road
    fg = [(10, 14, 20, 40), (30, 34, 18, 42)]
    assert bottoms(*blobs(fg=fg, shade=[(15, 29, 18, 42), (35, 40, 18, 42)])) == [14, 40]


def test_a_run_cut_by_the_edge_of_the_view_is_no_contact() -> None:
    assert bottoms(*blobs(fg=[(10, 14, 20, 40)], shade=[(15, 79, 18, 42)])) == [14]


def test_two_blobs_never_take_the_same_shade() -> None:
    # side by side over one shaded band: the first takes its columns, the second its own
    fg = [(10, 14, 10, 30), (10, 14, 50, 70)]
    assert bottoms(*blobs(fg=fg, shade=[(15, 40, 10, 70)])) == [40, 40]


def test_the_contact_column_is_where_the_run_reaches_deepest() -> None:
    # a face seen obliquely: its right end comes lower in the picture than its left
    labels, stats, shade = blobs(fg=[(10, 14, 20, 59)], shade=[(15, 30, 20, 49), (15, 40, 50, 59)])
    rows, cols = shade_bottoms(labels, stats, shade)
    assert (int(rows[1]), float(cols[1])) == (40, 54.5)


def test_without_a_run_the_column_is_the_box_centre() -> None:
    labels, stats, shade = blobs(fg=[(10, 30, 20, 40)], shade=[])
    rows, cols = shade_bottoms(labels, stats, shade)
    assert (int(rows[1]), float(cols[1])) == (30, 30.0)


ROAD, SHADED, BAND, PAINT = 100, 60, 130, (40, 40, 210)


def lane_history(det: MotionDetector, frames: int = 1500) -> NDArray[np.float64]:
    """A busy lane: a textured road where one grey (``BAND``) passes a quarter of the
    time, so MOG2 keeps it as a second background colour beside the road's. Returns
    the road."""
    rng = np.random.default_rng(4)
    road = np.clip(ROAD + rng.normal(0, 2, (120, 160, 1)), 0, 255).repeat(3, axis=2)
    for i in range(frames):
        img = road.copy()
        if i % 4 == 0:
            img[70:80, 40:120] = BAND
        det.detect(img.astype(np.uint8))
    return road


def vehicle_over(road: NDArray[np.float64]) -> NDArray[np.uint8]:
    """Painted top, a shaded face, a lower band in the lane's common grey, then road."""
    img = road.copy()
    img[30:50, 40:120] = PAINT
    img[50:70, 40:120] = SHADED
    img[70:80, 40:120] = BAND
    return img.astype(np.uint8)


@pytest.mark.parametrize(("unlike_floor", "bottom"), [(None, 79.0), (math.inf, 69.0)])
def test_a_body_band_the_background_model_knows_is_not_taken_for_road(
    unlike_floor: float | None, bottom: float
) -> None:
    # MOG2 calls the band background (its colour is one of the lane's), yet it is 30 grey
    # levels from the road under it: the shade run goes on through it to the road. Told
    # to trust MOG2 alone (an infinite floor), the run stops on the band, 10 rows up.
    floor: dict[str, Any] = {} if unlike_floor is None else {"unlike_floor": unlike_floor}
    det = MotionDetector(max_side=1000, min_area_px=200, **floor)
    road = lane_history(det)
    (d,) = det.detect(vehicle_over(road))
    assert d.xyxy[3] < 60  # the box ends above the shaded face
    assert d.shade_y2 == bottom
    assert d.shade_x == pytest.approx(79.5, abs=1.0)


def test_a_track_without_second_guesses_has_no_shade_hypothesis() -> None:
    track = Track(1, [TrackSample(i, i / 30, (0.0, 0.0, 10.0, 10.0), 0.9) for i in range(5)])
    assert track.with_shade_contact() is None
    track.samples[2] = TrackSample(
        2, 2 / 30, (0.0, 0.0, 10.0, 10.0), 0.9, shade_y2=14.0, contact_x=3.0, shade_x=8.0
    )
    track.samples[3] = replace(track.samples[3], contact_x=4.0)
    alt = track.with_shade_contact()
    assert alt is not None
    assert alt.boxes()[:, 3].tolist() == [10.0, 10.0, 14.0, 10.0, 10.0]
    # each bottom is read at its own column: the shade run's, or the blob's where kept
    assert alt.contact_xs()[2:4].tolist() == [8.0, 4.0]
    assert track.boxes()[2, 3] == 10.0  # the original is untouched


# -- end to end: a road-grey van rendered with the suite's renderer ---------------------------
RIG = CameraRig(
    focal_px=1000.0, width=960, height=540, fps=30.0, height_m=4.0,
    tilt_deg=6.0, pan_deg=12.0, x_m=-9.5,
)  # fmt: skip
VAN_KMH = 95.0


@pytest.fixture(scope="module")
def grey_van(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The suite's roadside_low mount and its reference draw's van (95 km/h, road-grey,
    coming closer): only its top, lights and plate differ from the road in MOG2's eyes."""
    road = RoadSpec()
    base = SceneSpec(
        rig=RIG,
        vehicles=[],
        duration_s=1.0,
        zone=auto_zone(RIG, road, max_m_per_px=0.2),
        road=road,
        noise_sigma=2.0,
        shadows=True,
        seed=2,
    )
    van = VehicleSpec(VAN_KMH, road.lane_centre(1) - 0.25, -1, kind="van", colour="road_grey")
    spec = replace(build_scene(base, [(van, 1.5)], tail_s=0.5), seed=2)
    files = render_scene(spec, tmp_path_factory.mktemp("grey-van"))
    return files.video_path, files.calibration_path


def test_a_road_grey_van_is_measured_from_its_road_contact(grey_van: tuple[Path, Path]) -> None:
    video, calib = grey_van
    passages = list(measure_video(video, load_calibration(calib), "motion", progress=False))
    valid = [p for p in passages if p.valid]
    assert len(valid) == 1, [(p.reject_reason, p.speed_kmh) for p in passages]
    assert abs(valid[0].speed_kmh - VAN_KMH) <= 1.5


def test_without_the_second_guess_the_van_is_only_fragments(grey_van: tuple[Path, Path]) -> None:
    video, calib = grey_van
    cal = load_calibration(calib)
    cap = cv2.VideoCapture(str(video))
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    cap.release()
    det = MotionDetector(
        roi=cal.plane.image_roi(cal.zone, *size),
        min_area_px=min_blob_area_px(cal),
        shade_contact=False,
    )
    passages = list(measure_video(video, cal, det, progress=False))
    assert passages and not any(p.valid for p in passages)
