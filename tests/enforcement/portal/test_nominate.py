"""Naming the driver: a signed statement closes the notice and reissues it to them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from enforcement.cases.guards import TransitionError
from enforcement.cases.mailing import mailing_batch_create
from enforcement.models import Nomination, Notice, ViolationStatus
from enforcement.portal.nominations import driver_nominate
from enforcement.portal.payments import payment_record
from policy.models import AuditEvent

pytestmark = pytest.mark.django_db
DRIVER = {
    "driver_name": "Cruz Lee",
    "driver_address": "9 Pine Ave, Springfield",
    "driver_email": "cruz@example.org",
    "statement": "My brother-in-law borrowed the car that week.",
    "signed_name": "Ana Ruiz",
}


def opened(m: Any) -> Client:
    client = Client()
    client.post("/portal/", {"citation_number": m.number, "plate": m.notice.plate})
    return client


def test_naming_the_driver_closes_the_notice_and_reissues_it(mailed: Any, staff: Any) -> None:
    m = mailed()
    m.notice.violation.ruleset_version = "2024.1"
    m.notice.violation.save(update_fields=["ruleset_version"])
    client = opened(m)
    response = client.post("/portal/case/driver/", {**DRIVER, "declared": "on"})
    assert response.status_code == 302
    nomination = Nomination.objects.get(notice=m.notice)
    new = nomination.reissued
    assert new.number != m.number and new.plate == m.notice.plate
    assert new.fine_amount == m.notice.fine_amount
    assert new.violation.owner.name == "Cruz Lee"
    assert new.violation.status == ViolationStatus.CITATION_ISSUED
    assert new.violation.evidence_dir == m.notice.violation.evidence_dir
    assert new.violation.ruleset_version == "2024.1"  # the judging version's retention
    m.notice.violation.refresh_from_db()
    assert m.notice.violation.status == ViolationStatus.CLOSED
    assert len(nomination.statement_sha256) == 64
    assert AuditEvent.objects.filter(action="notice.driver_named").exists()
    # The new notice goes out in the next mailing batch, with a PIN of its own.
    result = mailing_batch_create(staff("approver"), m.notice.mailed_on)
    assert result is not None and new.number in result.pins
    assert "Cruz Lee" in client.get("/portal/case/").content.decode()


def test_an_unsigned_statement_is_refused_and_keeps_what_was_typed(mailed: Any) -> None:
    m = mailed()
    page = opened(m).post("/portal/case/driver/", DRIVER).content.decode()
    assert 'id="id_declared-error"' in page and "Cruz Lee" in page
    assert not Nomination.objects.exists()
    assert Notice.objects.count() == 1


def test_a_paid_notice_cannot_be_moved_to_a_driver(mailed: Any) -> None:
    m = mailed()
    payment_record(m.notice.pk, key="k-1")
    with pytest.raises(TransitionError):
        driver_nominate(m.notice.pk, declared=True, **DRIVER)


def test_a_notice_is_reissued_only_once(mailed: Any) -> None:
    m = mailed()
    driver_nominate(m.notice.pk, declared=True, **DRIVER)
    with pytest.raises(TransitionError):
        driver_nominate(m.notice.pk, declared=True, **DRIVER)
    assert Notice.objects.count() == 2
