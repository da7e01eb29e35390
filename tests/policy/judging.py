"""Facts builders for the judge tests: a reading after every warning period, by a plate
with an earlier notice, on a school-term Tuesday at 10:00 local time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from policy.rules.book import rulebook_preset
from policy.rules.judge import Decision, Facts, judge

MPH = 1.609344
ZONES = {
    "ca-ab645": "America/Los_Angeles",
    "albuquerque": "America/Denver",
    "nyc": "America/New_York",
    "chicago": "America/Chicago",
    "philadelphia": "America/New_York",
    "demo": "UTC",
}


def local(code: str, text: str) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(ZONES[code]))


def facts(code: str, **overrides: Any) -> Facts:
    fields: dict[str, Any] = {
        "captured_at": local(code, "2027-03-02T10:00"),
        "speed_kmh": 60.0,
        "uncertainty_kmh": 0.0,
        "limit_kmh": 25 * MPH,
        "zone": "corridor",
        "program_started_on": dt.date(2025, 1, 1),
        "camera_activated_on": dt.date(2025, 1, 1),
        "prior_notices": 1,
        "measurement_valid": True,
        "plate_confidence": 0.97,
    }
    fields.update(overrides)
    return Facts(**fields)


def over(code: str, units_over: float, *, limit_units: float = 25, **overrides: Any) -> Decision:
    """Judge a reading ``units_over`` whole units of the rule set over its limit."""
    per = MPH if code != "demo" else 1.0
    return judge(
        facts(
            code,
            speed_kmh=(limit_units + units_over) * per,
            limit_kmh=limit_units * per,
            **overrides,
        ),
        rulebook_preset(code),
    )
