"""The part of the measurement zone the camera actually sees (no Django).

A zone drawn partly outside the picture (a pole moved, a lens swapped, a zone surveyed
on a plan) can never be crossed *visibly* end to end: every vehicle would come back
``incomplete_zone``. The engine measures over the visible part instead: the zone
intersected with the road the picture shows, a few pixels in from its edges (a box
touching an edge is clipped and its bottom is no contact point). The shorter base gives
a larger U, which each reading carries; the calibration screen warns about it.

Where the picture's edge cuts the zone, a vehicle's contact comes into view before the
vehicle does: its body lies beyond the contact, away from the camera, and a box clipped
by the edge is no whole vehicle (YOLO finds it only once it is mostly in view). The
``whole`` part is where a car's footprint lies wholly in the picture; the seen check
takes a zone end the edge cuts as reached anywhere between the two (tuning full, draw
1011: a camera 4 m up, the zone's near part cut by the picture's right edge; all of
YOLO's tracks came back ``incomplete_zone``, the one examined first boxed a frame after
motion's blob, 2.2 m past the seen part's first line).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
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
# A car's footprint on the road (m, across and along): the seen part's ``whole`` part is
# where it lies in the picture, its near end at the contact.
CAR_FOOTPRINT_M = (1.8, 4.5)


@dataclass(frozen=True)
class VisibleZone:
    polygon: FloatArray  # road-plane (N, 2): the zone as seen; the zone itself if all seen
    seen_fraction: float  # of the zone's area
    length_m: float  # the shortest along-road stretch seen, over the zone's width
    zone_length_m: float
    # where a car's footprint lies wholly in the picture (the polygon itself when the
    # zone is seen whole, or where no car fits whole)
    whole: FloatArray

    @property
    def clipped(self) -> bool:
        return self.seen_fraction < SEEN_WHOLE


def visible_zone(
    plane: RoadPlane, zone: FloatArray, width: int, height: int, edge_px: float = EDGE_PX
) -> VisibleZone:
    """The zone intersected with what a ``width`` x ``height`` picture shows of the road."""
    zone = np.asarray(zone, dtype=np.float64).reshape(-1, 2)
    (x0, y0), (x1, y1) = zone.min(axis=0), zone.max(axis=0)
    full = VisibleZone(zone, 1.0, float(y1 - y0), float(y1 - y0), zone)
    # cell centres: the outline itself is never sampled, so no point sits on an edge
    xs = np.arange(x0 + GRID_M / 2, x1, GRID_M)
    ys = np.arange(y0 + GRID_M / 2, y1, GRID_M)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.c_[gx.ravel(), gy.ravel()]
    pts = np.vstack([pts[points_in_polygon(pts, zone)], _outline(zone)])
    if len(pts) == 0:
        return full
    in_picture = functools.partial(_in_picture, plane, width, height, edge_px)
    seen = in_picture(pts)
    fraction = float(seen.mean())
    if fraction >= SEEN_WHOLE:
        return full
    if seen.sum() < 3:
        return VisibleZone(zone[:0], fraction, 0.0, full.zone_length_m, zone[:0])
    hull = _hull(pts[seen])
    (hx0, _), (hx1, _) = hull.min(axis=0), hull.max(axis=0)
    stretches = [np.subtract(*zone_extent_at(hull, x))[()] for x in np.linspace(hx0, hx1, 11)[1:-1]]
    length = float(min(abs(d) for d in stretches))
    whole = seen & _footprint_in_picture(plane, pts, in_picture)
    return VisibleZone(
        hull, fraction, length, full.zone_length_m, _hull(pts[whole]) if whole.sum() >= 3 else hull
    )


def _in_picture(
    plane: RoadPlane, width: int, height: int, edge_px: float, pts: FloatArray
) -> NDArray[np.bool_]:
    """Which road points the picture shows, ``edge_px`` in from its edges."""
    img = plane.world_to_image(pts)
    return np.asarray(
        np.all(np.isfinite(img), axis=1)
        & (img[:, 0] >= edge_px)
        & (img[:, 0] <= width - edge_px)
        & (img[:, 1] >= edge_px)
        & (img[:, 1] <= height - edge_px)
    )


def _footprint_in_picture(
    plane: RoadPlane, pts: FloatArray, in_picture: Callable[[FloatArray], NDArray[np.bool_]]
) -> NDArray[np.bool_]:
    """Which contacts have a car's whole footprint in the picture: its near end at the
    contact, across the road either side of it, along the road away from the camera
    (the direction in which the road rises in the picture)."""
    across, along = CAR_FOOTPRINT_M
    step = np.array([0.0, 0.5])
    rises = plane.world_to_image(pts + step)[:, 1] < plane.world_to_image(pts)[:, 1]
    away = np.where(rises, along, -along)
    ok = np.ones(len(pts), dtype=bool)
    for dx, far in ((-across / 2, 0.0), (across / 2, 0.0), (-across / 2, 1.0), (across / 2, 1.0)):
        corner = np.c_[pts[:, 0] + dx, pts[:, 1] + far * away]
        ok &= in_picture(corner) & plane.in_front(corner)
    return ok


def _hull(pts: FloatArray) -> FloatArray:
    return cv2.convexHull(pts.astype(np.float32)).reshape(-1, 2).astype(np.float64)


def _outline(zone: FloatArray) -> FloatArray:
    """Points along the zone's edges every ``GRID_M``, its corners included: the seen
    part's hull then keeps the zone's own edges where they are seen."""
    out = []
    for a, b in zip(zone, np.roll(zone, -1, axis=0), strict=True):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / GRID_M)))
        out.append(a + np.linspace(0.0, 1.0, n, endpoint=False)[:, None] * (b - a))
    return np.vstack(out)
