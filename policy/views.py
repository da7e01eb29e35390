from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from policy.access import require
from policy.audit import audit_verify
from policy.models import AuditEvent, PlacementProposal


@require("policy.view_placementproposal")
def placement_list(request: HttpRequest) -> HttpResponse:
    placements = PlacementProposal.objects.select_related("site").order_by("-created_at")
    return render(request, "policy/placement_list.html", {"placements": placements})


@require("policy.view_audit_log")
def audit_log(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "policy/audit_log.html", {"page": page, "chain": audit_verify()})
