"""The gate judges every reading against the camera registry's speed limit; the limit a
camera worker puts in its event is only checked against it, never trusted."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from cameras.models import Camera
from enforcement.gate import gate_evaluate
from policy.gate import GateDecision
from tests.factories import enforceable_camera

pytestmark = pytest.mark.django_db


def decide(camera: Camera, *, speed: float, event_limit: float, **overrides: Any) -> GateDecision:
    fields: dict[str, Any] = {
        "camera": camera,
        "measured_at": timezone.now(),
        "speed_kmh": speed,
        "uncertainty_kmh": 1.0,
        "event_limit_kmh": event_limit,
        "measurement_valid": True,
        "evidence_verified": True,
    }
    fields.update(overrides)
    return gate_evaluate(**fields)[1]


def test_an_event_whose_limit_matches_the_registry_goes_to_review() -> None:
    camera = enforceable_camera(speed_limit_kmh=50)
    decision = decide(camera, speed=80, event_limit=50)
    assert decision.outcome == "awaiting_review"
    assert decision.checks["speed_limit"] is True
    assert decision.limit_kmh == 50
    assert decision.reasons == [
        "all checks passed: over by 29 km/h in a corridor zone; fine 90 USD"
    ]


def test_a_limit_sent_as_a_float_matches_the_registered_whole_number() -> None:
    camera = enforceable_camera(speed_limit_kmh=50)
    assert decide(camera, speed=80, event_limit=50.0).checks["speed_limit"] is True


def test_an_event_with_a_lower_limit_than_the_registry_is_rejected_with_both_limits_named() -> None:
    camera = enforceable_camera(code="elm-st", speed_limit_kmh=50)
    decision = decide(camera, speed=80, event_limit=40)
    assert decision.outcome == "rejected"
    assert decision.checks["speed_limit"] is False
    assert decision.reasons == [
        "event speed limit 40 km/h differs from the registered limit 50 km/h for camera elm-st"
    ]


def test_an_event_with_a_higher_limit_than_the_registry_is_rejected_too() -> None:
    camera = enforceable_camera(code="elm-st", speed_limit_kmh=50)
    decision = decide(camera, speed=90, event_limit=60)
    assert decision.outcome == "rejected"
    assert (
        "event speed limit 60 km/h differs from the registered limit 50 km/h for camera elm-st"
        in decision.reasons
    )


def test_a_fractional_mismatch_is_named_without_rounding_it_away() -> None:
    camera = enforceable_camera(code="elm-st", speed_limit_kmh=50)
    decision = decide(camera, speed=80, event_limit=49.5)
    assert decision.outcome == "rejected"
    assert "event speed limit 49.5 km/h differs" in decision.reason_text


def test_the_threshold_is_computed_from_the_registered_limit() -> None:
    camera = enforceable_camera(speed_limit_kmh=30)
    over = decide(camera, speed=41.5, event_limit=30)  # lower bound 40.5 > 30 + 10
    under = decide(camera, speed=40.5, event_limit=30)  # lower bound 39.5 <= 30 + 10
    assert over.outcome == "awaiting_review" and over.checks["threshold"] is True
    assert under.outcome == "rejected"
    assert "limit 30.0 km/h); a notice needs 10 km/h or more over" in under.reason_text


def test_a_lowered_event_limit_cannot_push_a_lawful_reading_over_the_threshold() -> None:
    # 54 km/h is a ticket against 40 + 10 but lawful against the registered 50 + 10.
    camera = enforceable_camera(speed_limit_kmh=50)
    decision = decide(camera, speed=55, event_limit=40)
    assert decision.outcome == "rejected"
    assert decision.checks["speed_limit"] is False and decision.checks["threshold"] is False
    assert "limit 50.0 km/h); a notice needs 10 km/h or more over" in decision.reason_text


def test_the_calibrations_own_limit_does_not_override_the_registry() -> None:
    camera = enforceable_camera(speed_limit_kmh=50)
    camera.calibrations.update(data={**camera.calibrations.get().data, "speed_limit_kmh": 30})
    decision = decide(camera, speed=45, event_limit=30)
    assert decision.outcome == "rejected"
    assert "differs from the registered limit 50 km/h" in decision.reason_text
    assert decision.limit_kmh == 50
