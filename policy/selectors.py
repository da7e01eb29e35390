"""Read-side queries of the policy layer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from django.db.models import Min, Q, QuerySet

from policy.models import AuditEvent, PlacementProposal, PlacementStatus, RuleSetVersion
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
