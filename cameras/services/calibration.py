"""Calibration versions: check a proposed calibration, save it as a new version, import
and export the contract JSON. Versions are immutable: every violation names the version
it was measured with, so a correction is always a new version."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.db.models import Max

from cameras.models import Calibration, CalibrationStill, Camera
from cameras.services import Actor, acting_user
from cameras.vision.errors import CalibrationError
from cameras.vision.measure.calibration_check import (
    calibration_check,
)
from policy.audit import audit_record

MAX_IMPORT_BYTES = 1024 * 1024


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
