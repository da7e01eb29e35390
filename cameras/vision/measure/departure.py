"""Which tracks have just left the measurement zone, so they can be measured now.

The tracker ends a track only once its vehicle is lost, which for traffic driving away
can be seconds after it left the zone: it stays visible up the road, and in that time the
track may even slide onto another vehicle near the vanishing point (which would then make
the whole track an identity switch). The estimate uses only the samples inside the zone,
so a vehicle is measured as soon as it has been out of the zone for a few frames; the
camera worker and the batch ``measure`` command both get passages this way (see
``MeasurementPipeline``), so the benchmarks measure what the cameras run. A box whose
bottom is cut by the edge of the view does not show where the vehicle stands: it says
nothing about the zone (a truck entering from below is "out" until its wheels show).

Only a valid reading is final then. One that fails a check is not reported yet: the
track is measured again when it ends, with every frame it gathered (as a track that never
left the zone is), so that one vehicle is one passage either way.

A track first seen already inside the zone may be the continuation of a vehicle whose
track broke mid-zone (see ``stitch``): measured alone it would count one vehicle twice, so
on departure it is measured only joined to the fragment it continues (``born_inside``
tells the pipeline which tracks these are), and otherwise waits for its track's end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from numpy.typing import NDArray

from cameras.vision.measure.geometry import RoadPlane, box_contacts, points_in_polygon
from cameras.vision.measure.track import Track

# boxes (N, 4) xyxy -> (N,) bool: the box's road-contact point lies in the zone
ZoneTest = Callable[[NDArray[np.float64]], NDArray[np.bool_]]


def zone_test(plane: RoadPlane, zone: NDArray[np.float64]) -> ZoneTest:
    """A :data:`ZoneTest` for ``zone`` (road-plane polygon) seen through ``plane``: the
    bottom-centre of each box, the point the speed estimator places on the road."""
    polygon = np.asarray(zone, dtype=np.float64)

    def in_zone(boxes: NDArray[np.float64]) -> NDArray[np.bool_]:
        return points_in_polygon(plane.image_to_world(box_contacts(boxes)), polygon)

    return in_zone


class DepartureWatch:
    """Follows each track's zone state frame by frame; :meth:`update` returns the part of
    each track not yet measured, once it has been out of the zone for ``after_frames``
    frames after being in it. ``seen`` (boxes -> bool) tells boxes whose contact point is
    in view; others are skipped. :meth:`mark` records a track as measured up to its
    latest sample: should the id come back into the zone (another vehicle the tracker
    slid onto, or a vehicle reversing), only the samples after that are measured next.
    """

    def __init__(
        self, in_zone: ZoneTest, after_frames: int = 5, seen: ZoneTest | None = None
    ) -> None:
        if after_frames < 1:
            raise ValueError("after_frames must be at least 1")
        self.in_zone = in_zone
        self.seen = seen
        self.after_frames = after_frames
        self._state: dict[int, int] = {}  # in the zone once: frames out since
        self._born_inside: set[int] = set()
        self._measured: dict[int, int] = {}  # track -> samples already measured
        self._back: set[int] = set()  # measured tracks seen in the zone again since

    def measured(self, track_id: int) -> bool:
        return track_id in self._measured

    def born_inside(self, track_id: int) -> bool:
        """The track was first seen inside the zone (it may continue a broken one)."""
        return track_id in self._born_inside

    def mark(self, part: Track) -> None:
        """``part`` (what :meth:`update` returned) was measured on departure: its track
        is measured up to its latest sample."""
        self._measured[part.track_id] = self._measured.get(part.track_id, 0) + len(part.samples)
        self._back.discard(part.track_id)

    def unmeasured(self, track: Track) -> Track:
        """``track`` without the samples a reading on departure already used."""
        done = self._measured.get(track.track_id, 0)
        if done == 0:
            return track
        return Track(track.track_id, track.samples[done:], dict(track.class_votes))

    def update(self, frame_index: int, active: Iterable[Track]) -> list[Track]:
        """The unmeasured part of each track (of ``active``, the tracker's open tracks)
        that departed at this frame."""
        tracks = list(active)
        matched = [t for t in tracks if t.samples and t.samples[-1].frame_index == frame_index]
        departed: list[Track] = []
        if matched:
            boxes = np.array([t.samples[-1].xyxy for t in matched], dtype=np.float64)
            seen = np.ones(len(boxes), bool) if self.seen is None else self.seen(boxes)
            for track, inside, ok in zip(matched, self.in_zone(boxes), seen, strict=True):
                tid = track.track_id
                if not ok:
                    continue  # where it stands is not in view: neither in nor out
                if inside and tid not in self._state and len(track.samples) == 1:
                    self._born_inside.add(tid)
                elif inside:
                    self._state[tid] = 0
                    if tid in self._measured:
                        self._back.add(tid)
                elif tid in self._state:
                    out_for = self._state[tid] + 1
                    if out_for >= self.after_frames:
                        del self._state[tid]
                        departed.append(self.unmeasured(track))
                    else:
                        self._state[tid] = out_for
        self._forget({t.track_id for t in tracks})
        return departed

    def finished(self, track: Track) -> Track | None:
        """The tracker ended ``track``: what is left to measure of it (None: nothing,
        it was measured on departure and never came back into the zone). Forgets it."""
        tid = track.track_id
        rest = self.unmeasured(track)
        measured, back = self._measured.pop(tid, None) is not None, tid in self._back
        self._state.pop(tid, None)
        self._born_inside.discard(tid)
        self._back.discard(tid)
        return None if measured and not back else rest

    def _forget(self, live: set[int]) -> None:
        # Ids the tracker no longer holds and never reported finished (a reset segment).
        self._born_inside &= live
        self._back &= live
        for tid in [t for t in self._state if t not in live]:
            del self._state[tid]
