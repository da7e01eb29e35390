"""The calibration screen, its JSON endpoints, stills, history, import and export."""

from __future__ import annotations

import base64
import json
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cameras import selectors, selectors_registry
from cameras.access import OPERATE, VIEW, require
from cameras.forms import CalibrationImportForm, StillUploadForm
from cameras.limits import min_plate_px, plate_width_m
from cameras.models import CalibrationStill, Camera
from cameras.services import calibration as calibration_service
from cameras.services import stills as still_service
from cameras.vision.errors import CalibrationError
from cameras.vision.measure.calibration_drawing import birdseye_png, overlay_png
from cameras.vision.measure.readability import plate_readability

MAX_JSON_BODY_BYTES = 256 * 1024
PASS_THROUGH_KEYS = (
    "camera_matrix",
    "dist_coeffs",
    "survey_sigma_m",
    "max_residual_m",
    "readout_s",
)


@require(OPERATE)
def calibrate(request: HttpRequest, code: str) -> HttpResponse:
    camera = selectors_registry.camera_by_code(code)
    current = selectors.calibration_current(camera)
    stills = list(selectors_registry.still_list(camera))
    still = _pick_still(camera, request.GET.get("still"), current, stills)
    initial: dict[str, Any] = {
        "image_points": [],
        "world_points": [],
        "zone": [],
        "speed_limit_kmh": camera.speed_limit_kmh,
        "fps": 30.0,
    }
    if current is not None:
        initial.update({k: current.data.get(k, initial[k]) for k in initial})
        # Settings the screen does not edit (lens model, survey sigma, shutter readout) carry
        # over unchanged.
        initial["extra"] = {k: current.data[k] for k in PASS_THROUGH_KEYS if k in current.data}
    return render(
        request,
        "cameras/calibrate.html",
        {
            "camera": camera,
            "current": current,
            "still": still,
            "stills": stills,
            "initial": initial,
            "upload_form": StillUploadForm(),
            "import_form": CalibrationImportForm(),
            "strings": _screen_strings(),
        },
    )


def _screen_strings() -> dict[str, str]:
    """Messages calibrate.js shows, translated here so the script has no copy of them."""
    return {
        "needHomography": _(
            "Press Check with at least 4 survey points first, so that clicks "
            "can be converted to road metres."
        ),
        "checking": _("Checking…"),
        "saving": _("Saving…"),
        "checked": _(
            "The calibration is usable. Look at the grid and the residuals before you save."
        ),
        "saved": _("Saved as version %(v)s."),
        "history": _("See all versions"),
        "notNumber": _("%(what)s is not a number"),
        "point": _("Point %(n)s"),
        "corner": _("Corner %(n)s"),
        "remove": _("Remove"),
        "failed": _("The request failed (%(status)s). Reload the page and try again."),
    }


def _pick_still(
    camera: Camera, wanted: str | None, current: Any, stills: list[CalibrationStill]
) -> CalibrationStill | None:
    if wanted and wanted.isdigit():
        return get_object_or_404(camera.stills, pk=int(wanted))
    if current is not None and current.source_still_id:
        return current.source_still
    return stills[0] if stills else None


@require(OPERATE)
@require_POST
def still_grab(request: HttpRequest, code: str) -> HttpResponse:
    camera = selectors_registry.camera_by_code(code)
    try:
        still = still_service.still_grab(camera=camera, actor=request.user)
    except still_service.StillError as exc:
        messages.error(request, str(exc))
        return redirect("cameras:calibrate", code=code)
    messages.success(request, _("Picture taken from the camera source."))
    return redirect(f"{reverse('cameras:calibrate', args=[code])}?still={still.pk}")


@require(OPERATE)
@require_POST
def still_upload(request: HttpRequest, code: str) -> HttpResponse:
    camera = selectors_registry.camera_by_code(code)
    form = StillUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a picture to upload."))
        return redirect("cameras:calibrate", code=code)
    try:
        still = still_service.still_upload(
            camera=camera, upload=form.cleaned_data["image"], actor=request.user
        )
    except still_service.StillError as exc:
        messages.error(request, str(exc))
        return redirect("cameras:calibrate", code=code)
    messages.success(request, _("Picture uploaded."))
    return redirect(f"{reverse('cameras:calibrate', args=[code])}?still={still.pk}")


@require(VIEW)
def still_file(request: HttpRequest, code: str, pk: int) -> FileResponse:
    camera = selectors_registry.camera_by_code(code)
    still = get_object_or_404(camera.stills, pk=pk)
    return FileResponse(
        still_service.still_open(still=still, actor=request.user), content_type="image/jpeg"
    )


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_JSON_BODY_BYTES:
        raise CalibrationError("the request is too large")
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CalibrationError("the request body is not JSON") from exc
    if not isinstance(body, dict):
        raise CalibrationError("the request body must be a JSON object")
    return body


def _body_still(camera: Camera, body: dict[str, Any]) -> CalibrationStill | None:
    still_id = body.get("still")
    if still_id in (None, ""):
        return None
    if isinstance(still_id, bool) or not isinstance(still_id, int):
        raise CalibrationError("still must be a picture id")
    still = camera.stills.filter(pk=still_id).first()
    if still is None:
        raise CalibrationError("that picture does not belong to this camera")
    return still


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@require(OPERATE)
@require_POST
def calibrate_check(request: HttpRequest, code: str) -> JsonResponse:
    """Fit the homography and return residuals plus two OpenCV renderings (PNG data URIs)."""
    camera = selectors_registry.camera_by_code(code)
    try:
        body = _json_body(request)
        still = _body_still(camera, body)
        size = (still.width, still.height) if still else None
        check = calibration_service.calibration_check(body.get("calibration"), size)
    except CalibrationError as exc:
        return JsonResponse({"ok": False, "error": str(exc)}, status=400)
    result = check.as_json()
    plate = plate_readability(
        check.engine.plane, check.engine.zone, plate_width_m(), min_plate_px()
    )
    result["plate"] = plate.as_json()
    if not plate.readable:  # the self-test reports (or, configured so, fails on) it too
        result["warnings"].append(plate.message())
    if still is not None:
        image = still_service.still_image(still)
        result["overlay_png"] = _data_uri(overlay_png(image, check))
        result["birdseye_png"] = _data_uri(birdseye_png(image, check))
    return JsonResponse(result)


@require(OPERATE)
@require_POST
def calibrate_save(request: HttpRequest, code: str) -> JsonResponse:
    camera = selectors_registry.camera_by_code(code)
    try:
        body = _json_body(request)
        note = body.get("note") or ""
        if not isinstance(note, str):
            raise CalibrationError("note must be text")
        calibration = calibration_service.calibration_save(
            camera=camera,
            data=body.get("calibration"),
            actor=request.user,
            still=_body_still(camera, body),
            note=note,
        )
    except CalibrationError as exc:
        return JsonResponse({"ok": False, "error": str(exc)}, status=400)
    return JsonResponse(
        {
            "ok": True,
            "version": calibration.version,
            "rms_m": calibration.residual_rms_m,
            "history_url": reverse("cameras:calibrations", args=[code]),
            "export_url": reverse("cameras:calibration-export", args=[code, calibration.version]),
        },
        status=201,
    )


@require(VIEW)
def calibration_history(request: HttpRequest, code: str) -> HttpResponse:
    camera = selectors_registry.camera_by_code(code)
    return render(
        request,
        "cameras/calibration_history.html",
        {
            "camera": camera,
            "calibrations": selectors_registry.calibration_history(camera),
            "import_form": CalibrationImportForm(),
        },
    )


@require(OPERATE)
@require_POST
def calibration_import(request: HttpRequest, code: str) -> HttpResponse:
    camera = selectors_registry.camera_by_code(code)
    form = CalibrationImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a calibration file (JSON) to import."))
        return redirect("cameras:calibrations", code=code)
    upload = form.cleaned_data["file"]
    try:
        if (upload.size or 0) > calibration_service.MAX_IMPORT_BYTES:
            raise CalibrationError(_("the file is larger than 1 MiB"))
        calibration = calibration_service.calibration_import(
            camera=camera, raw=upload.read(), actor=request.user, note=form.cleaned_data["note"]
        )
    except CalibrationError as exc:
        messages.error(request, _("Import refused: %(e)s") % {"e": exc})
        return redirect("cameras:calibrations", code=code)
    messages.success(request, _("Imported as version %(v)s.") % {"v": calibration.version})
    return redirect("cameras:calibrations", code=code)


@require(VIEW)
def calibration_export(request: HttpRequest, code: str, version: int | None = None) -> HttpResponse:
    camera = selectors_registry.camera_by_code(code)
    if version is None:
        calibration = selectors.calibration_current(camera)
        if calibration is None:
            messages.error(request, _("This camera has no calibration yet."))
            return redirect("cameras:calibrations", code=code)
    else:
        calibration = get_object_or_404(camera.calibrations, version=version)
    response = JsonResponse(
        calibration_service.calibration_export(calibration), json_dumps_params={"indent": 2}
    )
    name = f"{camera.code}-calibration-v{calibration.version}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
