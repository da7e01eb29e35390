"""The public transparency report: what the program does, month by month and district by
district, and what each camera changed — aggregate numbers only.

Nothing here can name a person or a vehicle: no plate, name, address, image or
per-vehicle row is read into the report, and any count from 1 to 4 is suppressed
(published as null, shown as "fewer than 5"), as are speed figures drawn from fewer than
5 vehicles. Speeds come from the cameras' monthly roll-ups of aggregate counts
(``cameras.TrafficMonth``); decisions from violation statuses; contests, relief and fines
collected from ``transparency_outcomes`` (a sum of money is withheld when fewer than 5
payments make it).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cameras.models import Camera, TrafficMonth
from cameras.services.counts import merge_histograms
from enforcement.models import NoticeKind, Violation, ViolationStatus
from enforcement.transparency_outcomes import COUNTS, fines_collected, outcome_counts
from policy.models import PlacementProposal, PlacementStatus

SMALL_CELL = 5
TEN_MPH_KMH = 16.09344
BIN_KMH = 5.0
UNASSIGNED = "—"
MONTHS_BEFORE, MONTHS_AFTER = 3, 6  # AB 645's evaluation window (Veh. Code 22430)

# How each status counts in the report; statuses added later fall under "violations".
REFUSED = {ViolationStatus.REJECTED}
DISMISSED = {ViolationStatus.DISMISSED}
DECISIONS = ("readings_refused", "violations", "warnings", "citations", "dismissals")


def suppress(n: int) -> int | None:
    """Counts from 1 to 4 are not published: a small cell can single someone out."""
    return None if 0 < n < SMALL_CELL else n


def percentile(histogram: dict[str, int], q: float) -> float | None:
    """The q-quantile of speeds binned by their lower bound, interpolated in the bin."""
    total = sum(histogram.values())
    if total < SMALL_CELL:
        return None
    target, seen = q * total, 0
    for lower, n in sorted(((float(k), v) for k, v in histogram.items())):
        if n and seen + n >= target:
            return round(lower + BIN_KMH * (target - seen) / n, 1)
        seen += n
    return None


def share_at_or_above(histogram: dict[str, int], speed_kmh: float) -> float | None:
    """Share (%) of binned speeds at or above ``speed_kmh`` (a partial bin pro rata)."""
    total = sum(histogram.values())
    if total < SMALL_CELL:
        return None
    above = 0.0
    for key, n in histogram.items():
        lower = float(key)
        if lower >= speed_kmh:
            above += n
        elif lower + BIN_KMH > speed_kmh:
            above += n * (lower + BIN_KMH - speed_kmh) / BIN_KMH
    return round(100.0 * above / total, 1)


@dataclass
class MonthRow:
    month: str
    district: str
    cameras_active: int = 0
    vehicles: int | None = 0
    speed_median_kmh: float | None = None
    speed_p85_kmh: float | None = None
    share_over_limit_pct: float | None = None
    readings_refused: int | None = 0
    violations: int | None = 0
    warnings: int | None = 0
    citations: int | None = 0
    dismissals: int | None = 0
    contests: int | None = 0
    contests_upheld: int | None = 0
    contests_dismissed: int | None = 0
    contests_refunded: int | None = 0
    relief_asked: int | None = 0
    relief_granted: int | None = 0
    fines_collected: float | None = 0.0


@dataclass
class CameraRow:
    camera: str
    site: str
    district: str
    activated_on: str
    limit_kmh: float
    before: dict[str, float | int | None] = field(default_factory=dict)
    after: dict[str, float | int | None] = field(default_factory=dict)


def _placements() -> dict[int, PlacementProposal]:
    """Each site's approved placement (the newest activation wins)."""
    approved = PlacementProposal.objects.filter(
        status=PlacementStatus.APPROVED, site__isnull=False
    ).select_related("district")
    return {p.site_id: p for p in approved.order_by("active_from", "pk") if p.site_id is not None}


def _district(placement: PlacementProposal | None) -> str:
    district = getattr(placement, "district", None) if placement is not None else None
    return str(district) if district is not None else UNASSIGNED


def _month_key(day: dt.date | dt.datetime) -> str:
    return f"{day:%Y-%m}"


def _decision_counts(
    districts: dict[int, str],
) -> dict[tuple[str, str], dict[str, int]]:
    rows = (
        Violation.objects.annotate(
            m=TruncMonth("measured_at", tzinfo=timezone.get_current_timezone())
        )
        .values("m", "camera__site_id", "status", "notice__kind")
        .annotate(n=Count("id"))
    )
    out: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        cell = out[(_month_key(r["m"]), districts.get(r["camera__site_id"], UNASSIGNED))]
        status = r["status"]
        if status in REFUSED:
            cell["readings_refused"] += r["n"]
            continue
        cell["violations"] += r["n"]
        # A warning is the gate's (a warning period) or a notice of kind warning.
        if status == ViolationStatus.WARNING or r["notice__kind"] == NoticeKind.WARNING:
            cell["warnings"] += r["n"]
        elif r["notice__kind"] == NoticeKind.CITATION:
            cell["citations"] += r["n"]
        elif status in DISMISSED:
            cell["dismissals"] += r["n"]
    return out


def _traffic(
    districts: dict[int, str],
) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    months = TrafficMonth.objects.select_related("camera").filter(vehicles__gt=0)
    for tm in months:
        key = (_month_key(tm.month), districts.get(tm.camera.site_id, UNASSIGNED))
        cell = out.setdefault(key, {"cameras": set(), "vehicles": 0, "over": 0, "hist": {}})
        cell["cameras"].add(tm.camera_id)
        cell["vehicles"] += tm.vehicles
        cell["over"] += tm.over_limit
        cell["hist"] = merge_histograms(cell["hist"], tm.speed_histogram)
    return out


def _month_rows(
    decisions: dict[tuple[str, str], dict[str, int]],
    traffic: dict[tuple[str, str], dict[str, Any]],
    outcomes: dict[tuple[str, str], dict[str, Any]],
) -> list[MonthRow]:
    rows = []
    for month, district in sorted(set(decisions) | set(traffic) | set(outcomes)):
        counts = decisions.get((month, district), {})
        seen = traffic.get((month, district))
        row = MonthRow(month, district)
        for name in DECISIONS:
            setattr(row, name, suppress(counts.get(name, 0)))
        after = outcomes.get((month, district), {})
        for name in COUNTS:
            setattr(row, name, suppress(after.get(name, 0)))
        row.fines_collected = fines_collected(after, SMALL_CELL)
        if seen is not None:
            row.cameras_active = len(seen["cameras"])
            row.vehicles = suppress(seen["vehicles"])
            row.speed_median_kmh = percentile(seen["hist"], 0.5)
            row.speed_p85_kmh = percentile(seen["hist"], 0.85)
            if seen["vehicles"] >= SMALL_CELL:
                row.share_over_limit_pct = round(100.0 * seen["over"] / seen["vehicles"], 1)
        rows.append(row)
    return rows


def _shift_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _window(
    camera: Camera, months: list[TrafficMonth], first: dt.date, last: dt.date
) -> dict[str, float | int | None]:
    hist: dict[str, int] = {}
    vehicles = over = 0
    for tm in months:
        if first <= tm.month <= last:
            hist = merge_histograms(hist, tm.speed_histogram)
            vehicles += tm.vehicles
            over += tm.over_limit
    limit = float(camera.speed_limit_kmh)
    enough = vehicles >= SMALL_CELL
    return {
        "vehicles": suppress(vehicles),
        "speed_p85_kmh": percentile(hist, 0.85),
        "share_over_limit_pct": round(100.0 * over / vehicles, 1) if enough else None,
        "share_over_limit_plus_10mph_pct": share_at_or_above(hist, limit + TEN_MPH_KMH),
    }


def _camera_rows(placements: dict[int, PlacementProposal]) -> list[CameraRow]:
    cameras = list(
        Camera.objects.select_related("site").filter(site_id__in=placements).order_by("code")
    )
    by_camera: dict[int, list[TrafficMonth]] = defaultdict(list)
    for tm in TrafficMonth.objects.filter(camera__in=cameras):
        by_camera[tm.camera_id].append(tm)
    rows = []
    for camera in cameras:
        placement = placements[camera.site_id]
        if placement.active_from is None:
            continue
        start = placement.active_from.replace(day=1)
        months = by_camera[camera.pk]
        rows.append(
            CameraRow(
                camera=camera.code,
                site=camera.site.name,
                district=_district(placement),
                activated_on=placement.active_from.isoformat(),
                limit_kmh=float(camera.speed_limit_kmh),
                before=_window(
                    camera, months, _shift_months(start, -MONTHS_BEFORE), _shift_months(start, -1)
                ),
                after=_window(camera, months, start, _shift_months(start, MONTHS_AFTER - 1)),
            )
        )
    return rows


def _citywide(decisions: dict[tuple[str, str], dict[str, int]]) -> list[dict[str, Any]]:
    """Per month, all districts together (summed before suppression)."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (month, _district), counts in decisions.items():
        for name, n in counts.items():
            totals[month][name] += n
    return [
        {"month": month, **{k: suppress(totals[month].get(k, 0)) for k in DECISIONS}}
        for month in sorted(totals)
    ]


def transparency_report() -> dict[str, Any]:
    """The whole report as plain data: the page, the CSV and the JSON all show this."""
    placements = _placements()
    districts = {site_id: _district(p) for site_id, p in placements.items()}
    decisions = _decision_counts(districts)
    return {
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "small_cell": SMALL_CELL,
        "citywide": _citywide(decisions),
        "months": [
            asdict(r)
            for r in _month_rows(
                decisions, _traffic(districts), outcome_counts(districts, UNASSIGNED)
            )
        ],
        "cameras": [asdict(r) for r in _camera_rows(placements)],
    }


def _flatten(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}_{k}": v for k, v in values.items()}


def report_to_csv(report: dict[str, Any], out: Any) -> None:
    """One CSV of both tables: a ``table`` column says whether a row is a month and
    district, or a camera's before/after; suppressed cells are empty."""
    month_rows = [{"table": "month", **r} for r in report["months"]]
    camera_rows = [
        {
            "table": "camera",
            **{k: v for k, v in r.items() if k not in ("before", "after")},
            **_flatten("before", r["before"]),
            **_flatten("after", r["after"]),
        }
        for r in report["cameras"]
    ]
    columns: list[str] = []
    for row in month_rows + camera_rows:
        columns += [k for k in row if k not in columns]
    writer = csv.DictWriter(out, fieldnames=columns or ["table"])
    writer.writeheader()
    writer.writerows(month_rows + camera_rows)
