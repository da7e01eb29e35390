"""The effectiveness review 18 months after a placement's activation: the speed study
that justified it against the camera's own aggregate counts since, and fatal and serious
crashes around it in the 18 months before and after. The counts hold every passage
(speed histogram in 5 km/h bins, vehicles over the limit), never a vehicle or a plate."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Sum

from policy.config import policy_setting
from policy.geo import degree_box, distance_m
from policy.models import Crash, CrashSeverity, PlacementProposal

REVIEW_AFTER = dt.timedelta(days=548)  # 18 months
COUNT_WINDOW = dt.timedelta(days=90)  # the "after" speeds: the last 90 days of counts
BIN_KMH = 5


@dataclass
class Effectiveness:
    due_on: dt.date
    before_p85_kmh: float | None
    before_share_over: float | None
    after_p85_kmh: float | None
    after_share_over: float | None
    after_vehicles: int
    crashes_before: int
    crashes_after: int

    def as_details(self) -> dict[str, object]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in vars(self).items()}


def percentile_from_histogram(histogram: Counter[int], share: float) -> float | None:
    """The speed below which ``share`` of the vehicles drove, interpolated in its bin."""
    total = sum(histogram.values())
    if total == 0:
        return None
    wanted = share * total
    running = 0
    for lower in sorted(histogram):
        count = histogram[lower]
        if running + count >= wanted:
            return lower + BIN_KMH * (wanted - running) / count
        running += count
    return float(max(histogram) + BIN_KMH)


def _serious_crashes(placement: PlacementProposal, start: dt.date, end: dt.date) -> int:
    lat, lon = placement.latitude, placement.longitude
    if lat is None or lon is None:
        return 0
    radius = int(policy_setting("CRASH_RADIUS_M"))
    lat0, lat1, lon0, lon1 = degree_box(lat, lon, radius)
    rows = Crash.objects.filter(
        occurred_on__gte=start,
        occurred_on__lt=end,
        severity__in=[CrashSeverity.FATAL, CrashSeverity.SERIOUS],
        latitude__range=(lat0, lat1),
        longitude__range=(lon0, lon1),
    ).values_list("latitude", "longitude")
    return sum(1 for c_lat, c_lon in rows if distance_m(lat, lon, c_lat, c_lon) <= radius)


def placement_effectiveness(placement: PlacementProposal, today: dt.date) -> Effectiveness:
    assert placement.active_from is not None, "only an activated placement has an effect"
    since = dt.datetime.combine(today - COUNT_WINDOW, dt.time(), tzinfo=dt.UTC)
    # Traffic counts reach policy through the ORM's relation names, not an import.
    counts = PlacementProposal.objects.filter(
        pk=placement.pk, site__cameras__counts__interval_start__gte=since
    )
    histogram: Counter[int] = Counter()
    for row in counts.values_list("site__cameras__counts__speed_histogram", flat=True):
        for lower, n in (row or {}).items():
            histogram[int(float(lower))] += int(n)
    totals = counts.aggregate(
        vehicles=Sum("site__cameras__counts__vehicles"),
        over=Sum("site__cameras__counts__over_limit"),
    )
    vehicles = int(totals["vehicles"] or 0)
    measured = sum(histogram.values())
    start = placement.active_from
    return Effectiveness(
        due_on=start + REVIEW_AFTER,
        before_p85_kmh=placement.speed_p85_kmh,
        before_share_over=placement.share_over_limit,
        after_p85_kmh=percentile_from_histogram(histogram, 0.85),
        after_share_over=(int(totals["over"] or 0) / measured) if measured else None,
        after_vehicles=vehicles,
        crashes_before=_serious_crashes(placement, start - REVIEW_AFTER, start),
        crashes_after=_serious_crashes(placement, start, start + REVIEW_AFTER),
    )
