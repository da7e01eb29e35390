"""The typed shape of a rule set. A rule set file (``policy/rulesets/<code>.toml``) and a
stored ``RuleSetVersion`` both decode into ``RuleSet``; decoding is the validation, so a
wrong file is refused with the path of the field (``$.fines[1].amount``) and the reason.

Every rule carries ``source`` (statute, ordinance or page it encodes) and ``unverified``
(true where the number still wants a second source, as POLICY_ANCHORS.md marks it).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

Units = Literal["mph", "km/h"]
Zone = Literal["school", "park", "corridor", "other"]
ZONES: tuple[Zone, ...] = ("school", "park", "corridor", "other")
DayKind = Literal["all", "weekdays", "school_days"]
RecordKind = Literal[
    "non_violation",
    "rejected_evidence",
    "violation_images",
    "administrative",
    "case_file",
    "resident_uploads",
    "payment_records",
]
KMH_PER_UNIT: dict[str, float] = {"mph": 1.609344, "km/h": 1.0}

NonNegInt = Annotated[int, Meta(ge=0)]
PosInt = Annotated[int, Meta(ge=1)]
Money = Annotated[float, Meta(ge=0)]
Percent = Annotated[float, Meta(ge=0, le=100)]
Text = Annotated[str, Meta(min_length=1)]
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Rule(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    source: Text
    unverified: bool = False


class Threshold(Rule, frozen=True, kw_only=True):
    """A notice needs ``over_by >= min_over`` (whole units over the posted limit)."""

    zones: tuple[Zone, ...]
    min_over: PosInt


class FineTier(Rule, frozen=True, kw_only=True):
    """``min_over <= over_by <= max_over`` (no upper end when absent); or, with
    ``min_speed``, a measured lower bound at or above that speed in the rule set's units."""

    min_over: NonNegInt = 0
    max_over: NonNegInt | None = None
    min_speed: Annotated[float, Meta(gt=0)] | None = None
    amount: Money
    alternative: str = ""  # e.g. community service instead of the fine

    def __post_init__(self) -> None:
        if self.max_over is not None and self.max_over < self.min_over:
            raise ValueError(f"max_over {self.max_over} is below min_over {self.min_over}")


class Warnings(Rule, frozen=True, kw_only=True):
    program_start_days: NonNegInt = 0  # warnings only, for this long after the program starts
    new_camera_days: NonNegInt = 0  # warnings only, for this long after a camera's activation
    first_notice: bool = False  # a plate's first violation is a warning
    first_notice_max_over: NonNegInt | None = None  # ... only up to this many units over


class Window(Rule, frozen=True, kw_only=True):
    """When a zone is enforced, in the rule set's local time (``start`` inclusive)."""

    zones: tuple[Zone, ...]
    days: DayKind
    start: str
    end: str

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            if not _CLOCK.match(getattr(self, name)):
                raise ValueError(f"{name} must be a 24-hour clock time HH:MM")
        if self.start >= self.end:
            raise ValueError(f"start {self.start} is not before end {self.end}")


class Term(Struct, forbid_unknown_fields=True, frozen=True):
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"term ends ({self.end}) before it starts ({self.start})")


class SchoolCalendar(Rule, frozen=True, kw_only=True):
    weekdays: tuple[Annotated[int, Meta(ge=1, le=7)], ...] = (1, 2, 3, 4, 5)  # ISO weekdays
    terms: tuple[Term, ...]
    closed: tuple[dt.date, ...] = ()  # holidays and breaks inside a term


class Exemptions(Rule, frozen=True, kw_only=True):
    emergency_vehicles: bool = True  # exempt once a reviewer marks the vehicle


class Cap(Rule, frozen=True, kw_only=True):
    max_notices: PosInt  # most notices per plate ...
    window_minutes: PosInt  # ... within this many minutes


class ReliefTier(Rule, frozen=True, kw_only=True):
    name: Text
    discount_percent: Percent
    eligibility: Text
    max_poverty_percent: PosInt | None = None  # household income, % of the federal level
    duration_days: PosInt | None = None


class PaymentPlan(Rule, frozen=True, kw_only=True):
    max_monthly: Money | None = None
    max_fee: Money | None = None
    min_down_percent: Percent | None = None
    max_months: PosInt | None = None


class Deadlines(Rule, frozen=True, kw_only=True):
    mailing_days: PosInt | None = None  # notice mailed within this many days of capture
    response_days: PosInt | None = None  # pay, nominate a driver or contest
    review_request_days: PosInt | None = None
    review_answer_days: PosInt | None = None
    hearing_request_days: PosInt | None = None
    community_service_days: PosInt | None = None


NoAnswer = Literal["return_to_owner", "stays_with_driver"]


class DriverNomination(Rule, frozen=True, kw_only=True):
    """Naming the driver: the owner's signed statement reissues the notice to the named
    driver. When that driver has not answered (paid, contested, asked for relief or a
    plan) ``answer_days`` after the reissued notice's mailing, ``if_no_answer`` decides:
    the case returns to the owner with a new notice, or stays with the driver (who then
    defaults like any other recipient)."""

    answer_days: PosInt
    if_no_answer: NoAnswer


class Retention(Rule, frozen=True, kw_only=True):
    kind: RecordKind
    days: NonNegInt
    business_days: bool = False
    after: Literal["capture", "final_disposition"] = "capture"


class Quality(Rule, frozen=True, kw_only=True):
    min_plate_confidence: Annotated[float, Meta(ge=0, le=1)]


class RuleSet(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    code: Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]
    name: Text
    version: Text
    effective_from: dt.date
    timezone: Text
    units: Units
    currency: Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]
    fictional: bool = False
    summary: Text
    thresholds: tuple[Threshold, ...]
    fines: tuple[FineTier, ...]
    warnings: Warnings
    windows: tuple[Window, ...] = ()
    school_calendar: SchoolCalendar | None = None
    exemptions: Exemptions
    caps: tuple[Cap, ...] = ()
    relief: tuple[ReliefTier, ...] = ()
    payment_plan: PaymentPlan | None = None
    deadlines: Deadlines
    nomination: DriverNomination | None = None  # None: the case stays with the driver
    retention: tuple[Retention, ...]
    quality: Quality
    not_encoded: tuple[str, ...] = ()  # what the program does that this file cannot express

    def __post_init__(self) -> None:
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        _check_zone_cover("thresholds", [t.zones for t in self.thresholds])
        if not self.fines:
            raise ValueError("fines: at least one fine tier is needed")
        if any(w.days == "school_days" for w in self.windows) and self.school_calendar is None:
            raise ValueError("a school_days window needs a school_calendar")
        kinds = [r.kind for r in self.retention]
        if len(set(kinds)) != len(kinds):
            raise ValueError("retention: each kind of record may appear only once")

    def threshold_for(self, zone: str) -> Threshold:
        return next(t for t in self.thresholds if zone in t.zones)

    def retention_days(self, kind: str) -> int | None:
        return next((r.days for r in self.retention if r.kind == kind), None)


def _check_zone_cover(field: str, groups: list[tuple[Zone, ...]]) -> None:
    seen: list[str] = [zone for group in groups for zone in group]
    doubled = sorted({z for z in seen if seen.count(z) > 1})
    missing = [z for z in ZONES if z not in seen]
    if doubled:
        raise ValueError(f"{field}: zone {doubled[0]!r} has more than one rule")
    if missing:
        raise ValueError(f"{field}: zone {missing[0]!r} has no rule")


class RuleSetError(ValueError):
    """A rule set that cannot be used, with the file (or version) and the field named."""


def ruleset_decode_toml(text: bytes | str, *, origin: str) -> RuleSet:
    try:
        return msgspec.toml.decode(text, type=RuleSet)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise RuleSetError(f"{origin}: {exc}") from None


def ruleset_from_data(data: object, *, origin: str) -> RuleSet:
    try:
        return msgspec.convert(data, type=RuleSet)
    except msgspec.ValidationError as exc:
        raise RuleSetError(f"{origin}: {exc}") from None


def ruleset_to_data(ruleset: RuleSet) -> dict[str, object]:
    data = msgspec.to_builtins(ruleset)
    assert isinstance(data, dict)
    return data
