"""When the named driver does not answer, the rule set decides: the case returns to the
owner, or stays with the driver. A reissued case carries the gate's decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from enforcement.cases.mailing import mailing_batch_create, mailing_batch_record_mailed
from enforcement.cases.selectors import case_gate_record
from enforcement.models import Nomination, ViolationStatus
from enforcement.portal import nomination_sweep
from enforcement.portal.nomination_sweep import nominations_sweep
from enforcement.portal.nominations import driver_nominate
from enforcement.portal.payments import payment_record
from policy.audit import audit_record
from policy.models import AuditEvent
from policy.rules.schema import DriverNomination

pytestmark = pytest.mark.django_db
DRIVER = {
    "driver_name": "Cruz Lee",
    "driver_address": "9 Pine Ave, Springfield",
    "statement": "My brother-in-law borrowed the car that week.",
    "signed_name": "Ana Ruiz",
    "declared": True,
}
MAILED = dt.date(2027, 3, 1)


@pytest.fixture
def named(mailed: Any, staff: Any) -> Any:
    """named() -> the nomination, its reissued notice mailed to the driver on MAILED."""

    def make() -> Nomination:
        m = mailed(mailed_on=MAILED - dt.timedelta(days=10))
        nomination = driver_nominate(m.notice.pk, **DRIVER)
        approver = staff("approver")
        result = mailing_batch_create(approver, MAILED)
        assert result is not None
        mailing_batch_record_mailed(result.batch.pk, approver, MAILED)
        nomination.reissued.refresh_from_db()
        return nomination

    return make


def rule(monkeypatch: pytest.MonkeyPatch, if_no_answer: str, days: int = 30) -> None:
    chosen = DriverNomination(answer_days=days, if_no_answer=if_no_answer, source="test")
    monkeypatch.setattr(nomination_sweep, "nomination_rule", lambda *_: chosen)


def test_under_return_to_owner_rules_an_unanswered_case_goes_back_to_the_owner(
    named: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule(monkeypatch, "return_to_owner")
    nomination = named()
    assert nominations_sweep(MAILED + dt.timedelta(days=31)) == 1
    nomination.refresh_from_db()
    returned = nomination.returned
    assert returned is not None and nomination.unanswered_on == MAILED + dt.timedelta(days=31)
    assert returned.violation.owner.name == "Ana Ruiz" and returned.plate == "ABC123"
    assert returned.violation.status == ViolationStatus.CITATION_ISSUED
    nomination.reissued.violation.refresh_from_db()
    assert nomination.reissued.violation.status == ViolationStatus.CLOSED
    event = AuditEvent.objects.get(action="nomination.unanswered")
    assert event.details["outcome"] == "returned_to_owner" and "did not answer" in event.reason


def test_under_stays_with_driver_rules_the_driver_keeps_the_case(
    named: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule(monkeypatch, "stays_with_driver")
    nomination = named()
    assert nominations_sweep(MAILED + dt.timedelta(days=31)) == 1
    nomination.refresh_from_db()
    assert nomination.returned is None and nomination.unanswered_on is not None
    assert nomination.reissued.violation.status == ViolationStatus.NOTICE_MAILED
    event = AuditEvent.objects.get(action="nomination.unanswered")
    assert event.details["outcome"] == "stays_with_driver"


def test_the_demo_rule_set_returns_the_case_after_its_own_thirty_days(named: Any) -> None:
    nomination = named()
    assert nomination.reissued.ruleset == "demo"
    assert nominations_sweep(MAILED + dt.timedelta(days=30)) == 0
    assert nominations_sweep(MAILED + dt.timedelta(days=31)) == 1
    nomination.refresh_from_db()
    assert nomination.returned is not None


def test_a_driver_who_answered_keeps_the_case_and_a_second_sweep_changes_nothing(
    named: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule(monkeypatch, "return_to_owner")
    paid, silent = named(), named()
    payment_record(paid.reissued.pk, key="driver-paid")
    later = MAILED + dt.timedelta(days=40)
    assert nominations_sweep(later) == 1
    assert nominations_sweep(later) == 0
    paid.refresh_from_db()
    silent.refresh_from_db()
    assert paid.unanswered_on is None and paid.returned is None
    assert silent.returned is not None
    assert AuditEvent.objects.filter(action="nomination.unanswered").count() == 1


def test_a_case_reissued_to_the_named_driver_carries_the_gates_decision(named: Any) -> None:
    nomination = named()
    original = nomination.notice.violation
    copy = nomination.reissued.violation
    gate = case_gate_record(copy)
    assert gate["reissued_from"] == original.pk and gate["gate_rerun"] is False
    event = AuditEvent.objects.get(action="violation.reissued", object_id=str(copy.pk))
    assert "gate was not run again" in event.reason
    # One violation.recorded per measurement: tallies and the equity dry run count those.
    assert not AuditEvent.objects.filter(action="violation.recorded", object_id=str(copy.pk))


def test_the_reissued_case_repeats_the_gates_checks_and_facts(mailed: Any) -> None:
    m = mailed()
    recorded = {"outcome": "awaiting_review", "checks": [{"name": "placement"}], "facts": {}}
    audit_record(actor=None, action="violation.recorded", obj=m.notice.violation, details=recorded)
    nomination = driver_nominate(m.notice.pk, **DRIVER)
    gate = case_gate_record(nomination.reissued.violation)
    assert gate["outcome"] == "awaiting_review" and gate["checks"] == [{"name": "placement"}]
