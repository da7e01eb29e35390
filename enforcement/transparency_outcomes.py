"""What became of the notices, for the transparency report: contests and their outcomes,
relief asked for and granted, and fines collected, per month and district.

Aggregates only, read straight into counts and sums: no statement, name, income or
payment reference is read. A contest counts in the month it was submitted, a relief
request in the month it was asked for, a payment or a plan's instalment in the month it
was paid. A refunded payment counts as a payment but adds nothing to the sum.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from enforcement.models import (
    Contest,
    ContestStatus,
    Instalment,
    Payment,
    PaymentStatus,
    ReliefRequest,
    ReliefStatus,
)

COUNTS = (
    "contests",
    "contests_upheld",
    "contests_dismissed",
    "contests_refunded",
    "relief_asked",
    "relief_granted",
)
UPHELD = {ContestStatus.REVIEW_UPHELD, ContestStatus.UPHELD}

Cells = dict[tuple[str, str], dict[str, Any]]


def _month(field: str) -> TruncMonth:
    return TruncMonth(field, tzinfo=timezone.get_current_timezone())


def _key(
    month: dt.datetime, site_id: int | None, districts: dict[int, str], none: str
) -> tuple[str, str]:
    district = districts.get(site_id, none) if site_id is not None else none
    return (f"{month:%Y-%m}", district)


def _contests(cells: Cells, districts: dict[int, str], none: str) -> None:
    refunded = Payment.objects.filter(notice=OuterRef("notice"), status=PaymentStatus.REFUNDED)
    rows = (
        Contest.objects.annotate(m=_month("submitted_at"), refunded=Exists(refunded))
        .values("m", "notice__violation__camera__site_id", "status", "refunded")
        .annotate(n=Count("id"))
    )
    for r in rows:
        cell = cells[_key(r["m"], r["notice__violation__camera__site_id"], districts, none)]
        cell["contests"] += r["n"]
        if r["status"] in UPHELD:
            cell["contests_upheld"] += r["n"]
        elif r["status"] == ContestStatus.DISMISSED:
            cell["contests_dismissed"] += r["n"]
            if r["refunded"]:
                cell["contests_refunded"] += r["n"]


def _relief(cells: Cells, districts: dict[int, str], none: str) -> None:
    rows = (
        ReliefRequest.objects.annotate(m=_month("submitted_at"))
        .values("m", "notice__violation__camera__site_id", "status")
        .annotate(n=Count("id"))
    )
    for r in rows:
        cell = cells[_key(r["m"], r["notice__violation__camera__site_id"], districts, none)]
        cell["relief_asked"] += r["n"]
        if r["status"] == ReliefStatus.GRANTED:
            cell["relief_granted"] += r["n"]


def _money(cells: Cells, districts: dict[int, str], none: str) -> None:
    payments = (
        Payment.objects.annotate(m=_month("paid_at"))
        .values("m", "notice__violation__camera__site_id", "status")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    for r in payments:
        cell = cells[_key(r["m"], r["notice__violation__camera__site_id"], districts, none)]
        cell["payments"] += r["n"]
        if r["status"] == PaymentStatus.CAPTURED:
            cell["collected"] += r["total"] or Decimal(0)
    instalments = (
        Instalment.objects.filter(paid_at__isnull=False)
        .annotate(m=_month("paid_at"))
        .values("m", "plan__notice__violation__camera__site_id")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    for i in instalments:
        site = i["plan__notice__violation__camera__site_id"]
        cell = cells[_key(i["m"], site, districts, none)]
        cell["payments"] += i["n"]
        cell["collected"] += i["total"] or Decimal(0)


def outcome_counts(districts: dict[int, str], unassigned: str) -> Cells:
    """Per (month, district): the counts in ``COUNTS``, and ``payments`` (how many) with
    ``collected`` (their sum, net of refunds), before any suppression."""
    cells: Cells = defaultdict(lambda: defaultdict(int))
    _contests(cells, districts, unassigned)
    _relief(cells, districts, unassigned)
    _money(cells, districts, unassigned)
    return cells


def fines_collected(cell: dict[str, Any], small_cell: int) -> float | None:
    """The sum collected, withheld when fewer than ``small_cell`` payments make it."""
    payments = cell.get("payments", 0)
    if 0 < payments < small_cell:
        return None
    return float(round(Decimal(cell.get("collected", 0)), 2))
