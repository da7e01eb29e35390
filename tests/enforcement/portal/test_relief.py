"""Relief: the rule set's reduction tiers decided by a clerk, payment plans in limits."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from enforcement.cases.guards import TransitionError
from enforcement.models import Instalment, ReliefDocument, ReliefRequest, ViolationStatus
from enforcement.portal.payments import notice_amount_due, payment_record
from enforcement.portal.relief import instalment_pay, plan_create, relief_decide, relief_request
from enforcement.portal.uploads import UploadRefused
from policy.models import AuditEvent
from tests.enforcement.portal.test_contest import PDF, _portal_storage, stored_files  # noqa: F401

pytestmark = pytest.mark.django_db


def ask(m: Any, tier: str = "indigent", *files: SimpleUploadedFile) -> ReliefRequest:
    return relief_request(
        m.notice.pk,
        tier=tier,
        household_size=3,
        monthly_income=Decimal("1200"),
        statement="Two children, one income.",
        files=list(files) or [SimpleUploadedFile("benefits.pdf", PDF, "application/pdf")],
    )


@pytest.mark.parametrize(("tier", "percent"), [("indigent", 80), ("low_income", 50)])
def test_a_granted_reduction_lowers_what_is_owed_by_the_tier(
    mailed: Any, staff: Any, tier: str, percent: int
) -> None:
    m = mailed()
    relief = ask(m, tier)
    assert relief.documents.count() == 1
    relief_decide(relief.pk, staff("clerk"), grant=True, reasons="Benefits letter checked.")
    m.notice.refresh_from_db()
    fine = m.notice.fine_amount
    assert notice_amount_due(m.notice) == (fine * (100 - percent) / 100).quantize(Decimal("0.01"))
    assert payment_record(m.notice.pk, key="k-1").amount < fine
    assert AuditEvent.objects.filter(action="relief.decided").exists()


def test_a_refused_reduction_leaves_the_fine_and_gives_reasons(mailed: Any, staff: Any) -> None:
    m = mailed()
    relief = relief_decide(ask(m).pk, staff("clerk"), grant=False, reasons="Income over limit.")
    assert relief.status == "denied" and relief.percent == 0
    assert notice_amount_due(m.notice) == m.notice.fine_amount


def test_only_a_clerk_decides_relief(mailed: Any, staff: Any) -> None:
    relief = ask(mailed())
    with pytest.raises(TransitionError):
        relief_decide(relief.pk, staff("reviewer"), grant=True, reasons="ok")


def test_a_tier_the_rule_set_does_not_have_is_refused(mailed: Any) -> None:
    with pytest.raises(TransitionError):
        ask(mailed(), "clear_path")


def test_relief_without_proof_or_with_a_disguised_proof_stores_nothing(
    mailed: Any, tmp_path: Path
) -> None:
    m = mailed()
    fake = SimpleUploadedFile("paystub.pdf", b"GIF89a not a pdf", "application/pdf")
    with pytest.raises(UploadRefused):
        ask(m, "indigent", fake)
    assert not ReliefRequest.objects.exists() and not ReliefDocument.objects.exists()
    assert stored_files(tmp_path) == []


def test_a_payment_plan_keeps_to_25_a_month_with_a_5_fee(mailed: Any) -> None:
    m = mailed()
    with pytest.raises(TransitionError):
        plan_create(m.notice.pk, monthly=Decimal("30"))
    plan = plan_create(m.notice.pk, monthly=Decimal("25"), first_due=dt.date(2027, 2, 1))
    assert plan.fee == Decimal(5) and plan.total == m.notice.fine_amount + 5
    amounts = [i.amount for i in plan.instalments.all()]
    assert sum(amounts) == plan.total and max(amounts) <= 25
    assert [i.due_on for i in plan.instalments.all()][:2] == [
        dt.date(2027, 2, 1),
        dt.date(2027, 3, 1),
    ]
    assert notice_amount_due(m.notice) == 0  # paid by instalments, not at once


def test_instalments_are_tracked_once_each_and_the_last_one_closes_the_case(mailed: Any) -> None:
    m = mailed()
    plan = plan_create(m.notice.pk, monthly=Decimal("25"))
    count = plan.instalments.count()
    first = instalment_pay(plan.pk, key="i-1")
    assert instalment_pay(plan.pk, key="i-1").pk == first.pk  # double submit: once
    for n in range(2, count + 1):
        instalment_pay(plan.pk, key=f"i-{n}")
    assert not Instalment.objects.filter(plan=plan, paid_at__isnull=True).exists()
    m.notice.violation.refresh_from_db()
    assert m.notice.violation.status == ViolationStatus.CLOSED
    with pytest.raises(TransitionError):
        instalment_pay(plan.pk, key="i-extra")


def opened(m: Any) -> Client:
    client = Client()
    client.post("/portal/", {"citation_number": m.number, "plate": m.notice.plate})
    return client


def test_a_resident_asks_for_relief_with_a_proof_and_a_clerk_grants_it(
    mailed: Any, staff: Any
) -> None:
    m = mailed()
    resident = opened(m)
    assert "Ask for a reduction" in resident.get("/portal/case/").content.decode()
    response = resident.post(
        "/portal/case/relief/",
        {
            "tier": "low_income",
            "household_size": "4",
            "monthly_income": "2100.00",
            "documents": [SimpleUploadedFile("stub.pdf", PDF, "application/pdf")],
        },
    )
    assert response.status_code == 302
    relief = ReliefRequest.objects.get(notice=m.notice)
    clerk = Client()
    clerk.force_login(staff("clerk"))
    assert m.number in clerk.get("/staff/relief/").content.decode()
    clerk.post(
        f"/staff/relief/{relief.pk}/", {"outcome": "dismiss", "reasons": "Pay stub checked."}
    )
    relief.refresh_from_db()
    assert relief.status == "granted" and relief.percent == 50
    assert "Pay stub checked." in resident.get("/portal/case/").content.decode()


def test_the_relief_form_refuses_a_disguised_proof_with_the_error_on_the_field(
    mailed: Any,
) -> None:
    page = (
        opened(mailed())
        .post(
            "/portal/case/relief/",
            {
                "tier": "indigent",
                "household_size": "2",
                "monthly_income": "800",
                "documents": [SimpleUploadedFile("stub.png", b"<html>hi</html>", "image/png")],
            },
        )
        .content.decode()
    )
    assert 'id="id_documents-error"' in page and "is not a PDF, JPEG or PNG" in page
    assert not ReliefRequest.objects.exists()


def test_a_resident_sets_up_a_plan_and_pays_an_instalment_once(mailed: Any) -> None:
    m = mailed()
    resident = opened(m)
    resident.post("/portal/case/plan/", {"monthly": "20"})
    page = resident.get("/portal/case/plan/").content.decode()
    key = re.search(r'name="key" value="([^"]+)"', page)
    assert key is not None
    resident.post("/portal/case/plan/pay/", {"key": key.group(1)})
    resident.post("/portal/case/plan/pay/", {"key": key.group(1)})
    assert Instalment.objects.filter(paid_at__isnull=False).count() == 1
