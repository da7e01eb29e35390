"""Community service instead of the fine: chosen by the resident, hours recorded by a
clerk, the case closes with the last hour; not offered where the rule set has none."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from enforcement.cases.guards import TransitionError
from enforcement.cases.mailing import notices_sweep
from enforcement.models import CommunityService, ViolationStatus
from enforcement.portal.service import service_hours_record, service_request

pytestmark = pytest.mark.django_db


def test_a_resident_chooses_service_and_a_clerk_records_the_hours(mailed: Any, staff: Any) -> None:
    m = mailed()
    resident = Client()
    resident.post("/portal/", {"citation_number": m.number, "plate": m.notice.plate})
    assert "Choose community service" in resident.get("/portal/case/").content.decode()
    resident.post("/portal/case/service/")
    service = CommunityService.objects.get(notice=m.notice)
    assert service.hours_required == Decimal(4)
    clerk = Client()
    clerk.force_login(staff("clerk"))
    clerk.post(f"/staff/relief/service/{m.notice.pk}/", {"hours": "2.5", "note": "Food bank"})
    service.refresh_from_db()
    assert service.hours_done == Decimal("2.5") and service.completed_at is None
    clerk.post(f"/staff/relief/service/{m.notice.pk}/", {"hours": "1.5", "note": "Park clean-up"})
    service.refresh_from_db()
    m.notice.violation.refresh_from_db()
    assert service.completed_at is not None
    assert m.notice.violation.status == ViolationStatus.CLOSED


def test_only_a_clerk_records_hours(mailed: Any, staff: Any) -> None:
    m = mailed()
    service_request(m.notice.pk)
    with pytest.raises(TransitionError):
        service_hours_record(m.notice.pk, staff("reviewer"), hours=Decimal(4), note="x")


def test_a_notice_under_service_does_not_default(mailed: Any) -> None:
    import datetime as dt

    m = mailed(mailed_on=dt.date(2020, 1, 1))
    CommunityService.objects.create(
        notice=m.notice, hours_required=4, requested_at=m.notice.issued_at
    )
    notices_sweep()
    m.notice.refresh_from_db()
    assert m.notice.defaulted_on is None


def test_rule_sets_without_community_service_do_not_offer_it() -> None:
    from enforcement.portal.rules import portal_rules

    assert portal_rules("nyc").service_hours is None
    assert portal_rules("chicago").service_hours is None
    assert portal_rules("ca-ab645").service_hours == Decimal(4)
