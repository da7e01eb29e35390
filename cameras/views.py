"""Operator pages. Thin: they call selectors and services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cameras import selectors, selectors_registry
from cameras.access import OPERATE, VIEW, require
from cameras.forms import CameraForm, CertificateForm, SiteForm
from cameras.models import Site
from cameras.services import registry
from cameras.services.certificates import (
    CertificateError,
    certificate_document_open,
    certificate_upload,
)
from cameras.services.selftest import MAX_FRAMES, selftest_run
from cameras.services.stills import source_arg
from cameras.vision.measure.source import FrameSource


@require(VIEW)
def camera_list(request: HttpRequest) -> HttpResponse:
    return render(request, "cameras/camera_list.html", {"cameras": selectors.camera_list()})


@require(VIEW)
def camera_health(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = [
        (row, selectors_registry.certificate_status(row.camera, today))
        for row in selectors.camera_health_rows()
    ]
    return render(
        request,
        "cameras/health.html",
        {"rows": rows, "warn_days": selectors.CERTIFICATE_WARN_DAYS},
    )


@require(VIEW)
def camera_detail(request: HttpRequest, code: str) -> HttpResponse:
    camera = selectors_registry.camera_by_code(code)
    record = selectors_registry.camera_record(camera)
    return render(request, "cameras/camera_detail.html", {"camera": camera, "record": record})


def _form_fields(form: CameraForm | SiteForm) -> dict[str, Any]:
    return {k: v for k, v in form.cleaned_data.items() if k != "reason"}


@require(OPERATE)
def camera_create(request: HttpRequest) -> HttpResponse:
    form = CameraForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        camera = registry.camera_create(actor=request.user, fields=_form_fields(form))
        messages.success(request, _("Camera %(code)s registered.") % {"code": camera.code})
        return redirect("cameras:detail", code=camera.code)
    return render(request, "cameras/form.html", {"form": form, "title": _("Register a camera")})


@require(OPERATE)
def camera_edit(request: HttpRequest, code: str) -> HttpResponse:
    camera = selectors_registry.camera_by_code(code)
    form = CameraForm(request.POST or None, instance=camera)
    if request.method == "POST" and form.is_valid():
        fields = _form_fields(form)
        fields.pop("code", None)
        changed = registry.camera_update(
            camera=camera, actor=request.user, fields=fields, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            _("Saved: %(f)s.") % {"f": ", ".join(changed)} if changed else _("Nothing changed."),
        )
        return redirect("cameras:detail", code=camera.code)
    return render(
        request,
        "cameras/form.html",
        {
            "form": form,
            "title": _("Edit camera %(code)s") % {"code": camera.code},
            "camera": camera,
        },
    )


@require(VIEW)
def site_list(request: HttpRequest) -> HttpResponse:
    return render(request, "cameras/site_list.html", {"sites": selectors_registry.site_list()})


@require(OPERATE)
def site_create(request: HttpRequest) -> HttpResponse:
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        site = registry.site_create(actor=request.user, fields=_form_fields(form))
        messages.success(request, _("Site %(name)s registered.") % {"name": site.name})
        return redirect("cameras:sites")
    return render(request, "cameras/form.html", {"form": form, "title": _("Register a site")})


@require(OPERATE)
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site, pk=pk)
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        changed = registry.site_update(
            site=site,
            actor=request.user,
            fields=_form_fields(form),
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request,
            _("Saved: %(f)s.") % {"f": ", ".join(changed)} if changed else _("Nothing changed."),
        )
        return redirect("cameras:sites")
    return render(
        request,
        "cameras/form.html",
        {"form": form, "title": _("Edit site %(name)s") % {"name": site.name}},
    )


@require(VIEW)
def certificate_list(request: HttpRequest, code: str) -> HttpResponse:
    camera = selectors_registry.camera_by_code(code)
    form = CertificateForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not request.user.has_perm(OPERATE):
            raise PermissionDenied
        if form.is_valid():
            try:
                certificate_upload(camera=camera, actor=request.user, **form.cleaned_data)
            except CertificateError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Certificate uploaded."))
                return redirect("cameras:certificates", code=camera.code)
    return render(
        request,
        "cameras/certificates.html",
        {
            "camera": camera,
            "form": form,
            "certificates": selectors_registry.certificate_list(camera, timezone.localdate()),
        },
        status=400 if form.errors else 200,
    )


@require(VIEW)
def certificate_document(request: HttpRequest, code: str, pk: int) -> FileResponse:
    camera = selectors_registry.camera_by_code(code)
    certificate = get_object_or_404(camera.certificates, pk=pk)
    if not certificate.document:
        raise Http404
    return FileResponse(
        certificate_document_open(certificate=certificate, actor=request.user),
        content_type="application/pdf",
        filename=f"{camera.code}-{certificate.certificate_number}.pdf",
    )


@require(OPERATE)
@require_POST
def selftest_run_now(request: HttpRequest, code: str) -> HttpResponse:
    """Run a self-test from the back office on the camera's own source.

    The back office is the reference clock, so its offset is zero by definition; the
    worker's scheduled self-tests report their real offset.
    """
    camera = selectors_registry.camera_by_code(code)
    source = FrameSource(source_arg(camera.source_url), max_frames=MAX_FRAMES)
    result = selftest_run(
        camera,
        source,
        selectors.calibration_current(camera),
        timezone.now(),
        clock_offset_s=0.0,
        actor=request.user,
    )
    if result.passed:
        messages.success(request, _("Self-test passed."))
    else:
        messages.error(request, _("Self-test failed: %(r)s") % {"r": result.reason})
    return redirect("cameras:detail", code=camera.code)
