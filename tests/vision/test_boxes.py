"""How two boxes overlap: shared by the evidence redaction, the plate finder and the fill-in."""

from __future__ import annotations

import pytest

from cameras.vision.boxes import iou, overlaps


def test_boxes_that_only_touch_at_an_edge_do_not_overlap() -> None:
    assert not overlaps((0, 0, 10, 10), (10, 0, 20, 10))
    assert overlaps((0, 0, 10, 10), (9.5, 5, 20, 20))


def test_iou_is_one_for_the_same_box_and_zero_apart() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0


def test_iou_of_two_half_overlapping_boxes_is_a_third() -> None:
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(1 / 3)


def test_a_box_without_area_has_no_iou() -> None:
    assert iou((5, 5, 5, 5), (5, 5, 5, 5)) == 0.0
