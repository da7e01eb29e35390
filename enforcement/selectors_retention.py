"""What the auditor's retention page shows: schedules in force, what is due, holds, and
the deletion log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext

from cameras.models import Site
from enforcement.models import DeletionRecord, LegalHold
from enforcement.retention import PurgeReport, retention_period, retention_purge
from enforcement.retention_kinds import KEPT, KINDS


@dataclass(frozen=True)
class ScheduleRow:
    jurisdiction: str
    kind: str
    label: str
    days: int
    rule: str


def retention_schedules() -> list[ScheduleRow]:
    """Every kind's period under each jurisdiction a site is registered in."""
    jurisdictions = sorted(set(Site.objects.values_list("jurisdiction", flat=True)))
    rows = []
    for jurisdiction in jurisdictions:
        for kind in KINDS:
            period, _ = retention_period(jurisdiction, kind.key)
            label = gettext(kind.label)
            rows.append(ScheduleRow(jurisdiction, kind.key, label, period.days, period.rule))
    return rows


def retention_outlook() -> PurgeReport:
    """What a purge run now would do (a dry run: nothing is deleted)."""
    return retention_purge(dry_run=True)


def legal_holds_active() -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(released_at__isnull=True).select_related(
        "violation__camera", "placed_by"
    )


def deletions_recent(limit: int = 100) -> QuerySet[DeletionRecord]:
    return DeletionRecord.objects.order_by("-purged_at", "-id")[:limit]


def kept_for_good() -> dict[str, str]:
    return dict(KEPT)
