"""Is a track's box the same whole vehicle in every zone frame? Checks on the box sizes
and steps that come before any speed is believed.

Each check names what failed, as a ``reject_reason``: a box smaller than any vehicle
(``fragment``), another vehicle taking over the id (``identity_switch``), a box partly
hidden or merged with a neighbour's (``occlusion_or_merge``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from cameras.vision.measure.speed_config import SpeedConfig

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def box_inconsistency(
    t: FloatArray,
    y: FloatArray,
    x: FloatArray,
    boxes: FloatArray,
    ppm: FloatArray,
    side_ok: BoolArray,
    top_ok: BoolArray,
    overlap: FloatArray,
    slope: float,
    noise: float,
    cfg: SpeedConfig,
) -> str | None:
    """The reject reason of the zone's samples, or None when they are one vehicle's.

    ``t``, ``y``, ``x``: times and road positions (m); ``boxes``: image boxes; ``ppm``:
    pixels per metre at each contact point; ``side_ok``/``top_ok``: boxes not cut at the
    side/top by the view's edge; ``overlap``: share of the box's bottom band another
    track's box covers; ``slope``: the zone's fitted speed (m/s); ``noise``: per-sample
    position noise (m).
    """
    dt = np.diff(t)
    dt_med = float(np.median(dt))
    w_box = boxes[:, 2] - boxes[:, 0]
    h_box = boxes[:, 3] - boxes[:, 1]
    w_n, h_n = w_box / ppm, h_box / ppm  # perspective-normalised size (roughly metres)
    # A box smaller than any vehicle is a piece of one - a plate, a light, a window
    # that background subtraction kept while the body matched the road. Its bottom
    # edge is above the road, so its projection runs ahead of the vehicle: a steady,
    # self-consistent over-read (H / (H - h)) that no other check can see.
    # A box cut by the view's edge shows only part of the vehicle: that dimension
    # is judged on uncut boxes only, and not at all without a few of them.
    for size, uncut, least in (
        (w_n, side_ok, cfg.min_vehicle_width_m),
        (h_n, top_ok, cfg.min_vehicle_height_m),
    ):
        if uncut.sum() >= 3 and float(np.median(size[uncut])) < least:
            return "fragment"

    # Another vehicle taking over the id shows as a sudden position step (a
    # discontinuity, unlike a reversal or an acceleration, which are gradual), a
    # lateral step, or a box whose width and height change together.
    jump = max(cfg.jump_m, cfg.jump_sigmas * noise)
    r_w = np.exp(np.abs(np.diff(np.log(np.maximum(w_n, 1e-9)))))
    r_h = np.exp(np.abs(np.diff(np.log(np.maximum(h_n, 1e-9)))))
    # A step's departure from steady motion, between samples close in time (across a
    # long gap the vehicle may legitimately have changed speed).
    close = dt <= 2.5 * dt_med
    step_dev = (np.diff(y) - slope * dt)[close]
    # Sizes and lateral positions are compared only between boxes not cut there.
    w_pair = side_ok[1:] & side_ok[:-1]
    h_pair = top_ok[1:] & top_ok[:-1]
    both = w_pair & h_pair
    if (
        np.any(np.abs(step_dev) > jump)
        or np.any(np.abs(np.diff(x)[close & w_pair]) > cfg.jump_m)
        or np.any((r_w > cfg.size_jump_ratio) & (r_h > cfg.size_jump_ratio) & both)
    ):
        return "identity_switch"

    # Occlusion or two vehicles merged into one box: the normalised area or the aspect
    # ratio changes abruptly, or the box overlaps another track's.
    area = w_n * h_n
    r_area = np.exp(np.abs(np.diff(np.log(np.maximum(area, 1e-12)))))
    aspect = w_box / np.maximum(h_box, 1e-9)
    r_aspect = np.exp(np.abs(np.diff(np.log(np.maximum(aspect, 1e-9)))))
    if (
        np.any((r_area > cfg.area_change_ratio) & both)
        or np.any((r_aspect > cfg.aspect_change_ratio) & both)
        or np.any(overlap > cfg.overlap_share)
    ):
        return "occlusion_or_merge"
    return None
