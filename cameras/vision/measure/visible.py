"""The part of the measurement zone the camera actually sees (no Django).

A zone drawn partly outside the picture (a pole moved, a lens swapped, a zone surveyed
on a plan) can never be crossed *visibly* end to end: every vehicle would come back
``incomplete_zone``. The engine measures over the visible part instead: the zone
intersected with the road the picture shows, a few pixels in from its edges (a box
touching an edge is clipped and its bottom is no contact point). The shorter base gives
a larger U, which each reading carries; the calibration screen warns about it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.measure.geometry import RoadPlane, points_in_polygon, zone_extent_at

FloatArray = NDArray[np.float64]

__all__ = ["VisibleZone", "visible_zone"]

GRID_M = 0.1  # road-plane sampling step of the zone (the clipped outline's resolution)
EDGE_PX = 4.0  # contacts this close to the picture's edge are not trusted
# Seen this much of its area, the zone is used as drawn: a sliver of a corner cut by the
# picture's edge changes no lane's stretch by more than the grid.
SEEN_WHOLE = 0.99


@dataclass(frozen=True)
class VisibleZone:
    polygon: FloatArray  # road-plane (N, 2): the zone as seen; the zone itself if all seen
    seen_fraction: float  # of the zone's area
    length_m: float  # the shortest along-road stretch seen, over the zone's width
    zone_length_m: float

    @property
    def clipped(self) -> bool:
        return self.seen_fraction < SEEN_WHOLE


def visible_zone(
    plane: RoadPlane, zone: FloatArray, width: int, height: int, edge_px: float = EDGE_PX
) -> VisibleZone:
    """The zone intersected with what a ``width`` x ``height`` picture shows of the road."""
    zone = np.asarray(zone, dtype=np.float64).reshape(-1, 2)
    (x0, y0), (x1, y1) = zone.min(axis=0), zone.max(axis=0)
    full = VisibleZone(zone, 1.0, float(y1 - y0), float(y1 - y0))
    # cell centres: the outline itself is never sampled, so no point sits on an edge
    xs = np.arange(x0 + GRID_M / 2, x1, GRID_M)
    ys = np.arange(y0 + GRID_M / 2, y1, GRID_M)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.c_[gx.ravel(), gy.ravel()]
    pts = np.vstack([pts[points_in_polygon(pts, zone)], _outline(zone)])
    if len(pts) == 0:
        return full
    img = plane.world_to_image(pts)
    seen = (
        np.all(np.isfinite(img), axis=1)
        & (img[:, 0] >= edge_px)
        & (img[:, 0] <= width - edge_px)
        & (img[:, 1] >= edge_px)
        & (img[:, 1] <= height - edge_px)
    )
    fraction = float(seen.mean())
    if fraction >= SEEN_WHOLE:
        return full
    if seen.sum() < 3:
        return VisibleZone(zone[:0], fraction, 0.0, full.zone_length_m)
    hull = cv2.convexHull(pts[seen].astype(np.float32)).reshape(-1, 2).astype(np.float64)
    (hx0, _), (hx1, _) = hull.min(axis=0), hull.max(axis=0)
    stretches = [np.subtract(*zone_extent_at(hull, x))[()] for x in np.linspace(hx0, hx1, 11)[1:-1]]
    length = float(min(abs(d) for d in stretches))
    return VisibleZone(hull, fraction, length, full.zone_length_m)


def _outline(zone: FloatArray) -> FloatArray:
    """Points along the zone's edges every ``GRID_M``, its corners included: the seen
    part's hull then keeps the zone's own edges where they are seen."""
    out = []
    for a, b in zip(zone, np.roll(zone, -1, axis=0), strict=True):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / GRID_M)))
        out.append(a + np.linspace(0.0, 1.0, n, endpoint=False)[:, None] * (b - a))
    return np.vstack(out)
