"""A blob of two vehicles side by side in neighbouring lanes is cut in two; one vehicle's
blob (a truck's cab and trailer, a car with its mirror) never is."""

from __future__ import annotations

import cv2
import numpy as np

from cameras.vision.measure.blobs import split_neighbours
from tests.vision.test_detect import blobs, boxes


def across(pts: np.ndarray) -> np.ndarray:
    """A road seen head-on: 10 px per metre across, rows are distance along the road."""
    return np.c_[pts[:, 0] / 10.0, pts[:, 1] / 10.0]


def along(pts: np.ndarray) -> np.ndarray:
    """A road seen from the side: columns are distance along the road."""
    return np.c_[np.zeros(len(pts)), pts[:, 0] / 10.0]


def bridged() -> tuple[np.ndarray, np.ndarray]:
    """Two 30x40 px masses joined by a 4 px high bridge (a roof touching a mirror)."""
    return blobs((20, 40, 50, 80), (50, 50, 70, 54), (70, 40, 100, 80))


def test_two_vehicles_in_neighbouring_lanes_are_cut_apart() -> None:
    labels, stats = bridged()
    assert len(boxes(stats)) == 1
    cut_labels, cut = split_neighbours(labels, stats, across, min_area=200)
    parts = boxes(cut)
    assert len(parts) == 2
    assert parts[0][0] == 20 and parts[1][2] == 100
    assert parts[0][2] <= 70 <= parts[1][0] + 20  # cut in the bridge
    assert len(np.unique(cut_labels[cut_labels > 0])) == 2
    assert cut[1:, cv2.CC_STAT_AREA].sum() == stats[1:, cv2.CC_STAT_AREA].sum()


def test_two_masses_in_one_lane_stay_one_blob() -> None:
    labels, stats = bridged()
    _, cut = split_neighbours(labels, stats, along, min_area=200)
    assert len(boxes(cut)) == 1


def test_a_solid_blob_is_not_cut() -> None:
    labels, stats = blobs((20, 40, 100, 80))
    _, cut = split_neighbours(labels, stats, across, min_area=200)
    assert boxes(cut) == [(20, 40, 100, 80)]


def test_a_part_too_small_for_a_vehicle_is_not_cut_off() -> None:
    labels, stats = blobs((20, 40, 80, 80), (80, 70, 84, 72), (84, 70, 90, 80))
    assert len(boxes(stats)) == 1
    _, cut = split_neighbours(labels, stats, across, min_area=200)
    assert len(boxes(cut)) == 1


def test_nothing_is_cut_where_the_road_is_not_seen() -> None:
    labels, stats = bridged()
    _, cut = split_neighbours(labels, stats, lambda p: np.full((len(p), 2), np.nan), 200)
    assert len(boxes(cut)) == 1


def test_one_vehicle_seen_obliquely_is_not_cut_in_two() -> None:
    # its two halves are apart across the road, but further apart along it: one behind
    # the other, not side by side
    labels, stats = bridged()
    oblique = lambda p: np.c_[p[:, 0] / 20.0, p[:, 0] / 8.0]  # noqa: E731
    _, cut = split_neighbours(labels, stats, oblique, min_area=200)
    assert len(boxes(cut)) == 1
