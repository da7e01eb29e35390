"""The pipeline tells the motion detector where its tracks expect their vehicles, so that two
vehicles whose blobs touch keep a box and a track each (``split_merged``).

A drawn clip, real components throughout: a truck in the far lane (higher in the picture)
overtakes a motorcycle in the near lane, which is drawn in front of it. From frame 14 to 46
their rectangles touch or overlap, and background subtraction sees one blob.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest

from cameras.vision.measure.calibration import Calibration
from cameras.vision.measure.detect import MotionDetector
from cameras.vision.measure.pipeline import MeasurementPipeline
from cameras.vision.measure.source import Frame
from cameras.vision.measure.track import Track

Box = tuple[float, float, float, float]
WIDTH, HEIGHT, FRAMES = 400, 120, 48
BACKGROUND = np.clip(np.random.default_rng(7).normal(110, 18, (HEIGHT, WIDTH, 3)), 0, 255).astype(
    np.uint8
)


@dataclass(frozen=True)
class Vehicle:
    """A solid rectangle moving right at ``speed`` pixels a frame; boxes are inclusive."""

    left: int
    top: int
    width: int
    height: int
    speed: int
    colour: tuple[int, int, int]

    def box(self, i: int) -> Box:
        x = self.left + self.speed * i
        return (x, self.top, x + self.width - 1, self.top + self.height - 1)


TRUCK = Vehicle(left=4, top=20, width=80, height=60, speed=5, colour=(40, 160, 220))
MOTORCYCLE = Vehicle(left=124, top=55, width=20, height=40, speed=2, colour=(200, 40, 40))
# Frames where the drawn rectangles touch or overlap: the gap 40 - 3i is closed at 14, and
# the truck's rear passes the motorcycle's front after 46.
TOUCHING = range(14, 47)


def frame(i: int) -> Frame:
    image = BACKGROUND.copy()
    for v in (TRUCK, MOTORCYCLE):  # the motorcycle, nearer the camera, in front
        x0, y0, x1, y1 = (int(c) for c in v.box(i))
        image[y0 : y1 + 1, x0 : x1 + 1] = v.colour
    noise = np.random.default_rng(i).normal(0.0, 2.0, image.shape)
    return Frame(i, i / 30.0, np.clip(image + noise, 0, 255).astype(np.uint8))


def calibration() -> Calibration:
    """A camera looking straight down at the road: 10 pixels a metre, the zone in view."""
    image = np.array([[0, 0], [WIDTH, 0], [WIDTH, HEIGHT], [0, HEIGHT]], dtype=np.float64)
    return Calibration(
        image_points=image,
        world_points=image / 10.0,
        zone=np.array([[1, 1], [39, 1], [39, 11], [1, 11]], dtype=np.float64),
        speed_limit_kmh=50.0,
        fps=30.0,
    )


@cache
def boxes_by_frame(split_merged: bool) -> tuple[dict[int, Box], ...]:
    """Each frame's matched tracks: track id -> the box the detector gave it."""
    detector = MotionDetector(scale=1.0, min_area_px=200)
    assert detector.seed_background([BACKGROUND] * 5)
    seen: list[dict[int, Box]] = []

    def observe(_: Frame, tracks: list[Track]) -> None:
        seen.append({t.track_id: t.samples[-1].xyxy for t in tracks})

    pipeline = MeasurementPipeline(
        calibration(), detector, observer=observe, split_merged=split_merged
    )
    for i in range(FRAMES):
        pipeline.process(frame(i))
    return tuple(seen)


def near(a: Box, b: Box, px: float) -> bool:
    return bool(np.max(np.abs(np.subtract(a, b))) <= px)


def track_of(v: Vehicle, seen: tuple[dict[int, Box], ...]) -> int:
    """The id of the track that follows ``v`` in the first frame, while it is alone."""
    (tid,) = [tid for tid, box in seen[0].items() if near(box, v.box(0), 1.0)]
    return tid


def union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def test_each_vehicle_keeps_its_own_track_where_their_blobs_touch() -> None:
    seen = boxes_by_frame(split_merged=True)
    truck, moto = track_of(TRUCK, seen), track_of(MOTORCYCLE, seen)
    assert truck != moto
    for i in TOUCHING:
        assert {truck, moto} <= set(seen[i]), f"frame {i}: a track was lost"
        assert near(seen[i][truck], TRUCK.box(i), 2.0), f"frame {i}: {seen[i][truck]}"
        x0, y0, x1, y1 = seen[i][moto]
        mx0, my0, mx1, my1 = MOTORCYCLE.box(i)
        # its own box, not the merged one: the road contact (bottom edge) is the
        # motorcycle's to a pixel, and the box holds the whole motorcycle ...
        assert abs(y1 - my1) <= 1.0, f"frame {i}: bottom {y1}, drawn {my1}"
        assert x0 <= mx0 + 1 and y0 <= my0 + 1 and x1 >= mx1 - 1, f"frame {i}"
        # ... but not the truck's rear and front with it
        assert not near(seen[i][moto], union(TRUCK.box(i), MOTORCYCLE.box(i)), 2.0)


def test_without_split_merged_one_box_covers_both_vehicles_where_they_touch() -> None:
    seen = boxes_by_frame(split_merged=False)
    moto = track_of(MOTORCYCLE, seen)
    for i in TOUCHING:
        both = union(TRUCK.box(i), MOTORCYCLE.box(i))
        assert [near(box, both, 1.0) for box in seen[i].values()] == [True], f"frame {i}"
        assert moto not in seen[i]


@pytest.mark.xfail(
    strict=True,
    reason="known, accepted for now: a split part's box creeps into its neighbour. The "
    "closing fills pixels where the blobs meet, the smaller track's margin takes them, its "
    "next prediction extrapolates the growth, and so on (motorcycle 47x75 px for 20x40 by "
    "frame 47); its bottom edge, the road contact, stays exact. Holding a split track's "
    "predicted size at its size alone cured it here but lowered the synthetic suite's "
    "measured share from 84.9 % to 77.4 %, so it was not kept.",
)
def test_the_motorcycle_box_stays_its_own_size_where_the_blobs_touch() -> None:
    seen = boxes_by_frame(split_merged=True)
    moto = track_of(MOTORCYCLE, seen)
    wrong = [i for i in TOUCHING if not near(seen[i][moto], MOTORCYCLE.box(i), 2.0)]
    assert wrong == []
