"""The tracker's occlusion evidence: how much of a box's bottom band other boxes cover."""

from __future__ import annotations

import numpy as np
import pytest

from cameras.vision.measure.detect import Detection
from cameras.vision.measure.track import ByteTrackTracker, bottom_overlap

TRUCK = (100.0, 50.0, 300.0, 300.0)  # tall and near: its bottom edge at row 300
FAR_CAR = (150.0, 80.0, 200.0, 120.0)  # up the road, seen above the truck's bottom


def test_a_farther_vehicle_inside_a_tall_trucks_box_leaves_the_trucks_bottom_free() -> None:
    truck, car = bottom_overlap(np.array([TRUCK, FAR_CAR]))
    assert truck == 0.0
    assert car == pytest.approx(1.0)  # its own bottom edge lies behind the truck's box


def test_a_nearer_vehicle_in_front_of_the_bottom_edge_covers_it() -> None:
    behind = (100.0, 100.0, 200.0, 200.0)
    in_front = (150.0, 180.0, 260.0, 260.0)
    share = bottom_overlap(np.array([behind, in_front]))
    # the lower quarter of ``behind`` is rows 175-200; ``in_front`` covers 50 x 20 of it
    assert share[0] == pytest.approx(50 * 20 / (100 * 25))


def test_a_lone_box_overlaps_nothing() -> None:
    assert bottom_overlap(np.array([TRUCK])).tolist() == [0.0]
    assert bottom_overlap(np.zeros((0, 4))).shape == (0,)


def test_the_tracker_records_each_samples_bottom_overlap() -> None:
    tracker = ByteTrackTracker()
    for i in range(4):
        shift = 3.0 * i
        dets = [
            Detection((TRUCK[0], TRUCK[1] + shift, TRUCK[2], TRUCK[3] + shift), 0.9, "truck"),
            Detection((FAR_CAR[0], FAR_CAR[1] + shift, FAR_CAR[2], FAR_CAR[3] + shift), 0.9, "car"),
        ]
        tracker.update(i, i / 30, dets)
    by_class = {t.cls: t for t in tracker.active.values()}
    assert by_class["truck"].overlaps().max() == 0.0
    assert by_class["car"].overlaps().min() == pytest.approx(1.0)
