"""The few numbers older call sites read from a jurisdiction's rule set: the camera
worker's edge threshold, the retention of rejected readings, the form's choice list.

The rule sets themselves are ``policy/rulesets/<code>.toml`` (see ``policy.rules``);
a ``Preset`` is a summary of the version in force, never a second source of rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from policy.rules.book import Compiled, RuleBook, rulebook_preset, ruleset_codes

MPH = 1.609344
# The edge keeps every reading the judge could warn or cite on: it compares with a strict
# ">", the judge with a whole-unit ">=", so the edge trigger sits a hair under the threshold.
EDGE_MARGIN_KMH = 0.001
# Without a figure in the rule set, evidence of a rejected reading is kept this long.
DEFAULT_REJECTED_EVIDENCE_DAYS = 5


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    threshold_kmh: float  # the measured lower bound must exceed limit + this
    warning_days_new_camera: int
    source: str
    rejected_evidence_days: int = DEFAULT_REJECTED_EVIDENCE_DAYS


def preset_summary(compiled: Compiled) -> Preset:
    ruleset = compiled.ruleset
    lowest = min(t.min_over for t in ruleset.thresholds)
    keep = ruleset.retention_days("rejected_evidence")
    if keep is None:
        keep = ruleset.retention_days("non_violation")
    return Preset(
        key=ruleset.code,
        name=ruleset.name,
        threshold_kmh=lowest * compiled.kmh_per_unit - EDGE_MARGIN_KMH,
        warning_days_new_camera=ruleset.warnings.new_camera_days,
        source=ruleset.summary,
        rejected_evidence_days=DEFAULT_REJECTED_EVIDENCE_DAYS if keep is None else keep,
    )


PRESETS: dict[str, Preset] = {
    code: preset_summary(rulebook_preset(code).latest) for code in ruleset_codes()
}


def preset_for(key: str, day: dt.date | None = None) -> Preset:
    """The summary of ``key``'s version in force on ``day`` (default: the latest), from
    the versions the city stored, else the repository's preset."""
    from policy.selectors import rulebook_for  # the database is only needed here

    if key not in PRESETS:
        raise ValueError(f"unknown jurisdiction preset {key!r}; known: {sorted(PRESETS)}")
    book: RuleBook = rulebook_for(key)
    compiled = book.latest
    if day is not None:
        moment = dt.datetime.combine(day, dt.time(12), tzinfo=compiled.tz)
        compiled = book.in_force(moment) or book.versions[0]
    return preset_summary(compiled)
