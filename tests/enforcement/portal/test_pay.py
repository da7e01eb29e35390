"""Paying through the provider: once per idempotency key, contest kept, refunds."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from enforcement.cases.guards import TransitionError
from enforcement.models import Payment, ViolationStatus
from enforcement.portal.payments import (
    TestPaymentProvider,
    payment_record,
    payment_refund,
)
from policy.models import AuditEvent

pytestmark = pytest.mark.django_db


def opened(m: Any) -> Client:
    client = Client()
    client.post("/portal/", {"citation_number": m.number, "plate": m.notice.plate})
    return client


def pay_key(client: Client) -> str:
    page = client.get("/portal/case/pay/").content.decode()
    found = re.search(r'name="key" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_a_resident_pays_and_the_case_shows_the_payment(mailed: Any) -> None:
    m = mailed()
    client = opened(m)
    response = client.post("/portal/case/pay/", {"key": pay_key(client)}, follow=True)
    page = response.content.decode()
    payment = Payment.objects.get(notice=m.notice)
    assert f"Payment received: {payment.amount} USD" in page
    assert payment.amount == m.notice.fine_amount and payment.provider == "test"
    m.notice.violation.refresh_from_db()
    assert m.notice.violation.status == ViolationStatus.CLOSED
    assert AuditEvent.objects.filter(action="payment.recorded", object_id=str(m.notice.pk))


def test_a_double_submitted_payment_is_recorded_and_charged_once(mailed: Any) -> None:
    m = mailed()
    client = opened(m)
    key = pay_key(client)
    charges = TestPaymentProvider.charges_count()
    client.post("/portal/case/pay/", {"key": key})
    client.post("/portal/case/pay/", {"key": key})
    assert Payment.objects.filter(notice=m.notice).count() == 1
    assert TestPaymentProvider.charges_count() == charges + 1
    assert AuditEvent.objects.filter(action="payment.recorded").count() == 1


def test_the_same_key_returns_the_same_payment_from_the_service(mailed: Any) -> None:
    m = mailed()
    first = payment_record(m.notice.pk, key="k-1")
    assert payment_record(m.notice.pk, key="k-1").pk == first.pk


def test_a_second_payment_with_a_new_key_is_refused(mailed: Any) -> None:
    m = mailed()
    payment_record(m.notice.pk, key="k-1")
    with pytest.raises(TransitionError):
        payment_record(m.notice.pk, key="k-2")
    assert Payment.objects.count() == 1


def test_a_key_given_to_another_session_is_refused(mailed: Any) -> None:
    m = mailed()
    client = opened(m)
    pay_key(client)
    response = client.post("/portal/case/pay/", {"key": "made-up"}, follow=True)
    assert "The payment form expired" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_key_used_for_one_notice_cannot_pay_another(mailed: Any) -> None:
    a, b = mailed(plate="ABC123"), mailed(plate="XYZ789")
    payment_record(a.notice.pk, key="shared")
    with pytest.raises(TransitionError):
        payment_record(b.notice.pk, key="shared")


def test_the_pay_page_needs_an_opened_case(client: Client) -> None:
    assert client.get("/portal/case/pay/")["Location"] == "/portal/"


def test_paying_keeps_the_right_to_contest_and_a_refund_follows(mailed: Any, staff: Any) -> None:
    m = mailed()
    client = opened(m)
    assert (
        "Paying does not give up your right to contest"
        in client.get("/portal/case/").content.decode()
    )
    payment = payment_record(m.notice.pk, key="k-1")
    officer = staff("hearing_officer")
    refunded = payment_refund(payment.pk, officer, reason="contest won at hearing")
    assert refunded.status == "refunded" and refunded.refund_reference.startswith("test_re_")
    # A second refund changes nothing and charges the provider nothing.
    again = payment_refund(payment.pk, officer, reason="contest won at hearing")
    assert again.refund_reference == refunded.refund_reference
    assert AuditEvent.objects.filter(action="payment.refunded").count() == 1
    assert "was refunded" in client.get("/portal/case/").content.decode()


def test_only_a_hearing_officer_refunds(mailed: Any, staff: Any) -> None:
    payment = payment_record(mailed().notice.pk, key="k-1")
    with pytest.raises(TransitionError):
        payment_refund(payment.pk, staff("reviewer"), reason="because")


def test_a_warning_has_nothing_to_pay(mailed: Any) -> None:
    m = mailed(speed_kmh=62.0)  # over_by within the first-notice warning band
    assert m.notice.kind == "warning"
    with pytest.raises(TransitionError):
        payment_record(m.notice.pk, key="k-1")
