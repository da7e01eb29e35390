"""Operator pages. Thin: they call selectors and services."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cameras import selectors


@permission_required("cameras.view_camera")
def camera_list(request: HttpRequest) -> HttpResponse:
    return render(request, "cameras/camera_list.html", {"cameras": selectors.camera_list()})


@permission_required("cameras.view_camera")
def camera_health(request: HttpRequest) -> HttpResponse:
    rows = selectors.camera_health_rows()
    return render(
        request,
        "cameras/health.html",
        {"rows": rows, "warn_days": selectors.CERTIFICATE_WARN_DAYS},
    )
