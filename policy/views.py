from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from policy.models import PlacementProposal


@permission_required("policy.view_placementproposal")
def placement_list(request: HttpRequest) -> HttpResponse:
    placements = PlacementProposal.objects.select_related("site").order_by("-created_at")
    return render(request, "policy/placement_list.html", {"placements": placements})
