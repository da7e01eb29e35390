"""Relief: an income-based reduction (the rule set's tiers, decided by a clerk with
reasons) and payment plans within the rule set's limits, paid by instalments through
the payment provider (idempotent per instalment key)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement.cases.guards import Actor, TransitionError, require_role
from enforcement.cases.terms import deadline_passed
from enforcement.models import Notice, NoticeKind, Violation, ViolationStatus
from enforcement.portal.models import PaymentStatus
from enforcement.portal.payments import (
    RESIDENT,
    PaymentProvider,
    notice_reduced_fine,
    payment_provider,
)
from enforcement.portal.relief_models import (
    Instalment,
    PaymentPlan,
    ReliefDocument,
    ReliefRequest,
    ReliefStatus,
)
from enforcement.portal.rules import portal_rules
from enforcement.portal.uploads import upload_store, uploads_check
from policy.audit import audit_record

S = ViolationStatus
CENT = Decimal("0.01")


def relief_amount(notice: Notice) -> Decimal:
    """The fine after any granted reduction (before any plan fee)."""
    return notice_reduced_fine(notice)


def _open_case(notice: Notice) -> Violation:
    violation = Violation.objects.select_for_update(of=("self",)).get(pk=notice.violation_id)
    if violation.status != S.NOTICE_MAILED or notice.kind != NoticeKind.CITATION:
        raise TransitionError(_("Relief can only be asked for on an open citation."))
    if notice.payments.filter(status=PaymentStatus.CAPTURED).exists():
        raise TransitionError(_("This notice is already paid."))
    return violation


def relief_request(
    notice_id: int,
    *,
    tier: str,
    household_size: int,
    monthly_income: Decimal,
    statement: str,
    files: list[UploadedFile],
) -> ReliefRequest:
    notice = Notice.objects.select_related("violation__camera__site").get(pk=notice_id)
    tiers = {t.code for t in portal_rules(notice.ruleset).relief_tiers}
    if tier not in tiers:
        raise TransitionError(_("Choose one of the listed kinds of reduction."))
    if household_size < 1 or monthly_income < 0:
        raise TransitionError(_("Give the household size and its monthly income."))
    if not files:
        raise TransitionError(
            _("Add a proof of income: a pay stub, bank statement or benefits letter.")
        )
    checked = uploads_check(files)  # nothing stored if any file is refused
    with transaction.atomic():
        violation = _open_case(notice)
        last = notice.deadlines.get("relief")
        if not last or deadline_passed(
            dt.date.fromisoformat(last), timezone.now(), violation.camera.site.timezone
        ):
            raise TransitionError(_("The last day to ask for relief has passed."))
        if ReliefRequest.objects.filter(notice=notice).exists():
            raise TransitionError(_("Relief was already asked for on this notice."))
        now = timezone.now()
        relief = ReliefRequest.objects.create(
            notice=notice,
            tier=tier,
            household_size=household_size,
            monthly_income=monthly_income,
            statement=statement.strip(),
            status=ReliefStatus.SUBMITTED,
            submitted_at=now,
        )
        for item in checked:
            ReliefDocument.objects.create(
                relief=relief,
                stored_name=upload_store(f"relief/{relief.pk}", item),
                original_name=item.original_name,
                content_type=item.content_type,
                size=len(item.data),
                sha256=item.sha256,
                uploaded_at=now,
            )
        audit_record(
            actor=None,
            actor_label=RESIDENT,
            action="relief.requested",
            obj=notice,
            details={"relief": relief.pk, "tier": tier, "documents": len(checked)},
        )
    return relief


def relief_decide(relief_id: int, actor: Actor, *, grant: bool, reasons: str) -> ReliefRequest:
    """A clerk grants the tier's reduction or refuses it, with reasons."""
    if not reasons.strip():
        raise TransitionError("a relief decision needs its reasons written out")
    require_role(actor, "clerk", "decide relief requests")
    with transaction.atomic():
        relief = (
            ReliefRequest.objects.select_for_update().select_related("notice").get(pk=relief_id)
        )
        if relief.status != ReliefStatus.SUBMITTED:
            raise TransitionError(f"relief {relief.pk} is {relief.status}, not submitted")
        tiers = {t.code: t.percent for t in portal_rules(relief.notice.ruleset).relief_tiers}
        relief.status = ReliefStatus.GRANTED if grant else ReliefStatus.DENIED
        relief.percent = tiers.get(relief.tier, 0) if grant else 0
        relief.decided_by_id, relief.decided_at = actor.pk, timezone.now()
        relief.reasons = reasons.strip()
        relief.save()
        audit_record(
            actor=actor,
            action="relief.decided",
            obj=relief.notice,
            reason=relief.reasons,
            details={"relief": relief.pk, "granted": grant, "percent": relief.percent},
        )
    return relief


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + year, month + 1, min(day.day, 28))


def plan_create(
    notice_id: int, *, monthly: Decimal, first_due: dt.date | None = None
) -> PaymentPlan:
    """Split what is owed (after any reduction) plus the fee into monthly instalments."""
    with transaction.atomic():
        notice = Notice.objects.get(pk=notice_id)
        _open_case(notice)
        rules = portal_rules(notice.ruleset)
        if PaymentPlan.objects.filter(notice=notice).exists():
            raise TransitionError(_("This notice already has a payment plan."))
        if not Decimal(1) <= monthly <= rules.plan_max_monthly:
            raise TransitionError(
                _("Choose a monthly amount between 1 and %(max)s.")
                % {"max": rules.plan_max_monthly}
            )
        total = relief_amount(notice) + rules.plan_fee
        count = math.ceil(total / monthly)
        plan = PaymentPlan.objects.create(
            notice=notice,
            total=total,
            fee=rules.plan_fee,
            monthly=monthly,
            created_at=timezone.now(),
        )
        start = first_due or timezone.localdate() + dt.timedelta(days=30)
        for i in range(count):
            amount = monthly if i < count - 1 else total - monthly * (count - 1)
            Instalment.objects.create(
                plan=plan, sequence=i + 1, due_on=_add_months(start, i), amount=amount
            )
        audit_record(
            actor=None,
            actor_label=RESIDENT,
            action="plan.created",
            obj=notice,
            details={
                "plan": plan.pk,
                "total": str(total),
                "monthly": str(monthly),
                "instalments": count,
            },
        )
    return plan


def instalment_pay(
    plan_id: int, *, key: str, provider: PaymentProvider | None = None
) -> Instalment:
    """Pay the next unpaid instalment; the same key again returns the same instalment."""
    if not key:
        raise TransitionError("an instalment payment needs an idempotency key")
    provider = provider or payment_provider()
    with transaction.atomic():
        plan = PaymentPlan.objects.select_related("notice").get(pk=plan_id)
        violation = Violation.objects.select_for_update(of=("self",)).get(
            pk=plan.notice.violation_id
        )
        done = Instalment.objects.filter(idempotency_key=key).first()
        if done is not None:
            if done.plan_id != plan.pk:
                raise TransitionError("this payment key belongs to another plan")
            return done
        if violation.status != S.NOTICE_MAILED:
            raise TransitionError(_("This plan has nothing left to pay."))
        nxt = plan.instalments.filter(paid_at__isnull=True).order_by("sequence").first()
        if nxt is None:
            raise TransitionError(_("This plan has nothing left to pay."))
        charge = provider.charge(
            amount=nxt.amount,
            currency=plan.notice.currency,
            key=key,
            description=plan.notice.number,
        )
        nxt.paid_at, nxt.idempotency_key, nxt.provider_reference = (
            timezone.now(),
            key,
            charge.reference,
        )
        nxt.save()
        if not plan.instalments.filter(paid_at__isnull=True).exists():
            violation.status, violation.status_reason = S.CLOSED, "paid by payment plan"
            violation.closed_at = timezone.now()
            violation.save(update_fields=["status", "status_reason", "closed_at"])
        audit_record(
            actor=None,
            actor_label=RESIDENT,
            action="plan.instalment_paid",
            obj=plan.notice,
            details={"plan": plan.pk, "sequence": nxt.sequence, "amount": str(nxt.amount)},
        )
    return nxt
