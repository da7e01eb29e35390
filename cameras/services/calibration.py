"""Calibration versions: check a proposed calibration, save it as a new version, import
and export the contract JSON. Versions are immutable: every violation names the version
it was measured with, so a correction is always a new version."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Max

from cameras.models import Calibration, CalibrationStill, Camera
from cameras.services import Actor, acting_user
from cameras.vision.calibration import Calibration as EngineCalibration
from cameras.vision.errors import CalibrationError
from cameras.vision.geometry import RoadPlane
from policy.audit import audit_record

MAX_IMPORT_BYTES = 1024 * 1024
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
    return out


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


def calibration_save(
    *,
    camera: Camera,
    data: object,
    actor: Actor,
    still: CalibrationStill | None = None,
    note: str = "",
    origin: str = "screen",
) -> Calibration:
    """Create the next calibration version of ``camera`` (never edits an old one)."""
    if still is not None and still.camera_id != camera.pk:
        raise CalibrationError("that picture belongs to another camera")
    check = calibration_check(data, (still.width, still.height) if still else None)
    with transaction.atomic():
        # Lock the camera row so two operators saving at once get consecutive versions.
        Camera.objects.select_for_update().filter(pk=camera.pk).exists()
        last = camera.calibrations.aggregate(v=Max("version"))["v"] or 0
        calibration = Calibration.objects.create(
            camera=camera,
            version=last + 1,
            data=check.data,
            residual_rms_m=check.rms_m,
            max_residual_m=check.max_residual_m,
            still=still.image.name if still else "",
            source_still=still,
            note=note[:300],
            created_by=acting_user(actor),
        )
        audit_record(
            actor=actor,
            action="calibration.created",
            obj=calibration,
            reason=note,
            details={
                "camera": camera.code,
                "version": calibration.version,
                "origin": origin,
                "points": len(check.points),
                "rms_m": round(check.rms_m, 4),
                "max_residual_m": round(check.max_residual_m, 4),
                "still": still.pk if still else None,
            },
        )
    return calibration


def calibration_parse_json(raw: bytes) -> dict[str, Any]:
    """Decode an uploaded calibration file; CalibrationError says what is wrong with it."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise CalibrationError(
            f"the file is {len(raw) // 1024} KiB; a calibration file is at most "
            f"{MAX_IMPORT_BYTES // 1024} KiB"
        )
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CalibrationError("the file is not UTF-8 text: upload the JSON file") from exc
    except json.JSONDecodeError as exc:
        raise CalibrationError(
            f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    if not isinstance(data, dict):
        raise CalibrationError("the file must hold one JSON object")
    return data


def calibration_import(*, camera: Camera, raw: bytes, actor: Actor, note: str = "") -> Calibration:
    """Validate a contract JSON file and save it as the camera's next version."""
    return calibration_save(
        camera=camera,
        data=calibration_parse_json(raw),
        actor=actor,
        note=note or "imported from a calibration file",
        origin="import",
    )


def calibration_export(calibration: Calibration) -> dict[str, Any]:
    """The contract JSON of one version (what `manage.py measure --calibration` reads)."""
    return dict(calibration.data)
