"""A violation is stored with the registry's speed limit; an event that claims another
limit is rejected, and the audit log keeps both numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cameras.services.registry import camera_update
from cameras.vision.evidence.signing import SigningKey, generate_key
from enforcement.services import violation_record
from policy.models import AuditEvent
from tests.enforcement.evidence import public_key_pem, use_evidence_storage, with_signed_evidence
from tests.enforcement.test_record_violation import event
from tests.factories import enforceable_camera

pytestmark = pytest.mark.django_db

MISMATCH = "event speed limit 40 km/h differs from the registered limit 50 km/h for camera elm-st"

Event = dict[str, Any]


@pytest.fixture(autouse=True)
def private_storage(settings: Any, tmp_path: Path) -> Path:
    return use_evidence_storage(settings, tmp_path / "evidence")


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return generate_key()


@pytest.fixture
def signed(key: SigningKey, tmp_path: Path) -> Callable[[Event], Event]:
    """signed(event) -> the event with evidence really signed with the camera's key.

    The evidence agrees with the event (its limit included), and evidence_intake really
    verifies it against the camera's registered key, so the limit decides.
    """
    return lambda data: with_signed_evidence(data, key, tmp_path)


@pytest.fixture
def pem(key: SigningKey) -> str:
    """The public key to register on a camera that signs with ``key``."""
    return public_key_pem(key)


def test_an_event_with_a_lower_limit_than_the_registry_is_rejected_with_the_reason(
    signed: Callable[[Event], Event], pem: str
) -> None:
    camera = enforceable_camera(code="elm-st", speed_limit_kmh=50, public_key_pem=pem)
    violation, created = violation_record(signed(event(camera.code, speed=80, limit_kmh=40)))
    assert created and violation.status == "rejected"
    assert violation.status_reason == MISMATCH


def test_the_stored_violation_carries_the_registered_limit_not_the_events(
    signed: Callable[[Event], Event], pem: str
) -> None:
    camera = enforceable_camera(code="elm-st", speed_limit_kmh=50, public_key_pem=pem)
    violation, _ = violation_record(signed(event(camera.code, speed=80, limit_kmh=40)))
    violation.refresh_from_db()
    assert violation.limit_kmh == 50


def test_the_rejection_is_audited_with_the_reason_and_both_limits(
    signed: Callable[[Event], Event], pem: str
) -> None:
    camera = enforceable_camera(code="elm-st", speed_limit_kmh=50, public_key_pem=pem)
    violation, _ = violation_record(signed(event(camera.code, speed=80, limit_kmh=40)))
    audit = AuditEvent.objects.get(action="violation.recorded", object_id=str(violation.pk))
    assert audit.reason == MISMATCH
    assert audit.details["outcome"] == "rejected"
    assert audit.details["checks"]["speed_limit"] is False
    assert (audit.details["limit_kmh"], audit.details["event_limit_kmh"]) == (50, 40)


def test_a_matching_limit_passes_as_before(signed: Callable[[Event], Event], pem: str) -> None:
    camera = enforceable_camera(speed_limit_kmh=50, public_key_pem=pem)
    violation, _ = violation_record(signed(event(camera.code, speed=80, limit_kmh=50)))
    assert violation.status == "awaiting_review", violation.status_reason
    assert violation.limit_kmh == 50
    assert "differs from the registered limit" not in violation.status_reason


def test_the_threshold_is_computed_from_the_registered_limit(
    signed: Callable[[Event], Event], pem: str
) -> None:
    camera = enforceable_camera(speed_limit_kmh=30, public_key_pem=pem)
    over, _ = violation_record(signed(event(camera.code, speed=41.5, limit_kmh=30)))
    under, _ = violation_record(signed(event(camera.code, speed=40.5, limit_kmh=30)))
    assert over.status == "awaiting_review", over.status_reason
    assert "over by 10 km/h" in over.status_reason
    assert under.status == "rejected"
    assert "limit 30.0 km/h); a notice needs 10 km/h or more over" in under.status_reason


def test_a_worker_still_on_the_old_limit_after_a_registry_change_cannot_ticket(
    signed: Callable[[Event], Event], pem: str
) -> None:
    camera = enforceable_camera(code="elm-st", speed_limit_kmh=50, public_key_pem=pem)
    camera_update(
        camera=camera, actor=None, fields={"speed_limit_kmh": 40}, reason="new school zone"
    )
    violation, _ = violation_record(signed(event(camera.code, speed=80, limit_kmh=50)))
    assert violation.status == "rejected"
    assert violation.status_reason == (
        "event speed limit 50 km/h differs from the registered limit 40 km/h for camera elm-st"
    )
    assert violation.limit_kmh == 40


def test_a_mismatched_limit_is_one_reason_among_the_others() -> None:
    # No evidence attached: the gate lists every failure, the limit mismatch included.
    camera = enforceable_camera(code="elm-st", speed_limit_kmh=50)
    violation, _ = violation_record(event(camera.code, speed=80, limit_kmh=40))
    assert violation.status == "rejected"
    assert MISMATCH in violation.status_reason
    assert "evidence missing" in violation.status_reason
