"""Thin views for the foundation pages: health, staff home, public placeholders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from enforcement.health import health_report
from enforcement.roles import ROLE_LABELS, user_roles
from enforcement.selectors import staff_home_links


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    roles = user_roles(request.user)
    context = {
        "roles": [(role, ROLE_LABELS[role]) for role in roles],
        "links": staff_home_links(roles),
    }
    return render(request, "enforcement/staff_home.html", context)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "enforcement/home.html")
