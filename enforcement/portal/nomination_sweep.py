"""When the named driver does not answer: the rule set decides (``nomination`` in
``policy/rules/schema.py``, set in every preset). After ``answer_days`` from the mailing
of the notice reissued to the driver without an answer (a payment, a contest, a relief
request, a plan, community service or a further nomination), the case either returns to
the owner with a new notice (``return_to_owner``) or stays with the driver, who then
defaults like anyone else (``stays_with_driver``). Either way the nomination records the
day and the audit log the rule and its source. Run by the hourly notices sweep;
idempotent (a nomination is judged once, under a row lock).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from enforcement.models import Notice, Violation, ViolationStatus
from enforcement.portal.models import Nomination, PaymentStatus
from enforcement.portal.nominations import Owner, violation_reissue
from enforcement.portal.payments import one_to_one
from policy.audit import audit_record
from policy.rules.schema import DriverNomination
from policy.selectors import rulebook_for

S = ViolationStatus
ANSWERS = ("plan", "contest", "service", "relief", "nomination")


def nomination_rule(ruleset: str, measured_at: dt.datetime) -> DriverNomination | None:
    """The rule-set version in force at the capture decides."""
    book = rulebook_for(ruleset)
    return (book.in_force(measured_at) or book.latest).ruleset.nomination


def notice_answered(notice: Notice) -> bool:
    if notice.violation.status != S.NOTICE_MAILED:
        return True
    if notice.payments.filter(status=PaymentStatus.CAPTURED).exists():
        return True
    return any(one_to_one(notice, name) is not None for name in ANSWERS)


def _return_to_owner(nomination: Nomination, driver_case: Violation, reason: str) -> Notice | None:
    owner = one_to_one(nomination.notice.violation, "owner")
    if owner is None:  # the owner record is gone: nothing to return the case to
        return None
    returned = violation_reissue(
        driver_case,
        nomination.reissued,
        owner=Owner(owner.name, owner.address, owner.email, owner.language),
        reason=reason,
        actor_label="system",
    )
    driver_case.status = S.CLOSED
    driver_case.status_reason = f"the named driver did not answer; returned as {returned.number}"
    driver_case.closed_at = timezone.now()
    driver_case.save(update_fields=["status", "status_reason", "closed_at"])
    return returned


def _judge(nomination: Nomination, rule: DriverNomination, today: dt.date) -> bool:
    with transaction.atomic():
        locked = Nomination.objects.select_for_update().get(pk=nomination.pk)
        driver_case = Violation.objects.select_for_update(of=("self",)).get(
            pk=nomination.reissued.violation_id
        )
        if locked.unanswered_on is not None or notice_answered(nomination.reissued):
            return False
        reason = (
            f"the driver named on notice {nomination.notice.number} did not answer notice "
            f"{nomination.reissued.number} within {rule.answer_days} days of its mailing"
        )
        returned = None
        if rule.if_no_answer == "return_to_owner":
            returned = _return_to_owner(nomination, driver_case, f"{reason}: returned to the owner")
        locked.unanswered_on, locked.returned = today, returned
        locked.save(update_fields=["unanswered_on", "returned"])
        audit_record(
            actor=None,
            action="nomination.unanswered",
            obj=nomination.notice,
            reason=reason,
            details={
                "if_no_answer": rule.if_no_answer,
                "outcome": "returned_to_owner" if returned else "stays_with_driver",
                "answer_days": rule.answer_days,
                "source": rule.source,
                "unverified": rule.unverified,
                "reissued_notice": nomination.reissued_id,
                "returned_notice": returned.pk if returned else None,
            },
        )
    return True


def nominations_sweep(today: dt.date | None = None) -> int:
    """Judge every nomination whose driver's answer time is over; returns how many."""
    today = today or timezone.localdate()
    judged = 0
    pending = Nomination.objects.filter(
        unanswered_on__isnull=True, reissued__mailed_on__isnull=False
    ).select_related("notice__violation", "reissued__violation")
    for nomination in pending:
        reissued = nomination.reissued
        assert reissued.mailed_on is not None
        rule = nomination_rule(reissued.ruleset, reissued.violation.measured_at)
        if rule is None or today <= reissued.mailed_on + dt.timedelta(days=rule.answer_days):
            continue
        judged += _judge(nomination, rule, today)
    return judged
