"""The uncertainty budget of one speed reading: each component of U, and where it comes from.

A reading is the slope of the lower half of the zone (see ``speed``). Its standard
uncertainty u combines, in quadrature:

- **fit**: the half's slope standard error, or the whole zone's residual scale over the
  half's time spread when that is larger (a half has few degrees of freedom to estimate
  its own noise from). Every random error of a position - pixel noise, a capture instant
  that strays from its stamp - shows here.
- **calibration**: the survey's error propagated into the road distance the half spans.
- **timing**: the scatter of the track's own timestamps about a steady clock
  (``fit.timestamp_scatter``), floored at what no stamp is better than, propagated through
  the half's regression like position noise.
- **contact**: a constant pixel offset of the box bottom (a shadow hugging the vehicle,
  blur, codec ringing) is a speed error wherever a pixel spans a different road length at
  the two ends of the half.
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
    """What the budget needs to know besides the half's own samples."""

    plane: RoadPlane
    calibration_sigma_m: float
    timestamp_floor_s: float
    contact_bias_px: float
    row_time_s: float  # rolling shutter: seconds between two rows' capture (0: global)
    readout_rel_sigma: float


def reading_budget(
    inputs: BudgetInputs,
    half: LineFit,
    zone_fit: LineFit,
    t_half: FloatArray,
    ends: FloatArray,
    world_x: float,
    stamps: FloatArray,
    other_half_ms: float,
) -> Budget:
    """The budget of a reading taken from ``half`` (fitted on times ``t_half``, image
    contacts ``ends`` at its first and last sample, lateral position ``world_x``); the
    zone's fit, the whole track's raw ``stamps`` and the other half's speed (m/s) complete
    it."""
    v = abs(half.slope)
    th = t_half - float(t_half.mean())
    spread = math.sqrt(max(float((th**2).sum()), 1e-12))
    dur = max(float(np.ptp(t_half)), 1e-6)
    sigma_t = max(inputs.timestamp_floor_s, timestamp_scatter(stamps))
    rows = float(abs(ends[1, 1] - ends[0, 1]))
    plane = inputs.plane
    return Budget(
        fit=max(half.slope_se, zone_fit.sigma / spread),
        calibration=v * plane.distance_rel_sigma(ends[0], ends[1], inputs.calibration_sigma_m),
        timing=v * sigma_t / spread,
        contact=plane.row_shift_change(ends, world_x, inputs.contact_bias_px) / dur,
        shutter=v * inputs.readout_rel_sigma * inputs.row_time_s * rows / dur,
        lower_half_offset=0.5 * abs(v - other_half_ms),
        timestamp_sigma_s=sigma_t,
    )
