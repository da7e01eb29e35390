"""Small geometry helpers over GeoJSON (lon/lat): which polygon holds a point, distances
on the sphere, and an SVG projection of polygons for maps drawn without a tile server."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from shapely.geometry import Point, shape

EARTH_RADIUS_M = 6_371_008.8


def contains(polygon: dict[str, Any], lon: float, lat: float) -> bool:
    return bool(shape(polygon).covers(Point(lon, lat)))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def degree_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lat/lon box that holds the circle, for a cheap database prefilter."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _rings(polygon: dict[str, Any]) -> list[Sequence[Sequence[float]]]:
    if polygon["type"] == "Polygon":
        return list(polygon["coordinates"])
    return [ring for poly in polygon["coordinates"] for ring in poly]


class SvgProjection:
    """Fits lon/lat into a width x height box (equirectangular, scaled by cos(latitude))."""

    def __init__(self, polygons: Iterable[dict[str, Any]], width: float = 600, pad: float = 8):
        points = [pt for poly in polygons for ring in _rings(poly) for pt in ring]
        if not points:
            points = [(0.0, 0.0), (1.0, 1.0)]
        lons = [p[0] for p in points]
        lats = [p[1] for p in points]
        self.min_lon, self.max_lat = min(lons), max(lats)
        self.kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
        span_x = max((max(lons) - self.min_lon) * self.kx, 1e-9)
        span_y = max(self.max_lat - min(lats), 1e-9)
        self.scale = (width - 2 * pad) / span_x
        self.pad = pad
        self.width = width
        self.height = span_y * self.scale + 2 * pad

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = self.pad + (lon - self.min_lon) * self.kx * self.scale
        y = self.pad + (self.max_lat - lat) * self.scale
        return round(x, 1), round(y, 1)

    def path(self, polygon: dict[str, Any]) -> str:
        parts = []
        for ring in _rings(polygon):
            coords = [self.xy(pt[0], pt[1]) for pt in ring]
            parts.append("M" + " L".join(f"{x},{y}" for x, y in coords) + " Z")
        return " ".join(parts)
