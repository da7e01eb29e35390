"""The back office's gate judges each reading by its site's jurisdiction rule set: the
placement's activation starts the camera's warning period, and a plate's earlier notices
count for first-notice warnings and caps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from enforcement.gate import gate_evaluate
from enforcement.models import Violation, ViolationStatus
from policy.models import PlacementProposal
from tests.factories import enforceable_camera

pytestmark = pytest.mark.django_db
MPH = 1.609344


def decide(camera, *, plate: str = "ABC123", at: dt.datetime | None = None):  # type: ignore[no-untyped-def]
    return gate_evaluate(
        camera=camera,
        measured_at=at or timezone.now(),
        speed_kmh=float(camera.speed_limit_kmh) + 20 * MPH,
        uncertainty_kmh=1.0,
        event_limit_kmh=float(camera.speed_limit_kmh),
        measurement_valid=True,
        evidence_verified=True,
        plate_text=plate,
        plate_confidence=0.97,
    )


def chicago_camera(days_active: int):  # type: ignore[no-untyped-def]
    camera = enforceable_camera(speed_limit_kmh=40)
    camera.site.jurisdiction = "chicago"
    camera.site.zone_kind = "corridor"
    camera.site.save()
    PlacementProposal.objects.filter(site=camera.site).update(
        active_from=timezone.localdate() - dt.timedelta(days=days_active)
    )
    return camera


def test_a_new_chicago_camera_only_warns_for_its_first_30_days() -> None:
    _, decision = decide(chicago_camera(days_active=10))
    assert decision.outcome == "warning"
    assert decision.checks["camera_warning"] is False
    assert decision.judgement is not None and decision.judgement.ruleset == "chicago"


def test_a_plates_first_chicago_violation_is_a_warning_and_its_second_goes_to_review() -> None:
    camera = chicago_camera(days_active=400)
    _, first = decide(camera)
    assert first.outcome == "warning"
    Violation.objects.create(
        camera=camera,
        measured_at=timezone.now() - dt.timedelta(days=3),
        speed_kmh=80,
        uncertainty_kmh=1,
        limit_kmh=40,
        plate_text="ABC123",
        status=ViolationStatus.WARNING,
    )
    facts, second = decide(camera)
    assert facts.prior_notices == 1
    assert second.outcome == "awaiting_review"


def test_a_failed_device_check_rejects_whatever_the_rule_set_says() -> None:
    camera = chicago_camera(days_active=400)
    PlacementProposal.objects.filter(site=camera.site).update(
        active_until=timezone.localdate() - dt.timedelta(days=1)
    )
    _, decision = decide(camera)
    assert decision.outcome == "rejected"
    assert "no approved, active placement" in decision.reason_text


def test_the_audit_keeps_the_rule_sets_checks_and_facts_that_replay_to_the_same_decision() -> None:
    import msgspec

    from enforcement.services import violation_record
    from policy.equity import _gate_facts
    from policy.gate import gate_judge
    from policy.models import AuditEvent
    from policy.selectors import rulebook_for
    from tests.enforcement.test_record_violation import event

    camera = enforceable_camera()
    violation, _ = violation_record(event(camera.code, speed=80.0))
    details = AuditEvent.objects.get(action="violation.recorded").details
    judgement = details["judgement"]
    assert judgement["outcome"] == "citation" and judgement["over_by"] == 29
    threshold = next(c for c in judgement["checks"] if c["name"] == "threshold")
    assert "over by 29 km/h" in threshold["detail"]
    replayed = _gate_facts(msgspec.json.encode(details["facts"]).decode())
    assert replayed is not None
    assert gate_judge(replayed, rulebook_for("demo")).outcome == violation.status
