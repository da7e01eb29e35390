"""The measurement contract: one vehicle's pass through the zone, measured or rejected."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

REJECT_REASONS = (
    "too_few_samples",
    "incomplete_zone",
    "identity_switch",
    "occlusion_or_merge",
    "fragment",
    "non_monotonic",
    "lane_change",
    "halves_disagree",
    "high_uncertainty",
    "duplicate",  # a second valid reading of a vehicle already measured (``dedup``)
)


@dataclass
class Passage:
    """One vehicle's pass through the zone, measured (``valid``) or rejected with a reason."""

    track_id: int
    t_enter_s: float
    t_exit_s: float
    speed_kmh: float
    uncertainty_kmh: float
    world_x_m: float
    cls: str
    valid: bool
    reject_reason: str | None
    direction: str  # "toward" or "away" from the camera, or "unknown"
    n_samples: int
    speed_first_half_kmh: float
    speed_second_half_kmh: float
    speed_fit_kmh: float  # whole-zone fit (speed_kmh is the lower half, for enforcement)
    distance_m: float
    frame_indices: tuple[int, ...] = ()
    boxes: tuple[tuple[float, float, float, float], ...] = ()
    times_s: tuple[float, ...] = ()
    details: dict[str, float] = field(default_factory=dict)

    def to_json(self, include_samples: bool = False) -> dict[str, Any]:
        """The measurement contract (ARCHITECTURE.md); NaN becomes null."""

        def num(x: float, nd: int = 3) -> float | None:
            return None if not math.isfinite(x) else round(float(x), nd)

        out: dict[str, Any] = {
            "track_id": self.track_id,
            "t_enter_s": num(self.t_enter_s),
            "t_exit_s": num(self.t_exit_s),
            "speed_kmh": num(self.speed_kmh, 2),
            "uncertainty_kmh": num(self.uncertainty_kmh, 2),
            "world_x_m": num(self.world_x_m, 2),
            "class": self.cls,
            "valid": self.valid,
            "reject_reason": self.reject_reason,
            "direction": self.direction,
            "n_samples": self.n_samples,
            "speed_first_half_kmh": num(self.speed_first_half_kmh, 2),
            "speed_second_half_kmh": num(self.speed_second_half_kmh, 2),
            "speed_fit_kmh": num(self.speed_fit_kmh, 2),
            "distance_m": num(self.distance_m, 2),
            # How the reading was reached: U's components (km/h, see ``budget``), the
            # timestamps' scatter, samples set aside - what a hearing will ask about.
            "details": {k: num(v, 4) for k, v in sorted(self.details.items())},
        }
        if include_samples:
            out["frames"] = list(self.frame_indices)
            out["boxes"] = [[round(v, 1) for v in b] for b in self.boxes]
            out["times_s"] = [round(t, 4) for t in self.times_s]
        return out
