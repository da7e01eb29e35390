"""YOLO's box bottoms placed on the motion foreground: raised to the wheels when the box
took the vehicle's shadow in, and left alone wherever the foreground does not agree."""

from __future__ import annotations

import numpy as np
import pytest

from cameras.vision.measure.contact_edge import bottoms_on_mask
from cameras.vision.measure.detect import Detection

SCALE = 0.5
OFFSET = (100, 40)


def to_full(v: float, o: int) -> float:
    """A mask coordinate in full-picture pixels (pixel centres scale about -0.5)."""
    return (v + 0.5) / SCALE - 0.5 + o


def mask_with(*blobs: tuple[int, int, int, int]) -> np.ndarray:
    """A 120 x 160 mask with each (row0, row1, col0, col1) block, inclusive, foreground."""
    mask = np.zeros((120, 160), np.uint8)
    for r0, r1, c0, c1 in blobs:
        mask[r0 : r1 + 1, c0 : c1 + 1] = 255
    return mask


def box(r0: float, r1: float, c0: float, c1: float) -> Detection:
    """A YOLO box over mask rows r0..r1 and columns c0..c1, in full-picture pixels."""
    return Detection(
        (
            to_full(c0, OFFSET[0]),
            to_full(r0, OFFSET[1]),
            to_full(c1, OFFSET[0]),
            to_full(r1, OFFSET[1]),
        ),
        0.6,
        "car",
    )


def test_a_box_that_took_the_shadow_in_ends_at_the_vehicles_lowest_row() -> None:
    vehicle = mask_with((30, 69, 40, 89))
    shadowed = box(30, 80, 40, 89)  # 11 rows of dark shadow under the wheels

    (placed,) = bottoms_on_mask([shadowed], vehicle, None, SCALE, OFFSET)

    assert placed.xyxy[3] == pytest.approx(to_full(69, OFFSET[1]))
    assert placed.xyxy[:3] == shadowed.xyxy[:3]
    assert placed.contact_x == pytest.approx(to_full(64.5, OFFSET[0]))


def test_the_bottom_edge_is_placed_between_rows_from_the_difference_image() -> None:
    vehicle = mask_with((30, 69, 40, 89))
    diff = np.zeros((120, 160), np.float32)
    diff[30:70, 40:90] = 100.0
    diff[70, 40:90] = 40.0  # the edge covers four tenths of the next row

    (placed,) = bottoms_on_mask([box(30, 72, 40, 89)], vehicle, diff, SCALE, OFFSET)

    assert placed.xyxy[3] == pytest.approx(to_full(69.9, OFFSET[1]))


def test_a_blob_reaching_far_below_the_box_leaves_yolos_edge() -> None:
    vehicle_and_neighbour = mask_with((30, 69, 40, 89), (70, 110, 40, 89))
    yolo = box(30, 69, 40, 89)

    (kept,) = bottoms_on_mask([yolo], vehicle_and_neighbour, None, SCALE, OFFSET)

    assert kept == yolo


def test_a_bottom_far_above_the_box_is_not_taken() -> None:
    roof_only = mask_with((30, 45, 40, 89))  # the lower body came out as "shadow"
    yolo = box(30, 69, 40, 89)

    (kept,) = bottoms_on_mask([yolo], roof_only, None, SCALE, OFFSET)

    assert kept == yolo


def test_without_foreground_every_box_keeps_its_own_edge() -> None:
    yolo = [box(30, 69, 40, 89), box(10, 20, 100, 120)]

    assert bottoms_on_mask(yolo, mask_with(), None, SCALE, OFFSET) == yolo


def test_a_neighbours_blob_beside_the_box_does_not_lower_its_edge() -> None:
    # The neighbour's blob joins the vehicle's at the side and reaches lower, outside
    # the box's columns: only rows in the box's own columns count.
    merged = mask_with((30, 69, 40, 89), (50, 76, 90, 130))
    yolo = box(30, 69, 40, 89)

    (placed,) = bottoms_on_mask([yolo], merged, None, SCALE, OFFSET)

    assert placed.xyxy[3] == pytest.approx(to_full(69, OFFSET[1]))


def test_a_vehicle_the_foreground_split_in_pieces_is_placed_at_its_lowest_piece() -> None:
    # A photo car's body splits into pieces side by side, as the motion detector's blobs
    # do (``blobs.merge_fragments`` joins them there): the smaller piece holds its lowest
    # corner, and the box's bottom is that corner's, as the motion path's is.
    pieces = mask_with((30, 66, 40, 70), (40, 69, 73, 89))
    yolo = box(30, 75, 40, 89)

    (placed,) = bottoms_on_mask([yolo], pieces, None, SCALE, OFFSET)

    assert placed.xyxy[3] == pytest.approx(to_full(69, OFFSET[1]))
    assert placed.contact_x == pytest.approx(to_full(81, OFFSET[0]))


def test_a_box_placed_on_the_foreground_takes_the_shadow_run_below_it_as_second_guess() -> None:
    # A road-grey car's lower body came out as shadow: its bottom is read from the body
    # above, and the shadow run down to the road is the second contact guess, as the
    # motion detector gives it for its blobs (``shade``).
    body = mask_with((30, 60, 40, 89))
    shade = np.zeros((120, 160), bool)
    shade[61:70, 40:90] = True
    yolo = box(30, 69, 40, 89)

    (placed,) = bottoms_on_mask([yolo], body, None, SCALE, OFFSET, shade=shade)

    assert placed.xyxy[3] == pytest.approx(to_full(60, OFFSET[1]))
    assert placed.shade_y2 == pytest.approx(to_full(69, OFFSET[1]))
    assert placed.shade_x == pytest.approx(to_full(64.5, OFFSET[0]))


def test_a_shadow_run_ending_on_another_blob_gives_no_second_guess() -> None:
    body_and_below = mask_with((30, 60, 40, 89), (72, 90, 40, 89))
    shade = np.zeros((120, 160), bool)
    shade[61:72, 40:90] = True

    (placed,) = bottoms_on_mask(
        [box(30, 69, 40, 89)], body_and_below, None, SCALE, OFFSET, shade=shade
    )

    assert placed.shade_y2 is None
