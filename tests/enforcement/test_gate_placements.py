"""No placement, no ticket: a camera whose site has no approved, activated placement in
force never yields a notice; suspension and a missed annual re-review stop notices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from enforcement.gate import gate_evaluate
from policy.models import PlacementProposal, PlacementStatus
from policy.services.placements import placement_suspend
from tests.factories import enforceable_camera

pytestmark = pytest.mark.django_db


def outcome(camera) -> str:  # type: ignore[no-untyped-def]
    _, decision = gate_evaluate(
        camera=camera,
        measured_at=timezone.now(),
        speed_kmh=90,
        uncertainty_kmh=1,
        event_limit_kmh=50,
        measurement_valid=True,
        evidence_verified=True,
        plate_text="XYZ789",
        plate_confidence=0.99,
    )
    assert decision.outcome == "rejected" or "no approved" not in decision.reason_text
    return decision.outcome


def test_an_active_placement_lets_a_reading_go_to_review() -> None:
    assert outcome(enforceable_camera()) == "awaiting_review"


@pytest.mark.parametrize(
    "status", [PlacementStatus.SUBMITTED, PlacementStatus.REJECTED, PlacementStatus.RETIRED]
)
def test_a_placement_that_is_not_approved_never_yields_a_notice(status: str) -> None:
    camera = enforceable_camera()
    PlacementProposal.objects.filter(site=camera.site).update(status=status)
    assert outcome(camera) == "rejected"


def test_an_approved_placement_not_yet_activated_yields_no_notice() -> None:
    camera = enforceable_camera()
    PlacementProposal.objects.filter(site=camera.site).update(active_from=None)
    assert outcome(camera) == "rejected"


def test_suspension_stops_notices(staff) -> None:  # type: ignore[no-untyped-def]
    camera = enforceable_camera()
    placement = PlacementProposal.objects.get(site=camera.site)
    placement_suspend(placement, actor=staff("equity_reviewer"), reason="effectiveness review")
    assert outcome(camera) == "rejected"


def test_a_placement_past_its_annual_re_review_yields_no_notice() -> None:
    camera = enforceable_camera()
    PlacementProposal.objects.filter(site=camera.site).update(
        review_due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    assert outcome(camera) == "rejected"
