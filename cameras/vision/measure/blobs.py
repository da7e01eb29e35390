"""Motion blobs to vehicles: joining the pieces of one, splitting two side by side.

Splitting a motion blob that holds two vehicles in neighbouring lanes:

Vehicles side by side in neighbouring lanes - one overtaking the other - often touch in
the image: a roof or a mirror bridges the lane between them, and background subtraction
gives one blob for both. Its box is wrong for each, and while it lasts one of the two
tracks is lost. Such a blob is two masses joined by a thin bridge: its per-column
foreground count has a deep valley. It is cut there only when the two parts stand in
different lanes on the road plane (bottom-centres laterally apart), so the cab and trailer
of one truck, or a car close behind another in the same lane, are never split.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
ToRoad = Callable[[FloatArray], FloatArray]  # working-scale pixels (N, 2) -> road (N, 2) m


def merge_fragments(
    labels: NDArray[np.int32],
    stats: NDArray[np.int32],
    gap: float = 0.25,
    share: float = 0.5,
    stack_gap: float = 0.25,
    stack_share: float = 0.8,
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Join the pieces of one vehicle that background subtraction split apart.

    A vehicle the colour of the road (or a plain van side) shows only as its edges and
    windows: several blobs side by side, whose boxes jump from frame to frame as pieces
    come and go. Two blobs are one vehicle when they overlap vertically by ``share`` of
    the lower one and the horizontal gap between them is at most ``gap`` of the taller
    one's height, or when one box lies mostly inside the other. Vehicles in
    neighbouring lanes are a lane's clearance apart - about their own height - so they
    stay separate.

    A tall vehicle near the camera (a truck or van side) can also split across a band
    the colour of the road into pieces one above the other; the track would then follow
    only one of them. Two blobs are stacked pieces of one vehicle when they span nearly
    the same columns (overlap by ``stack_share`` of the wider one) and the vertical gap
    between them is at most ``stack_gap`` of the shorter one's height: a vehicle beyond
    another appears narrower, and one following in the same lane is a headway behind.
    Returns the relabelled image and (label 0 = background) stats.
    """
    n = len(stats)
    if n <= 2:
        return labels, stats
    x0 = stats[:, cv2.CC_STAT_LEFT].astype(np.float64)
    y0 = stats[:, cv2.CC_STAT_TOP].astype(np.float64)
    x1 = x0 + stats[:, cv2.CC_STAT_WIDTH]
    y1 = y0 + stats[:, cv2.CC_STAT_HEIGHT]
    h = y1 - y0
    w = x1 - x0
    area_box = (x1 - x0) * h
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(1, n):
        for j in range(i + 1, n):
            ov_y = min(y1[i], y1[j]) - max(y0[i], y0[j])
            gap_x = max(x0[i], x0[j]) - min(x1[i], x1[j])
            ov_x = -gap_x
            side = ov_y >= share * min(h[i], h[j]) and gap_x <= gap * max(h[i], h[j])
            inside = ov_x > 0 and ov_y > 0 and ov_x * ov_y >= share * min(area_box[i], area_box[j])
            gap_y = -ov_y
            stacked = ov_x >= stack_share * max(w[i], w[j]) and gap_y <= stack_gap * min(h[i], h[j])
            if side or inside or stacked:
                parent[root(j)] = root(i)
    roots = np.array([root(i) for i in range(n)])
    if np.all(roots == np.arange(n)):
        return labels, stats
    out = stats.copy()
    for r in np.unique(roots[1:]):
        members = np.flatnonzero(roots == r)
        if len(members) == 1:
            continue
        bx0, by0 = x0[members].min(), y0[members].min()
        bx1, by1 = x1[members].max(), y1[members].max()
        out[r, :4] = (bx0, by0, bx1 - bx0, by1 - by0)
        out[r, cv2.CC_STAT_AREA] = stats[members, cv2.CC_STAT_AREA].sum()
        out[members[members != r], cv2.CC_STAT_AREA] = 0  # absorbed
    lut = roots.astype(np.int32)
    return np.asarray(lut[labels], dtype=np.int32), out


def _part(mask: NDArray[np.bool_]) -> tuple[int, int, int, int, int] | None:
    """(x, y, w, h, area) of the pixels set in ``mask``; None if empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return None
    return (
        int(cols[0]),
        int(rows[0]),
        int(cols[-1] - cols[0] + 1),
        int(rows[-1] - rows[0] + 1),
        int(mask.sum()),
    )


def split_neighbours(
    labels: NDArray[np.int32],
    stats: NDArray[np.int32],
    to_road: ToRoad,
    min_area: float,
    valley: float = 0.45,
    lateral_m: float = 2.0,
    along_m: float = 4.0,
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Cut each blob that holds two vehicles side by side (see the module doc).

    A blob is cut at the column of least foreground in its middle 60 % when that column
    holds under ``valley`` of the smaller side's peak, both parts have ``min_area``
    pixels, and the parts' bottom-centres are ``lateral_m`` apart across the road and
    at most ``along_m`` along it (side by side: the two halves of one vehicle seen
    obliquely lie one behind the other). The
    right part gets a new label; returns the relabelled image and stats.
    """
    labels, stats = labels.copy(), stats.copy()
    rows = [stats]
    nxt = len(stats)
    for k in range(1, len(stats)):
        x, y, w, h, area = (int(v) for v in stats[k, :5])
        if area < 2 * min_area or w < 10:
            continue
        sub = labels[y : y + h, x : x + w] == k
        count = sub.sum(axis=0)
        lo, hi = int(0.2 * w), int(0.8 * w)
        if hi - lo < 2:
            continue
        c = lo + int(np.argmin(count[lo:hi]))
        if count[c] > valley * min(count[:c].max(), count[c:].max(initial=0)):
            continue
        left, right = sub.copy(), sub.copy()
        left[:, c:] = False
        right[:, :c] = False
        parts = [_part(left), _part(right)]
        if any(p is None or p[4] < min_area for p in parts):
            continue
        bottoms = np.array(
            [[x + p[0] + (p[2] - 1) / 2.0, y + p[1] + p[3] - 1] for p in parts if p is not None],
            dtype=np.float64,
        )
        road = to_road(bottoms)
        apart = np.abs(road[1] - road[0]) if np.all(np.isfinite(road)) else None
        if apart is None or apart[0] < lateral_m or apart[1] > along_m:
            continue
        pl, pr = parts[0], parts[1]
        assert pl is not None and pr is not None
        stats[k] = (x + pl[0], y + pl[1], pl[2], pl[3], pl[4])
        labels[y : y + h, x : x + w][right] = nxt
        rows.append(np.array([[x + pr[0], y + pr[1], pr[2], pr[3], pr[4]]], dtype=stats.dtype))
        nxt += 1
    out = np.vstack(rows).astype(np.int32)
    assert out.shape[1] == 5 and cv2.CC_STAT_AREA == 4
    return labels, out
