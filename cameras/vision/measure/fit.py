"""Robust straight-line fit (position against time) with the slope's standard error.

Huber-weighted iteratively reweighted least squares: samples within ``k`` robust sigmas
keep full weight (so with clean data it *is* ordinary least squares, the most efficient
estimator), outliers - a box that briefly grew by a shadow, a mis-segmented frame - get
weight ``k * sigma / |r|`` and cannot drag the speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class LineFit:
    """y = intercept + slope * (t - t_ref); ``slope_se`` is the slope's standard error."""

    slope: float
    intercept: float
    t_ref: float
    slope_se: float
    sigma: float  # robust scale of the residuals
    residuals: FloatArray
    weights: FloatArray
    n: int

    def predict(self, t: FloatArray) -> FloatArray:
        return np.asarray(self.intercept + self.slope * (np.asarray(t) - self.t_ref))

    def time_at(self, y: float) -> float:
        """Time at which the line reaches position ``y`` (NaN for a flat line)."""
        if abs(self.slope) < 1e-9:
            return float("nan")
        return self.t_ref + (y - self.intercept) / self.slope


def _mad_sigma(r: FloatArray) -> float:
    return float(1.4826 * np.median(np.abs(r - np.median(r))))


def step_noise(y: FloatArray) -> float:
    """Per-sample noise of positions sampled at a steady rate, from their second
    differences (robust scale / sqrt(6)): steady motion, and even a gradual change of
    speed, cancels out of them, so it is the noise of the measurement alone."""
    d2 = np.diff(np.asarray(y, dtype=np.float64), 2)
    if len(d2) == 0:
        return 0.0
    return _mad_sigma(d2) / float(np.sqrt(6.0))


def robust_line_fit(
    t: FloatArray, y: FloatArray, k: float = 1.345, iterations: int = 20
) -> LineFit:
    """Huber IRLS fit of ``y`` against ``t``; needs at least 3 points with distinct t."""
    t = np.asarray(t, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = len(t)
    if n < 3 or np.ptp(t) <= 0:
        raise ValueError("a line fit needs at least 3 samples at distinct times")
    t_ref = float(t.mean())
    tc = t - t_ref
    w = np.ones(n)
    slope = intercept = 0.0
    sigma = 0.0
    for _ in range(iterations):
        sw = w.sum()
        tm = float((w * tc).sum() / sw)
        ym = float((w * y).sum() / sw)
        stt = float((w * (tc - tm) ** 2).sum())
        new_slope = float((w * (tc - tm) * (y - ym)).sum() / stt)
        new_intercept = ym - new_slope * tm
        r = y - (new_intercept + new_slope * tc)
        sigma = _mad_sigma(r)
        # A floor keeps near-perfect (synthetic, quantised) data from giving infinite weights.
        scale = max(sigma, 1e-6 * max(1.0, float(np.abs(y).max())))
        w_new = np.minimum(1.0, k * scale / np.maximum(np.abs(r), 1e-12))
        converged = abs(new_slope - slope) < 1e-10 * max(1.0, abs(new_slope))
        slope, intercept, w = new_slope, new_intercept, w_new
        if converged:
            break
    r = y - (intercept + slope * tc)
    sw = w.sum()
    tm = float((w * tc).sum() / sw)
    stt = float((w * (tc - tm) ** 2).sum())
    # Weighted residual variance with n - 2 degrees of freedom (two line parameters).
    s2 = float((w * r**2).sum() / max(sw - 2.0, 1.0)) if n > 2 else 0.0
    slope_se = float(np.sqrt(s2 / stt)) if stt > 0 else float("inf")
    return LineFit(
        slope=slope,
        intercept=intercept,
        t_ref=t_ref,
        slope_se=slope_se,
        sigma=max(sigma, float(np.sqrt(s2))) if n > 2 else 0.0,
        residuals=r,
        weights=w,
        n=n,
    )


def timestamp_scatter(t: FloatArray) -> float:
    """Scatter (s, RMS) of frame timestamps about a steady frame clock.

    Each stamp is set against its frame count - the frames between two samples counted
    in typical intervals, so a missed detection or a dropped frame is not scatter - and
    a straight line through them; the residuals are how far the stamps stray from the
    clock's cadence. RMS, not a robust scale: a few late stamps count in full.
    0.0 with fewer than 4 stamps (nothing to measure).
    """
    t = np.asarray(t, dtype=np.float64)
    dt = np.diff(t)
    if len(dt) < 3:
        return 0.0
    nominal = float(np.median(dt))
    if nominal <= 0:
        return 0.0
    count = np.r_[0.0, np.cumsum(np.maximum(np.round(dt / nominal), 1.0))]
    # Counting interval by interval lets one stamp that strays past half an interval
    # shift every count after it; re-count each stamp from the fitted clock instead.
    for _ in range(5):
        slope, intercept = np.polyfit(count, t, 1)
        recount = np.round((t - intercept) / slope)
        if np.array_equal(recount, count):
            break
        count = recount
    slope, intercept = np.polyfit(count, t, 1)
    r = t - (intercept + slope * count)
    return float(np.sqrt((r**2).sum() / (len(t) - 2)))
