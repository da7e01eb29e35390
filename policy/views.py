from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from policy.access import require
from policy.models import PlacementProposal


@require("policy.view_placementproposal")
def placement_list(request: HttpRequest) -> HttpResponse:
    placements = PlacementProposal.objects.select_related("site").order_by("-created_at")
    return render(request, "policy/placement_list.html", {"placements": placements})
