"""ByteTrack without torch: the same matches as ultralytics' BYTETracker, frame by frame."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from cameras.vision.measure.bytetrack import ByteTrack, ByteTrackConfig, Tracklet, drop_duplicates
from cameras.vision.measure.detect import MotionDetector
from cameras.vision.measure.yolo import TRACKER
from tests.vision.scenes import Camera, Scene, Vehicle

FloatArray = NDArray[np.float64]
Frame = tuple[FloatArray, FloatArray, FloatArray]
ROOT = Path(__file__).resolve().parents[2]

MOTION_PATH = ByteTrackConfig()
YOLO_PATH = ByteTrackConfig(
    high_thresh=float(TRACKER["high_thresh"]),
    low_thresh=float(TRACKER["low_thresh"]),
    new_track_thresh=float(TRACKER["new_track_thresh"]),
    fuse_score=bool(TRACKER["fuse_score"]),
)
SHORT_MEMORY = ByteTrackConfig(high_thresh=0.5, new_track_thresh=0.6, buffer=3, match_thresh=0.9)


def random_stream(rng: np.random.Generator, n_frames: int = 80) -> list[Frame]:
    """Boxes of a few objects drifting and growing, with dropouts, clutter, scores on both
    sides of every threshold, now and then a box of zero width, and now and then one box
    twice (two tracks on one vehicle: the duplicate rule's case)."""
    n = int(rng.integers(1, 8))
    start = rng.uniform(0, 600, (n, 2))
    velocity = rng.normal(0, 6, (n, 2))
    size = rng.uniform(10, 120, (n, 2))
    frames: list[Frame] = []
    for t in range(n_frames):
        boxes: list[list[float]] = []
        for i in range(n):
            if rng.random() < 0.2:
                continue
            c = start[i] + velocity[i] * t + rng.normal(0, 2, 2)
            s = size[i] * (1 + 0.01 * t) + rng.normal(0, 1, 2)
            boxes.append([c[0] - s[0] / 2, c[1] - s[1] / 2, c[0] + s[0] / 2, c[1] + s[1] / 2])
        for _ in range(int(rng.poisson(0.5))):
            c, s = rng.uniform(0, 600, 2), rng.uniform(5, 80, 2)
            boxes.append([c[0], c[1], c[0] + s[0], c[1] + s[1]])
        if boxes and rng.random() < 0.05:
            boxes[0][2] = boxes[0][0]
        if boxes and rng.random() < 0.15:
            boxes.append([v + float(rng.normal(0, 1)) for v in boxes[-1]])
        xyxy = np.array(boxes, dtype=np.float64).reshape(-1, 4)
        conf = rng.uniform(0.0, 1.0, len(boxes))
        frames.append((xyxy, conf, rng.integers(0, 2, len(boxes)).astype(np.float64)))
    return frames


def rendered_stream() -> list[Frame]:
    """The motion detector's boxes for two cars on a rendered road, one overtaking."""
    cam = Camera(width=480, height=320, focal_px=520.0)
    cars = [
        Vehicle(x=-1.75, y0=4.0, speed_ms=25.0),
        Vehicle(x=1.75, y0=2.0, speed_ms=30.0, t_start=0.3),
    ]
    scene = Scene(camera=cam, vehicles=cars, duration_s=2.0)
    bg = scene.background()
    det = MotionDetector(min_area_px=50)
    frames: list[Frame] = []
    for i in range(60):
        found = det.detect(scene.render(i / 30, bg))
        xyxy = np.array([d.xyxy for d in found], dtype=np.float64).reshape(-1, 4)
        conf = np.array([d.conf for d in found], dtype=np.float64)
        frames.append((xyxy, conf, np.zeros(len(found))))
    return frames


def first_difference(frames: list[Frame], cfg: ByteTrackConfig) -> str | None:
    """Where ours and ultralytics' tracker part ways: matches, track lists or Kalman state."""
    from ultralytics.trackers.byte_tracker import BYTETracker

    class Boxes:  # the slice of ultralytics' ``Boxes`` that BYTETracker reads
        def __init__(self, xyxy: FloatArray, conf: FloatArray, cls: FloatArray) -> None:
            self.xyxy, self.conf, self.cls = xyxy, conf, cls
            self.xywh = np.c_[(xyxy[:, :2] + xyxy[:, 2:]) / 2.0, xyxy[:, 2:] - xyxy[:, :2]]

        def __len__(self) -> int:
            return len(self.conf)

        def __getitem__(self, idx: Any) -> Boxes:
            return Boxes(self.xyxy[idx], self.conf[idx], self.cls[idx])

    reference = BYTETracker(
        SimpleNamespace(
            tracker_type="bytetrack",
            track_high_thresh=cfg.high_thresh,
            track_low_thresh=cfg.low_thresh,
            new_track_thresh=cfg.new_track_thresh,
            track_buffer=cfg.buffer,
            match_thresh=cfg.match_thresh,
            fuse_score=cfg.fuse_score,
        )
    )
    ours = ByteTrack(cfg)
    for k, (xyxy, conf, cls) in enumerate(frames):
        reference.update(Boxes(xyxy, conf, cls))
        ours.update(xyxy, conf, cls)
        theirs_now = [
            (int(s.track_id), int(s.idx))
            for s in reference.tracked_stracks
            if s.frame_id == reference.frame_id
        ]
        ours_now = [(t.track_id, t.det) for t in ours.tracked if t.frame == ours.frame]
        if theirs_now != ours_now:
            return f"frame {k}: matched {theirs_now} against {ours_now}"
        lists = (reference.tracked_stracks, reference.lost_stracks)
        for theirs, mine in zip(lists, (ours.tracked, ours.lost), strict=True):
            if [int(s.track_id) for s in theirs] != [t.track_id for t in mine]:
                return f"frame {k}: track lists differ"
            for s, t in zip(theirs, mine, strict=True):
                if s.mean is not None and not np.array_equal(s.mean, t.mean):
                    return f"frame {k}: track {t.track_id}'s state differs"
    return None


@pytest.mark.parametrize(
    "cfg", [MOTION_PATH, YOLO_PATH, SHORT_MEMORY], ids=["motion", "yolo", "short-memory"]
)
def test_it_matches_ultralytics_bytetracker_on_random_streams(cfg: ByteTrackConfig) -> None:
    pytest.importorskip("ultralytics")
    rng = np.random.default_rng(2026)
    for n in range(25):
        assert first_difference(random_stream(rng), cfg) is None, f"stream {n}"


def test_it_matches_ultralytics_bytetracker_on_a_rendered_clip() -> None:
    pytest.importorskip("ultralytics")
    frames = rendered_stream()
    assert sum(len(f[1]) for f in frames) > 60  # both cars were seen
    assert first_difference(frames, MOTION_PATH) is None


@pytest.mark.parametrize("shift_px", range(0, 12))
def test_it_drops_the_same_duplicate_tracks_as_ultralytics(shift_px: int) -> None:
    # Two boxes on one vehicle for a frame start two tracks; the one left unmatched is lost
    # on top of the other, which the duplicate rule (IoU above 0.85) settles.
    pytest.importorskip("ultralytics")
    frames: list[Frame] = []
    for t in range(8):
        box = [100.0 + 3 * t, 100.0, 160.0 + 3 * t, 140.0]
        boxes = [box, [box[0] + shift_px, 100.0, box[2] + shift_px, 140.0]] if t < 2 else [box]
        frames.append((np.array(boxes), np.full(len(boxes), 0.9), np.zeros(len(boxes))))
    assert first_difference(frames, MOTION_PATH) is None


def feed(tracker: ByteTrack, *boxes: tuple[float, float, float, float], score: float = 0.9) -> None:
    xyxy = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    tracker.update(xyxy, np.full(len(boxes), score), np.zeros(len(boxes)))


def matched(tracker: ByteTrack) -> list[tuple[int, int]]:
    return [(t.track_id, t.det) for t in tracker.tracked if t.frame == tracker.frame]


def test_a_moving_box_keeps_one_id_from_its_first_frame() -> None:
    tracker = ByteTrack(MOTION_PATH)
    for i in range(10):
        feed(tracker, (100 + 4 * i, 100, 160 + 4 * i, 140))
        assert matched(tracker) == [(1, 0)]


def test_a_track_unseen_longer_than_its_buffer_is_forgotten() -> None:
    tracker = ByteTrack(SHORT_MEMORY)
    for _ in range(3):
        feed(tracker, (100, 100, 160, 140))
    for _ in range(SHORT_MEMORY.buffer + 1):
        feed(tracker)
        assert matched(tracker) == []
    # marked removed now, still listed as lost for one frame (as in ultralytics)
    assert [t.track_id for t in tracker.lost] == [1]
    feed(tracker)
    assert tracker.lost == [] and {t.track_id for t in tracker.removed} == {1}
    feed(tracker, (100, 100, 160, 140))
    assert matched(tracker) == [(2, 0)]


def test_a_low_score_box_keeps_a_track_but_starts_none() -> None:
    tracker = ByteTrack(MOTION_PATH)
    feed(tracker, (100, 100, 160, 140), score=0.15)
    assert matched(tracker) == []
    feed(tracker, (100, 100, 160, 140))
    feed(tracker, (102, 100, 162, 140))
    feed(tracker, (104, 100, 164, 140), score=0.15)
    assert matched(tracker) == [(1, 0)]


def test_a_box_seen_once_and_never_again_is_dropped() -> None:
    tracker = ByteTrack(MOTION_PATH)
    feed(tracker, (100, 100, 160, 140))
    feed(tracker, (100, 100, 160, 140))  # confirmed
    feed(tracker, (103, 100, 163, 140), (400, 300, 420, 310))  # a one-frame blob
    assert matched(tracker) == [(1, 0), (2, 1)]
    feed(tracker, (106, 100, 166, 140))
    assert [t.track_id for t in tracker.tracked] == [1]
    assert [t.track_id for t in tracker.removed] == [2]


def test_a_box_of_zero_width_is_not_tracked() -> None:
    tracker = ByteTrack(MOTION_PATH)
    feed(tracker, (100, 100, 100, 140))
    assert tracker.tracked == []


def test_measuring_imports_neither_torch_nor_ultralytics() -> None:
    code = (
        "import sys, numpy as np\n"
        "from cameras.vision.measure.pipeline import measure_video\n"
        "from cameras.vision.measure.track import ByteTrackTracker\n"
        "from cameras.vision.measure.detect import Detection\n"
        "t = ByteTrackTracker()\n"
        "t.update(0, 0.0, [Detection((1.0, 1.0, 9.0, 9.0), 0.9, 'car')])\n"
        "print(sorted(m for m in ('torch', 'ultralytics') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def on_box(track_id: int, start: int, frame: int) -> Tracklet:
    """A track with the filter's state on one fixed box, born at ``start``, last seen at
    ``frame``."""
    t = Tracklet(np.array([100, 100, 60, 40], dtype=np.float32), 0.9, 0.0, 0)
    t.start_on(track_id, start)
    t.frame = frame
    return t


@pytest.mark.parametrize(
    ("tracked_age", "lost_age", "kept"),
    [(5, 3, "tracked"), (3, 5, "lost"), (4, 4, "lost")],
)
def test_of_a_tracked_and_a_lost_track_on_one_box_the_younger_goes(
    tracked_age: int, lost_age: int, kept: str
) -> None:
    # equally old, the tracked one goes (as in ultralytics)
    tracked, lost = on_box(1, 10, 10 + tracked_age), on_box(2, 10, 10 + lost_age)
    still_tracked, still_lost = drop_duplicates([tracked], [lost])
    assert (still_tracked, still_lost) == (([tracked], []) if kept == "tracked" else ([], [lost]))
