"""A track's samples on their way to a speed: screened (``Samples``), then the zone's
(``Transit``), from which the passage is opened and judged (see ``verdict``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from cameras.vision.measure.geometry import zone_extent_at
from cameras.vision.measure.passage import Passage
from cameras.vision.measure.track import Track

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IndexArray = NDArray[np.intp]


@dataclass
class Samples:
    """Every sample of a track, located on the road. ``usable``: its contact point places
    the vehicle; ``inside``: usable and in the zone. Screening clears both for samples it
    sets aside."""

    boxes: FloatArray
    stamps: FloatArray  # the frames' own timestamps
    times: FloatArray  # when each contact row was captured (see ``capture_times``)
    frames: NDArray[np.int64]
    overlaps: FloatArray
    world: FloatArray  # (N, 2) road positions: lateral x, along-road y
    cut_side: BoolArray
    cut_top: BoolArray
    whole: BoolArray  # no edge of the box on the edge of the view
    usable: BoolArray
    inside: BoolArray
    # False where the box's size is not comparable with the others (``Detection.sized``):
    # judged as if cut at its sides and top
    sized: BoolArray
    n_set_aside: int = 0
    # Samples set aside for their box alone whose contact still lies on the track's line:
    # they show where the vehicle was, at the zone's ends (``verdict.check_seen``)
    also_seen: IndexArray = field(default_factory=lambda: np.zeros(0, np.intp))

    def set_aside(self, idx: IndexArray) -> None:
        """Take samples ``idx`` out of the measurement."""
        self.usable[idx] = False
        self.inside[idx] = False

    @property
    def seen(self) -> BoolArray:
        """Samples that show where the vehicle was: the usable ones and ``also_seen``."""
        seen = self.usable.copy()
        seen[self.also_seen] = True
        return seen


@dataclass(frozen=True)
class Transit:
    """The zone's samples of a track, in time order, and where the zone lies on the
    vehicle's line: ``sign`` is +1 when it travels toward larger y."""

    t: FloatArray
    y: FloatArray
    x: FloatArray
    world: FloatArray
    boxes: FloatArray
    contacts: FloatArray  # (N, 2) image road-contact points of the boxes
    side_ok: BoolArray
    top_ok: BoolArray
    overlaps: FloatArray
    frames: NDArray[np.int64]
    stamps: FloatArray  # every sample's, for the timestamps' scatter
    y_seen: FloatArray  # along-road positions of the samples showing it (``Samples.seen``)
    x_seen: FloatArray  # their lateral positions
    n: int
    sign: float
    distance_m: float
    direction: str
    world_x: float
    y_lo: float
    y_hi: float
    # the zone's extent on the vehicle's line where a car is seen whole (``VisibleZone``)
    whole_lo: float
    whole_hi: float
    n_set_aside: int

    @classmethod
    def of(
        cls,
        samples: Samples,
        zone: FloatArray,
        contact_points: Callable[[FloatArray], FloatArray],
        whole: FloatArray | None = None,
    ) -> Transit:
        """The samples in the zone; ``contact_points`` finds a box's road contact;
        ``whole`` is where a car is seen whole (the zone itself when None)."""
        inside = samples.inside
        world = samples.world
        t, y, x = samples.times[inside], world[inside, 1], world[inside, 0]
        boxes = samples.boxes[inside]
        n = int(inside.sum())
        dy_total = y[-1] - y[0]
        sign = 1.0 if dy_total >= 0 else -1.0
        contacts = contact_points(boxes)
        contact_v = contacts[:, 1]
        direction = "unknown"
        if n >= 2 and contact_v[-1] != contact_v[0]:
            direction = "toward" if contact_v[-1] > contact_v[0] else "away"
        world_x = float(np.median(x))
        sized = samples.sized[inside]
        y_lo, y_hi = zone_extent_at(zone, world_x)
        whole_lo, whole_hi = y_lo, y_hi
        if whole is not None and len(whole) and whole[:, 0].min() < world_x < whole[:, 0].max():
            whole_lo, whole_hi = zone_extent_at(whole, world_x)
        return cls(
            t=t,
            y=y,
            x=x,
            world=world[inside],
            boxes=boxes,
            contacts=contacts,
            side_ok=~samples.cut_side[inside] & sized,
            top_ok=~samples.cut_top[inside] & sized,
            overlaps=samples.overlaps[inside],
            frames=samples.frames[inside],
            stamps=samples.stamps,
            y_seen=world[samples.seen, 1],
            x_seen=world[samples.seen, 0],
            n=n,
            sign=sign,
            distance_m=float(abs(dy_total)),
            direction=direction,
            world_x=world_x,
            y_lo=y_lo,
            y_hi=y_hi,
            whole_lo=whole_lo,
            whole_hi=whole_hi,
            n_set_aside=samples.n_set_aside,
        )

    @property
    def y_entry(self) -> float:
        """Where the vehicle's line enters the zone."""
        return self.y_lo if self.sign > 0 else self.y_hi

    @property
    def y_exit(self) -> float:
        return self.y_hi if self.sign > 0 else self.y_lo

    @property
    def ends_seen(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """Where the vehicle may be seen reaching the zone's two ends (low y, high y): the
        end itself, or anywhere from it to where a car is first (last) seen whole."""
        lo, hi = sorted((self.y_lo, self.whole_lo)), sorted((self.y_hi, self.whole_hi))
        return (lo[0], lo[1]), (hi[0], hi[1])

    @property
    def progress(self) -> FloatArray:
        """Along-road positions in the direction of travel."""
        return self.y * self.sign

    def open_passage(self, track: Track) -> Passage:
        """The passage before any check: not valid, no speed yet."""
        nan = float("nan")
        return Passage(
            track_id=track.track_id,
            t_enter_s=float(self.t[0]),
            t_exit_s=float(self.t[-1]),
            speed_kmh=nan,
            uncertainty_kmh=nan,
            world_x_m=self.world_x,
            cls=track.cls,
            valid=False,
            reject_reason=None,
            direction=self.direction,
            n_samples=self.n,
            speed_first_half_kmh=nan,
            speed_second_half_kmh=nan,
            speed_fit_kmh=nan,
            distance_m=self.distance_m,
            frame_indices=tuple(int(f) for f in self.frames),
            boxes=tuple((float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in self.boxes),
            times_s=tuple(float(v) for v in self.t),
        )
