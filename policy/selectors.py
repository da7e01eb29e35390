"""Read-side queries of the policy layer."""

from __future__ import annotations

import datetime as dt

from django.db.models import Min, Q

from policy.models import PlacementProposal, PlacementStatus, RuleSetVersion
from policy.rules.book import RuleBook, rulebook_preset
from policy.rules.schema import ruleset_from_data


def placement_active(site_id: int, day: dt.date) -> PlacementProposal | None:
    """The approved, activated placement of a site in force on ``day``, if any: not
    suspended (a suspension changes the status), not past its end, and not past its
    annual re-review."""
    return (
        PlacementProposal.objects.filter(site_id=site_id, status=PlacementStatus.APPROVED)
        .filter(active_from__isnull=False, active_from__lte=day)
        .filter(Q(active_until__isnull=True) | Q(active_until__gte=day))
        .filter(Q(review_due_on__isnull=True) | Q(review_due_on__gte=day))
        .order_by("active_from", "pk")
        .first()
    )


def rulebook_for(code: str) -> RuleBook:
    """The versions a city stored for ``code``; the repository's preset until it stores one."""
    rows = list(RuleSetVersion.objects.filter(code=code).order_by("effective_from"))
    if not rows:
        return rulebook_preset(code)
    return RuleBook(
        ruleset_from_data(row.data, origin=f"{code} version {row.version}") for row in rows
    )


def program_started_on(code: str) -> dt.date | None:
    """When a jurisdiction's program began: its first adopted rule-set version, else its
    first placement's activation."""
    first = RuleSetVersion.objects.filter(code=code).aggregate(d=Min("effective_from"))["d"]
    if first is not None:
        return first
    return PlacementProposal.objects.filter(
        site__jurisdiction=code, status=PlacementStatus.APPROVED
    ).aggregate(d=Min("active_from"))["d"]
