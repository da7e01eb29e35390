"""Multi-object tracking with ByteTrack (``bytetrack``), for YOLO and motion detections alike.

Each track keeps its full history of (frame index, timestamp, box, confidence). The
history stores the *detector's* box for the frame, not ByteTrack's Kalman estimate: the
Kalman filter smooths with a constant-velocity prior whose lag depends on speed, and the
speed fit downstream must see raw, unbiased measurements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from cameras.vision.measure.bytetrack import ByteTrack, ByteTrackConfig
from cameras.vision.measure.detect import UNRECOGNISED, Detection

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class TrackSample:
    """One observation of a track. ``overlap`` is the largest share of the box's bottom
    band that another track's box covers in the same frame (occlusion/merge evidence, see
    :func:`bottom_overlap`)."""

    frame_index: int
    t_s: float
    xyxy: tuple[float, float, float, float]
    conf: float
    overlap: float = 0.0
    shade_y2: float | None = None  # the detector's second guess at the bottom, if any
    contact_x: float | None = None  # column where the outline meets the bottom, if known
    shade_x: float | None = None  # the same for ``shade_y2``
    sized: bool = True  # the box's size is comparable with the track's others
    recognised: bool = True  # False: a moving blob the classifying detector did not name


@dataclass
class Track:
    """A tracked vehicle and its history, oldest first."""

    track_id: int
    samples: list[TrackSample] = field(default_factory=list)
    class_votes: dict[str, int] = field(default_factory=dict)

    @property
    def cls(self) -> str:
        """Majority class over the history (a truck is sometimes briefly a car); the
        frames a detector named outvote those it did not (``UNRECOGNISED``)."""
        named = {k: n for k, n in self.class_votes.items() if k != UNRECOGNISED}
        votes = named or self.class_votes
        if not votes:
            return UNRECOGNISED
        return max(votes.items(), key=lambda kv: kv[1])[0]

    @property
    def last_frame(self) -> int:
        return self.samples[-1].frame_index if self.samples else -1

    def frames(self) -> NDArray[np.int64]:
        return np.array([s.frame_index for s in self.samples], dtype=np.int64)

    def times(self) -> FloatArray:
        return np.array([s.t_s for s in self.samples], dtype=np.float64)

    def boxes(self) -> FloatArray:
        return np.array([s.xyxy for s in self.samples], dtype=np.float64).reshape(-1, 4)

    def confs(self) -> FloatArray:
        return np.array([s.conf for s in self.samples], dtype=np.float64)

    def overlaps(self) -> FloatArray:
        return np.array([s.overlap for s in self.samples], dtype=np.float64)

    def sized(self) -> NDArray[np.bool_]:
        """Whether each sample's box size is comparable with the others (see
        ``Detection``). In a track the classifying detector boxed, its blobs of an
        unrecognised vehicle are another detector's outline (see ``fill_in``); a track
        of such blobs alone is all one detector's."""
        recognised = np.array([s.recognised for s in self.samples], dtype=bool)
        sized = np.array([s.sized for s in self.samples], dtype=bool)
        return sized & recognised if recognised.any() else sized

    def contact_xs(self) -> FloatArray:
        """Each sample's ``contact_x``, NaN where the detector gave none."""
        return np.array(
            [np.nan if s.contact_x is None else s.contact_x for s in self.samples],
            dtype=np.float64,
        )

    def with_shade_contact(self) -> Track | None:
        """This track with each box's bottom at the detector's second guess (the shadow-
        coloured face below a piece of a vehicle, see ``shade``); None if it has none."""
        if all(s.shade_y2 is None for s in self.samples):
            return None
        samples = [
            # Each bottom is read at its own column: the blob's where the box bottom is
            # kept, the deepest shadow run's where it is replaced.
            s
            if s.shade_y2 is None
            else replace(s, xyxy=(*s.xyxy[:3], s.shade_y2), contact_x=s.shade_x)
            for s in self.samples
        ]
        return Track(self.track_id, samples, dict(self.class_votes))

    def predict(
        self, frame_index: int, recent: int = 5, min_samples: int = 4, max_age: int = 5
    ) -> tuple[float, float, float, float] | None:
        """The box expected at ``frame_index``: each edge extrapolated along a straight
        line through the last ``recent`` samples. None for a young track (no motion to
        go on) or one unseen for more than ``max_age`` frames (the guess has drifted)."""
        if len(self.samples) < min_samples or frame_index - self.last_frame > max_age:
            return None
        last = self.samples[-recent:]
        f = np.array([s.frame_index for s in last], dtype=np.float64)
        if np.ptp(f) <= 0:
            return None
        coef = np.polyfit(f, np.array([s.xyxy for s in last], dtype=np.float64), 1)
        b = coef[0] * frame_index + coef[1]
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def bottom_overlap(boxes: FloatArray, band: float = 0.25) -> FloatArray:
    """For each (N, 4) xyxy box, the largest share of its bottom band (the lowest ``band``
    of its height) that another box covers.

    Only there can another vehicle hide or merge into the contact point: a nearer one
    stands in front of the bottom edge, a neighbour's blob joins it at the side. A
    farther vehicle seen above a tall truck's bottom lies inside the truck's box without
    touching its bottom edge, and the truck's reading owes it nothing (whole-box IoU set
    those frames aside; the farther vehicle's own band is covered, so its frames still
    are)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if len(boxes) < 2:
        return np.zeros(len(boxes))
    low = boxes.copy()
    low[:, 1] = boxes[:, 3] - band * (boxes[:, 3] - boxes[:, 1])
    ix = np.minimum(low[:, None, 2], boxes[None, :, 2]) - np.maximum(
        low[:, None, 0], boxes[None, :, 0]
    )
    iy = np.minimum(low[:, None, 3], boxes[None, :, 3]) - np.maximum(
        low[:, None, 1], boxes[None, :, 1]
    )
    area = np.maximum((low[:, 2] - low[:, 0]) * (low[:, 3] - low[:, 1]), 1e-12)
    share = np.clip(ix, 0, None) * np.clip(iy, 0, None) / area[:, None]
    np.fill_diagonal(share, 0.0)
    return np.asarray(share.max(axis=1))


class ByteTrackTracker:
    """ByteTrack fed with our detections; keeps per-track histories.

    A track is finished once it has not been matched for ``lost_frames`` frames, which is
    also ByteTrack's buffer. ByteTrack (as ultralytics runs it) can still match a track in
    the one frame after it forgets it; such a match starts a new history under the same id
    (twice in the tuning draws' 20,692 frames, both on draw 1011's motion blobs).
    """

    def __init__(
        self,
        lost_frames: int = 15,
        high_thresh: float = 0.25,
        low_thresh: float = 0.1,
        new_track_thresh: float = 0.3,
        match_thresh: float = 0.8,
        fuse_score: bool = True,
    ) -> None:
        self._bt = ByteTrack(
            ByteTrackConfig(
                high_thresh=high_thresh,
                low_thresh=low_thresh,
                new_track_thresh=new_track_thresh,
                buffer=lost_frames,
                match_thresh=match_thresh,
                fuse_score=fuse_score,
            )
        )
        self.lost_frames = lost_frames
        self.active: dict[int, Track] = {}
        self._class_ids: dict[str, int] = {}
        self._class_names: dict[int, str] = {}

    def _class_id(self, name: str) -> int:
        if name not in self._class_ids:
            self._class_ids[name] = len(self._class_ids)
            self._class_names[self._class_ids[name]] = name
        return self._class_ids[name]

    def update(self, frame_index: int, t_s: float, detections: Sequence[Detection]) -> list[Track]:
        """Associate this frame's detections; return the tracks matched in this frame."""
        n = len(detections)
        xyxy = np.array([d.xyxy for d in detections], dtype=np.float64).reshape(n, 4)
        conf = np.array([d.conf for d in detections], dtype=np.float64)
        cls = np.array([self._class_id(d.cls) for d in detections], dtype=np.float64)
        self._bt.update(xyxy, conf, cls)
        # Every track matched or born this frame, a track's first (unconfirmed) frame
        # included: near the zone entry every sample counts. Unconfirmed one-frame tracks
        # that never confirm end up as 1-sample histories, which the estimator ignores.
        current = [t for t in self._bt.tracked if t.frame == self._bt.frame and 0 <= t.det < n]
        if not current:
            return []
        det_idx = np.array([t.det for t in current], dtype=int)
        raw = xyxy[det_idx]
        overlap = bottom_overlap(raw)
        updated: list[Track] = []
        for tracklet, di, ov in zip(current, det_idx, overlap, strict=False):
            tid = tracklet.track_id
            track = self.active.get(tid)
            if track is None:
                track = self.active[tid] = Track(tid)
            d = detections[int(di)]
            track.samples.append(
                TrackSample(
                    frame_index,
                    t_s,
                    d.xyxy,
                    d.conf,
                    float(ov),
                    d.shade_y2,
                    d.contact_x,
                    d.shade_x,
                    d.sized,
                    d.cls != UNRECOGNISED,
                )
            )
            track.class_votes[d.cls] = track.class_votes.get(d.cls, 0) + 1
            updated.append(track)
        return updated

    def pop_finished(self, frame_index: int) -> list[Track]:
        """Remove and return tracks unmatched for more than ``lost_frames`` frames."""
        done = [t for t in self.active.values() if frame_index - t.last_frame > self.lost_frames]
        for t in done:
            del self.active[t.track_id]
        return done

    def flush(self) -> list[Track]:
        """End of stream: every remaining track is finished."""
        done = list(self.active.values())
        self.active.clear()
        return done
