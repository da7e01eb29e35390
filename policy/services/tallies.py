"""Counting the gate's outcomes per camera and day, beside the ``violation.recorded``
audit event (which stays the source of truth: ``notice_tally_rebuild`` recounts from it)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.fields.json import KT

from policy.models import AuditEvent, NoticeTally


def notice_tally_add(*, camera_code: str, day: dt.date, outcome: str, repeat: bool) -> None:
    """Count one decision. Call it inside the transaction that records the violation."""
    key = {"camera_code": camera_code, "day": day, "outcome": outcome}
    bump = {"count": F("count") + 1, "repeat": F("repeat") + int(repeat)}
    if NoticeTally.objects.filter(**key).update(**bump):
        return
    try:
        with transaction.atomic():  # a savepoint: a racing first insert must not abort ours
            NoticeTally.objects.create(**key, count=1, repeat=int(repeat))
    except IntegrityError:
        NoticeTally.objects.filter(**key).update(**bump)


@transaction.atomic
def notice_tally_rebuild() -> int:
    """Recount every tally from the audit log; returns the number of tally rows."""
    NoticeTally.objects.all().delete()
    rows = (
        AuditEvent.objects.filter(action="violation.recorded")
        .values(
            camera=KT("details__facts__camera_code"),
            day=KT("details__facts__measured_on"),
            result=KT("details__outcome"),
        )
        .annotate(n=Count("id"), rep=Count("id", filter=Q(details__facts__prior_notices__gt=0)))
    )
    tallies = [
        NoticeTally(
            camera_code=row["camera"],
            day=dt.date.fromisoformat(row["day"]),
            outcome=row["result"],
            count=row["n"],
            repeat=row["rep"],
        )
        for row in rows
        if row["camera"] and row["day"] and row["result"]
    ]
    NoticeTally.objects.bulk_create(tallies, batch_size=2000)
    return len(tallies)
