"""The public transparency report: aggregate numbers by month and district, before and
after each camera, small counts suppressed, and no personal data anywhere in its page,
CSV or JSON."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cameras.models import Camera
from cameras.services.counts import traffic_count_add
from enforcement.models import (
    Contest,
    Notice,
    Payment,
    ReliefRequest,
    Violation,
    ViolationStatus,
)
from enforcement.transparency import percentile, share_at_or_above, transparency_report
from tests.factories import CameraFactory, PlacementFactory, UserFactory

pytestmark = pytest.mark.django_db

PLATES = ["8ABC123", "7XYZ987", "5QRS555", "6LMN246", "4TUV135", "3JKL864"]


def _violations(camera: Camera, n: int, status: str, when: dt.datetime) -> None:
    for i in range(n):
        Violation.objects.create(
            event_id=uuid.uuid4(), camera=camera, measured_at=when, speed_kmh=80,
            uncertainty_kmh=1, limit_kmh=50, plate_text=PLATES[i % len(PLATES)],
            status=status, status_reason="test",
        )  # fmt: skip


def _aware(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def test_percentiles_are_interpolated_within_5_kmh_bins() -> None:
    histogram = {"40": 10, "45": 10, "50": 0, "55": 0}
    assert percentile(histogram, 0.5) == 45.0
    assert percentile(histogram, 0.85) == 48.5
    assert percentile({"40": 3}, 0.85) is None  # fewer than 5 vehicles: not published
    assert share_at_or_above({"40": 10, "50": 10}, 52.5) == 25.0


def test_counts_under_five_are_suppressed_and_larger_ones_published() -> None:
    camera = CameraFactory()
    _violations(camera, 3, ViolationStatus.WARNING, _aware(2027, 3, 10, 8))
    _violations(camera, 6, ViolationStatus.AWAITING_REVIEW, _aware(2027, 3, 11, 8))
    _violations(camera, 2, ViolationStatus.REJECTED, _aware(2027, 3, 12, 8))
    (march,) = transparency_report()["citywide"]
    assert march == {
        "month": "2027-03",
        "readings_refused": None,
        "violations": 9,
        "warnings": None,
        "citations": 0,
        "dismissals": 0,
    }


def test_speeds_before_and_after_a_camera_began_enforcing() -> None:
    camera = CameraFactory(speed_limit_kmh=40)
    PlacementFactory(site=camera.site, active_from=dt.date(2027, 4, 15))
    before = {"50": 40, "55": 40, "35": 20}
    after = {"35": 70, "40": 25, "60": 5}
    for month, histogram in ((1, before), (3, before), (4, after), (9, after), (10, after)):
        traffic_count_add(
            camera, interval_start=_aware(2027, month, 5, 7), vehicles=100,
            over_limit=sum(n for k, n in histogram.items() if float(k) >= 40),
            histogram=histogram,
        )  # fmt: skip
    (row,) = transparency_report()["cameras"]
    assert row["activated_on"] == "2027-04-15"
    assert row["before"]["vehicles"] == 200 and row["after"]["vehicles"] == 200  # Oct is outside
    assert row["before"]["speed_p85_kmh"] > row["after"]["speed_p85_kmh"]
    assert row["before"]["share_over_limit_pct"] == 80.0
    assert row["after"]["share_over_limit_pct"] == 30.0
    assert row["after"]["share_over_limit_plus_10mph_pct"] == 5.0


def test_the_report_opens_without_signing_in_with_its_csv_and_json(client: Client) -> None:
    camera = CameraFactory()
    _violations(camera, 5, ViolationStatus.WARNING, timezone.now())
    page = client.get(reverse("public:transparency"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    data = client.get(reverse("public:transparency-json")).json()
    assert data["citywide"][0]["warnings"] == 5
    csv_text = client.get(reverse("public:transparency-csv")).content.decode()
    assert csv_text.splitlines()[0].startswith("table,")


def test_no_plate_name_or_address_appears_in_the_page_csv_or_json(client: Client) -> None:
    people: list[Any] = [
        UserFactory(first_name="Rosalind", last_name="Quintero", email="rq@example.org"),
        UserFactory(first_name="Tobias", last_name="Ekwueme", email="te@example.org"),
    ]
    camera = CameraFactory()
    PlacementFactory(site=camera.site, active_from=dt.date(2027, 1, 1))
    _violations(camera, 6, ViolationStatus.AWAITING_REVIEW, _aware(2027, 2, 1, 9))
    traffic_count_add(camera, interval_start=_aware(2027, 2, 1, 9), vehicles=50, over_limit=6,
                      histogram={"45": 44, "60": 6})  # fmt: skip
    # What became of a notice: a contest's statement, a relief request's income and a
    # payment's reference must not show either.
    notice = Notice.objects.create(
        violation=Violation.objects.first(), kind="citation", number="N99887766",
        plate="8ABC123", ruleset="ca-ab645", fine_amount=Decimal(100), issued_at=timezone.now(),
    )  # fmt: skip
    Contest.objects.create(notice=notice, ground="not_me", statement="Rosalind was abroad",
                           status="dismissed", submitted_at=_aware(2027, 2, 3, 9))  # fmt: skip
    ReliefRequest.objects.create(notice=notice, tier="low_income", household_size=2,
                                 monthly_income=Decimal("987.65"), statement="Tobias lost work",
                                 status="granted", submitted_at=_aware(2027, 2, 3, 9))  # fmt: skip
    Payment.objects.create(notice=notice, amount=Decimal("100.00"), provider="test",
                           idempotency_key="key-4711", provider_reference="pi_Quintero4711",
                           status="refunded", paid_at=_aware(2027, 2, 4, 9))  # fmt: skip
    secrets = set(Violation.objects.values_list("plate_text", flat=True))
    secrets |= {"N99887766", "Rosalind was abroad", "987.65", "Tobias lost work", "pi_Quintero4711"}
    for person in people:
        secrets |= {person.first_name, person.last_name, person.email, person.username}
    secrets |= {str(e) for e in Violation.objects.values_list("event_id", flat=True)}
    bodies = [
        client.get(reverse("public:transparency")).content.decode(),
        client.get(reverse("public:transparency-csv")).content.decode(),
        json.dumps(client.get(reverse("public:transparency-json")).json()),
    ]
    for body in bodies:
        assert not [s for s in secrets if s and s in body]
