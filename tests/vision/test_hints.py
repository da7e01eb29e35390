"""A motion blob holding two tracked vehicles is split where their tracks expect them; each
part's box is that vehicle's own pixels, and a part whose road contact is not known is not
split off. Boxes are in the detector's convention: first and last pixel index, inclusive."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cameras.vision.measure.detect import MotionDetector
from cameras.vision.measure.hints import SplitConfig, split_by_hints
from cameras.vision.measure.track import Track, TrackSample
from tests.vision.test_detect import blobs

Box = tuple[int, int, int, int]

# A truck overtaking a motorcycle: the motorcycle, nearer the camera, is drawn over the
# lower right of the truck's box and stands lower in the image.
TRUCK: Box = (40, 20, 119, 79)
MOTORCYCLE: Box = (110, 55, 129, 94)


def rect(box: Box) -> tuple[int, int, int, int]:
    """The ``blobs`` slice (x0, y0, x1, y1 exclusive) of an inclusive box."""
    x0, y0, x1, y1 = box
    return (x0, y0, x1 + 1, y1 + 1)


def hints(*boxes: Box) -> np.ndarray:
    return np.array(boxes, dtype=np.float64).reshape(-1, 4)


def box_of(labels: np.ndarray, stats: np.ndarray, x: int, y: int) -> Box:
    """The box of the label that holds pixel (x, y)."""
    k = int(labels[y, x])
    assert k > 0
    left, top, w, h = (int(v) for v in stats[k, :4])
    return (left, top, left + w - 1, top + h - 1)


def alive(stats: np.ndarray) -> int:
    """How many labels hold pixels (background excluded)."""
    return int((stats[1:, cv2.CC_STAT_AREA] > 0).sum())


def assert_consistent(labels: np.ndarray, stats: np.ndarray) -> None:
    """Every stats row is what the labels image says: each label's area and tight box."""
    assert labels.dtype == np.int32 and stats.dtype == np.int32
    assert labels.min() >= 0 and labels.max() < len(stats)
    for k in range(len(stats)):
        ys, xs = np.nonzero(labels == k)
        assert stats[k, cv2.CC_STAT_AREA] == len(xs), f"area of label {k}"
        if len(xs):
            box = (xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
            assert tuple(int(v) for v in stats[k, :4]) == box, f"box of label {k}"


def test_a_motorcycle_overtaken_by_a_truck_is_split_from_it_at_its_own_pixels() -> None:
    labels, stats = blobs(rect(TRUCK), rect(MOTORCYCLE))
    before = labels.copy()
    assert alive(stats) == 1
    split_labels, split = split_by_hints(labels, stats, hints(TRUCK, MOTORCYCLE), min_area=100)
    assert_consistent(split_labels, split)
    assert alive(split) == 2
    # the motorcycle keeps the pixels it hides of the truck; the truck the rest of its own
    assert box_of(split_labels, split, 120, 94) == MOTORCYCLE
    assert box_of(split_labels, split, 40, 79) == TRUCK
    assert split_labels[79, 109] != split_labels[79, 110]
    moto = int(split_labels[94, 120])
    truck = int(split_labels[20, 40])
    assert split[moto, cv2.CC_STAT_AREA] == 20 * 40
    assert split[truck, cv2.CC_STAT_AREA] == 80 * 60 - 10 * 25
    # the bottom rows - the road-contact points - are each vehicle's own, exactly
    assert np.flatnonzero(split_labels == moto)[-1] // labels.shape[1] == 94
    assert np.flatnonzero(split_labels == truck)[-1] // labels.shape[1] == 79
    assert np.array_equal(labels, before)  # the caller's labels are not written to


@pytest.mark.parametrize(
    "given",
    [hints(), hints(TRUCK), hints(MOTORCYCLE)],
    ids=["no hints", "the truck's", "the motorcycle's"],
)
def test_a_blob_with_one_hint_or_none_is_returned_unchanged(given: np.ndarray) -> None:
    labels, stats = blobs(rect(TRUCK), rect(MOTORCYCLE))
    split_labels, split = split_by_hints(labels, stats, given, min_area=100)
    assert split_labels is labels and split is stats


def test_two_blobs_with_one_hint_each_are_returned_unchanged() -> None:
    car, van = (20, 20, 59, 49), (120, 50, 169, 99)
    labels, stats = blobs(rect(car), rect(van))
    assert alive(stats) == 2
    split_labels, split = split_by_hints(labels, stats, hints(car, van), min_area=100)
    assert np.array_equal(split_labels, labels) and np.array_equal(split, stats)


def test_two_tracks_on_one_vehicle_do_not_split_its_blob() -> None:
    lorry = (20, 20, 99, 69)
    labels, stats = blobs(rect(lorry))
    # two predictions with IoU 45 / 79 = 0.57 > 0.5: one vehicle tracked twice
    twice = hints((20, 20, 79, 69), (34, 20, 99, 69))
    split_labels, split = split_by_hints(labels, stats, twice, min_area=100)
    assert split_labels is labels and split is stats
    # the same predictions taken for two vehicles would cut the lorry in two
    cut_labels, cut = split_by_hints(
        labels, stats, twice, min_area=100, config=SplitConfig(max_pair_iou=0.9)
    )
    assert_consistent(cut_labels, cut)
    assert alive(cut) == 2


def test_hints_mostly_outside_the_blob_are_ignored() -> None:
    labels, stats = blobs(rect(TRUCK), rect(MOTORCYCLE))
    # a third of this prediction lies in the blob's box (40..129): another vehicle's
    elsewhere = (110, 55, 169, 94)
    split_labels, split = split_by_hints(labels, stats, hints(TRUCK, elsewhere), min_area=100)
    assert split_labels is labels and split is stats
    # nor does it take pixels from the two vehicles the blob does hold
    split_labels, split = split_by_hints(
        labels, stats, hints(TRUCK, MOTORCYCLE, elsewhere), min_area=100
    )
    assert_consistent(split_labels, split)
    assert alive(split) == 2
    assert box_of(split_labels, split, 120, 94) == MOTORCYCLE
    assert box_of(split_labels, split, 40, 79) == TRUCK


def test_a_part_cut_short_by_a_lagging_prediction_stays_with_the_blob() -> None:
    truck, car = (20, 20, 79, 69), (80, 40, 119, 89)
    labels, stats = blobs(rect(truck), rect(car))
    blob = int(labels[40, 80])
    # the car moves down the image faster than its track expects: the prediction (grown
    # by its margin) ends at row 84, but the car goes on to row 89
    lagging = (80, 28, 119, 77)
    split_labels, split = split_by_hints(labels, stats, hints(truck, lagging), min_area=100)
    assert_consistent(split_labels, split)
    assert alive(split) == 2
    # the truck is split off; every pixel of the car stays with the blob's label
    assert box_of(split_labels, split, 20, 69) == truck
    assert split_labels[20, 20] != blob
    assert np.all(split_labels[40:90, 80:120] == blob)
    assert box_of(split_labels, split, 80, 89) == car
    assert split[blob, cv2.CC_STAT_AREA] == 40 * 50


def test_the_smaller_box_claims_the_pixels_two_predictions_share() -> None:
    # a car seen whole in front of a truck: its box covers the truck's lower middle
    truck, car = (20, 20, 99, 79), (60, 50, 89, 89)
    labels, stats = blobs(rect(truck), rect(car))
    split_labels, split = split_by_hints(labels, stats, hints(truck, car), min_area=100)
    assert_consistent(split_labels, split)
    assert alive(split) == 2
    shared = split_labels[50:80, 60:90]
    assert np.all(shared == split_labels[89, 60])
    assert box_of(split_labels, split, 60, 89) == car
    assert box_of(split_labels, split, 20, 79) == truck
    assert split[int(split_labels[20, 20]), cv2.CC_STAT_AREA] == 80 * 60 - 30 * 30


def test_a_part_smaller_than_min_area_is_not_split_off() -> None:
    truck, speck = (20, 20, 79, 69), (80, 60, 84, 69)  # 50 px, touching the truck
    labels, stats = blobs(rect(truck), rect(speck))
    blob = int(labels[20, 20])
    split_labels, split = split_by_hints(labels, stats, hints(truck, speck), min_area=100)
    assert_consistent(split_labels, split)
    assert box_of(split_labels, split, 20, 20) == truck
    assert split_labels[20, 20] != blob
    # the speck gets no label of its own: it stays with what is left of the blob
    assert np.all(split_labels[60:70, 80:85] == blob)
    assert split[blob, cv2.CC_STAT_AREA] == 50
    assert len(split) == len(stats) + 1


def test_nothing_is_split_in_a_blob_too_small_for_two_vehicles() -> None:
    truck, car = (20, 20, 39, 29), (40, 20, 59, 29)  # 200 px each, 400 < 2 * 300
    labels, stats = blobs(rect(truck), rect(car))
    split_labels, split = split_by_hints(labels, stats, hints(truck, car), min_area=300)
    assert split_labels is labels and split is stats


def test_a_part_reaching_into_a_nearer_vehicle_is_not_split_off_as_a_vehicle_of_its_own() -> None:
    # a car ahead in the same lane (farther, above) touches the lorry behind it; its track
    # expects it 6 rows lower than it is, so its box reaches into the top of the lorry
    car, lorry = (60, 10, 99, 49), (40, 50, 119, 99)
    labels, stats = blobs(rect(car), rect(lorry))
    expected_car = (60, 16, 99, 55)
    split_labels, split = split_by_hints(labels, stats, hints(expected_car, lorry), min_area=100)
    assert_consistent(split_labels, split)
    assert box_of(split_labels, split, 40, 99) == lorry  # the lorry is right
    # the car's pixels stay under the blob's own label, a merged box (rows 10-55) that
    # the estimator judges by its size; no part claims the car's contact point
    rest = int(labels[30, 80])
    assert split_labels[30, 80] == rest and split[rest, cv2.CC_STAT_AREA] > 0
    assert box_of(split_labels, split, 80, 30) == (60, 10, 99, 55)


def track(boxes: dict[int, tuple[float, float, float, float]]) -> Track:
    return Track(1, [TrackSample(f, f / 30, b, 0.9) for f, b in sorted(boxes.items())])


def moving(frames: list[int]) -> Track:
    """A box moving 3 px right and 2 px down per frame, growing 1 px per frame."""
    return track({f: (10.0 + 3 * f, 20.0 + 2 * f, 50.0 + 4 * f, 40.0 + 3 * f) for f in frames})


def test_a_track_predicts_a_box_moving_at_constant_velocity_exactly() -> None:
    t = moving([0, 1, 2, 4, 5])  # frame 3 missed
    assert t.predict(6) == pytest.approx((28.0, 32.0, 74.0, 58.0), abs=1e-9)
    assert t.predict(8) == pytest.approx((34.0, 36.0, 82.0, 64.0), abs=1e-9)


def test_only_the_recent_samples_set_the_prediction() -> None:
    t = moving([3, 4, 5, 6, 7])
    t.samples[:0] = [TrackSample(0, 0.0, (0.0, 0.0, 5.0, 5.0), 0.9)]  # far off the line
    assert t.predict(8) == pytest.approx((34.0, 36.0, 82.0, 64.0), abs=1e-9)


def test_a_young_track_predicts_nothing() -> None:
    assert moving([0, 1, 2]).predict(3) is None
    assert moving([0, 1, 2, 3]).predict(4) is not None


def test_a_track_unseen_for_too_long_predicts_nothing() -> None:
    t = moving([0, 1, 2, 3, 4])
    assert t.predict(9, max_age=5) is not None
    assert t.predict(10, max_age=5) is None


def detector() -> MotionDetector:
    # scale 1: the working image is the frame, so the boxes are exact pixel indices.
    # refine_bottom off: it places the bottom edge at the sub-pixel coverage edge (half a
    # pixel below the last foreground row for a hard-edged rectangle), not at the row.
    det = MotionDetector(scale=1.0, min_area_px=50, refine_bottom=False)
    assert det.seed_background([np.full((120, 200, 3), 90, np.uint8)] * 3)
    return det


def test_the_motion_detector_splits_two_touching_vehicles_where_tracks_expect_them() -> None:
    # side by side over the same rows: where rectangles of different heights meet, the
    # mask's closing (7x7 ellipse) fills a few pixels into the corner, which would move
    # one box's edge by 2-3 px
    truck, car = (40, 30, 109, 79), (110, 30, 149, 79)
    frame = np.full((120, 200, 3), 90, np.uint8)
    frame[30:80, 40:110] = (200, 40, 40)
    frame[30:80, 110:150] = (30, 30, 220)

    merged = detector().detect(frame)
    assert [d.xyxy for d in merged] == [pytest.approx((40, 30, 149, 79), abs=1)]

    det = detector()
    det.hints = hints(truck, car)
    found = sorted(d.xyxy for d in det.detect(frame))
    assert found == [pytest.approx(truck, abs=1), pytest.approx(car, abs=1)]
