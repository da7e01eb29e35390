"""The uncertainty budget of one speed reading: each component of U, and where it comes from.

A reading is the lower of the zone's two independent half speeds (see ``verdict``):
``min(v1, v2) = (v1 + v2) / 2 - |v1 - v2| / 2``. The second term is observed, not
random: it goes into U whole (the *lower half's offset*). The first is the mean of two
independent measurements: its random components are each half's, combined as a mean's
(``sqrt(a1**2 + a2**2) / 2``), and its systematic ones those of the whole zone's span
(2026-12-06: they used to be the lower half's alone, which overstated the random part
by about 1.4 times and rejected fast vehicles as ``high_uncertainty``; see
docs/engine-decisions.md). Its standard uncertainty u combines, in quadrature:

- **fit**: each half's slope standard error, or the zone's residual scale over the
  half's time spread when that is larger (a half has few degrees of freedom to estimate
  its own noise from). Every random error of a position - pixel noise, a capture
  instant that strays from its stamp - shows here.
- **calibration**: the survey's error propagated into the road distance the zone spans.
- **timing**: the scatter of the track's own timestamps about a steady clock
  (``fit.timestamp_scatter``), floored at what no stamp is better than, propagated through
  each half's regression like position noise.
- **contact**: a constant pixel offset of the box bottom (a shadow hugging the vehicle,
  blur, codec ringing) is a speed error wherever a pixel spans a different road length at
  the two ends of the zone.
- **shutter**: a rolling shutter's readout, once each contact is timed by its row, is
  still only as good as the data sheet's figure.

U (k = 2) is 2u plus half the difference of the halves: the lower half is reported on
purpose, so the reading sits that far below their mean, and an honest U says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cameras.vision.measure.fit import LineFit, timestamp_scatter
from cameras.vision.measure.geometry import RoadPlane

FloatArray = NDArray[np.float64]
MS_TO_KMH = 3.6


@dataclass(frozen=True)
class Budget:
    """Standard uncertainties (m/s) of one reading, and the lower half's offset."""

    fit: float
    calibration: float
    timing: float
    contact: float
    shutter: float
    lower_half_offset: float
    timestamp_sigma_s: float

    @property
    def u(self) -> float:
        """Combined standard uncertainty (m/s), without the lower half's offset."""
        parts = (self.fit, self.calibration, self.timing, self.contact, self.shutter)
        return math.sqrt(sum(p * p for p in parts))

    @property
    def expanded_kmh(self) -> float:
        """U (k = 2), km/h: what the passage reports."""
        return (2.0 * self.u + self.lower_half_offset) * MS_TO_KMH

    def details(self) -> dict[str, float]:
        return {
            "u_fit_kmh": self.fit * MS_TO_KMH,
            "u_cal_kmh": self.calibration * MS_TO_KMH,
            "u_time_kmh": self.timing * MS_TO_KMH,
            "timestamp_sigma_s": self.timestamp_sigma_s,
            "u_contact_kmh": self.contact * MS_TO_KMH,
            "u_shutter_kmh": self.shutter * MS_TO_KMH,
            "lower_half_offset_kmh": self.lower_half_offset * MS_TO_KMH,
        }


@dataclass(frozen=True)
class BudgetInputs:
    """What the budget needs to know besides the zone's own samples."""

    plane: RoadPlane
    calibration_sigma_m: float
    timestamp_floor_s: float
    contact_bias_px: float
    row_time_s: float  # rolling shutter: seconds between two rows' capture (0: global)
    readout_rel_sigma: float


def reading_budget(
    inputs: BudgetInputs,
    halves: tuple[LineFit, LineFit],
    t_halves: tuple[FloatArray, FloatArray],
    zone_fit: LineFit,
    ends: FloatArray,
    world_x: float,
    stamps: FloatArray,
) -> Budget:
    """The budget of a reading taken as the lower of two ``halves`` (fitted on times
    ``t_halves``): the zone's line, image contacts ``ends`` at its first and last sample,
    lateral position ``world_x`` and the whole track's raw ``stamps`` complete it."""
    v1, v2 = (abs(h.slope) for h in halves)
    v = min(v1, v2)
    sigma_t = max(inputs.timestamp_floor_s, timestamp_scatter(stamps))
    fit, timing = [], []
    for half, t_half in zip(halves, t_halves, strict=True):
        th = t_half - float(t_half.mean())
        spread = math.sqrt(max(float((th**2).sum()), 1e-12))
        fit.append(max(half.slope_se, zone_fit.sigma / spread))
        timing.append(abs(half.slope) * sigma_t / spread)
    t_all = np.concatenate(t_halves)
    dur = max(float(np.ptp(t_all)), 1e-6)
    rows = float(abs(ends[1, 1] - ends[0, 1]))
    plane = inputs.plane
    return Budget(
        fit=_mean_of_two(*fit),
        calibration=v * plane.distance_rel_sigma(ends[0], ends[1], inputs.calibration_sigma_m),
        timing=_mean_of_two(*timing),
        contact=plane.row_shift_change(ends, world_x, inputs.contact_bias_px) / dur,
        shutter=v * inputs.readout_rel_sigma * inputs.row_time_s * rows / dur,
        lower_half_offset=0.5 * abs(v1 - v2),
        timestamp_sigma_s=sigma_t,
    )


def _mean_of_two(a: float, b: float) -> float:
    """Standard uncertainty of the mean of two independent quantities."""
    return 0.5 * math.sqrt(a * a + b * b)
