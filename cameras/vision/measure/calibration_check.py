"""Checking a proposed calibration before it is saved: every problem named the way the
calibration screen labels it, and each surveyed point's residual (no Django)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cameras.vision.errors import CalibrationError
from cameras.vision.measure.calibration import Calibration as EngineCalibration
from cameras.vision.measure.geometry import RoadPlane
from cameras.vision.measure.visible import visible_zone

CONTRACT_KEYS = ("image_points", "world_points", "zone", "speed_limit_kmh", "fps")
# Labels people see on the calibration screen, so messages name the column to fix.
_PAIR_LABELS = {
    "image_points": ("picture point", ("u", "v")),
    "world_points": ("survey point", ("x_m", "y_m")),
    "zone": ("zone corner", ("x_m", "y_m")),
}


@dataclass(frozen=True)
class PointResidual:
    """One surveyed point: where it was clicked, where it was surveyed, how far apart."""

    number: int  # 1-based, as on the screen
    u: float
    v: float
    x_m: float
    y_m: float
    projected_x_m: float
    projected_y_m: float

    @property
    def residual_m(self) -> float:
        return math.hypot(self.projected_x_m - self.x_m, self.projected_y_m - self.y_m)


@dataclass(frozen=True)
class CalibrationCheck:
    engine: EngineCalibration
    data: dict[str, Any]  # the normalised contract, as it would be saved
    points: list[PointResidual]
    rms_m: float
    max_residual_m: float
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        plane = self.engine.plane
        return {
            "ok": True,
            "rms_m": self.rms_m,
            "max_residual_m": self.max_residual_m,
            "redundancy": plane.dof,
            "points": [
                {
                    "number": p.number,
                    "residual_m": p.residual_m,
                    "dx_m": p.projected_x_m - p.x_m,
                    "dy_m": p.projected_y_m - p.y_m,
                }
                for p in self.points
            ],
            # Lets the page turn clicks into road metres; only exact without a lens model.
            "homography": plane.h.tolist() if plane.lens is None else None,
            "warnings": self.warnings,
        }


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _check_pairs(data: dict[str, Any], key: str) -> None:
    """Name the first unusable entry the way the screen labels it (1-based)."""
    label, (a, b) = _PAIR_LABELS[key]
    value = data[key]
    if not isinstance(value, list):
        raise CalibrationError(f"{key} must be a list of [{a}, {b}] pairs")
    for i, pair in enumerate(value, start=1):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise CalibrationError(f"{label} {i} must have exactly two numbers ({a}, {b})")
        for name, item in zip((a, b), pair, strict=True):
            if item is None or item == "":
                raise CalibrationError(f"{label} {i}: {name} is empty; type a number")
            if not _is_number(item):
                raise CalibrationError(f"{label} {i}: {name} is not a number ({item!r})")


def _warnings(engine: EngineCalibration, image_size: tuple[int, int] | None) -> list[str]:
    out = []
    if engine.plane.dof == 0:
        out.append(
            "Only 4 point pairs: the fit is exact, so the residuals are zero whatever the "
            "survey error. Add at least 2 more points spread over the zone."
        )
    if image_size is not None:
        w, h = image_size
        for i, (u, v) in enumerate(engine.image_points, start=1):
            if not (0 <= u <= w and 0 <= v <= h):
                out.append(f"Picture point {i} ({u:.0f}, {v:.0f}) lies outside the picture.")
        out += _zone_warnings(engine, w, h)
    return out


def _zone_warnings(engine: EngineCalibration, width: int, height: int) -> list[str]:
    """The zone against the picture: a part outside it is measured over what is seen."""
    seen = visible_zone(engine.plane, engine.zone, width, height)
    if seen.seen_fraction <= 0.0 or seen.length_m <= 0.0:
        return ["The measurement zone lies wholly outside the picture: nothing can be measured."]
    if not seen.clipped:
        return []
    return [
        f"{100.0 * (1.0 - seen.seen_fraction):.0f} % of the measurement zone lies outside the "
        f"picture. The camera will measure over the part it sees (the shortest stretch "
        f"{seen.length_m:.1f} m of {seen.zone_length_m:.1f} m), with a larger uncertainty; "
        "move the zone inside the picture to use all of it."
    ]


def calibration_check(data: object, image_size: tuple[int, int] | None = None) -> CalibrationCheck:
    """Validate a proposed calibration; raise CalibrationError saying what to fix."""
    if not isinstance(data, dict):
        raise CalibrationError("a calibration must be a JSON object")
    missing = [k for k in CONTRACT_KEYS if k not in data]
    if missing:
        raise CalibrationError(f"the calibration lacks: {', '.join(missing)}")
    _check_pairs(data, "image_points")
    _check_pairs(data, "world_points")
    if not data["image_points"] and not data["world_points"]:
        raise CalibrationError(
            "no survey points yet: click at least 4 surveyed road marks on the picture and "
            "type their road coordinates"
        )
    # Point problems first: a zone cannot be judged, or clicked, without a homography.
    RoadPlane(data["image_points"], data["world_points"])
    _check_pairs(data, "zone")
    for key, label in (("speed_limit_kmh", "speed limit"), ("fps", "frame rate")):
        if not _is_number(data[key]) or float(data[key]) <= 0:
            raise CalibrationError(f"the {label} must be a positive number ({data[key]!r})")
    engine = EngineCalibration.from_dict(data)
    plane = engine.plane
    projected = plane.image_to_world(plane.image_points)
    points = [
        PointResidual(i + 1, float(u), float(v), float(x), float(y), float(px), float(py))
        for i, ((u, v), (x, y), (px, py)) in enumerate(
            zip(plane.image_points, plane.world_points, projected, strict=True)
        )
    ]
    residuals = np.array([p.residual_m for p in points])
    return CalibrationCheck(
        engine=engine,
        data=engine.to_dict(),
        points=points,
        rms_m=float(np.sqrt(np.mean(residuals**2))),
        max_residual_m=float(residuals.max()),
        warnings=_warnings(engine, image_size),
    )
