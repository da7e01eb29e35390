"""Jurisdiction presets: the numbers a city's rule set starts from.

Only the fields the policy gate already uses live here; fine schedules, deadlines and
retention arrive with the rule-set work. Sources are cited per preset.
"""

from __future__ import annotations

from dataclasses import dataclass

MPH = 1.609344


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    threshold_kmh: float  # the measured lower bound must exceed limit + this
    warning_days_new_camera: int
    source: str
    # Evidence of readings the gate rejected is not ticket evidence: keep it only long
    # enough to audit the rejection (AB 645: non-violation data gone within 5 business days).
    rejected_evidence_days: int = 5


PRESETS: dict[str, Preset] = {
    "demo": Preset("demo", "Demo city", 10.0, 0, "Fairspeed demo data, not a real program"),
    "ca-ab645": Preset(
        "ca-ab645",
        "California AB 645 pilot",
        11 * MPH,
        60,
        "Cal. Veh. Code 22425-22430 (AB 645, 2023): 11+ mph over; warnings for 60 days",
    ),
    "nyc": Preset("nyc", "New York City", 10 * MPH, 0, "N.Y. VTL 1180-b: more than 10 mph over"),
    "chicago": Preset(
        "chicago", "Chicago", 6 * MPH, 30, "Chicago MCC 9-102-020: 6+ mph over; 30-day warnings"
    ),
}


def preset_for(key: str) -> Preset:
    try:
        return PRESETS[key]
    except KeyError:
        raise ValueError(f"unknown jurisdiction preset {key!r}; known: {sorted(PRESETS)}") from None
