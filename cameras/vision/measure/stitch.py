"""Joining the two fragments of one vehicle's track across a break.

While two vehicles' motion blobs are merged, only one of their tracks follows the merged
box; the other is lost, and when the blobs part again the vehicle comes back under a new
id. Each fragment alone sees only part of the zone (``incomplete_zone``). A fragment that
ends is therefore held back for a short while: a new track that starts after it, in the
same lane, at the same speed, where the old one's road-plane motion predicts, is the same
vehicle, and the two are measured as one track - under every check a whole track meets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from cameras.vision.measure.fit import robust_line_fit
from cameras.vision.measure.passage import Passage
from cameras.vision.measure.speed import SpeedEstimator
from cameras.vision.measure.track import Track


@dataclass(frozen=True)
class Motion:
    """Road-plane motion at one end of a track: time, along-road position and speed,
    lateral position."""

    t_s: float
    y_m: float
    v_ms: float
    x_m: float


@dataclass(frozen=True)
class StitchConfig:
    max_gap_s: float = 2.5  # a merge of neighbours lasts as long as one passes the other
    lateral_m: float = 0.8  # same lane
    speed_rel: float = 0.15  # same speed (either end's fit is from a few frames)
    position_m: float = 2.0  # where the old end predicts, plus a share of the gap's travel
    position_rel: float = 0.1
    end_samples: int = 8  # samples fitted at each end


@dataclass
class _Pending:
    track: Track
    passage: Passage | None
    end: Motion


class FragmentStitcher:
    """Measures finished tracks, joining fragments of one vehicle first (see module doc)."""

    def __init__(self, estimator: SpeedEstimator, config: StitchConfig | None = None) -> None:
        self.estimator = estimator
        self.config = config or StitchConfig()
        self.pending: list[_Pending] = []

    def motion(self, track: Track, at_end: bool) -> Motion | None:
        """Motion at the track's end (or start) from its last (first) located samples."""
        t, world = self.estimator.road_track(track, at_contact=True)
        k = self.config.end_samples
        t, world = (t[-k:], world[-k:]) if at_end else (t[:k], world[:k])
        if len(t) < 3 or np.ptp(t) <= 0:
            return None
        fit = robust_line_fit(t, world[:, 1])
        at = float(t[-1] if at_end else t[0])
        return Motion(
            at, float(fit.predict(np.array([at]))[0]), fit.slope, float(np.median(world[:, 0]))
        )

    def joins(self, end: Motion, start: Motion) -> float | None:
        """How far (m) ``start`` is from where ``end`` predicts it, or None if the two
        cannot be one vehicle: not after it, too late, another lane, another speed."""
        cfg = self.config
        gap = start.t_s - end.t_s
        if gap <= 0 or gap > cfg.max_gap_s or abs(start.x_m - end.x_m) > cfg.lateral_m:
            return None
        fast = max(abs(end.v_ms), abs(start.v_ms))
        if end.v_ms * start.v_ms <= 0 or abs(end.v_ms - start.v_ms) > cfg.speed_rel * fast:
            return None
        miss = abs(end.y_m + end.v_ms * gap - start.y_m)
        return miss if miss <= cfg.position_m + cfg.position_rel * fast * gap else None

    def finished(
        self, tracks: Iterable[Track], active: Iterable[Track] = (), now_s: float | None = None
    ) -> list[Passage]:
        """Passages of the finished ``tracks``; fragments that may yet be continued by an
        ``active`` track are held back, and released once they cannot be."""
        out: list[Passage] = []
        for track in sorted(tracks, key=lambda tr: tr.samples[0].t_s if tr.samples else 0.0):
            out += self._one(track)
        if now_s is not None:
            starts = [a.samples[0].t_s for a in active if a.samples]
            for pend in list(self.pending):
                window = pend.end.t_s + self.config.max_gap_s
                waiting = any(pend.end.t_s < s <= window for s in starts)
                if now_s > window and not waiting:
                    out += self._release(pend)
        return out

    def flush(self) -> list[Passage]:
        """End of stream: every fragment held back is reported as it is."""
        out: list[Passage] = []
        for pend in list(self.pending):
            out += self._release(pend)
        return out

    def _release(self, pend: _Pending) -> list[Passage]:
        self.pending.remove(pend)
        return [] if pend.passage is None else [pend.passage]

    def continued(self, track: Track) -> Passage | None:
        """The firm reading of ``track`` joined to the held-back fragment it continues,
        or None (and nothing changes). Called as a track that started inside the zone
        leaves it: measured at once, before the tracker can slide it onto another
        vehicle; the fragment it used is no longer held back."""
        partner = self._partner(track)
        if partner is None:
            return None
        passage = self.estimator.estimate(_joined(partner.track, track))
        if not self.estimator.firm(passage):
            return None
        self.pending.remove(partner)
        return passage

    def _partner(self, track: Track) -> _Pending | None:
        """The held-back fragment ``track`` continues (the nearest to where one predicts
        it), if any."""
        start = self.motion(track, at_end=False)
        if start is None:
            return None
        fits = [(m, p) for p in self.pending if (m := self.joins(p.end, start)) is not None]
        return min(fits, key=lambda mp: mp[0])[1] if fits else None

    def _one(self, track: Track) -> list[Passage]:
        out: list[Passage] = []
        passage = self.estimator.estimate(track)
        if passage is not None and passage.valid:
            return [passage]
        partner = self._partner(track)
        if partner is not None:
            joined = _joined(partner.track, track)
            self.pending.remove(partner)
            joined_passage = self.estimator.estimate(joined)
            if joined_passage is None:
                out += [] if partner.passage is None else [partner.passage]
            else:
                track, passage = joined, joined_passage
        if passage is None or passage.reject_reason == "incomplete_zone":
            end = self.motion(track, at_end=True)
            if end is not None:
                self.pending.append(_Pending(track, passage, end))
                return out
        return out if passage is None else [*out, passage]


def _joined(first: Track, then: Track) -> Track:
    """One track of two fragments, under the first one's id."""
    joined = Track(first.track_id, first.samples + then.samples)
    for votes in (first.class_votes, then.class_votes):
        for cls, n in votes.items():
            joined.class_votes[cls] = joined.class_votes.get(cls, 0) + n
    return joined
