from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.utils import timezone

from cameras.vision.event import EventError
from enforcement.models import DeadLetter, Violation
from enforcement.services import violation_record
from enforcement.tasks import record_violation
from policy.models import AuditEvent
from tests.factories import CameraFactory, enforceable_camera


def event(code: str, speed: float = 80.0, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema_version": 1,
        "event_id": str(uuid.uuid4()),
        "camera_code": code,
        "calibration_version": 1,
        "measured_at": timezone.now().isoformat(),
        "limit_kmh": 50,
        "passage": {
            "speed_kmh": speed,
            "uncertainty_kmh": 1.0,
            "valid": True,
            "class": "car",
            "world_x_m": 1.5,
        },
        "plate": {"text": "ABC123", "confidence": 0.97},
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_same_event_delivered_twice_is_stored_once() -> None:
    camera = enforceable_camera()
    payload = event(camera.code)
    first, created_first = violation_record(payload)
    second, created_second = violation_record(payload)
    assert created_first and not created_second
    assert first.pk == second.pk
    assert Violation.objects.count() == 1


@pytest.mark.django_db
def test_every_recorded_violation_is_audited_with_its_reason() -> None:
    camera = enforceable_camera()
    violation, _ = violation_record(event(camera.code))
    audit = AuditEvent.objects.get(action="violation.recorded", object_id=str(violation.pk))
    assert audit.reason == violation.status_reason
    assert audit.actor_label == f"camera:{camera.code}"


@pytest.mark.django_db
def test_a_violation_keeps_the_rule_set_version_that_judged_it() -> None:
    camera = enforceable_camera()
    violation, _ = violation_record(event(camera.code))
    audit = AuditEvent.objects.get(action="violation.recorded", object_id=str(violation.pk))
    assert violation.ruleset_version
    assert violation.ruleset_version == audit.details["judgement"]["version"]


@pytest.mark.django_db
def test_a_reading_whose_lower_bound_is_under_limit_plus_threshold_is_rejected() -> None:
    camera = enforceable_camera()
    violation, _ = violation_record(event(camera.code, speed=60.5))  # 59.5 < 50 + 10
    assert violation.status == "rejected"
    assert "limit 50.0 km/h); a notice needs 10 km/h or more over" in violation.status_reason


@pytest.mark.django_db
def test_a_camera_without_placement_certificate_or_self_test_cannot_ticket() -> None:
    camera = CameraFactory()
    violation, _ = violation_record(event(camera.code, calibration_version=None))
    assert violation.status == "rejected"
    for reason in (
        "no approved, active placement",
        "no valid calibration certificate",
        "no passed self-test",
        "camera has no calibration",
    ):
        assert reason in violation.status_reason


@pytest.mark.django_db
def test_a_violation_without_verified_evidence_never_reaches_review() -> None:
    camera = enforceable_camera()
    violation, _ = violation_record(event(camera.code, speed=90))
    assert violation.status == "rejected"
    assert "evidence missing" in violation.status_reason


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"event_id": "not-a-uuid"}, r"Invalid UUID - at `\$.event_id`"),
        ({"measured_at": "2026-01-01T10:00:00"}, "time zone"),
        (
            {"passage": {"speed_kmh": "fast", "uncertainty_kmh": 1, "valid": True}},
            r"Expected `float`, got `str` - at `\$.passage.speed_kmh`",
        ),
        ({"camera_code": "no-such-camera"}, "unknown camera"),
        ({"calibration_version": 99}, "no calibration version 99"),
        ({"calibration_version": "1a"}, r"at `\$.calibration_version`"),
        ({"plate": "ABC"}, r"Expected `object`, got `str` - at `\$.plate`"),
        ({"plate": {"text": "ABC", "confidence": "high"}}, r"at `\$.plate.confidence`"),
        (
            {"passage": {"speed_kmh": 80, "uncertainty_kmh": 1, "valid": True, "class": "c" * 40}},
            r"length <= 30 - at `\$.passage.class`",
        ),
        (
            {
                "passage": {
                    "speed_kmh": 80,
                    "uncertainty_kmh": 1,
                    "valid": True,
                    "world_x_m": "left",
                }
            },
            r"at `\$.passage.world_x_m`",
        ),
        ({"schema_version": 2}, "unsupported schema_version 2"),
        ({"schema_version": None}, "lacks 'schema_version'"),
    ],
)
def test_a_malformed_event_gets_a_clear_error(change: dict[str, Any], message: str) -> None:
    camera = enforceable_camera()
    with pytest.raises(EventError, match=message):
        violation_record(event(camera.code, **change))


@pytest.mark.django_db
def test_the_task_keeps_a_malformed_event_as_a_dead_letter() -> None:
    camera = enforceable_camera()
    payload = event(camera.code, event_id="garbage")
    result = record_violation.apply(args=[payload]).get()
    assert result.startswith("dead letter")
    letter = DeadLetter.objects.get()
    assert letter.payload == payload and "Invalid UUID" in letter.error
