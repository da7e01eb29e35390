"""Read-side queries of the policy layer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from django.db.models import Q, QuerySet

from policy.models import AuditEvent, PlacementProposal, PlacementStatus


def placement_active(site_id: int, day: dt.date) -> PlacementProposal | None:
    """The approved placement of a site that is in force on ``day``, if any."""
    return (
        PlacementProposal.objects.filter(site_id=site_id, status=PlacementStatus.APPROVED)
        .filter(Q(active_from__isnull=True) | Q(active_from__lte=day))
        .filter(Q(active_until__isnull=True) | Q(active_until__gte=day))
        .order_by("active_from", "pk")
        .first()
    )


@dataclass(frozen=True)
class AuditFilter:
    """What an auditor narrows the log to; empty fields do not filter."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def audit_events(selected: AuditFilter) -> QuerySet[AuditEvent]:
    """Audit events, newest first, narrowed by ``selected`` (dates are whole local days)."""
    events = AuditEvent.objects.order_by("-id")
    if selected.actor:
        events = events.filter(actor_label__icontains=selected.actor)
    if selected.action:
        events = events.filter(action__startswith=selected.action)
    if selected.object_type:
        events = events.filter(object_type=selected.object_type)
    if selected.object_id:
        events = events.filter(object_id=selected.object_id)
    if selected.since:
        events = events.filter(created_at__date__gte=selected.since)
    if selected.until:
        events = events.filter(created_at__date__lte=selected.until)
    return events
