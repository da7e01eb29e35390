"""Can this camera produce a readable plate? Two properties of a camera, no Django:

* the plate's expected width in pixels across the zone, from the calibration alone: a
  plate ``plate_width_m`` wide, square to the road, projected at each point of the zone
  (the homography maps the road plane; a plate 0.3-0.6 m above it is a few per cent
  nearer the camera, so the figure errs low, on the safe side). The evidence reads the
  plate where the vehicle is largest, at the zone's near edge, so what decides is the
  near edge's width at the worst lateral position (``near_px``);
* the picture's sharpness inside the zone (variance of the Laplacian): a defocused or
  fogged lens fails it while the frame still looks "alive".

Defaults (2026-12-06): RapidOCR's recogniser reads Chinese plates (440 mm, 7
characters) from 50 px wide on clean crops and misreads at 40 px (measured by
downscaling shared/data's two plate images); the Haar plate cascade that locates plates
has a 60x20 px window and finds nothing narrower. 80 px leaves a third over the cascade's
floor for motion blur and compression. The UK clip's camera comes out at 60 px at its
zone's near edge and the urban clip's at 18 px: both below it, and no plate was read on
either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import ArrayLike, NDArray

from cameras.vision.measure.geometry import RoadPlane

PLATE_WIDTH_EU_M = 0.52
PLATE_WIDTH_US_M = 0.305
MIN_PLATE_PX = 80
# Variance of the Laplacian over the zone, full resolution. The three calibrated real
# clips score 50-295 in their zones (6 frames each); a Gaussian defocus of sigma 1 px
# brings them to 12-59, of sigma 2 px to 3-11 (measured 2026-12-06).
MIN_ZONE_SHARPNESS = 20.0


@dataclass(frozen=True)
class PlateReadability:
    plate_width_m: float
    min_px: int
    near_px: float  # at the zone's near edge, narrowest lateral position: what decides
    narrowest_px: float  # anywhere in the zone (its far corner)
    widest_px: float

    @property
    def readable(self) -> bool:
        return self.near_px >= self.min_px

    def message(self) -> str:
        width = f"A {self.plate_width_m * 1000:.0f} mm plate is {self.near_px:.0f} px wide"
        if self.readable:
            return f"{width} at the zone's near edge (at least {self.min_px} px needed)."
        return (
            f"{width} at the zone's near edge, under the {self.min_px} px plates need to be "
            "read: evidence from this camera cannot name a vehicle. Zoom in, move the zone "
            "nearer the camera or use a higher resolution; the self-test fails until then."
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "plate_width_m": self.plate_width_m,
            "min_px": self.min_px,
            "near_px": round(self.near_px, 1),
            "narrowest_px": round(self.narrowest_px, 1),
            "widest_px": round(self.widest_px, 1),
            "readable": self.readable,
            "message": self.message(),
        }


def _zone_grid(zone: NDArray[np.float64], step_m: float) -> NDArray[np.float64]:
    """Road points inside the zone polygon, ``step_m`` apart."""
    (x0, y0), (x1, y1) = zone.min(axis=0), zone.max(axis=0)
    xs = np.arange(x0, x1 + 1e-9, step_m)
    ys = np.arange(y0, y1 + 1e-9, step_m)
    grid = np.array([(x, y) for x in xs for y in ys], dtype=np.float64)
    contour = zone.astype(np.float32).reshape(-1, 1, 2)
    inside = [cv2.pointPolygonTest(contour, (float(x), float(y)), False) >= 0 for x, y in grid]
    return grid[np.asarray(inside, dtype=bool)]


def plate_readability(
    plane: RoadPlane,
    zone: ArrayLike,
    plate_width_m: float = PLATE_WIDTH_EU_M,
    min_px: int = MIN_PLATE_PX,
    step_m: float = 0.5,
) -> PlateReadability:
    polygon = np.asarray(zone, dtype=np.float64)
    grid = _zone_grid(polygon, step_m)
    if len(grid) == 0:
        grid = polygon
    half = np.array([plate_width_m / 2, 0.0])
    widths = np.linalg.norm(
        plane.world_to_image(grid + half) - plane.world_to_image(grid - half), axis=1
    )
    # For each lateral position the widest (nearest) reading, then the worst of those.
    near = [widths[np.isclose(grid[:, 0], x)].max() for x in np.unique(grid[:, 0])]
    return PlateReadability(
        plate_width_m, min_px, float(min(near)), float(widths.min()), float(widths.max())
    )


def zone_mask(plane: RoadPlane, zone: ArrayLike, width: int, height: int) -> NDArray[np.uint8]:
    """The zone's pixels in a ``width`` x ``height`` picture (255 inside)."""
    polygon = np.asarray(zone, dtype=np.float64)
    dense = np.concatenate(  # edges subdivided: a lens model bends them
        [
            np.linspace(a, b, 16, endpoint=False)
            for a, b in zip(polygon, np.roll(polygon, -1, 0), strict=True)
        ]
    )
    image_points = plane.world_to_image(dense)
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(image_points).astype(np.int32)], 255)
    return mask


def zone_sharpness(image: NDArray[Any], mask: NDArray[np.uint8]) -> float:
    """Variance of the Laplacian over the zone's pixels (0 when the zone is not seen)."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if mask.shape != grey.shape[:2] or not mask.any():
        return 0.0
    lap = cv2.Laplacian(grey, cv2.CV_64F)
    return float(lap[mask > 0].var())
