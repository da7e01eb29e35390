"""Frames YOLO misses are filled in from the motion foreground; what moves and YOLO never
named is handed on as an unrecognised vehicle."""

from __future__ import annotations

import numpy as np

from cameras.vision.measure.detect import UNRECOGNISED, Detection, MotionDetector
from cameras.vision.measure.fill_in import FillIn
from cameras.vision.measure.track import ByteTrackTracker
from cameras.vision.measure.yolo import _moves_outside


def box(
    x: float, y: float = 100.0, w: float = 40.0, h: float = 30.0, cls: str = "car"
) -> Detection:
    return Detection((x, y, x + w, y + h), 0.8, cls, contact_x=x + w / 2)


def test_a_blob_continuing_a_yolo_box_is_handed_on_with_yolos_class_and_floor_score() -> None:
    fill = FillIn(conf=0.1)
    fill.step([box(100, cls="truck")], [box(101)])

    out = fill.step([], [box(104)])

    assert len(out) == 1
    assert out[0].xyxy == box(104).xyxy
    assert (out[0].cls, out[0].conf) == ("truck", 0.1)
    assert out[0].contact_x == box(104).contact_x  # the blob's own contact column
    assert not out[0].sized  # another detector's outline: its size judges nothing


def test_a_run_of_blobs_goes_on_from_blob_to_blob() -> None:
    fill = FillIn(conf=0.1)
    fill.step([box(100)], [])
    kept = [fill.step([], [box(100 + 6 * k)]) for k in range(1, 8)]

    assert all(len(out) == 1 for out in kept)
    assert fill.filled == 7


def test_without_movers_motion_yolo_never_called_a_vehicle_starts_nothing() -> None:
    fill = FillIn(conf=0.1, movers=False)
    fill.step([box(100)], [])

    out = fill.step([], [box(300)])  # nowhere near the car

    assert out == []


def test_motion_yolo_never_called_a_vehicle_is_handed_on_unrecognised_with_its_own_score() -> None:
    fill = FillIn(conf=0.1)
    fill.step([box(100)], [])
    blob = Detection((300.0, 100.0, 340.0, 130.0), 0.93, "car", contact_x=320.0)

    out = fill.step([], [blob])

    assert [(d.xyxy, d.conf, d.cls, d.sized) for d in out] == [
        (blob.xyxy, 0.93, UNRECOGNISED, True)
    ]
    assert (fill.filled, fill.moved) == (0, 1)


def test_a_blob_not_the_size_of_the_vehicle_of_yolos_it_touches_is_not_a_mover() -> None:
    fill = FillIn(conf=0.1)
    fill.step([box(100)], [])

    assert fill.step([], [box(102, w=60)]) == []  # the car merged with its neighbour


def test_an_unrecognised_blob_is_not_a_vehicle_of_yolos_to_fill_in_later() -> None:
    fill = FillIn(conf=0.1)
    fill.step([], [box(300)])

    assert not fill.missing([])  # nothing of YOLO's to continue: no run to go on


def test_a_blob_touching_a_yolo_box_is_yolos_vehicle_and_is_not_added_twice() -> None:
    fill = FillIn(conf=0.1)
    fill.step([box(100)], [])
    yolo = [box(103)]

    out = fill.step(yolo, [box(102, w=60)])  # the same car's blob, merged with a neighbour

    assert out == yolo


def test_a_blob_that_only_grazes_a_yolo_box_is_a_vehicle_of_its_own() -> None:
    # A far car YOLO boxed sits just above the roof of a near truck it never named: the
    # truck's blob takes in a strip of the car's box, and is still the truck.
    fill = FillIn(conf=0.1)
    far_car = box(105, y=60, w=25, h=15)
    fill.step([far_car], [])
    truck = Detection((100.0, 70.0, 170.0, 160.0), 0.9, "car", contact_x=135.0)

    out = fill.step([box(106, y=60, w=25, h=15)], [truck])

    assert [d.xyxy for d in out if d.cls == UNRECOGNISED] == [truck.xyxy]


def test_a_run_ends_after_max_run_frames_without_yolo() -> None:
    fill = FillIn(conf=0.1, max_run=3, movers=False)
    fill.step([box(100)], [])
    counts = [len(fill.step([], [box(100 + 2 * k)])) for k in range(1, 6)]

    assert counts == [1, 1, 1, 0, 0]


def test_a_frame_with_nothing_moving_ends_every_run() -> None:
    fill = FillIn(conf=0.1, movers=False)
    fill.step([box(100)], [])
    fill.reset()

    assert fill.step([], [box(101)]) == []


def test_the_motion_detector_finds_the_same_blobs_from_its_foreground_as_from_the_frame() -> None:
    road = np.full((240, 320, 3), 90, np.uint8)
    a, b = MotionDetector(min_area_px=200.0), MotionDetector(min_area_px=200.0)
    for _ in range(12):
        a.detect(road)
        b.foreground(road)
    car = road.copy()
    car[100:140, 100:170] = 30

    assert a.detect(car) == b.blobs(*b.foreground(car))


def test_a_blob_merged_with_a_neighbour_does_not_continue_the_vehicle() -> None:
    fill = FillIn(conf=0.1, movers=False)
    fill.step([box(100)], [])

    merged = fill.step([], [box(102, w=60)])  # half as wide again: two vehicles' blob
    fragment = FillIn(conf=0.1, movers=False)
    fragment.step([box(100)], [])

    assert merged == []
    assert fragment.step([], [box(101, h=15)]) == []  # a roof alone, half the height


def test_a_vehicle_of_the_frame_before_with_no_yolo_box_is_missing() -> None:
    fill = FillIn(conf=0.1)
    fill.step([box(100), box(300)], [])

    assert not fill.missing([box(102), box(303)])
    assert fill.missing([box(102)])


def track_of(*detections: Detection) -> list[bool]:
    """The ``sized`` flags of the one track these detections (one a frame) make."""
    tracker = ByteTrackTracker()
    for k, d in enumerate(detections):
        tracker.update(k, k / 30, [d])
    (track,) = tracker.flush()
    return track.sized().tolist()


def moved(x: float) -> Detection:
    return Detection((x, 100.0, x + 40.0, 130.0), 0.9, UNRECOGNISED)


def test_a_track_of_unrecognised_blobs_alone_is_sized_as_the_motion_paths() -> None:
    assert track_of(moved(100), moved(103), moved(106)) == [True, True, True]


def test_in_a_track_yolo_also_boxed_its_unrecognised_blobs_judge_no_size() -> None:
    assert track_of(moved(100), box(103), moved(106)) == [False, True, False]


def test_a_track_is_named_by_the_frames_yolo_named_however_few() -> None:
    tracker = ByteTrackTracker()
    for k, d in enumerate([moved(100), moved(103), box(106, cls="truck"), moved(109)]):
        tracker.update(k, k / 30, [d])
    (track,) = tracker.flush()

    assert track.cls == "truck"


def test_blobs_are_looked_for_only_where_something_moves_outside_yolos_boxes() -> None:
    mask = np.zeros((120, 160), np.uint8)
    mask[50:65, 50:70] = 255  # 300 foreground pixels at half scale, offset (10, 20)
    at_full = Detection((110.0, 120.0, 150.0, 150.0), 0.8, "car")  # covers them
    elsewhere = Detection((200.0, 120.0, 240.0, 150.0), 0.8, "car")
    fg = (mask, 0.5, 10, 20)

    assert not _moves_outside([at_full], fg, min_area_px=400.0)
    assert _moves_outside([elsewhere], fg, min_area_px=400.0)  # 300 >= 400 * 0.25
    assert _moves_outside([], fg, min_area_px=400.0)
    assert not _moves_outside([elsewhere], fg, min_area_px=2000.0)  # smaller than a vehicle
