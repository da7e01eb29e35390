"""Whether a track's entry into the zone was seen: by the vehicle's own samples, on its
own line across the road, not by a box merged with a neighbour's."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cameras.vision.measure.speed import Passage, SpeedConfig, SpeedEstimator
from cameras.vision.measure.track import Track, TrackSample
from tests.vision.scenes import Camera, Vehicle, road_plane, vehicle_track

CAM = Camera(width=1280, height=720, focal_px=1100.0)
ZONE = np.array([[-6.0, 15.0], [6.0, 15.0], [6.0, 35.0], [-6.0, 35.0]])
TIMES = np.arange(0.0, 1.8, 1 / 30)
AWAY = Vehicle(x=-1.75, y0=5.0, speed_ms=25.0)  # 90 km/h, enters the zone (15 m) at 0.4 s
# In the next lane, 0.2-1.5 m short of the zone while AWAY is 2.5-4.2 m inside it.
BESIDE = Vehicle(x=1.75, y0=3.5, speed_ms=20.0)


def measure(track: Track, whole: np.ndarray | None = None) -> Passage:
    est = SpeedEstimator(
        road_plane(CAM), ZONE, 0.02, bounds=(0.0, 0.0, CAM.width, CAM.height), config=SpeedConfig()
    )
    est.whole = whole
    passage = est.estimate(track)
    assert passage is not None
    return passage


def box_of(vehicle: Vehicle, t: float) -> tuple[float, float, float, float]:
    pts = CAM.project(vehicle.corners(t))
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def first_seen_merged(
    start_s: float, merged_s: float, other: Vehicle = BESIDE, own_before: bool = False
) -> Track:
    """AWAY's own boxes from ``start_s`` (inside the zone), after frames from ``merged_s``
    on in which its blob was merged with ``other``'s: one box round both, its bottom the
    other's, which is nearer the camera and short of the zone. ``own_before``: its own
    boxes before ``merged_s`` too."""
    own = vehicle_track(CAM, AWAY, TIMES)
    samples: list[TrackSample] = []
    for s in own.samples:
        if s.t_s < merged_s and not own_before:
            continue
        if merged_s <= s.t_s < start_s:
            a, b = box_of(AWAY, s.t_s), box_of(other, s.t_s)
            union = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
            s = replace(s, xyxy=union)
        samples.append(s)
    return Track(own.track_id, samples, dict(own.class_votes))


def test_a_box_merged_with_the_next_lanes_vehicle_does_not_count_as_seeing_the_entry() -> None:
    # Its first own frame is 5 m inside the zone; the three merged frames before it put
    # the box's bottom 0.2-1.5 m short of the zone, but 1.9 m across towards the next lane.
    track = first_seen_merged(start_s=0.59, merged_s=0.49)
    assert len(track.samples) - len(vehicle_track(CAM, AWAY, TIMES[TIMES >= 0.59]).samples) == 3
    assert track.samples[0].xyxy[3] == pytest.approx(box_of(BESIDE, track.samples[0].t_s)[3])
    p = measure(track)
    assert (p.valid, p.reject_reason) == (False, "incomplete_zone")


def test_a_vehicle_lost_in_a_merge_across_the_entry_line_was_not_seen_entering() -> None:
    # Seen on its own 6-10 m short of the zone, then merged with the slow car behind it
    # in its lane (the box's bottom that car's, on AWAY's line across the road) until 5 m
    # into the zone: the entry line was crossed unseen.
    behind = Vehicle(x=-1.75, y0=6.0, speed_ms=5.0)
    track = first_seen_merged(start_s=0.6, merged_s=0.2, other=behind, own_before=True)
    p = measure(track)
    assert (p.valid, p.reject_reason) == (False, "incomplete_zone")


def test_a_vehicle_seen_on_its_own_line_before_the_zone_is_still_measured() -> None:
    # The same vehicle seen on its own from 0.3 s, 2.5 m short of the zone (its merged
    # boxes before that reach below the picture: no contact).
    p = measure(first_seen_merged(start_s=0.3, merged_s=0.2))
    assert p.valid, p.reject_reason
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)


def test_a_vehicle_drifting_within_its_lane_is_seen_entering() -> None:
    # Half a metre across its lane while crossing the zone: its own line still.
    drifting = replace(AWAY, lateral_ms=0.6)
    p = measure(vehicle_track(CAM, drifting, TIMES))
    assert p.valid, p.reject_reason


def first_seen_inside(y_m: float) -> Track:
    """AWAY's track from its first frame with its contact past ``y_m`` along the road."""
    start = (y_m - AWAY.y0) / AWAY.speed_ms
    return vehicle_track(CAM, AWAY, TIMES[start - 1e-9 <= TIMES])


def test_a_track_first_seen_well_into_the_zone_did_not_see_the_entry() -> None:
    # First contact at 16.67 m, 1.67 m past the first line: more than 1.5 steps (1.25 m).
    p = measure(first_seen_inside(16.5))
    assert (p.valid, p.reject_reason) == (False, "incomplete_zone")


def test_where_the_picture_cuts_the_entry_the_vehicle_is_seen_entering_once_seen_whole() -> None:
    # The picture's edge cuts the zone's first line: a car is seen whole only from 16 m
    # on, and the same track's first contact (16.67 m) is within 1.5 steps of that.
    whole = ZONE + np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    p = measure(first_seen_inside(16.5), whole=whole)
    assert p.valid, p.reject_reason
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)


def test_a_track_first_seen_beyond_where_a_car_is_seen_whole_did_not_see_the_entry() -> None:
    whole = ZONE + np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    p = measure(first_seen_inside(18.0), whole=whole)  # first contact 18.33 m
    assert (p.valid, p.reject_reason) == (False, "incomplete_zone")
