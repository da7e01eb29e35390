"""Read-side queries of the policy layer."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from policy.models import PlacementProposal, PlacementStatus


def placement_active(site_id: int, day: dt.date) -> PlacementProposal | None:
    """The approved placement of a site that is in force on ``day``, if any."""
    return (
        PlacementProposal.objects.filter(site_id=site_id, status=PlacementStatus.APPROVED)
        .filter(Q(active_from__isnull=True) | Q(active_from__lte=day))
        .filter(Q(active_until__isnull=True) | Q(active_until__gte=day))
        .order_by("active_from", "pk")
        .first()
    )
