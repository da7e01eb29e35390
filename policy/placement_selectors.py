"""Reads for placement review: where a proposed camera falls, the crashes around it, and
whether it needs a written justification."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db.models import Count

from policy.config import policy_setting
from policy.geo import contains, degree_box, distance_m
from policy.models import Crash, District, PlacementProposal, PlacementStatus, Tract


def tract_at(lat: float, lon: float) -> Tract | None:
    for tract in Tract.objects.select_related("district"):
        if contains(tract.polygon, lon, lat):
            return tract
    return None


def city_median_income() -> float | None:
    """The median of the tracts' median household incomes, each tract weighted by its
    households (an approximation of the city's median household income)."""
    rows = list(Tract.objects.values_list("median_household_income", "households"))
    if not rows:
        return None
    weighted = [income for income, homes in rows for _ in range(max(1, homes // 100))]
    return float(statistics.median(weighted))


@dataclass
class CrashSummary:
    radius_m: int
    since: dt.date
    fatal: int = 0
    serious: int = 0
    other: int = 0
    by_road_user: dict[str, int] = field(default_factory=dict)

    @property
    def fatal_and_serious(self) -> int:
        return self.fatal + self.serious


def crashes_near(lat: float, lon: float, today: dt.date) -> CrashSummary:
    radius = int(policy_setting("CRASH_RADIUS_M"))
    since = today.replace(year=today.year - int(policy_setting("CRASH_YEARS")))
    lat0, lat1, lon0, lon1 = degree_box(lat, lon, radius)
    summary = CrashSummary(radius_m=radius, since=since)
    candidates = Crash.objects.filter(
        occurred_on__gte=since,
        occurred_on__lte=today,
        latitude__range=(lat0, lat1),
        longitude__range=(lon0, lon1),
    ).values_list("latitude", "longitude", "severity", "road_user")
    for c_lat, c_lon, severity, road_user in candidates:
        if distance_m(lat, lon, c_lat, c_lon) <= radius:
            setattr(summary, severity, getattr(summary, severity) + 1)
            summary.by_road_user[road_user] = summary.by_road_user.get(road_user, 0) + 1
    return summary


def cameras_by_district() -> dict[int, int]:
    """Approved placements (each a camera location) per district id."""
    rows = (
        PlacementProposal.objects.filter(status=PlacementStatus.APPROVED, district__isnull=False)
        .values("district")
        .annotate(n=Count("id"))
    )
    return {row["district"]: row["n"] for row in rows}


def justification_reasons(placement: PlacementProposal) -> list[str]:
    """Why this proposal must carry a written justification (empty: it need not)."""
    reasons = []
    tract = placement.tract
    median = city_median_income()
    share = float(policy_setting("LOW_INCOME_SHARE"))
    if tract is not None and median and tract.median_household_income < share * median:
        reasons.append(
            f"tract {tract.geoid} is low-income: median household income "
            f"{tract.median_household_income:,} is below {share:.0%} of the city's {median:,.0f}"
        )
    district = placement.district
    if district is not None:
        counts = cameras_by_district()
        already = placement.status == PlacementStatus.APPROVED
        mine = counts.get(district.pk, 0) + (0 if already else 1)
        total = sum(counts.values()) + (0 if already else 1)
        population = sum(District.objects.values_list("population", flat=True)) or 1
        camera_share, people_share = mine / total, district.population / population
        if camera_share > people_share:
            reasons.append(
                f"district {district.name} would hold {camera_share:.0%} of the cameras "
                f"({mine} of {total}) but {people_share:.0%} of the population"
            )
    return reasons
