"""A vehicle lost while merged with a neighbour and found again under a new id is
measured as one track; fragments of different vehicles are never joined."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cameras.vision.measure.speed import SpeedConfig, SpeedEstimator
from cameras.vision.measure.stitch import FragmentStitcher
from cameras.vision.measure.track import Track
from tests.vision.scenes import Camera, Vehicle, road_plane, vehicle_track

CAM = Camera(width=1280, height=720, focal_px=1100.0)
ZONE = np.array([[-6.0, 15.0], [6.0, 15.0], [6.0, 35.0], [-6.0, 35.0]])
TIMES = np.arange(0.0, 1.8, 1 / 30)
AWAY = Vehicle(x=-1.75, y0=5.0, speed_ms=25.0)  # in the zone from 0.4 s to 1.2 s
BREAK = range(22, 28)  # frames lost mid-zone (0.73 s - 0.9 s)


def stitcher() -> FragmentStitcher:
    est = SpeedEstimator(
        road_plane(CAM), ZONE, 0.02, bounds=(0.0, 0.0, CAM.width, CAM.height), config=SpeedConfig()
    )
    return FragmentStitcher(est)


def fragments(first: Vehicle = AWAY, second: Vehicle = AWAY) -> tuple[Track, Track]:
    a = vehicle_track(CAM, first, TIMES, track_id=1)
    b = vehicle_track(CAM, second, TIMES, track_id=2)
    a.samples = a.samples[: BREAK.start]
    b.samples = b.samples[BREAK.stop :]
    return a, b


def test_the_two_fragments_of_one_vehicle_are_measured_as_one() -> None:
    s = stitcher()
    a, b = fragments()
    assert s.finished([a]) == []  # held back: its exit was not seen
    (p,) = s.finished([b])
    assert p.valid, p.reject_reason
    assert p.track_id == 1
    assert p.speed_kmh == pytest.approx(90.0, abs=0.2)
    assert s.pending == []


@pytest.mark.parametrize(
    "other",
    [
        replace(AWAY, x=1.75),  # the next lane
        replace(AWAY, speed_ms=31.0),  # another speed
        replace(AWAY, y0=AWAY.y0 + 8.0),  # the car ahead, at the same speed
    ],
    ids=["other_lane", "other_speed", "other_position"],
)
def test_fragments_of_different_vehicles_stay_apart(other: Vehicle) -> None:
    s = stitcher()
    a, b = fragments(second=other)
    s.finished([a])
    out = s.finished([b]) + s.flush()
    assert out and not any(p.valid for p in out)
    firsts, seconds = {s.frame_index for s in a.samples}, {s.frame_index for s in b.samples}
    for p in out:  # each reading rests on one fragment only
        assert set(p.frame_indices) <= firsts or set(p.frame_indices) <= seconds


def test_a_fragment_waits_while_a_track_that_may_continue_it_is_active() -> None:
    s = stitcher()
    a, b = fragments()
    late = b.samples[0].t_s + 5.0
    assert s.finished([a], active=[b], now_s=late) == []
    assert len(s.pending) == 1


def test_a_fragment_nobody_continues_is_reported_after_the_gap() -> None:
    s = stitcher()
    a, _ = fragments()
    assert s.finished([a], active=[], now_s=a.samples[-1].t_s + 1.0) == []
    (p,) = s.finished([], active=[], now_s=a.samples[-1].t_s + 3.0)
    assert (p.valid, p.reject_reason) == (False, "incomplete_zone")


def test_the_end_of_the_stream_reports_every_fragment_held_back() -> None:
    s = stitcher()
    a, _ = fragments()
    s.finished([a])
    (p,) = s.flush()
    assert p.reject_reason == "incomplete_zone" and s.pending == []


def test_a_whole_track_is_reported_at_once() -> None:
    (p,) = stitcher().finished([vehicle_track(CAM, AWAY, TIMES)])
    assert p.valid, p.reject_reason


def test_a_fragment_too_short_to_locate_is_not_held() -> None:
    s = stitcher()
    a, _ = fragments()
    a.samples = a.samples[:2]
    assert s.finished([a]) == [] and s.pending == []


def widened_by_a_neighbour(track: Track, frames: int, px: float) -> None:
    """The last ``frames`` boxes of ``track`` grown to the left, by up to ``px``, as the
    blob of a vehicle passing beside and beyond it merges into it: its lowest pixels,
    where its outline reaches the box bottom, stay where they were."""
    n = len(track.samples)
    for k, i in enumerate(range(n - frames, n), start=1):
        s = track.samples[i]
        x1, y1, x2, y2 = s.xyxy
        track.samples[i] = replace(s, xyxy=(x1 - px * k / frames, y1, x2, y2))


def test_a_fragment_a_neighbours_blob_widened_as_it_broke_is_still_joined() -> None:
    s = stitcher()
    a = vehicle_track(CAM, AWAY, TIMES, track_id=1, lowest_column=True)
    b = vehicle_track(CAM, AWAY, TIMES, track_id=2, lowest_column=True)
    a.samples, b.samples = a.samples[: BREAK.start], b.samples[BREAK.stop :]
    widened_by_a_neighbour(a, frames=8, px=120.0)
    assert s.finished([a]) == []
    (p,) = s.finished([b])
    # One track, judged as one (the widened frames are the estimator's to judge).
    assert p.track_id == 1 and s.pending == []
    assert BREAK.start - 1 in p.frame_indices and BREAK.stop in p.frame_indices


def test_a_track_that_continues_a_fragment_is_measured_joined_to_it_when_asked() -> None:
    s = stitcher()
    a, b = fragments()
    s.finished([a])
    p = s.continued(b)
    assert p is not None and p.valid, p and p.reject_reason
    assert p.track_id == 1 and p.speed_kmh == pytest.approx(90.0, abs=0.2)
    assert s.pending == []  # the fragment is used up


def test_a_track_that_continues_no_fragment_gives_nothing_when_asked() -> None:
    s = stitcher()
    a, b = fragments(second=replace(AWAY, x=1.75))  # the next lane: not its continuation
    s.finished([a])
    assert s.continued(b) is None
    assert len(s.pending) == 1  # still held back
