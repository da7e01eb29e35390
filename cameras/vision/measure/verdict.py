"""The zone's samples judged, stage by stage: fit → seen → boxes → path → halves →
uncertainty → verdict.

Each stage either fills in the passage or rejects it with the first check that fails
(``Rejected``); a passage that passes every stage is valid. The halves must agree within
max(3 km/h, 3 %) - the tolerance the reading itself is held to - and the *lower* half
speed is reported: an over-reading can ticket an innocent driver, an under-reading cannot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cameras.vision.measure.budget import MS_TO_KMH, Budget, BudgetInputs, reading_budget
from cameras.vision.measure.consistency import box_inconsistency
from cameras.vision.measure.fit import LineFit, robust_line_fit, step_noise
from cameras.vision.measure.passage import Passage
from cameras.vision.measure.speed_config import SpeedConfig
from cameras.vision.measure.transit import Transit

BoolArray = NDArray[np.bool_]


class Rejected(Exception):
    """A check failed: the passage stands, not valid, with this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ZoneFit:
    """The line through the zone's positions against time, and the sampling it rests on."""

    line: LineFit
    step_m: float  # median distance between two samples
    dt_s: float  # median time between two samples


@dataclass(frozen=True)
class Halves:
    """The two halves of the zone, in travel order, fitted independently."""

    fits: tuple[LineFit, LineFit]
    first: BoolArray  # the first half's samples

    @property
    def speeds(self) -> tuple[float, float]:
        """Each half's speed, m/s."""
        v1, v2 = (abs(h.slope) for h in self.fits)
        return v1, v2

    @property
    def low(self) -> int:
        """Which half is slower: the reading is taken from it."""
        v1, v2 = self.speeds
        return 0 if v1 <= v2 else 1


def judge(passage: Passage, tr: Transit, cfg: SpeedConfig, inputs: BudgetInputs) -> Passage:
    """Run every stage on the zone's samples; the passage comes back valid or with the
    reason of the first check that failed."""
    try:
        fit = fit_zone(passage, tr, cfg)
        check_seen(tr, fit, cfg)
        noise = check_boxes(tr, fit.line, inputs, cfg)
        drift = check_path(tr, fit.line, noise, cfg)
        halves = fit_halves(passage, tr, cfg)
        budget = uncertainty(passage, tr, fit.line, halves, inputs)
        passage.details = {
            **budget.details(),
            "fit_sigma_m": fit.line.sigma,
            "lateral_drift_m": drift,
            "samples_set_aside": float(tr.n_set_aside),
        }
        check_reading(passage, halves, budget, cfg)
    except Rejected as rejected:
        passage.reject_reason = rejected.reason
        return passage
    passage.valid = True
    return passage


def fit_zone(passage: Passage, tr: Transit, cfg: SpeedConfig) -> ZoneFit:
    """Fit: the robust line through the zone's positions; entry and exit times where it
    crosses the zone's ends (within a frame of the first and last samples)."""
    t, y = tr.t, tr.y
    if tr.n < cfg.min_samples or np.ptp(t) <= 0:
        raise Rejected("too_few_samples")
    line = robust_line_fit(t, y)
    passage.speed_fit_kmh = abs(line.slope) * MS_TO_KMH
    dt = np.diff(t)
    step = float(np.median(np.abs(np.diff(y)))) if tr.n > 1 else 0.0
    t_enter, t_exit = line.time_at(tr.y_entry), line.time_at(tr.y_exit)
    dt_med = float(np.median(dt))
    if math.isfinite(t_enter) and math.isfinite(t_exit):
        passage.t_enter_s = float(np.clip(t_enter, t[0] - dt_med, t[0]))
        passage.t_exit_s = float(np.clip(t_exit, t[-1], t[-1] + dt_med))
    return ZoneFit(line, step, dt_med)


def check_seen(tr: Transit, fit: ZoneFit, cfg: SpeedConfig) -> None:
    """Seen: entry and exit must be seen - a track that starts mid-zone may have started
    on a merged blob or after an occlusion; its speed would rest on part of the zone
    only. Each end is seen when one of the vehicle's own samples lies within
    ``max(0.5 m, 1.5 steps)`` of its line, on either side (a frame or two may be lost
    there): a sample further off says where the vehicle was before or after, not that
    it was seen crossing - a merge may have hidden it across the line, its box bottom on
    the neighbour's. Its own samples are those on its line across the road, within
    ``seen_lateral_m`` of the zone samples' median: a merged box is pulled sideways. A
    frame set aside for its box alone counts where its contact lies on the track's line
    (``Samples.also_seen``). An end the picture's edge cuts is reached anywhere from it
    to where a car is first seen whole (``VisibleZone.whole``). A fast vehicle crosses a
    short zone in few frames: what counts is how much of its transit was observed
    (detection dropouts), not a fixed count."""
    tol = max(0.5, 1.5 * fit.step_m)
    y_own = tr.y_seen[np.abs(tr.x_seen - tr.world_x) <= cfg.seen_lateral_m]
    for lo, hi in tr.ends_seen:
        if not np.any((y_own >= lo - tol) & (y_own <= hi + tol)):
            raise Rejected("incomplete_zone")
    transit_frames = abs(tr.y_hi - tr.y_lo) / max(abs(fit.line.slope), 1e-9) / max(fit.dt_s, 1e-9)
    if tr.n < cfg.min_coverage * transit_frames:
        raise Rejected("too_few_samples")


def check_boxes(tr: Transit, line: LineFit, inputs: BudgetInputs, cfg: SpeedConfig) -> float:
    """Boxes: the same whole vehicle in every zone frame (see ``consistency``). Returns
    the per-sample position noise, from second differences: independent of how the
    vehicle moves (a reversal or braking inflates line-fit residuals, not these)."""
    noise = step_noise(tr.y)
    ppm = inputs.plane.pixels_per_metre(tr.world)
    reason = box_inconsistency(
        tr.t,
        tr.y,
        tr.x,
        tr.boxes,
        ppm,
        tr.side_ok,
        tr.top_ok,
        tr.overlaps,
        line.slope,
        noise,
        cfg,
    )
    if reason is not None:
        raise Rejected(reason)
    return noise


def check_path(tr: Transit, line: LineFit, noise: float, cfg: SpeedConfig) -> float:
    """Path: forward all the way (no step back beyond the noise), in one lane. Returns
    the lateral drift over the whole transit (m)."""
    progress = tr.progress
    back = np.maximum.accumulate(progress) - progress
    if np.any(back > max(cfg.reverse_m, 4.0 * noise)) or line.slope * tr.sign <= 0:
        raise Rejected("non_monotonic")
    t, x, side_ok = tr.t, tr.x, tr.side_ok
    lat = side_ok if side_ok.sum() >= 3 and np.ptp(t[side_ok]) > 0 else np.ones(tr.n, bool)
    lateral = robust_line_fit(t[lat], x[lat])
    drift = abs(lateral.slope) * float(np.ptp(t))  # over the whole transit
    if drift > cfg.lane_change_m:
        raise Rejected("lane_change")
    return drift


def fit_halves(passage: Passage, tr: Transit, cfg: SpeedConfig) -> Halves:
    """Halves: the zone's two halves, in travel order, fitted independently; the
    passage's speed is the lower one's."""
    t, y = tr.t, tr.y
    y_mid = 0.5 * (tr.y_lo + tr.y_hi)
    first = tr.progress < y_mid * tr.sign
    fits: list[LineFit] = []
    for mask in (first, ~first):
        if mask.sum() < cfg.min_half_samples or np.ptp(t[mask]) <= 0:
            raise Rejected("too_few_samples")
        fits.append(robust_line_fit(t[mask], y[mask]))
    halves = Halves((fits[0], fits[1]), first)
    v1, v2 = halves.speeds
    passage.speed_first_half_kmh = v1 * MS_TO_KMH
    passage.speed_second_half_kmh = v2 * MS_TO_KMH
    passage.speed_kmh = halves.speeds[halves.low] * MS_TO_KMH
    return halves


def uncertainty(
    passage: Passage, tr: Transit, line: LineFit, halves: Halves, inputs: BudgetInputs
) -> Budget:
    """Uncertainty: the reading's budget (see ``budget``), U on the passage. The lower
    half is the mean of both minus half their difference: the mean's uncertainty is that
    of two independent measurements, the difference is observed and goes into U whole."""
    budget = reading_budget(
        inputs,
        halves.fits,
        (tr.t[halves.first], tr.t[~halves.first]),
        line,
        tr.contacts[[0, -1]],
        tr.world_x,
        tr.stamps,
    )
    passage.uncertainty_kmh = budget.expanded_kmh
    return budget


def check_reading(passage: Passage, halves: Halves, budget: Budget, cfg: SpeedConfig) -> None:
    """Verdict: the halves agree, and the measurement's own noise (2u) is within the
    limit; the lower-half offset in U is already bounded by the halves check and only
    ever lowers the reading."""
    v1, v2 = halves.speeds
    agree = max(cfg.halves_tolerance_kmh / MS_TO_KMH, cfg.halves_tolerance * min(v1, v2))
    if abs(v1 - v2) > agree:
        raise Rejected("halves_disagree")
    limit = max(cfg.max_uncertainty_kmh, cfg.max_uncertainty_frac * passage.speed_kmh)
    if 2.0 * budget.u * MS_TO_KMH > limit:
        raise Rejected("high_uncertainty")
