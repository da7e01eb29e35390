"""The motion detector's blob handling: fragments of one vehicle, separate vehicles."""

from __future__ import annotations

import cv2
import numpy as np

from cameras.vision.measure.detect import merge_fragments


def blobs(*rects: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    mask = np.zeros((120, 200), np.uint8)
    for x0, y0, x1, y1 in rects:
        mask[y0:y1, x0:x1] = 255
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return np.asarray(labels, np.int32), np.asarray(stats, np.int32)


def boxes(stats: np.ndarray) -> list[tuple[int, int, int, int]]:
    alive = stats[1:][stats[1:, cv2.CC_STAT_AREA] > 0]
    return sorted((int(s[0]), int(s[1]), int(s[0] + s[2]), int(s[1] + s[3])) for s in alive)


def test_pieces_of_one_vehicle_side_by_side_become_one_box() -> None:
    # a road-coloured van: only its two ends show, 6 px apart on 40 px of height
    labels, stats = blobs((20, 40, 50, 80), (56, 42, 90, 80))
    merged_labels, merged = merge_fragments(labels, stats)
    assert boxes(merged) == [(20, 40, 90, 80)]
    assert len(np.unique(merged_labels[merged_labels > 0])) == 1
    assert merged[1:, cv2.CC_STAT_AREA].sum() == stats[1:, cv2.CC_STAT_AREA].sum()


def test_a_piece_inside_a_vehicle_box_is_absorbed() -> None:
    labels, stats = blobs((20, 40, 60, 50), (20, 50, 24, 90), (56, 50, 60, 90), (35, 60, 45, 70))
    _, merged = merge_fragments(labels, stats)
    assert boxes(merged) == [(20, 40, 60, 90)]


def test_vehicles_in_neighbouring_lanes_stay_apart() -> None:
    # a lane's clearance between them: a gap about as wide as they are tall
    labels, stats = blobs((20, 40, 60, 70), (90, 42, 130, 72))
    merged_labels, merged = merge_fragments(labels, stats)
    assert boxes(merged) == boxes(stats)
    assert np.array_equal(merged_labels, labels)


def test_a_vehicle_beyond_another_stays_apart() -> None:
    # farther up the road: above, with little vertical overlap
    labels, stats = blobs((20, 60, 80, 100), (40, 20, 80, 58))
    _, merged = merge_fragments(labels, stats)
    assert len(boxes(merged)) == 2


def test_stacked_pieces_of_a_tall_vehicle_become_one_box() -> None:
    # a truck side near the camera split by a road-coloured band: top and bottom pieces
    # over the same columns, a few pixels apart
    labels, stats = blobs((30, 20, 110, 50), (32, 56, 112, 90))
    merged_labels, merged = merge_fragments(labels, stats)
    assert boxes(merged) == [(30, 20, 112, 90)]
    assert len(np.unique(merged_labels[merged_labels > 0])) == 1


def test_a_vehicle_following_in_the_same_lane_stays_apart() -> None:
    # same columns, but a headway (more than a quarter of its height) behind
    labels, stats = blobs((30, 10, 90, 40), (30, 60, 90, 95))
    _, merged = merge_fragments(labels, stats)
    assert len(boxes(merged)) == 2
