from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from enforcement.cases.terms import deadline_passed, deadlines_from, notice_terms
from tests.factories import CameraFactory, SiteFactory

if TYPE_CHECKING:
    from collections.abc import Callable

    from enforcement.models import Violation

pytestmark = pytest.mark.django_db


def test_the_demo_fine_follows_the_tier_of_the_lower_bound(case: Callable[..., Violation]) -> None:
    v = case(speed_kmh=84.0, uncertainty_kmh=1.4)  # 82.6 - 50 = 32 over
    terms = notice_terms(v)
    assert (terms.kind, terms.fine, terms.over_by) == ("citation", Decimal(100), 32)


def test_a_gate_warning_becomes_a_warning_notice_without_a_fine(
    case: Callable[..., Violation],
) -> None:
    terms = notice_terms(case(warning_only=True))
    assert terms.kind == "warning" and terms.fine is None


def test_ab645_makes_a_plates_first_11_to_15_mph_a_warning_and_the_next_a_citation(
    case: Callable[..., Violation],
) -> None:
    camera = CameraFactory(site=SiteFactory(jurisdiction="ca-ab645"), speed_limit_kmh=40)
    v = case(camera=camera, speed_kmh=63.0, uncertainty_kmh=1.0, limit_kmh=40.2336)  # 13 mph
    assert notice_terms(v).kind == "warning"
    from django.utils import timezone

    from enforcement.models import Notice

    Notice.objects.create(
        violation=case(camera=camera),
        kind="warning",
        number="1",
        plate="ABC123",
        ruleset="ca-ab645",
        issued_at=timezone.now(),
    )
    terms = notice_terms(v)
    assert terms.kind == "citation" and terms.fine == Decimal(50) and terms.units == "mph"


def test_ab645_charges_500_at_100_mph(case: Callable[..., Violation]) -> None:
    camera = CameraFactory(site=SiteFactory(jurisdiction="ca-ab645"))
    v = case(camera=camera, speed_kmh=170.0, uncertainty_kmh=2.0, limit_kmh=104.6)
    assert notice_terms(v).fine == Decimal(500)


def test_deadlines_are_counted_in_days_from_the_mailing_date() -> None:
    days = {"pay": 30, "contest": 21}
    assert deadlines_from(dt.date(2027, 1, 15), days) == {
        "pay": "2027-02-14",
        "contest": "2027-02-05",
    }


def test_a_deadline_runs_to_local_midnight_across_the_spring_dst_change() -> None:
    # Mailed 1 March 2027 in Los Angeles; DST starts 14 March; 30 days -> 31 March.
    last = dt.date.fromisoformat(deadlines_from(dt.date(2027, 3, 1), {"pay": 30})["pay"])
    assert last == dt.date(2027, 3, 31)
    tz = "America/Los_Angeles"
    # 23:59 PDT on 31 March is 06:59 UTC on 1 April: still in time.
    assert not deadline_passed(last, dt.datetime(2027, 4, 1, 6, 59, tzinfo=dt.UTC), tz)
    assert deadline_passed(last, dt.datetime(2027, 4, 1, 7, 0, tzinfo=dt.UTC), tz)
    # Before DST the same wall-clock midnight is 08:00 UTC.
    feb = dt.date(2027, 2, 28)
    assert not deadline_passed(feb, dt.datetime(2027, 3, 1, 7, 59, tzinfo=dt.UTC), tz)
    assert deadline_passed(feb, dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC), tz)


def test_an_unknown_jurisdiction_fails_loudly(case: Callable[..., Violation]) -> None:
    camera = CameraFactory(site=SiteFactory(jurisdiction="atlantis"))
    with pytest.raises(ValueError, match="unknown jurisdiction"):
        notice_terms(case(camera=camera))
