"""The transparency report says, per month and district, how many notices were contested
and how the contests ended, how much relief was asked for and granted, and how much was
collected in fines net of refunds; small cells are withheld, and nothing about a person
or a payment appears in the page, the CSV or the JSON."""

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
from enforcement.models import (
    Contest,
    Instalment,
    Notice,
    Payment,
    PaymentPlan,
    ReliefRequest,
    Violation,
    ViolationStatus,
)
from enforcement.transparency import transparency_report
from policy.models import District
from tests.factories import CameraFactory, PlacementFactory

pytestmark = pytest.mark.django_db

MARCH = timezone.make_aware(dt.datetime(2027, 3, 10, 9))
APRIL = timezone.make_aware(dt.datetime(2027, 4, 12, 9))
STATEMENT = "Ximena Okonkwo-Larsen was not driving"
REFERENCE = "pi_3QzRefundOkonkwo"


def _camera(district: str) -> Camera:
    camera = CameraFactory()
    area = District.objects.create(
        code=district, name=f"District {district}", city="Test", population=1000,
        households=400, polygon={"type": "Polygon", "coordinates": []},
    )  # fmt: skip
    PlacementFactory(site=camera.site, district=area, active_from=dt.date(2027, 1, 1))
    return camera


def _notice(camera: Camera) -> Notice:
    violation = Violation.objects.create(
        event_id=uuid.uuid4(), camera=camera, measured_at=MARCH - dt.timedelta(days=5),
        speed_kmh=80, uncertainty_kmh=1, limit_kmh=50, plate_text="8ABC123",
        status=ViolationStatus.NOTICE_MAILED, status_reason="test",
    )  # fmt: skip
    return Notice.objects.create(
        violation=violation, kind="citation", number=f"N{violation.pk:08d}", plate="8ABC123",
        ruleset="ca-ab645", fine_amount=Decimal(100), issued_at=MARCH - dt.timedelta(days=4),
    )  # fmt: skip


def _contest(camera: Camera, status: str, when: dt.datetime, refunded: bool = False) -> None:
    notice = _notice(camera)
    Contest.objects.create(
        notice=notice, ground="not_me", statement=STATEMENT, status=status, submitted_at=when
    )
    if refunded:
        _payment(notice, Decimal(100), when, status="refunded")


def _payment(notice: Notice, amount: Decimal, when: dt.datetime, status: str = "captured") -> None:
    Payment.objects.create(
        notice=notice, amount=amount, provider="test", idempotency_key=uuid.uuid4().hex,
        provider_reference=REFERENCE, status=status, paid_at=when,
        refunded_at=when if status == "refunded" else None,
    )  # fmt: skip


def _relief(camera: Camera, status: str, when: dt.datetime) -> None:
    ReliefRequest.objects.create(
        notice=_notice(camera), tier="low_income", household_size=4,
        monthly_income=Decimal("1234.56"), statement=STATEMENT, status=status, submitted_at=when,
    )  # fmt: skip


def _row(report: dict[str, Any], month: str, district: str) -> dict[str, Any]:
    return next(r for r in report["months"] if (r["month"], r["district"]) == (month, district))


def test_contests_and_their_outcomes_are_counted_per_month_and_district() -> None:
    north, south = _camera("north"), _camera("south")
    for _ in range(3):
        _contest(north, "upheld", MARCH)
        _contest(north, "review_upheld", MARCH)
    for _ in range(5):
        _contest(north, "dismissed", MARCH, refunded=True)
    _contest(north, "submitted", MARCH)
    for _ in range(6):
        _contest(south, "dismissed", APRIL)
    report = transparency_report()
    north_march = _row(report, "2027-03", "District north")
    assert (north_march["contests"], north_march["contests_upheld"]) == (12, 6)
    assert (north_march["contests_dismissed"], north_march["contests_refunded"]) == (5, 5)
    south_april = _row(report, "2027-04", "District south")
    assert south_april["contests"] == south_april["contests_dismissed"] == 6
    assert south_april["contests_refunded"] == 0 and south_april["contests_upheld"] == 0


def test_relief_asked_for_and_granted_are_counted_and_small_counts_withheld() -> None:
    camera = _camera("east")
    for _ in range(5):
        _relief(camera, "granted", MARCH)
    for _ in range(2):
        _relief(camera, "denied", MARCH)
    _relief(camera, "granted", APRIL)
    report = transparency_report()
    march, april = (
        _row(report, "2027-03", "District east"),
        _row(report, "2027-04", "District east"),
    )
    assert (march["relief_asked"], march["relief_granted"]) == (7, 5)
    assert (april["relief_asked"], april["relief_granted"]) == (None, None)


def test_fines_collected_add_payments_and_instalments_less_refunds() -> None:
    camera = _camera("west")
    for _ in range(4):
        _payment(_notice(camera), Decimal("100.00"), MARCH)
    _payment(_notice(camera), Decimal("100.00"), MARCH, status="refunded")
    plan = PaymentPlan.objects.create(
        notice=_notice(camera), total=Decimal(55), fee=Decimal(5), monthly=Decimal("27.50"),
        created_at=MARCH,
    )  # fmt: skip
    Instalment.objects.create(plan=plan, sequence=1, due_on=MARCH.date(), amount=Decimal("27.50"),
                              paid_at=MARCH)  # fmt: skip
    Instalment.objects.create(plan=plan, sequence=2, due_on=APRIL.date(), amount=Decimal("27.50"))
    march = _row(transparency_report(), "2027-03", "District west")
    assert march["fines_collected"] == 427.50  # 6 payments: 4 x 100 + 27.50, one refunded


def test_a_sum_made_by_fewer_than_five_payments_is_withheld() -> None:
    camera = _camera("west")
    for _ in range(4):
        _payment(_notice(camera), Decimal("100.00"), MARCH)
    march = _row(transparency_report(), "2027-03", "District west")
    assert march["fines_collected"] is None
    _payment(_notice(camera), Decimal("100.00"), APRIL, status="refunded")
    assert _row(transparency_report(), "2027-03", "District west")["fines_collected"] is None


def test_the_new_columns_are_in_the_page_csv_and_json_without_personal_data(
    client: Client,
) -> None:
    camera = _camera("central")
    for _ in range(5):
        _contest(camera, "dismissed", MARCH, refunded=True)
        _relief(camera, "granted", MARCH)
    page = client.get(reverse("public:transparency")).content.decode()
    assert "Fines collected" in page and "Relief granted" in page
    data = client.get(reverse("public:transparency-json")).json()
    row = _row(data, "2027-03", "District central")
    assert (row["contests_refunded"], row["relief_granted"], row["fines_collected"]) == (5, 5, 0.0)
    csv_text = client.get(reverse("public:transparency-csv")).content.decode()
    header = csv_text.splitlines()[0].split(",")
    assert {"contests", "contests_upheld", "contests_dismissed", "contests_refunded",
            "relief_asked", "relief_granted", "fines_collected"} <= set(header)  # fmt: skip
    secrets = {STATEMENT, "Ximena", "Okonkwo", REFERENCE, "1234.56", "8ABC123"}
    secrets |= set(Notice.objects.values_list("number", flat=True))
    for body in (page, csv_text, json.dumps(data)):
        assert not [s for s in secrets if s in body]
