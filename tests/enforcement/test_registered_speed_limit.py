"""A violation is stored with the registry's speed limit; an event that claims another
limit is rejected, and the audit log keeps both numbers."""

from __future__ import annotations

from typing import Any

import pytest

from cameras.services.registry import camera_update
from enforcement import services
from enforcement.evidence_intake import EvidenceResult
from enforcement.services import violation_record
from policy.models import AuditEvent
from tests.enforcement.test_record_violation import event
from tests.factories import enforceable_camera

pytestmark = pytest.mark.django_db

MISMATCH = "event speed limit 40 km/h differs from the registered limit 50 km/h for camera elm-st"


@pytest.fixture
def verified_evidence(monkeypatch: pytest.MonkeyPatch) -> None:
    """Evidence verification has its own tests; here it passes so the limit decides."""

    def receive(camera: Any, event_id: str, evidence: Any) -> EvidenceResult:
        return EvidenceResult(verified=True, manifest={"measurement": {"limit_kmh": 50.0}})

    monkeypatch.setattr(services, "evidence_receive", receive)


def test_an_event_with_a_lower_limit_than_the_registry_is_rejected_with_the_reason(
    verified_evidence: None,
) -> None:
    camera = enforceable_camera(code="elm-st", speed_limit_kmh=50)
    violation, created = violation_record(event(camera.code, speed=80, speed_limit_kmh=40))
    assert created and violation.status == "rejected"
    assert violation.status_reason == MISMATCH


def test_the_stored_violation_carries_the_registered_limit_not_the_events(
    verified_evidence: None,
) -> None:
    camera = enforceable_camera(code="elm-st", speed_limit_kmh=50)
    violation, _ = violation_record(event(camera.code, speed=80, speed_limit_kmh=40))
    violation.refresh_from_db()
    assert violation.limit_kmh == 50


def test_the_rejection_is_audited_with_the_reason_and_both_limits(verified_evidence: None) -> None:
    camera = enforceable_camera(code="elm-st", speed_limit_kmh=50)
    violation, _ = violation_record(event(camera.code, speed=80, speed_limit_kmh=40))
    audit = AuditEvent.objects.get(action="violation.recorded", object_id=str(violation.pk))
    assert audit.reason == MISMATCH
    assert audit.details["outcome"] == "rejected"
    assert audit.details["checks"]["speed_limit"] is False
    assert (audit.details["limit_kmh"], audit.details["event_limit_kmh"]) == (50, 40)


def test_a_matching_limit_passes_as_before(verified_evidence: None) -> None:
    camera = enforceable_camera(speed_limit_kmh=50)
    violation, _ = violation_record(event(camera.code, speed=80, speed_limit_kmh=50))
    assert violation.status == "awaiting_review", violation.status_reason
    assert violation.limit_kmh == 50
    assert "differs from the registered limit" not in violation.status_reason


def test_the_threshold_is_computed_from_the_registered_limit(verified_evidence: None) -> None:
    camera = enforceable_camera(speed_limit_kmh=30)
    over, _ = violation_record(event(camera.code, speed=41.5, speed_limit_kmh=30))
    under, _ = violation_record(event(camera.code, speed=40.5, speed_limit_kmh=30))
    assert over.status == "awaiting_review", over.status_reason
    assert "over 40.0 km/h" in over.status_reason
    assert under.status == "rejected"
    assert "does not exceed limit 30 + threshold 10.0" in under.status_reason


def test_a_worker_still_on_the_old_limit_after_a_registry_change_cannot_ticket(
    verified_evidence: None,
) -> None:
    camera = enforceable_camera(code="elm-st", speed_limit_kmh=50)
    camera_update(
        camera=camera, actor=None, fields={"speed_limit_kmh": 40}, reason="new school zone"
    )
    violation, _ = violation_record(event(camera.code, speed=80, speed_limit_kmh=50))
    assert violation.status == "rejected"
    assert violation.status_reason == (
        "event speed limit 50 km/h differs from the registered limit 40 km/h for camera elm-st"
    )
    assert violation.limit_kmh == 40


def test_a_mismatched_limit_is_one_reason_among_the_others() -> None:
    # No evidence attached: the gate lists every failure, the limit mismatch included.
    camera = enforceable_camera(code="elm-st", speed_limit_kmh=50)
    violation, _ = violation_record(event(camera.code, speed=80, speed_limit_kmh=40))
    assert violation.status == "rejected"
    assert MISMATCH in violation.status_reason
    assert "evidence missing" in violation.status_reason
