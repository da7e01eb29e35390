"""A vehicle is measured as soon as it has left the zone, once, by the camera worker and
the batch command alike; a track first seen inside the zone is measured then only joined
to the fragment it continues, and otherwise waits for its track's end."""

from __future__ import annotations

from collections.abc import Container, Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from cameras.vision.measure.calibration import Calibration
from cameras.vision.measure.departure import DepartureWatch, zone_test
from cameras.vision.measure.detect import Detection
from cameras.vision.measure.passage import Passage
from cameras.vision.measure.pipeline import MeasurementPipeline
from cameras.vision.measure.source import Frame
from cameras.vision.measure.track import Track, TrackSample
from tests.vision.scenes import Camera, Scene, Vehicle

CAM = Camera(width=1280, height=720, focal_px=1100.0)
SCENE = Scene(camera=CAM)  # zone: 15 m to 35 m up the road
FPS = 30.0
AWAY = Vehicle(x=-1.75, y0=5.0, speed_ms=25.0)  # in the zone from 0.4 s to 1.2 s
IMAGE = np.zeros((CAM.height, CAM.width, 3), np.uint8)


class ScriptedDetector:
    """The detector's output is the test's input: each vehicle's exact image box while it
    is in view (``visible`` frames), as a perfect detector would report it."""

    name = "scripted"

    def __init__(self, vehicles: list[tuple[Vehicle, Container[int]]]) -> None:
        self.vehicles = vehicles
        self.frame = -1

    def detect(self, image: NDArray[np.uint8]) -> list[Detection]:
        self.frame += 1
        out = []
        for vehicle, visible in self.vehicles:
            if self.frame in visible:
                pts = CAM.project(vehicle.corners(self.frame / FPS))
                x1, y1 = pts.min(axis=0)
                x2, y2 = pts.max(axis=0)
                out.append(Detection((float(x1), float(y1), float(x2), float(y2)), 0.9, "car"))
        return out

    def describe(self) -> str:
        return "scripted boxes"


def run(
    vehicles: list[tuple[Vehicle, Container[int]]], frames: int, after: int | None = 5
) -> tuple[MeasurementPipeline, list[tuple[int, Passage]], list[Passage]]:
    """(pipeline, (frame index, passage) reported while reading, passages at the end)."""
    calibration = Calibration.from_dict(SCENE.calibration())
    pipe = MeasurementPipeline(
        calibration,
        ScriptedDetector(vehicles),
        frame_size=(CAM.width, CAM.height),
        departed_after_frames=after,
    )
    during = [(i, p) for i in range(frames) for p in pipe.process(Frame(i, i / FPS, IMAGE))]
    return pipe, during, pipe.finish()


def last_zone_frame(vehicle: Vehicle, frames: int = 90) -> int:
    inside = zone_test(Calibration.from_dict(SCENE.calibration()).plane, np.array(SCENE.zone))
    boxes = []
    for i in range(frames):
        pts = CAM.project(vehicle.corners(i / FPS))
        boxes.append([*pts.min(axis=0), *pts.max(axis=0)])
    return int(np.flatnonzero(inside(np.array(boxes)))[-1])


def test_a_vehicle_is_measured_on_its_fifth_frame_out_of_the_zone_and_only_once() -> None:
    _, during, at_end = run([(AWAY, range(0, 90))], frames=90)
    ((frame, passage),) = during
    assert frame == last_zone_frame(AWAY) + 5  # long before its track ends (never, here)
    assert passage.valid, passage.reject_reason
    assert passage.speed_kmh == pytest.approx(90.0, abs=0.2)
    assert at_end == []  # the open track is not reported again at the end of the stream


def test_a_vehicle_lost_after_leaving_the_zone_is_not_reported_again() -> None:
    pipe, during, at_end = run([(AWAY, range(0, 45))], frames=90)
    assert [p.track_id for _, p in during] == [during[0][1].track_id]
    assert at_end == [] and pipe.tracker.active == {}
    assert pipe.departures is not None and not pipe.departures.measured(during[0][1].track_id)


def test_without_departures_the_vehicle_is_measured_when_its_track_ends() -> None:
    _, during, at_end = run([(AWAY, range(0, 45))], frames=90, after=None)
    ((frame, passage),) = during
    assert frame == 44 + 16  # lost for more than 15 frames
    assert passage.valid and at_end == []


def test_a_track_first_seen_inside_the_zone_waits_for_its_end() -> None:
    # It may be the second part of a vehicle whose track broke mid-zone (see stitch).
    _, during, at_end = run([(AWAY, range(20, 90))], frames=90)
    assert during == []
    (passage,) = at_end
    assert not passage.valid and passage.reject_reason == "incomplete_zone"


def test_two_vehicles_are_each_measured_as_they_leave() -> None:
    behind = Vehicle(x=1.75, y0=-10.0, speed_ms=20.0)
    _, during, at_end = run([(AWAY, range(0, 90)), (behind, range(0, 90))], frames=90)
    assert [round(p.speed_kmh) for _, p in during] == [90, 72]
    assert during[0][0] < during[1][0] and at_end == []


def test_a_reading_that_fails_a_check_on_departure_waits_for_the_tracks_end() -> None:
    # It changes lanes across the zone: rejected on departure, and at the end.
    drifting = Vehicle(x=-1.75, y0=5.0, speed_ms=25.0, lateral_ms=2.5)
    _, during, at_end = run([(drifting, range(0, 60))], frames=90)
    ((frame, passage),) = during
    assert frame == 59 + 16  # when the track ended, not on departure
    assert not passage.valid and passage.reject_reason == "lane_change"
    assert at_end == []


def _track(tid: int, bottoms: Sequence[float]) -> Track:
    return Track(tid, [TrackSample(i, i / FPS, (0, 0, 10, b), 0.9) for i, b in enumerate(bottoms)])


def _in_band(boxes: NDArray[np.float64]) -> NDArray[np.bool_]:
    return np.asarray((boxes[:, 3] > 100) & (boxes[:, 3] < 200))


def test_the_watch_counts_only_consecutive_frames_out_after_being_in() -> None:
    watch = DepartureWatch(_in_band, after_frames=3)
    bottoms = [250, 150, 150, 50, 50, 150, 50, 50, 50]  # out, in, in, out x2, back, out x3
    departed_at = []
    track = Track(1)
    for i in range(len(bottoms)):
        track.samples = _track(1, bottoms[: i + 1]).samples
        if watch.update(i, [track]):
            departed_at.append(i)
    assert departed_at == [8]
    watch.mark(track)
    assert watch.measured(1) and watch.finished(track) is None and not watch.measured(1)


def test_a_box_whose_bottom_is_cut_by_the_view_is_neither_in_nor_out() -> None:
    # A truck entering from below: in view its bottom is cut (999) until the wheels show.
    watch = DepartureWatch(_in_band, after_frames=2, seen=lambda b: b[:, 3] < 999)
    bottoms = [999, 150, 999, 999, 999, 150, 150, 50, 50]
    departed_at = [i for i in range(len(bottoms)) if watch.update(i, [_track(1, bottoms[: i + 1])])]
    assert departed_at == [8]


def test_a_departed_track_is_measured_at_its_end_unless_marked() -> None:
    watch = DepartureWatch(_in_band, after_frames=1)
    bottoms = [250.0, 150.0, 50.0]
    departed = [watch.update(i, [_track(1, bottoms[: i + 1])]) for i in range(3)]
    assert [len(d) for d in departed] == [0, 0, 1]
    unmarked = _track(1, bottoms)
    assert watch.finished(unmarked) is unmarked  # its reading failed: measured at its end
    parts = [p for i in range(3) for p in watch.update(i, [_track(2, bottoms[: i + 1])])]
    watch.mark(parts[0])
    assert watch.finished(_track(2, [*bottoms, 40.0])) is None  # measured, never back


def test_a_measured_track_back_in_the_zone_is_measured_again_on_its_new_samples() -> None:
    # The tracker slid onto the next vehicle, which then crossed the zone under the id.
    watch = DepartureWatch(_in_band, after_frames=2)
    bottoms = [250, 150, 150, 50, 50, 30, 30, 250, 150, 150, 50, 50]
    parts = []
    for i in range(len(bottoms)):
        for part in watch.update(i, [_track(1, bottoms[: i + 1])]):
            parts.append([s.frame_index for s in part.samples])
            if not watch.measured(1):
                watch.mark(part)  # the first reading was valid; the second one is not
    assert parts == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9, 10, 11]]
    # Not measured on departure (a check failed): the track's end measures that part.
    rest = watch.finished(_track(1, [*bottoms, 40.0]))
    assert rest is not None and rest.samples[0].frame_index == 5


def test_a_track_never_in_the_zone_never_departs() -> None:
    watch = DepartureWatch(_in_band, after_frames=1)
    bottoms = [250.0] * 10
    assert not any(watch.update(i, [_track(1, bottoms[: i + 1])]) for i in range(10))
    never = _track(1, bottoms)
    assert watch.finished(never) is never


def test_the_watch_needs_at_least_one_frame_out() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        DepartureWatch(_in_band, after_frames=0)


class Reversing(ScriptedDetector):
    """One vehicle: drives away through the zone at 90 km/h, then from frame 50, beyond
    the zone, backs through it towards the camera at 36 km/h, under one track id."""

    AT = 50

    def __init__(self, back_ms: float = -10.0) -> None:
        back_from = AWAY.y0 + AWAY.speed_ms * self.AT / FPS
        backing = Vehicle(x=AWAY.x, y0=back_from, speed_ms=back_ms, t_start=self.AT / FPS)
        super().__init__([(AWAY, range(0, self.AT + 1)), (backing, range(self.AT + 1, 200))])


def test_a_vehicle_back_in_the_zone_after_its_reading_is_measured_again_on_its_new_frames() -> None:
    calibration = Calibration.from_dict(SCENE.calibration())
    pipe = MeasurementPipeline(calibration, Reversing(), frame_size=(CAM.width, CAM.height))
    during = [p for i in range(200) for p in pipe.process(Frame(i, i / FPS, IMAGE))]
    during += pipe.finish()
    assert [(p.track_id, p.direction, round(p.speed_kmh)) for p in during if p.valid] == [
        (during[0].track_id, "away", 90),
        (during[0].track_id, "toward", 36),
    ]
    assert len(during) == 2  # nothing else reported
    # The second reading rests on the backing frames only.
    assert min(during[1].frame_indices) > max(during[0].frame_indices)
    assert min(during[1].frame_indices) > Reversing.AT


def test_a_track_that_continues_a_broken_one_is_measured_joined_to_it_as_it_leaves() -> None:
    # Lost mid-zone for longer than the tracker waits (a merge with a neighbour), found
    # again under a new id that stays on it well past the zone, where a tracker may slide
    # it onto another vehicle: the two parts are read as one when the second leaves.
    slow = Vehicle(x=-1.75, y0=5.0, speed_ms=10.0)  # in the zone from 1.0 s to 3.0 s
    seen = [*range(0, 45), *range(63, 200)]
    _, during, at_end = run([(slow, seen)], frames=200)
    ((frame, passage),) = during
    assert frame == last_zone_frame(slow, frames=200) + 5
    assert passage.valid, passage.reject_reason
    assert passage.speed_kmh == pytest.approx(36.0, abs=0.2)
    assert min(passage.frame_indices) < 45 < 63 < max(passage.frame_indices)
    assert at_end == []  # neither part is reported again
