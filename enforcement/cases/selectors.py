"""Read side of the review queue and the evidence viewer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from enforcement.models import Notice, Violation, ViolationStatus
from policy.models import AuditEvent
from policy.presets import preset_for

S = ViolationStatus
QUEUES: dict[str, tuple[str, ...]] = {
    "review": (S.AWAITING_REVIEW, S.WARNING),
    "approval": (S.AWAITING_APPROVAL, S.APPROVED, S.OWNER_FOUND, S.OWNER_NOT_FOUND),
}
QUEUE_PERMISSION = {
    "review": "enforcement.review_violation",
    "approval": "enforcement.approve_violation",
}
QUEUE_COLUMNS = (
    "measured_at", "speed_kmh", "uncertainty_kmh", "limit_kmh", "status", "camera__code",
    "claimed_by", "claimed_until", "reviewed_by",
)  # fmt: skip
# Speed bands on the lower bound's excess over the limit, in km/h.
SPEED_BANDS: dict[str, tuple[float, float | None]] = {
    "0-10": (0.0, 10.0),
    "10-20": (10.0, 20.0),
    "20-40": (20.0, 40.0),
    "40+": (40.0, None),
}


@dataclass(frozen=True)
class QueueFilters:
    camera: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    band: str = ""

    @classmethod
    def from_query(cls, query: Any) -> QueueFilters:
        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(query.get(name, ""))
            except ValueError:
                return None

        band = query.get("band", "")
        return cls(
            camera=query.get("camera", "").strip(),
            date_from=day("date_from"),
            date_to=day("date_to"),
            band=band if band in SPEED_BANDS else "",
        )


def case_queue(queue: str, user: Any, filters: QueueFilters | None = None) -> QuerySet[Violation]:
    """Oldest first; cases another person has open right now are left out."""
    filters = filters or QueueFilters()
    now = timezone.now()
    qs = (
        Violation.objects.filter(status__in=QUEUES[queue])
        .exclude(Q(claimed_until__gt=now) & ~Q(claimed_by=user.pk))
        .select_related("camera")
        # The list shows a few columns; the JSON ones (measurement, manifest) stay behind.
        .only(*QUEUE_COLUMNS)
        .order_by("measured_at", "pk")
    )
    if queue == "approval":
        # Nobody approves what they reviewed: such cases wait for someone else.
        qs = qs.exclude(reviewed_by=user.pk)
    if filters.camera:
        qs = qs.filter(camera__code=filters.camera)
    # Compare with the day's bounds, not ``measured_at__date``: a function of the column
    # cannot use the (status, measured_at) index.
    if filters.date_from:
        qs = qs.filter(measured_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(measured_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.band:
        low, high = SPEED_BANDS[filters.band]
        excess = F("speed_kmh") - F("uncertainty_kmh") - F("limit_kmh")
        qs = qs.alias(excess=excess).filter(excess__gte=low)
        if high is not None:
            qs = qs.filter(excess__lt=high)
    return qs


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def case_next(queue: str, user: Any) -> Violation | None:
    return case_queue(queue, user).first()


@dataclass(frozen=True)
class GateCheck:
    name: str
    passed: bool
    value: str


def case_gate_record(violation: Violation) -> dict[str, Any]:
    """The policy gate's checks and facts as recorded when the violation arrived (for a
    case reissued to a named driver: the original's, recorded with the reissue)."""
    event = (
        AuditEvent.objects.filter(
            action__in=["violation.recorded", "violation.reissued"],
            object_type="enforcement.violation",
            object_id=str(violation.pk),
        )
        .only("details")
        .first()
    )
    return event.details if event is not None else {}


def _check_value(name: str, facts: dict[str, Any], v: Violation, threshold: float) -> str:
    lower = v.lower_bound_kmh
    values = {
        "placement": f"active from {facts.get('placement_active_from')}",
        "calibration": f"version {v.calibration.version}" if v.calibration else "none",
        "certificate": f"valid on {facts.get('measured_on')}: {facts.get('certificate_valid')}",
        "self_test": f"passed on {facts.get('measured_on')}: {facts.get('selftest_passed')}",
        "measurement": f"valid: {facts.get('measurement_valid')}",
        "speed_limit": (
            f"event {facts.get('event_limit_kmh')} / registry {facts.get('registered_limit_kmh')}"
        ),
        "threshold": f"{lower:.1f} > {v.limit_kmh:.0f} + {threshold:.1f} km/h",
        "evidence": f"verified: {facts.get('evidence_verified')}",
    }
    return values.get(name, "")


def case_checks(violation: Violation) -> list[GateCheck]:
    record = case_gate_record(violation)
    facts = record.get("facts", {})
    threshold = preset_for(violation.camera.site.jurisdiction).threshold_kmh
    return [
        GateCheck(name, bool(ok), _check_value(name, facts, violation, threshold))
        for name, ok in record.get("checks", {}).items()
    ]


def case_files(violation: Violation) -> dict[str, str]:
    """Evidence file names by role (entry, exit, plate or plate_region)."""
    files = violation.evidence_manifest.get("files", []) if violation.evidence_manifest else []
    return {f["role"]: f["name"] for f in files if "role" in f and "name" in f}


def notice_lookup(number: str, *, plate: str = "", pin: str = "") -> Notice | None:
    """The notice a resident means, by number and plate or number and PIN; None for any
    mismatch (never saying which part was wrong). A number whose check digit fails is
    refused before any database query."""
    from enforcement.cases.numbers import notice_number_normalise, pin_check, verhoeff_valid
    from enforcement.cases.owners import plate_normalise

    number = notice_number_normalise(number)
    if not verhoeff_valid(number) or not (plate or pin):
        return None
    notice = Notice.objects.filter(number=number).select_related("violation").first()
    if notice is None:
        return None
    if plate and plate_normalise(plate) == plate_normalise(notice.plate):
        return notice
    if pin and pin_check(pin, notice.pin_hash):
        return notice
    return None
