"""ByteTrack (Zhang et al., ECCV 2022) over NumPy and ``lap``, without torch.

The association is the one ultralytics' ``BYTETracker`` makes (8.4, ``tracker_type:
bytetrack``, no camera-motion compensation): a constant-velocity Kalman filter on each
box's centre, aspect ratio and height; high-score detections matched first to the
tracked and lost tracks by IoU (optionally weighted by score), low-score ones to the
tracked tracks left over, the rest to the tracks born last frame, which are dropped if
unmatched; a new track from each high enough detection left; a lost track forgotten
after ``buffer`` frames; a tracked and a lost track on the same box resolved in favour
of the older. Importing ultralytics' tracker imports torch: 1.4 s and about 500 MiB of a
camera worker's start for the one component the measurement path took from it
(docs/engine-decisions.md, 2026-12-07). ``tests/vision/test_bytetrack.py`` holds the two
to the same matches, frame by frame, on recorded and random detection streams.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import lap
import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

TRACKED, LOST, REMOVED = 1, 2, 3
STD_POSITION, STD_VELOCITY = 1.0 / 20, 1.0 / 160
MOTION = np.eye(8) + np.eye(8, k=4)  # x' = x + v over one frame
REMOVED_KEPT = 1000  # forgotten tracks remembered, so a lost one is not listed again


@dataclass(frozen=True)
class ByteTrackConfig:
    """Score thresholds, the lost-track buffer (frames) and the first match's cost limit."""

    high_thresh: float = 0.25
    low_thresh: float = 0.1
    new_track_thresh: float = 0.3
    buffer: int = 15
    match_thresh: float = 0.8
    fuse_score: bool = True


def _noise(h: FloatArray, position: float, aspect: float, velocity: float) -> FloatArray:
    """Per-state standard deviations scaled by box height ``h`` (rows: one state each)."""
    one = np.ones_like(h)
    return np.stack(
        [
            position * h,
            position * h,
            aspect * one,
            position * h,
            velocity * h,
            velocity * h,
            1e-5 * one,
            velocity * h,
        ]
    )


class Tracklet:
    """One track, or one detection before it is associated (then it has no state yet)."""

    def __init__(self, tlwh: NDArray[np.float32], score: float, cls: float, det: int) -> None:
        self.tlwh_seen = tlwh
        self.score = score
        self.cls = cls
        self.det = det  # index of the detection it was last matched to, in that frame's input
        self.track_id = 0
        self.state = 0
        self.confirmed = False
        self.frame = 0
        self.start = 0
        self.mean: FloatArray | None = None
        self.cov: FloatArray | None = None

    @property
    def xyxy(self) -> NDArray[np.floating[Any]]:
        """The box: the filter's estimate once there is one, else the detection's (the
        detection's in single precision, as the association sees it)."""
        box: NDArray[np.floating[Any]]
        if self.mean is None:
            box = self.tlwh_seen.copy()
        else:
            box = self.mean[:4].copy()
            box[2] *= box[3]
            box[:2] -= box[2:] / 2
        box[2:] += box[:2]
        return box

    def xyah(self) -> NDArray[np.float32]:
        """The detection as the filter observes it: centre, width over height, height."""
        z = self.tlwh_seen.copy()
        z[:2] += z[2:] / 2
        z[2] /= z[3]
        return z

    def start_on(self, track_id: int, frame: int) -> None:
        """Become a track: the filter starts at this box, at rest; only a track born on
        the first frame is confirmed at once."""
        z = np.asarray(self.xyah(), dtype=np.float64)
        self.mean = np.r_[z, np.zeros_like(z)]
        self.cov = np.diag(
            np.square(_noise(np.array(z[3]), 2 * STD_POSITION, 1e-2, 10 * STD_VELOCITY))
        )
        self.track_id, self.state, self.frame, self.start = track_id, TRACKED, frame, frame
        self.confirmed = frame == 1

    def follow(self, det: Tracklet, frame: int) -> None:
        """Correct the state with a matched detection (a lost track is found again)."""
        assert self.mean is not None and self.cov is not None
        h = self.mean[3]
        projected_cov = self.cov[:4, :4] + np.diag(
            np.square([STD_POSITION * h, STD_POSITION * h, 1e-1, STD_POSITION * h])
        )
        gain = np.linalg.solve(projected_cov, self.cov[:, :4].T).T
        self.mean = self.mean + np.dot(det.xyah() - self.mean[:4], gain.T)
        self.cov = self.cov - np.linalg.multi_dot((gain, projected_cov, gain.T))
        self.state, self.confirmed, self.frame = TRACKED, True, frame
        self.score, self.cls, self.det = det.score, det.cls, det.det


def predict(tracks: list[Tracklet]) -> None:
    """One frame ahead for every track; a lost track's height stops changing."""
    if not tracks:
        return
    mean = np.asarray([t.mean for t in tracks])
    cov = np.asarray([t.cov for t in tracks])
    for i, t in enumerate(tracks):
        if t.state != TRACKED:
            mean[i][7] = 0
    sd = _noise(mean[:, 3], STD_POSITION, 1e-2, STD_VELOCITY).T
    motion_cov = np.zeros((len(tracks), 8, 8))
    motion_cov[:, range(8), range(8)] = np.square(sd)
    mean = np.dot(mean, MOTION.T)
    cov = np.dot(np.dot(MOTION, cov).transpose((1, 0, 2)), MOTION.T) + motion_cov
    for t, m, c in zip(tracks, mean, cov, strict=True):
        t.mean, t.cov = m, c


def iou_cost(a: list[Tracklet], b: list[Tracklet]) -> NDArray[np.float32]:
    """1 - IoU of every box of ``a`` with every box of ``b``, in single precision."""
    if not a or not b:
        return np.ones((len(a), len(b)), dtype=np.float32)
    p = np.ascontiguousarray([t.xyxy for t in a], dtype=np.float32)
    q = np.ascontiguousarray([t.xyxy for t in b], dtype=np.float32)
    iw = (np.minimum(p[:, None, 2], q[:, 2]) - np.maximum(p[:, None, 0], q[:, 0])).clip(0)
    ih = (np.minimum(p[:, None, 3], q[:, 3]) - np.maximum(p[:, None, 1], q[:, 1])).clip(0)
    inter = iw * ih
    union = (q[:, 2] - q[:, 0]) * (q[:, 3] - q[:, 1])
    union = union + ((p[:, 2] - p[:, 0]) * (p[:, 3] - p[:, 1]))[:, None] - inter
    return np.asarray(1 - inter / (union + 1e-7))


def assign(
    cost: NDArray[np.floating[Any]], limit: float
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Least-cost matching of rows to columns, no pair above ``limit``: matches and the
    unmatched rows and columns."""
    if cost.size == 0:
        return [], list(range(cost.shape[0])), list(range(cost.shape[1]))
    _, x, y = lap.lapjv(cost, extend_cost=True, cost_limit=limit)
    matches = [(i, int(j)) for i, j in enumerate(x) if j >= 0]
    return matches, [int(i) for i in np.flatnonzero(x < 0)], [int(j) for j in np.flatnonzero(y < 0)]


def _union(a: list[Tracklet], b: list[Tracklet]) -> list[Tracklet]:
    ids = {t.track_id for t in a}
    return a + [t for t in b if t.track_id not in ids]


def _without(a: list[Tracklet], b: list[Tracklet]) -> list[Tracklet]:
    ids = {t.track_id for t in b}
    return [t for t in a if t.track_id not in ids]


class ByteTrack:
    """The tracks ``update`` keeps; ``tracked`` holds those matched or born this frame."""

    def __init__(self, cfg: ByteTrackConfig) -> None:
        self.cfg = cfg
        self.frame = 0
        self.tracked: list[Tracklet] = []
        self.lost: list[Tracklet] = []
        self.removed: list[Tracklet] = []
        self._ids = itertools.count(1)

    def update(self, xyxy: FloatArray, conf: FloatArray, cls: FloatArray) -> None:
        """Associate one frame's detections (boxes x1, y1, x2, y2; scores; class ids)."""
        self.frame += 1
        high, low = self._detections(xyxy, conf, cls)
        new = [t for t in self.tracked if not t.confirmed]
        pool = _union([t for t in self.tracked if t.confirmed], self.lost)
        predict(pool)
        found: tuple[list[Tracklet], list[Tracklet]] = ([], [])  # followed, found again
        lost_now: list[Tracklet] = []
        removed_now: list[Tracklet] = []
        left_tracks, left_dets = self._match(pool, high, self.cfg.match_thresh, True, found)
        still = [pool[i] for i in left_tracks if pool[i].state == TRACKED]
        unmatched, _ = self._match(still, low, 0.5, False, found)
        for i in unmatched:
            still[i].state = LOST
            lost_now.append(still[i])
        high = [high[i] for i in left_dets]
        gone, left_dets = self._match(new, high, 0.7, True, found)
        for i in gone:
            new[i].state = REMOVED
            removed_now.append(new[i])
        for i in left_dets:
            if high[i].score >= self.cfg.new_track_thresh:
                high[i].start_on(next(self._ids), self.frame)
                found[0].append(high[i])
        for t in self.lost:
            if self.frame - t.frame > self.cfg.buffer:
                t.state = REMOVED
                removed_now.append(t)
        self._merge(found, lost_now, removed_now)

    def _detections(
        self, xyxy: FloatArray, conf: FloatArray, cls: FloatArray
    ) -> tuple[list[Tracklet], list[Tracklet]]:
        centre = (xyxy[:, :2] + xyxy[:, 2:]) / 2.0
        wh = xyxy[:, 2:] - xyxy[:, :2]
        tlwh = np.concatenate([centre - wh / 2, wh], axis=1).astype(np.float32)
        sized = (wh[:, 0] > 0) & (wh[:, 1] > 0)
        is_high = sized & (conf >= self.cfg.high_thresh)
        is_low = sized & (conf > self.cfg.low_thresh) & (conf < self.cfg.high_thresh)
        return (
            [Tracklet(tlwh[i], conf[i], cls[i], int(i)) for i in np.flatnonzero(is_high)],
            [Tracklet(tlwh[i], conf[i], cls[i], int(i)) for i in np.flatnonzero(is_low)],
        )

    def _match(
        self,
        tracks: list[Tracklet],
        dets: list[Tracklet],
        limit: float,
        fuse: bool,
        found: tuple[list[Tracklet], list[Tracklet]],
    ) -> tuple[list[int], list[int]]:
        """Match ``tracks`` to ``dets``; each matched track follows its detection and joins
        ``found``'s first list (a track that was lost, the second). Returns the unmatched
        tracks and detections."""
        if not tracks or not dets:
            return list(range(len(tracks))), list(range(len(dets)))
        cost: NDArray[np.floating[Any]] = iou_cost(tracks, dets)
        if fuse and self.cfg.fuse_score:
            cost = 1 - (1 - cost) * np.array([d.score for d in dets])[None].repeat(
                len(tracks), axis=0
            )
        matches, left_tracks, left_dets = assign(cost, limit)
        for i, j in matches:
            found[0 if tracks[i].state == TRACKED else 1].append(tracks[i])
            tracks[i].follow(dets[j], self.frame)
        return left_tracks, left_dets

    def _merge(
        self,
        found: tuple[list[Tracklet], list[Tracklet]],
        lost_now: list[Tracklet],
        removed_now: list[Tracklet],
    ) -> None:
        """The lists for the next frame; a tracked and a lost track on one box: the younger goes."""
        tracked = _union(
            _union([t for t in self.tracked if t.state == TRACKED], found[0]), found[1]
        )
        lost = _without(self.lost, tracked) + lost_now
        lost = _without(lost, self.removed)
        self.tracked, self.lost = drop_duplicates(tracked, lost)
        self.removed = (self.removed + removed_now)[-REMOVED_KEPT:]


def drop_duplicates(
    tracked: list[Tracklet], lost: list[Tracklet]
) -> tuple[list[Tracklet], list[Tracklet]]:
    """A tracked and a lost track on one box (IoU above 0.85): the younger goes; equally
    old, the tracked one."""
    near = np.where(iou_cost(tracked, lost) < 0.15)
    drop_tracked, drop_lost = set(), set()
    for p, q in zip(*near, strict=True):
        if tracked[p].frame - tracked[p].start > lost[q].frame - lost[q].start:
            drop_lost.add(int(q))
        else:
            drop_tracked.add(int(p))
    return (
        [t for i, t in enumerate(tracked) if i not in drop_tracked],
        [t for i, t in enumerate(lost) if i not in drop_lost],
    )
