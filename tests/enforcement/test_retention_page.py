"""The auditor's retention page: what is due, schedules, holds and the deletion log;
holds placed and released from it; other roles kept out; overdue on /healthz."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.health import health_report
from enforcement.models import LegalHold, Violation, ViolationStatus
from policy.models import AuditEvent
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


def _rejected(age_days: int) -> Violation:
    camera = CameraFactory(site__jurisdiction="ca-ab645")
    violation = Violation.objects.create(
        event_id=uuid.uuid4(), camera=camera, measured_at=timezone.now(), speed_kmh=80,
        uncertainty_kmh=1, limit_kmh=50, status=ViolationStatus.REJECTED, status_reason="t",
    )  # fmt: skip
    Violation.objects.filter(pk=violation.pk).update(
        received_at=timezone.now() - dt.timedelta(days=age_days)
    )
    return violation


@pytest.fixture
def auditor(client: Client, staff: Callable[..., Any]) -> Client:
    client.force_login(staff("auditor"))
    return client


def test_the_page_shows_what_is_due_and_the_schedules_in_force(auditor: Client) -> None:
    _rejected(age_days=6)
    page = auditor.get(reverse("enforcement:retention"))
    assert page.status_code == 200
    assert page.context["outlook"].due == {"rejected_evidence": 1}
    html = page.content.decode()
    assert "AB 645" in html and "ca-ab645" in html


def test_an_auditor_places_and_releases_a_hold_from_the_page(auditor: Client) -> None:
    case = _rejected(age_days=1)
    auditor.post(
        reverse("enforcement:hold-place"),
        {"violation": case.pk, "reason": "records_request", "explanation": "PRA 2027-31"},
    )
    hold = LegalHold.objects.get(violation=case)
    assert AuditEvent.objects.filter(action="legal_hold.placed", object_id=str(case.pk)).exists()
    auditor.post(reverse("enforcement:hold-release", args=[hold.pk]), {"reason": "request closed"})
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.release_reason == "request closed"


def test_a_hold_on_an_unknown_case_is_explained_on_the_form(auditor: Client) -> None:
    page = auditor.post(
        reverse("enforcement:hold-place"),
        {"violation": 999999, "reason": "court", "explanation": "x"},
    )
    assert "There is no case with that number." in page.content.decode()
    assert not LegalHold.objects.exists()


def test_a_reviewer_cannot_open_the_page_or_place_a_hold(
    client: Client, staff: Callable[..., Any]
) -> None:
    case = _rejected(age_days=1)
    client.force_login(staff("reviewer"))
    assert client.get(reverse("enforcement:retention")).status_code in (302, 403)
    client.post(
        reverse("enforcement:hold-place"),
        {"violation": case.pk, "reason": "court", "explanation": "x"},
    )
    assert not LegalHold.objects.exists()


def test_overdue_records_raise_an_alarm_on_the_health_report() -> None:
    _rejected(age_days=30)
    report = health_report()
    assert report["checks"]["retention"]["ok"] is False
    assert "overdue" in report["checks"]["retention"]["detail"]
