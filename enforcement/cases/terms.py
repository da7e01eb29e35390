"""The fine, the notice kind and the deadlines for one violation: one small function
(``notice_terms``) between the case workflow and the jurisdiction's rule set.

Today the thresholds come from ``policy.presets`` and the fine tiers and deadlines from
the table below (sources cited per row, as POLICY_ANCHORS.md gives them). When the
versioned rule-set files carry fine tiers and deadlines, only this module changes.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from enforcement.models import Notice, NoticeKind, Violation
from policy.presets import MPH, preset_for

# The ways to respond to a notice, in the order the notice lists them.
RESPONSES = ("pay", "relief", "nominate", "contest")


@dataclass(frozen=True)
class Schedule:
    units: str  # "mph" | "km/h": over_by and the tiers are in these units
    tiers: tuple[tuple[int, Decimal], ...]  # (lowest over_by, fine), ascending
    days: dict[str, int]  # response -> days after the mailing date
    # A plate's first notice in the program is a warning when its over_by is at most this.
    first_notice_warning_up_to: int | None
    source: str
    # (lowest measured speed, fine) that replaces the tier, e.g. AB 645's 100 mph.
    speed_floor_fine: tuple[int, Decimal] | None = None


_30 = {"pay": 30, "relief": 30, "nominate": 30, "contest": 30}
SCHEDULES: dict[str, Schedule] = {
    "demo": Schedule(
        "km/h",
        ((0, Decimal(50)), (20, Decimal(100)), (35, Decimal(200))),
        _30,
        # AB 645's "first 11-15 mph is a warning", widened to the demo's km/h bands.
        30,
        "Fairspeed demo data, not a real program",
    ),
    "ca-ab645": Schedule(
        "mph",
        ((0, Decimal(50)), (16, Decimal(100)), (26, Decimal(200))),
        _30,
        15,
        "Cal. Veh. Code 22427 (30 days to request initial review) and AB 645 fines "
        "$50/100/200, $500 at 100 mph or more; first 11-15 mph violation is a warning",
        speed_floor_fine=(100, Decimal(500)),
    ),
    "nyc": Schedule(
        "mph", ((0, Decimal(50)),), _30, None, "N.Y. VTL 1180-b: $50; respond within 30 days"
    ),
    "chicago": Schedule(
        "mph",
        ((0, Decimal(35)), (11, Decimal(100))),
        {"pay": 21, "relief": 21, "nominate": 21, "contest": 21},
        10_000,  # each plate's first violation is a warning, whatever the speed
        "Chicago MCC 9-102-020: $35 (6-10 over), $100 (11+); first violation a warning; "
        "21-day contest window (unverified)",
    ),
}


@dataclass(frozen=True)
class NoticeTerms:
    ruleset: str
    kind: str  # NoticeKind value
    fine: Decimal | None
    currency: str
    over_by: int
    units: str
    days: dict[str, int]
    reason: str


def notice_terms(violation: Violation) -> NoticeTerms:
    """Decide a citation or a warning, and its fine, for an approved violation."""
    key = violation.camera.site.jurisdiction
    preset_for(key)  # an unknown jurisdiction fails loudly here, not on the notice
    schedule = SCHEDULES.get(key)
    if schedule is None:
        raise ValueError(f"jurisdiction {key!r} has no fine schedule yet")
    factor = MPH if schedule.units == "mph" else 1.0
    over_by = math.floor((violation.lower_bound_kmh - violation.limit_kmh) / factor)
    fine = max((f for low, f in schedule.tiers if over_by >= low), default=None)
    if (
        schedule.speed_floor_fine
        and violation.lower_bound_kmh / factor >= schedule.speed_floor_fine[0]
    ):
        fine = schedule.speed_floor_fine[1]
    prior = (
        Notice.objects.filter(plate=violation.plate_text, ruleset=key)
        .exclude(violation=violation)
        .count()
    )
    kind, reason = NoticeKind.CITATION.value, "fine tier for the speed over the limit"
    if violation.warning_only:
        kind, reason = NoticeKind.WARNING.value, "warning period of this camera"
    elif (
        prior == 0
        and schedule.first_notice_warning_up_to is not None
        and (over_by <= schedule.first_notice_warning_up_to)
    ):
        kind, reason = NoticeKind.WARNING.value, "this plate's first notice in the program"
    return NoticeTerms(
        ruleset=key,
        kind=kind,
        fine=fine if kind == NoticeKind.CITATION else None,
        currency="USD",
        over_by=over_by,
        units=schedule.units,
        days=dict(schedule.days),
        reason=reason,
    )


def deadlines_from(mailed_on: dt.date, days: dict[str, int]) -> dict[str, str]:
    """Each response's last day, counted in calendar days from the mailing date."""
    return {name: (mailed_on + dt.timedelta(days=n)).isoformat() for name, n in days.items()}


def deadline_passed(last_day: dt.date, now: dt.datetime, tz_name: str) -> bool:
    """A deadline runs to the end of its last day where the camera stands (DST included)."""
    return now.astimezone(zoneinfo.ZoneInfo(tz_name)).date() > last_day
