"""What a resident sees about their case: evidence, measurement, device records, why
the camera is there, the timeline and the deadlines ahead."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cameras.models import CalibrationCertificate, SelfTest
from enforcement.cases.numbers import notice_number_display
from enforcement.cases.selectors import case_files
from enforcement.cases.terms import SCHEDULES
from enforcement.models import Notice, Violation
from enforcement.portal.forms import HearingForm
from enforcement.portal.models import Contest, ContestStatus, Payment, PaymentStatus
from enforcement.portal.payments import ONE_TO_ONE, notice_amount_due, one_to_one
from enforcement.portal.rules import portal_rules
from policy.models import PlacementProposal, PlacementStatus
from policy.presets import MPH, preset_for

EVENTS: dict[str, Promise] = {
    "measured": _("The camera measured the speed"),
    "reviewed": _("A reviewer checked the photos and read the plate"),
    "approved": _("A second person approved the case"),
    "issued": _("The notice was issued"),
    "mailed": _("The notice was mailed"),
    "emailed": _("A copy was emailed"),
    "defaulted": _("The last day to respond passed"),
    "paid": _("Paid"),
    "refunded": _("Payment refunded"),
}
RESPONSES: dict[str, Promise] = {
    "pay": _("Pay"),
    "relief": _("Ask for a reduction or a payment plan"),
    "nominate": _("Name the driver"),
    "contest": _("Ask for a review (contest)"),
}

# The evidence roles a resident is shown, in page order.
EVIDENCE_ROLES = ("entry", "exit", "plate", "plate_region")


@dataclass(frozen=True)
class Measurement:
    units: str
    speed: float
    uncertainty: float
    lower_bound: float
    limit: float
    threshold: float
    over_by: int


@dataclass(frozen=True)
class Deadline:
    name: str
    last_day: dt.date
    days_left: int

    @property
    def label(self) -> Promise | str:
        return RESPONSES.get(self.name, self.name)


@dataclass(frozen=True)
class TimelineEntry:
    when: dt.datetime | dt.date
    what: str

    @property
    def label(self) -> Promise | str:
        return EVENTS.get(self.what, self.what)


@dataclass
class ResidentCase:
    notice: Notice
    violation: Violation
    evidence: list[EvidenceLink]
    measurement: Measurement
    certificate: CalibrationCertificate | None
    self_test: SelfTest | None
    placement: PlacementProposal | None
    ruleset_source: str
    deadlines: list[Deadline]
    timeline: list[TimelineEntry] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    amount_due: Any = None
    can_pay: bool = False
    pay_keeps_contest: bool = True
    contest: Contest | None = None
    can_contest: bool = False
    can_nominate: bool = False
    can_relieve: bool = False
    hearing_last_day: dt.date | None = None
    review_by: dt.date | None = None
    service_hours: Any = None
    hearing_form: Any = None
    appeal: Any = ""

    @property
    def number_display(self) -> str:
        return notice_number_display(self.notice.number)


@dataclass(frozen=True)
class EvidenceLink:
    """One photo on the case page; ``version`` makes its URL differ from every other
    case's photo, so a browser's private cache never shows one case's photo on another."""

    role: str
    version: str


def evidence_version(violation: Violation, name: str) -> str:
    files = violation.evidence_manifest.get("files", []) if violation.evidence_manifest else []
    digest = next((f.get("sha256", "") for f in files if f.get("name") == name), "")
    return hashlib.sha256(f"{violation.event_id}/{name}/{digest}".encode()).hexdigest()[:16]


def portal_evidence_files(violation: Violation) -> dict[str, str]:
    """The evidence a resident may open, by role; nothing once purged."""
    if violation.evidence_purged_at is not None or not violation.evidence_dir:
        return {}
    files = case_files(violation)
    return {role: files[role] for role in EVIDENCE_ROLES if role in files}


def _measurement(violation: Violation, units: str, threshold: float) -> Measurement:
    factor = MPH if units == "mph" else 1.0
    return Measurement(
        units=units,
        speed=violation.speed_kmh / factor,
        uncertainty=violation.uncertainty_kmh / factor,
        lower_bound=violation.lower_bound_kmh / factor,
        limit=violation.limit_kmh / factor,
        threshold=threshold / factor,
        over_by=math.floor((violation.lower_bound_kmh - violation.limit_kmh) / factor),
    )


def _local_day(violation: Violation) -> dt.date:
    tz = zoneinfo.ZoneInfo(violation.camera.site.timezone)
    return violation.measured_at.astimezone(tz).date()


@dataclass(frozen=True)
class CaseRecords:
    """What the case page shows about the camera and the rules, the same for every
    visit: cached per violation (``RECORDS_CACHE_S``), so a busy portal does not ask
    for it on every page."""

    certificate: CalibrationCertificate | None
    self_test: SelfTest | None
    placement: PlacementProposal | None
    threshold_kmh: float
    ruleset_source: str


RECORDS_CACHE_S = 600


def _case_records(violation: Violation, ruleset: str) -> CaseRecords:
    day, camera = _local_day(violation), violation.camera
    schedule = SCHEDULES.get(ruleset)
    return CaseRecords(
        certificate=camera.certificates.filter(valid_from__lte=day, valid_until__gte=day)
        .order_by("-valid_from")
        .first(),
        self_test=camera.self_tests.filter(ran_at__lte=violation.measured_at, ran_at__date__gte=day)
        .order_by("-ran_at")
        .first(),
        placement=PlacementProposal.objects.filter(
            site=camera.site, status=PlacementStatus.APPROVED, active_from__lte=day
        )
        .order_by("-active_from")
        .first(),
        threshold_kmh=preset_for(camera.site.jurisdiction).threshold_kmh,
        ruleset_source=schedule.source if schedule else preset_for(ruleset).source,
    )


def case_records(violation: Violation, ruleset: str) -> CaseRecords:
    key = f"portal:case-records:{violation.pk}:{ruleset}"
    records: CaseRecords | None = cache.get(key)
    if records is None:
        records = _case_records(violation, ruleset)
        cache.set(key, records, RECORDS_CACHE_S)
    return records


def notice_deadlines(notice: Notice, today: dt.date | None = None) -> list[Deadline]:
    today = today or timezone.localdate()
    out = []
    for name, last in sorted(notice.deadlines.items(), key=lambda kv: kv[1]):
        last_day = dt.date.fromisoformat(last)
        out.append(Deadline(name, last_day, (last_day - today).days))
    return out


def _timeline(notice: Notice, v: Violation, payments: list[Payment]) -> list[TimelineEntry]:
    entries = [TimelineEntry(v.measured_at, "measured")]
    if v.reviewed_at:
        entries.append(TimelineEntry(v.reviewed_at, "reviewed"))
    if v.approved_at:
        entries.append(TimelineEntry(v.approved_at, "approved"))
    entries.append(TimelineEntry(notice.issued_at, "issued"))
    if notice.mailed_on:
        entries.append(TimelineEntry(notice.mailed_on, "mailed"))
    if notice.emailed_at:
        entries.append(TimelineEntry(notice.emailed_at, "emailed"))
    if notice.defaulted_on:
        entries.append(TimelineEntry(notice.defaulted_on, "defaulted"))
    for p in payments:
        entries.append(TimelineEntry(p.paid_at, "paid"))
        if p.refunded_at:
            entries.append(TimelineEntry(p.refunded_at, "refunded"))

    def key(e: TimelineEntry) -> dt.date:
        return e.when.date() if isinstance(e.when, dt.datetime) else e.when

    return sorted(entries, key=key)


def resident_case(notice_id: int, today: dt.date | None = None) -> ResidentCase:
    notice = (
        Notice.objects.select_related(
            "violation__camera__site", "violation__calibration", *ONE_TO_ONE
        )
        .prefetch_related("payments", "contest__documents")
        .get(pk=notice_id)
    )
    v = notice.violation
    schedule = SCHEDULES.get(notice.ruleset)
    units = schedule.units if schedule else "km/h"
    records = case_records(v, notice.ruleset)
    payments = list(notice.payments.all())
    due = notice_amount_due(notice)
    rules = portal_rules(notice.ruleset)
    contest = one_to_one(notice, "contest")
    contest_last = notice.deadlines.get("contest")
    open_for_contest = v.status == "notice_mailed" or (
        v.status == "closed" and v.status_reason == "paid" and rules.pay_keeps_contest
    )
    can_contest = (
        contest is None
        and open_for_contest
        and bool(contest_last)
        and dt.date.fromisoformat(contest_last) >= (today or timezone.localdate())
    )
    hearing_last = None
    if (
        contest is not None
        and contest.status == ContestStatus.REVIEW_UPHELD
        and contest.reviewed_at
    ):
        hearing_last = (contest.reviewed_at + dt.timedelta(days=rules.hearing_request_days)).date()
    review_by = None
    if contest is not None and contest.status == ContestStatus.SUBMITTED:
        review_by = contest.submitted_at.date() + dt.timedelta(days=rules.review_answer_days)
    return ResidentCase(
        review_by=review_by,
        service_hours=rules.service_hours,
        contest=contest,
        can_contest=can_contest,
        can_nominate=v.status == "notice_mailed" and contest is None and not payments,
        can_relieve=v.status == "notice_mailed" and notice.kind == "citation" and not payments,
        hearing_last_day=hearing_last,
        hearing_form=HearingForm(),
        appeal=rules.appeal,
        notice=notice,
        violation=v,
        evidence=[
            EvidenceLink(role, evidence_version(v, name))
            for role, name in portal_evidence_files(v).items()
        ],
        measurement=_measurement(v, units, records.threshold_kmh),
        certificate=records.certificate,
        self_test=records.self_test,
        placement=records.placement,
        ruleset_source=records.ruleset_source,
        deadlines=notice_deadlines(notice, today),
        timeline=_timeline(notice, v, payments),
        payments=payments,
        amount_due=due,
        can_pay=due > 0 and v.status == "notice_mailed",
        pay_keeps_contest=rules.pay_keeps_contest,
    )


def payment_captured(notice: Notice) -> Payment | None:
    return notice.payments.filter(status=PaymentStatus.CAPTURED).first()
