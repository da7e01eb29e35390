"""Gathering a violation's facts from the camera registry, the placement review and the
plate's earlier notices, for the policy layer's pure ``gate_judge``."""

from __future__ import annotations

import datetime as dt
from datetime import datetime

from django.utils import timezone

from cameras import selectors as camera_selectors
from cameras.models import Camera
from enforcement.models import Violation, ViolationStatus
from policy.gate import GateDecision, GateFacts, gate_judge
from policy.selectors import placement_active, program_started_on, rulebook_for

# Statuses that mean the plate got (or is about to get) a warning or a notice.
NOTICE_STATUSES = [
    ViolationStatus.WARNING,
    ViolationStatus.AWAITING_REVIEW,
    ViolationStatus.AWAITING_APPROVAL,
    ViolationStatus.APPROVED,
]
# Caps look back at most this far; no rule set's window is longer.
CAP_LOOKBACK = dt.timedelta(days=1)


def _plate_history(
    jurisdiction: str, plate_text: str, before: datetime
) -> tuple[int, tuple[str, ...]]:
    if not plate_text:
        return 0, ()
    earlier = Violation.objects.filter(
        plate_text=plate_text,
        camera__site__jurisdiction=jurisdiction,
        status__in=NOTICE_STATUSES,
        measured_at__lt=before,
    )
    recent = earlier.filter(measured_at__gte=before - CAP_LOOKBACK).values_list(
        "measured_at", flat=True
    )
    return earlier.count(), tuple(t.isoformat() for t in recent)


def gate_evaluate(
    *,
    camera: Camera,
    measured_at: datetime,
    speed_kmh: float,
    uncertainty_kmh: float,
    event_limit_kmh: float,
    measurement_valid: bool,
    evidence_verified: bool,
    plate_text: str = "",
    plate_confidence: float = 0.0,
) -> tuple[GateFacts, GateDecision]:
    """Decide one violation against the back office's own records; return the facts too,
    so they are stored with the decision and a rule change can be replayed over them.

    The speed limit comes from the camera registry. The worker's ``event_limit_kmh`` is
    only compared with it: a worker that is misconfigured (or lies) about the limit must
    not be able to ticket drivers who kept to the registered one.
    """
    day = timezone.localdate(measured_at)
    jurisdiction = camera.site.jurisdiction
    placement = placement_active(camera.site_id, day)
    prior, recent = _plate_history(jurisdiction, plate_text, measured_at)
    facts = GateFacts(
        camera_code=camera.code,
        measured_at=measured_at,
        measured_on=day,
        speed_kmh=speed_kmh,
        uncertainty_kmh=uncertainty_kmh,
        registered_limit_kmh=float(camera.speed_limit_kmh),
        event_limit_kmh=event_limit_kmh,
        zone=camera.site.zone_kind,
        placement_found=placement is not None,
        placement_active_from=placement.active_from if placement is not None else None,
        program_started_on=program_started_on(jurisdiction),
        has_calibration=camera_selectors.calibration_current(camera) is not None,
        certificate_valid=camera_selectors.certificate_valid_on(camera, day) is not None,
        selftest_passed=camera_selectors.selftest_passed_on(camera, day) is not None,
        measurement_valid=measurement_valid,
        evidence_verified=evidence_verified,
        plate_confidence=plate_confidence,
        prior_notices=prior,
        recent_notices=recent,
    )
    return facts, gate_judge(facts, rulebook_for(jurisdiction))
