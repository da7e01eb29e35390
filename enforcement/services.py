"""Write-side services for violations (HackSoftware style: <entity>_<action>)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict
from typing import Any

import msgspec
from django.db import IntegrityError, transaction

from cameras.models import Calibration, Camera
from cameras.services.receipts import Outcome, receipt_record
from cameras.vision.event import EventError, ViolationEvent, event_from_message
from enforcement.evidence_intake import EvidenceResult, evidence_receive
from enforcement.gate import gate_evaluate
from enforcement.models import Violation, ViolationStatus
from policy.audit import audit_record
from policy.gate import GateDecision, GateFacts
from policy.rules.judge import decision_to_data
from policy.services.tallies import notice_tally_add

log = logging.getLogger(__name__)


def violation_record(data: dict[str, Any]) -> tuple[Violation, bool]:
    """Store one violation event exactly once and pass it through the policy gate.

    Returns (violation, created). A second delivery of the same event id returns the
    stored row unchanged, so broker redeliveries and worker retries are harmless.
    """
    event = event_from_message(data)
    existing = Violation.objects.filter(event_id=event.event_id).first()
    if existing is not None:
        receipt_record(str(event.event_id), event.camera_code, Outcome.STORED)
        return existing, False
    camera, calibration = _registry_records(event)
    evidence = evidence_receive(camera, str(event.event_id), event.evidence)
    facts, decision = _judge(camera, event, evidence)
    try:
        with transaction.atomic():
            violation = _store(event, camera, calibration, evidence, decision)
            _audit_and_count(violation, event, camera, evidence, facts, decision)
            receipt_record(str(event.event_id), camera.code, Outcome.STORED)
    except IntegrityError:
        # Two deliveries raced past the existence check; the unique event id kept one.
        return Violation.objects.get(event_id=event.event_id), False
    log.info(
        "violation %s recorded: %s (%s)", event.event_id, decision.outcome, decision.reason_text
    )
    return violation, True


def _registry_records(event: ViolationEvent) -> tuple[Camera, Calibration | None]:
    try:
        camera = Camera.objects.select_related("site").get(code=event.camera_code)
    except Camera.DoesNotExist:
        raise EventError(f"unknown camera {event.camera_code!r}") from None
    if event.calibration_version is None:
        return camera, None
    calibration = camera.calibrations.filter(version=event.calibration_version).first()
    if calibration is None:
        raise EventError(
            f"camera {camera.code} has no calibration version {event.calibration_version}"
        )
    return camera, calibration


def _judge(
    camera: Camera, event: ViolationEvent, evidence: EvidenceResult
) -> tuple[GateFacts, GateDecision]:
    passage = event.passage
    return gate_evaluate(
        camera=camera,
        measured_at=event.measured_at,
        speed_kmh=passage.speed_kmh,
        uncertainty_kmh=passage.uncertainty_kmh,
        event_limit_kmh=event.limit_kmh,
        measurement_valid=passage.valid,
        evidence_verified=evidence.verified,
        plate_text=event.plate.text,
        plate_confidence=event.plate.confidence or 0.0,
    )


def _store(
    event: ViolationEvent,
    camera: Camera,
    calibration: Calibration | None,
    evidence: EvidenceResult,
    decision: GateDecision,
) -> Violation:
    passage = event.passage
    return Violation.objects.create(
        event_id=event.event_id,
        camera=camera,
        calibration=calibration,
        measured_at=event.measured_at,
        speed_kmh=passage.speed_kmh,
        uncertainty_kmh=passage.uncertainty_kmh,
        limit_kmh=decision.limit_kmh,
        vehicle_class=passage.vehicle_class,
        lane_x_m=passage.world_x_m,
        plate_text=event.plate.text,
        plate_confidence=event.plate.confidence or 0.0,
        measurement=msgspec.to_builtins(passage),
        evidence_manifest=evidence.manifest,
        evidence_dir=evidence.stored_dir,
        evidence_verified=evidence.verified,
        evidence_problems=evidence.problems,
        status=ViolationStatus(decision.outcome),
        status_reason=decision.reason_text,
        ruleset_version=decision.judgement.version if decision.judgement is not None else "",
    )


def _audit_and_count(
    violation: Violation,
    event: ViolationEvent,
    camera: Camera,
    evidence: EvidenceResult,
    facts: GateFacts,
    decision: GateDecision,
) -> None:
    judgement = decision.judgement
    audit_record(
        actor=None,
        actor_label=f"camera:{camera.code}",
        action="violation.recorded",
        obj=violation,
        reason=decision.reason_text,
        details={
            "outcome": decision.outcome,
            "checks": decision.checks,
            # The rule set's decision with every check's values, for the reviewers.
            "judgement": decision_to_data(judgement) if judgement is not None else None,
            "facts": gate_facts_json(facts),
            # The event's own claim, kept beside the registered limit used above.
            "limit_kmh": decision.limit_kmh,
            "event_limit_kmh": event.limit_kmh,
            "evidence_problems": evidence.problems,
        },
    )
    notice_tally_add(
        camera_code=camera.code,
        day=facts.measured_on,
        outcome=decision.outcome,
        repeat=facts.prior_notices > 0,
    )


def gate_facts_json(facts: GateFacts) -> dict[str, Any]:
    """The gate's facts as stored in the audit log, for replaying a rule change."""
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(facts).items()}
