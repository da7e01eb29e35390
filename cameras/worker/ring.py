"""Frames held back for evidence, only while they may still be needed.

The evidence package needs stills near zone entry and exit of a vehicle that turns out
to be speeding, and that is known only once it has left the zone. Rather than keep the
last N seconds of video (hundreds of full frames, of every vehicle), the ring keeps, per
tracked vehicle, its first ``keep`` frames inside the zone and a rolling window of its
latest ``keep`` frames inside the zone. A frame is held while some vehicle holds it and
is dropped the moment none does: when a passage under the threshold is decided, its
frames go at once, and frames with no vehicle in the zone are never kept.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from cameras.vision.measure.departure import ZoneTest
from cameras.vision.measure.source import Frame
from cameras.vision.measure.track import Track

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]


@dataclass
class _Held:
    frame: Frame
    boxes: dict[int, Box]  # every vehicle matched in this frame (for redacting others)
    holders: set[int] = field(default_factory=set)


@dataclass
class _TrackFrames:
    entry: list[int] = field(default_factory=list)
    latest: deque[int] = field(default_factory=deque)


@dataclass(frozen=True)
class HeldFrame:
    frame: Frame
    target_box: Box
    other_boxes: tuple[Box, ...]


class EvidenceRing:
    def __init__(self, in_zone: ZoneTest, keep: int = 4, max_frames: int = 400) -> None:
        self.in_zone = in_zone
        self.keep = keep
        self.max_frames = max_frames
        self._frames: OrderedDict[int, _Held] = OrderedDict()
        self._tracks: dict[int, _TrackFrames] = {}
        self.evicted = 0  # frames dropped by the cap while still held (evidence may lack them)

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def nbytes(self) -> int:
        return sum(h.frame.image.nbytes for h in self._frames.values())

    def observe(self, frame: Frame, tracks: Iterable[Track]) -> None:
        """Pipeline observer: called once per frame with the tracks matched in it."""
        matched = [t for t in tracks if t.samples and t.samples[-1].frame_index == frame.index]
        if not matched:
            return
        boxes = np.array([t.samples[-1].xyxy for t in matched], dtype=np.float64)
        inside = self.in_zone(boxes)
        holders = [t.track_id for t, ok in zip(matched, inside, strict=True) if ok]
        if not holders:
            return
        held = _Held(frame, {t.track_id: tuple(map(float, t.samples[-1].xyxy)) for t in matched})  # type: ignore[misc]
        self._frames[frame.index] = held
        for tid in holders:
            tf = self._tracks.setdefault(tid, _TrackFrames(latest=deque()))
            held.holders.add(tid)
            if len(tf.entry) < self.keep:
                tf.entry.append(frame.index)
                continue
            tf.latest.append(frame.index)
            if len(tf.latest) > self.keep:
                self._unhold(tf.latest.popleft(), tid)
        while len(self._frames) > self.max_frames:
            index, old = self._frames.popitem(last=False)
            self.evicted += 1
            for tid in old.holders:
                held_by = self._tracks.get(tid)
                if held_by is not None:
                    if index in held_by.entry:
                        held_by.entry.remove(index)
                    if index in held_by.latest:
                        held_by.latest.remove(index)
            log.warning("evidence ring full: dropped frame %d still held", index)

    def frames_for(self, track_id: int) -> list[HeldFrame]:
        """The frames held for one vehicle, in order, with its box and everyone else's."""
        tf = self._tracks.get(track_id)
        if tf is None:
            return []
        out = []
        for index in sorted({*tf.entry, *tf.latest}):
            held = self._frames.get(index)
            if held is None or track_id not in held.boxes:
                continue
            others = tuple(b for tid, b in held.boxes.items() if tid != track_id)
            out.append(HeldFrame(held.frame, held.boxes[track_id], others))
        return out

    def release(self, track_id: int) -> None:
        """Forget a vehicle; frames nobody else holds are dropped now."""
        tf = self._tracks.pop(track_id, None)
        if tf is None:
            return
        for index in {*tf.entry, *tf.latest}:
            self._unhold(index, track_id)

    def prune(self, live: set[int]) -> None:
        """Release vehicles the tracker no longer follows (finished without a passage)."""
        for tid in [t for t in self._tracks if t not in live]:
            self.release(tid)

    def clear(self) -> None:
        self._frames.clear()
        self._tracks.clear()

    def _unhold(self, index: int, track_id: int) -> None:
        held = self._frames.get(index)
        if held is None:
            return
        held.holders.discard(track_id)
        if not held.holders:
            del self._frames[index]
