"""Screening a track's samples for frames where its box was not the vehicle's own.

Two vehicles in neighbouring lanes whose motion blobs touch become one box for a while;
a vehicle passing behind another loses part of its box. Both show as an abrupt step of
the box's perspective-normalised area or aspect ratio, one step in and one step out.
Rather than reject the whole passage, the run of frames between such steps is set aside
when the rest of the track agrees on the vehicle's own size: the speed is then fitted on
the clean frames only, under every other check (coverage, both halves, 3 % agreement).

A neighbour's blob can also creep into the box over several frames, each step too small
to see: the box bottom then slides onto the neighbour's and runs off the line that the
vehicle's other frames agree on. Frames far off that line (a repeated-medians fit, which
half the frames cannot pull) are set aside the same way (:func:`off_line`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cameras.vision.measure.fit import robust_line_fit, step_noise

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def clean_samples(
    area: FloatArray,
    aspect: FloatArray,
    comparable: BoolArray,
    overlap: FloatArray,
    ratio: float = 1.4,
    aspect_ratio: float = 1.4,
    overlap_share: float = 0.15,
) -> BoolArray:
    """Samples whose box shows the vehicle alone.

    ``area`` and ``aspect`` are per-sample normalised box area and width/height;
    ``comparable`` marks boxes whose size can be compared (not cut by the view's edge);
    ``overlap`` is the share of each box's bottom band another track's box covers in the
    same frame (``track.bottom_overlap``).

    The track is cut into runs at every step of area (by more than ``ratio``) or aspect
    (by more than ``aspect_ratio``) between comparable neighbours. The vehicle's own size
    is the one that the runs holding the most unoverlapped samples agree on, so a merge
    in mid-track cannot outvote the frames around it. Runs whose median size differs
    from it by more than a step are set aside, and so is every overlapped sample. Runs
    without a comparable box cannot be judged and are kept (their size was never used).
    Last, a kept sample still a step from its kept neighbour is set aside when it is the
    further of the two from that size (``_peel_steps``): a merge that fades out leaves
    no step to end its run on.
    """
    n = len(area)
    if n == 0:
        return np.zeros(0, dtype=bool)
    la = np.log(np.maximum(np.asarray(area, dtype=np.float64), 1e-12))
    lr = np.log(np.maximum(np.asarray(aspect, dtype=np.float64), 1e-12))
    ok = np.asarray(comparable, dtype=bool)
    free = np.asarray(overlap, dtype=np.float64) <= overlap_share
    pair = ok[1:] & ok[:-1]
    step = pair & (
        (np.abs(np.diff(la)) > np.log(ratio)) | (np.abs(np.diff(lr)) > np.log(aspect_ratio))
    )
    run = np.concatenate([[0], np.cumsum(step)])
    runs = np.unique(run)
    # Median size of each run (NaN where no box of the run is comparable).
    med = np.full((len(runs), 2), np.nan)
    for i, r in enumerate(runs):
        sel = ok & (run == r)
        if np.any(sel):
            med[i] = float(np.median(la[sel])), float(np.median(lr[sel]))
    limits = np.log([ratio, aspect_ratio])
    # The vehicle's own size: the size agreed on by the most unoverlapped samples.
    best, best_count = -1, -1
    for i in range(len(runs)):
        if np.isnan(med[i, 0]):
            continue
        agree = np.all(np.abs(med - med[i]) <= limits, axis=1)
        count = int(np.sum(free & np.isin(run, runs[agree])))
        if count > best_count:
            best, best_count = i, count
    if best < 0:
        return free.copy()
    ref_a, ref_r = med[best]
    keep = np.zeros(n, dtype=bool)
    for i, r in enumerate(runs):
        sel = run == r
        if np.isnan(med[i, 0]) or (
            abs(med[i, 0] - ref_a) <= limits[0] and abs(med[i, 1] - ref_r) <= limits[1]
        ):
            keep |= sel
    return _peel_steps(la, lr, ok, keep & free, limits, (ref_a, ref_r))


def _peel_steps(
    la: FloatArray,
    lr: FloatArray,
    ok: BoolArray,
    keep: BoolArray,
    limits: FloatArray,
    ref: tuple[float, float],
) -> BoolArray:
    """``keep`` less the samples at the edge of a set-aside run that still step from
    their kept neighbour: a merge seldom ends in one frame (a passing truck's roof leaves
    the box over several), so the first frame kept after the run may still be merged.
    Of two kept comparable neighbours a step apart, the one further from the vehicle's
    own size (``ref``) goes, until no step is left between kept neighbours."""
    keep = keep.copy()
    dist = np.maximum(np.abs(la - ref[0]) / limits[0], np.abs(lr - ref[1]) / limits[1])
    for _ in range(len(keep)):
        idx = np.flatnonzero(keep & ok)
        jumps = (np.abs(np.diff(la[idx])) > limits[0]) | (np.abs(np.diff(lr[idx])) > limits[1])
        if not np.any(jumps):
            break
        i = int(np.flatnonzero(jumps)[0])
        a, b = idx[i], idx[i + 1]
        keep[a if dist[a] > dist[b] else b] = False
    return keep


def off_line(
    t: FloatArray,
    y: FloatArray,
    floor_m: float,
    sigmas: float,
    min_samples: int = 6,
    max_fit_samples: int = 240,
) -> BoolArray:
    """Samples whose position ``y`` (m) at time ``t`` (s) is further than
    ``max(floor_m, sigmas * noise)`` from the line most samples agree on.

    The line is Siegel's repeated-medians fit: it follows the majority even when up to
    half the samples lie anywhere, unlike a least-squares or Huber fit, which a long run
    of merged frames drags towards itself. ``noise`` is the per-sample noise from second
    differences, so a noisy track is not thinned by its own scatter. Too few samples to
    tell a majority: none is off.
    """
    t = np.asarray(t, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    off = np.zeros(len(t), dtype=bool)
    if len(t) < max(min_samples, 3) or np.ptp(t) <= 0:
        return off
    limit = max(floor_m, sigmas * step_noise(y))
    # Repeated medians cost O(n^2) time and memory: a vehicle standing in the zone for
    # minutes has thousands of samples, so the line is found on an even subsample.
    pick = np.unique(np.linspace(0, len(t) - 1, min(len(t), max_fit_samples)).astype(int))
    slope, intercept = repeated_medians(t[pick], y[pick])
    residual = np.abs(y - (intercept + slope * t))
    # Repeated medians of noisy neighbouring samples are themselves noisy: refit on the
    # samples near that line for the line they agree on.
    near = residual <= limit
    if near.sum() >= 3 and np.ptp(t[near]) > 0:
        residual = np.abs(y - robust_line_fit(t[near], y[near]).predict(t))
    return np.asarray(residual > limit)


def repeated_medians(x: FloatArray, y: FloatArray) -> tuple[float, float]:
    """Siegel's repeated-medians line through ``(x, y)``: the median over points of the
    median slope from each point to the others (pairs with equal ``x`` left out), and the
    median intercept under that slope. The same arithmetic as ``scipy.stats.siegelslopes``
    (its ``hierarchical`` method), whose import alone is 0.7 s of a camera worker's
    start (``tests/vision/test_screen.py`` holds the two equal)."""
    dx = x[:, None] - x[None, :]
    dy = y[:, None] - y[None, :]
    paired = dx != 0
    slopes = np.where(paired, dy / np.where(paired, dx, 1.0), np.nan)
    each = np.nanmedian(slopes[paired.any(axis=1)], axis=1)
    slope = float(np.median(each))
    return slope, float(np.median(y - slope * x))


def on_line(
    t_ref: FloatArray,
    y_ref: FloatArray,
    t: FloatArray,
    y: FloatArray,
    floor_m: float,
    sigmas: float,
) -> BoolArray:
    """Which samples (``t``, ``y``) lie within ``max(floor_m, sigmas * noise)`` of the line
    the reference samples agree on (a robust fit; ``noise`` from their second differences,
    as in :func:`off_line`)."""
    line = robust_line_fit(np.asarray(t_ref, np.float64), np.asarray(y_ref, np.float64))
    limit = max(floor_m, sigmas * step_noise(y_ref))
    return np.asarray(np.abs(np.asarray(y) - line.predict(np.asarray(t))) <= limit)


def merge_run(
    t: FloatArray,
    y: FloatArray,
    floor_m: float,
    sigmas: float,
    min_samples: int = 6,
    max_share: float = 0.4,
    cut: BoolArray | None = None,
    within: BoolArray | None = None,
) -> BoolArray:
    """The samples a merge dragged off the line (:func:`off_line`) that can be set aside:
    only runs the track comes back to the line after, and only while they are at most
    ``max_share`` of the samples. A run at either end (a reversal, another vehicle
    taking the id, a merge lasting past the zone) is kept, for the estimator to judge,
    unless every box in it is ``cut`` by the side of the view: a vehicle leaving the
    view sideways loses its lowest corner first, and its box bottom climbs the body.
    With ``within`` (the zone's samples) only those are set aside and the share is of
    them; the others still vote on the line and on whether the track comes back."""
    off = off_line(t, y, floor_m, sigmas, min_samples)
    if np.any(~off):
        own = np.flatnonzero(~off)
        for end in (slice(None, own[0]), slice(own[-1] + 1, None)):
            if cut is None or not np.all(cut[end]):
                off[end] = False
    counted = np.ones(len(off), dtype=bool) if within is None else within
    off &= counted
    if off.sum() > max_share * counted.sum():
        off[:] = False
    return off
