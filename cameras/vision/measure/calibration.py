"""Camera calibration: the JSON contract, its validation, and the road plane it defines.

Contract (ARCHITECTURE.md)::

    {"image_points": [[u, v], ...], "world_points": [[x_m, y_m], ...],
     "zone": [[x_m, y_m], ...], "speed_limit_kmh": 50, "fps": 30.0}

Optional keys: ``camera_matrix`` (3x3) and ``dist_coeffs`` (OpenCV order k1 k2 p1 p2 [k3 ...])
for lens undistortion; ``survey_sigma_m``, the standard uncertainty of one surveyed road
point (default 0.03 m), which floors the calibration term of the speed uncertainty because
with few points the residuals understate the survey error (with exactly 4 they are 0);
``max_residual_m``, the largest acceptable reprojection RMS (default 0.5 m);
``readout_s``, a rolling-shutter sensor's readout time from its first row to its last
(data sheet; default 0, a global shutter), so each contact point is timed by its row.

Every CalibrationError message says what to fix: calibrations are written by people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cameras.vision.errors import CalibrationError
from cameras.vision.measure.geometry import LensModel, RoadPlane, as_points

FloatArray = NDArray[np.float64]

DEFAULT_SURVEY_SIGMA_M = 0.03
DEFAULT_MAX_RESIDUAL_M = 0.5
# Below this a pixel of box error is more than a metre of road: no speed can be trusted.
MIN_PIXELS_PER_METRE = 1.0


def _segments_cross(p1: FloatArray, p2: FloatArray, q1: FloatArray, q2: FloatArray) -> bool:
    """True when segments p1p2 and q1q2 properly intersect (touching ends do not count)."""

    def orient(a: FloatArray, b: FloatArray, c: FloatArray) -> float:
        return float((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))

    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0


def polygon_area(poly: FloatArray) -> float:
    """Signed shoelace area (positive counter-clockwise)."""
    x, y = poly[:, 0], poly[:, 1]
    return float(0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def validate_zone(zone: FloatArray) -> None:
    """Raise CalibrationError unless ``zone`` is a simple polygon with an area."""
    if len(zone) < 3:
        raise CalibrationError(
            f"zone needs at least 3 corners (road-plane metres), got {len(zone)}"
        )
    n = len(zone)
    for i in range(n):
        for j in range(i + 1, n):
            if abs(i - j) in (1, n - 1):
                continue  # neighbouring edges share a corner
            if _segments_cross(zone[i], zone[(i + 1) % n], zone[j], zone[(j + 1) % n]):
                raise CalibrationError(
                    f"zone edges {i} and {j} cross: list the corners in order around the polygon"
                )
    if abs(polygon_area(zone)) < 1.0:
        raise CalibrationError(
            "zone has (nearly) no area: its corners must enclose the measured stretch of road"
        )


@dataclass(frozen=True)
class Calibration:
    """A validated calibration; ``plane`` is the fitted road-plane homography."""

    image_points: FloatArray
    world_points: FloatArray
    zone: FloatArray
    speed_limit_kmh: float
    fps: float
    camera_matrix: FloatArray | None = None
    dist_coeffs: FloatArray | None = None
    survey_sigma_m: float = DEFAULT_SURVEY_SIGMA_M
    max_residual_m: float = DEFAULT_MAX_RESIDUAL_M
    readout_s: float = 0.0
    plane: RoadPlane = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("speed_limit_kmh", "fps", "survey_sigma_m", "max_residual_m"):
            value = getattr(self, name)
            if not np.isfinite(value) or value <= 0:
                raise CalibrationError(f"{name} must be a positive number, got {value!r}")
        if not np.isfinite(self.readout_s) or not 0.0 <= self.readout_s <= 1.0 / self.fps:
            raise CalibrationError(
                f"readout_s is a rolling shutter's readout time, first row to last: between "
                f"0 (a global shutter) and one frame interval (1/fps = {1.0 / self.fps:.4f} s), "
                f"got {self.readout_s!r}; take it from the sensor's data sheet"
            )
        lens = None
        if (self.camera_matrix is None) != (self.dist_coeffs is None):
            raise CalibrationError(
                "lens undistortion needs both camera_matrix and dist_coeffs (or neither)"
            )
        if self.camera_matrix is not None and self.dist_coeffs is not None:
            k = np.asarray(self.camera_matrix, dtype=np.float64)
            d = np.asarray(self.dist_coeffs, dtype=np.float64).ravel()
            if k.shape != (3, 3) or not np.all(np.isfinite(k)) or k[0, 0] <= 0 or k[1, 1] <= 0:
                raise CalibrationError(
                    "camera_matrix must be [[fx,0,cx],[0,fy,cy],[0,0,1]] with positive fx, fy"
                )
            if d.size not in (4, 5, 8, 12, 14) or not np.all(np.isfinite(d)):
                raise CalibrationError(
                    "dist_coeffs must hold 4, 5, 8, 12 or 14 numbers "
                    "(OpenCV order k1 k2 p1 p2 k3 ...)"
                )
            lens = LensModel(k, d)
        validate_zone(self.zone)
        plane = RoadPlane(self.image_points, self.world_points, lens)
        if plane.dof > 0 and plane.rms_m > self.max_residual_m:
            worst = int(np.argmax(plane.residuals_m))
            raise CalibrationError(
                f"the surveyed points disagree with a flat road: reprojection RMS "
                f"{plane.rms_m:.2f} m exceeds {self.max_residual_m} m (worst is point {worst}, "
                f"{plane.residuals_m[worst]:.2f} m): check that pair or the survey"
            )
        if not np.all(plane.in_front(self.zone, margin=1e-3)):
            behind = np.flatnonzero(~plane.in_front(self.zone, margin=1e-3)).tolist()
            raise CalibrationError(
                f"zone corners {behind} lie at or behind the horizon of this homography, so the "
                "zone would fold in the image: move the zone nearer the camera or fix the points"
            )
        ppm = plane.pixels_per_metre(self.zone)
        if np.any(~np.isfinite(ppm) | (ppm < MIN_PIXELS_PER_METRE)):
            raise CalibrationError(
                f"the zone reaches so near the horizon that one pixel spans more than "
                f"{1 / MIN_PIXELS_PER_METRE:.0f} m of road: shorten the zone towards the camera"
            )
        object.__setattr__(self, "plane", plane)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        """Build from the JSON contract; raises CalibrationError naming what is wrong."""
        if not isinstance(data, dict):
            raise CalibrationError("a calibration must be a JSON object")
        missing = [
            k
            for k in ("image_points", "world_points", "zone", "speed_limit_kmh", "fps")
            if k not in data
        ]
        if missing:
            raise CalibrationError(f"calibration lacks required keys: {', '.join(missing)}")

        def number(key: str, default: float | None = None) -> float:
            value = data.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise CalibrationError(f"{key} must be a number, got {value!r}")
            return float(value)

        cm = data.get("camera_matrix")
        dc = data.get("dist_coeffs")
        try:
            camera_matrix = None if cm is None else np.asarray(cm, dtype=np.float64)
            dist_coeffs = None if dc is None else np.asarray(dc, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise CalibrationError(f"camera_matrix/dist_coeffs are not numeric: {exc}") from exc
        try:
            image_points = as_points(data["image_points"], "image_points")
            world_points = as_points(data["world_points"], "world_points")
            zone = as_points(data["zone"], "zone")
        except (TypeError, ValueError) as exc:
            if isinstance(exc, CalibrationError):
                raise
            raise CalibrationError(f"points must be lists of [number, number]: {exc}") from exc
        return cls(
            image_points=image_points,
            world_points=world_points,
            zone=zone,
            speed_limit_kmh=number("speed_limit_kmh"),
            fps=number("fps"),
            camera_matrix=camera_matrix,
            dist_coeffs=dist_coeffs,
            survey_sigma_m=number("survey_sigma_m", DEFAULT_SURVEY_SIGMA_M),
            max_residual_m=number("max_residual_m", DEFAULT_MAX_RESIDUAL_M),
            readout_s=number("readout_s", 0.0),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (round-trips through :meth:`from_dict`)."""
        out: dict[str, Any] = {
            "image_points": self.image_points.tolist(),
            "world_points": self.world_points.tolist(),
            "zone": self.zone.tolist(),
            "speed_limit_kmh": self.speed_limit_kmh,
            "fps": self.fps,
            "survey_sigma_m": self.survey_sigma_m,
            "max_residual_m": self.max_residual_m,
        }
        if self.readout_s > 0:
            out["readout_s"] = self.readout_s
        if self.camera_matrix is not None and self.dist_coeffs is not None:
            out["camera_matrix"] = np.asarray(self.camera_matrix).tolist()
            out["dist_coeffs"] = np.asarray(self.dist_coeffs).ravel().tolist()
        return out

    @property
    def calibration_sigma_m(self) -> float:
        """Standard uncertainty (m) of one road position due to the calibration.

        The RMS is inflated by sqrt(2N / (2N - 8)) because the fit absorbed 8 degrees of
        freedom, and floored by the declared survey uncertainty.
        """
        p = self.plane
        if p.dof <= 0:
            return self.survey_sigma_m
        unbiased = p.rms_m * float(np.sqrt(2 * len(p.image_points) / p.dof))
        return max(self.survey_sigma_m, unbiased)


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a calibration JSON file; CalibrationError names the file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CalibrationError(f"calibration file {p} does not exist") from exc
    except OSError as exc:
        raise CalibrationError(f"cannot read calibration file {p}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CalibrationError(
            f"calibration file {p} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg})"
        ) from exc
    try:
        return Calibration.from_dict(data)
    except CalibrationError as exc:
        raise CalibrationError(f"{p}: {exc}") from exc
