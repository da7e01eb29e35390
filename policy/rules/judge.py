"""``judge``: one violation's facts in, a decision with every check out. Pure: no
database, no clock, no files; the same facts and rule book always give the same decision,
so the gate, the ``judge`` command and the dry run agree by construction.

The speed is judged on its lower bound: ``over_by = floor((speed - U) - limit)`` in the
jurisdiction's units; thresholds and fine tiers are judged on ``over_by``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from policy.rules.book import Compiled, RuleBook
from policy.rules.schema import FineTier, Zone

Outcome = Literal["none", "warning", "citation"]
# The mph conversion turns an exact edge (33 mph over) into 32.999999999; a billionth of a
# unit absorbs that float error without moving any real reading across a whole unit.
EDGE_EPSILON = 1e-9
# Checks that stop any notice; the warning checks come after them.
BLOCKING = ("ruleset", "measurement", "plate", "threshold", "window", "exemption", "cap")
WARNINGS = ("program_warning", "camera_warning", "first_notice_warning")


class Facts(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """What the judge needs about one violation (ARCHITECTURE.md, "Rule evaluation")."""

    captured_at: Annotated[dt.datetime, Meta(tz=True)]
    speed_kmh: Annotated[float, Meta(ge=0)]
    uncertainty_kmh: Annotated[float, Meta(ge=0)]
    limit_kmh: Annotated[float, Meta(gt=0)]
    zone: Zone
    program_started_on: dt.date
    camera_activated_on: dt.date
    prior_notices: Annotated[int, Meta(ge=0)]
    measurement_valid: bool
    plate_confidence: Annotated[float, Meta(ge=0, le=1)]
    school_day: bool | None = None  # otherwise the rule set's school calendar decides
    emergency_vehicle: bool = False  # marked by a reviewer
    recent_notices: tuple[Annotated[dt.datetime, Meta(tz=True)], ...] = ()  # same plate, for caps


class Check(Struct, frozen=True):
    name: str
    passed: bool
    detail: str


class Fine(Struct, frozen=True):
    amount: float
    currency: str


class Decision(Struct, frozen=True, kw_only=True):
    ruleset: str
    version: str
    outcome: Outcome
    fine: Fine | None
    over_by: int
    units: str
    checks: list[Check]
    reason: str

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)


class FactsError(ValueError):
    """Facts the judge refuses, with the field named."""


_facts_decoder = msgspec.json.Decoder(Facts)


def facts_decode(line: bytes | str) -> Facts:
    try:
        return _facts_decoder.decode(line)
    except msgspec.ValidationError as exc:
        raise FactsError(str(exc)) from None
    except msgspec.DecodeError as exc:
        raise FactsError(f"not a JSON object: {exc}") from None


def facts_from_data(data: object) -> Facts:
    try:
        return msgspec.convert(data, type=Facts)
    except msgspec.ValidationError as exc:
        raise FactsError(str(exc)) from None


def judge(facts: Facts, book: RuleBook) -> Decision:
    """Decide one violation by the rule-set version in force at ``facts.captured_at``."""
    compiled = book.in_force(facts.captured_at)
    in_force = compiled is not None
    rules = compiled if compiled is not None else book.versions[0]
    ruleset = rules.ruleset
    units = ruleset.units
    local = facts.captured_at.astimezone(rules.tz)
    lower_units = (facts.speed_kmh - facts.uncertainty_kmh) / rules.kmh_per_unit
    over_by = math.floor(
        (facts.speed_kmh - facts.uncertainty_kmh - facts.limit_kmh) / rules.kmh_per_unit
        + EDGE_EPSILON
    )
    threshold = rules.thresholds[facts.zone]
    checks = [
        Check(
            "ruleset",
            in_force,
            f"{ruleset.code} version {ruleset.version} in force since {ruleset.effective_from}"
            if in_force
            else f"no version of {ruleset.code} in force on {local.date()} "
            f"(the earliest takes effect {ruleset.effective_from})",
        ),
        Check(
            "measurement",
            facts.measurement_valid,
            "measurement valid"
            if facts.measurement_valid
            else "measurement rejected by the speed estimator",
        ),
        _plate_check(facts, rules),
        Check(
            "threshold",
            over_by >= threshold.min_over,
            f"over by {over_by} {units} (lower bound {lower_units:.1f} {units}, limit "
            f"{facts.limit_kmh / rules.kmh_per_unit:.1f} {units}); a notice needs "
            f"{threshold.min_over} {units} or more over in a {facts.zone} zone",
        ),
        _window_check(facts, rules, local),
        _exemption_check(facts, rules),
        _cap_check(facts, rules),
        *_warning_checks(facts, rules, local.date(), over_by),
    ]
    return _decide(facts, rules, checks, over_by, lower_units)


def _plate_check(facts: Facts, rules: Compiled) -> Check:
    needed = rules.ruleset.quality.min_plate_confidence
    ok = facts.plate_confidence >= needed
    return Check(
        "plate",
        ok,
        f"plate read with confidence {facts.plate_confidence:.2f} "
        f"{'at or above' if ok else 'below'} {needed:.2f}",
    )


def _window_check(facts: Facts, rules: Compiled, local: dt.datetime) -> Check:
    windows = rules.windows.get(facts.zone)
    if not windows:
        return Check("window", True, f"{facts.zone} zones are enforced at all hours")
    clock = f"{local.hour:02d}:{local.minute:02d}"
    day = local.date()
    when = f"{day} {clock} {local.tzname()}"
    for window in windows:
        if not window.start <= clock < window.end:
            continue
        if window.days == "weekdays" and day.isoweekday() > 5:
            continue
        if window.days == "school_days":
            school = facts.school_day if facts.school_day is not None else rules.is_school_day(day)
            if not school:
                continue
        return Check("window", True, f"{when} is within {window.days} {window.start}-{window.end}")
    spans = ", ".join(f"{w.days} {w.start}-{w.end}" for w in windows)
    return Check("window", False, f"{when} is outside the {facts.zone} zone's hours ({spans})")


def _exemption_check(facts: Facts, rules: Compiled) -> Check:
    exempt = facts.emergency_vehicle and rules.ruleset.exemptions.emergency_vehicles
    if exempt:
        return Check("exemption", False, "emergency vehicle, marked by a reviewer: exempt")
    return Check("exemption", True, "no exemption applies")


def _cap_check(facts: Facts, rules: Compiled) -> Check:
    for cap in rules.ruleset.caps:
        since = facts.captured_at - dt.timedelta(minutes=cap.window_minutes)
        count = sum(1 for t in facts.recent_notices if since <= t < facts.captured_at)
        if count >= cap.max_notices:
            return Check(
                "cap",
                False,
                f"this plate already has {count} notices in the {cap.window_minutes} minutes "
                f"before; at most {cap.max_notices}",
            )
    if not rules.ruleset.caps:
        return Check("cap", True, "no cap on notices per plate")
    return Check("cap", True, "under the cap on notices per plate")


def _warning_checks(facts: Facts, rules: Compiled, day: dt.date, over_by: int) -> list[Check]:
    w = rules.ruleset.warnings
    program_days = (day - facts.program_started_on).days
    camera_days = (day - facts.camera_activated_on).days
    first = w.first_notice and facts.prior_notices == 0
    if first and w.first_notice_max_over is not None:
        first = over_by <= w.first_notice_max_over
    up_to = f" up to {w.first_notice_max_over} over" if w.first_notice_max_over is not None else ""
    return [
        Check(
            "program_warning",
            program_days >= w.program_start_days,
            f"day {program_days + 1} of the program; warnings only for the first "
            f"{w.program_start_days} days",
        ),
        Check(
            "camera_warning",
            camera_days >= w.new_camera_days,
            f"day {camera_days + 1} of this camera; warnings only for the first "
            f"{w.new_camera_days} days",
        ),
        Check(
            "first_notice_warning",
            not first,
            f"{facts.prior_notices} earlier notices for this plate; "
            + (
                f"a plate's first violation{up_to} is a warning"
                if w.first_notice
                else "no first-notice warning"
            ),
        ),
    ]


def _fine_tier(rules: Compiled, over_by: int, lower_units: float) -> FineTier | None:
    best: FineTier | None = None
    for tier in rules.ruleset.fines:
        if tier.min_speed is not None:
            hit = lower_units >= tier.min_speed - EDGE_EPSILON
        else:
            hit = over_by >= tier.min_over and (tier.max_over is None or over_by <= tier.max_over)
        if hit and (best is None or tier.amount > best.amount):
            best = tier
    return best


def _decide(
    facts: Facts, rules: Compiled, checks: list[Check], over_by: int, lower_units: float
) -> Decision:
    ruleset = rules.ruleset
    blocked = [c.detail for c in checks[: len(BLOCKING)] if not c.passed]
    warned = [c.detail for c in checks[len(BLOCKING) :] if not c.passed]
    fine: Fine | None = None
    outcome: Outcome
    if blocked:
        outcome, reason = "none", "; ".join(blocked)
    elif warned:
        outcome, reason = "warning", "warning: " + "; ".join(warned)
    else:
        tier = _fine_tier(rules, over_by, lower_units)
        if tier is None:
            checks.append(Check("fine", False, f"no fine tier for {over_by} {ruleset.units} over"))
            outcome, reason = "none", checks[-1].detail
        else:
            fine = Fine(float(tier.amount), ruleset.currency)
            detail = f"{tier.amount:g} {ruleset.currency} ({tier.source})"
            checks.append(Check("fine", True, detail))
            outcome = "citation"
            reason = (
                f"all checks passed: over by {over_by} {ruleset.units} in a {facts.zone} zone; "
                f"fine {tier.amount:g} {ruleset.currency}"
            )
    return Decision(
        ruleset=ruleset.code,
        version=ruleset.version,
        outcome=outcome,
        fine=fine,
        over_by=over_by,
        units=ruleset.units,
        checks=checks,
        reason=reason,
    )


_encoder = msgspec.json.Encoder()


def decision_encode(decision: Decision) -> bytes:
    return _encoder.encode(decision)


def decision_to_data(decision: Decision) -> dict[str, object]:
    data = msgspec.to_builtins(decision)
    assert isinstance(data, dict)
    return data
