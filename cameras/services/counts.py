"""Aggregate traffic counts: the only trace a vehicle under the threshold leaves.

A camera worker adds what it counted per 15-minute interval (vehicles, vehicles over the
posted limit, a 5 km/h speed histogram). Nothing per vehicle is stored: no time, no image,
no plate. Adding is a merge, so a worker can flush as often as it likes.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cameras.models import Camera, TrafficCount, TrafficMonth

INTERVAL_MINUTES = 15
BIN_KMH = 5


def month_of(moment: datetime) -> date:
    """The first day of ``moment``'s month, in local time."""
    return timezone.localtime(moment).date().replace(day=1)


def merge_histograms(into: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    merged = dict(into or {})
    for bin_lower, n in more.items():
        merged[str(bin_lower)] = int(merged.get(str(bin_lower), 0)) + int(n)
    return dict(sorted(merged.items(), key=lambda kv: float(kv[0])))


def _merge(
    row: TrafficCount | TrafficMonth, vehicles: int, over_limit: int, histogram: dict[str, int]
) -> None:
    row.vehicles += vehicles
    row.over_limit += over_limit
    row.speed_histogram = merge_histograms(row.speed_histogram, histogram)
    row.save(update_fields=["vehicles", "over_limit", "speed_histogram"])


def traffic_count_add(
    camera: Camera,
    *,
    interval_start: datetime,
    vehicles: int,
    over_limit: int,
    histogram: dict[str, int],
    interval_minutes: int = INTERVAL_MINUTES,
) -> TrafficCount:
    """Merge one batch of counts into the camera's row for that interval, and into its
    month's roll-up."""
    if vehicles < 0 or over_limit < 0 or over_limit > vehicles:
        raise ValueError(f"bad counts: vehicles {vehicles}, over_limit {over_limit}")
    for attempt in range(2):
        try:
            with transaction.atomic():
                row, _ = TrafficCount.objects.select_for_update().get_or_create(
                    camera=camera,
                    interval_start=interval_start,
                    defaults={"interval_minutes": interval_minutes, "speed_histogram": {}},
                )
                _merge(row, vehicles, over_limit, histogram)
                month, _ = TrafficMonth.objects.select_for_update().get_or_create(
                    camera=camera, month=month_of(interval_start), defaults={"speed_histogram": {}}
                )
                _merge(month, vehicles, over_limit, histogram)
                return row
        except IntegrityError:
            # Two writers created the interval's row at once; the second merges into it.
            if attempt:
                raise
    raise AssertionError("unreachable")
