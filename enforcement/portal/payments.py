"""Paying a citation through a payment provider, and refunding it.

Fairspeed never sees card data: the provider takes the card on its own page and tells
Fairspeed the charge went through. ``PaymentProvider`` is that boundary; the test
provider below is a real implementation of it (it keeps its charges by idempotency key,
as hosted providers do), used by the demo and the tests. A production provider is one
more class named in ``FAIRSPEED["PAYMENT_PROVIDER"]``.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from enforcement.cases.guards import Actor, TransitionError, require_role, require_state
from enforcement.models import Notice, NoticeKind, Violation, ViolationStatus
from enforcement.portal.models import Payment, PaymentStatus
from enforcement.portal.relief_models import ReliefRequest, ReliefStatus
from enforcement.portal.rules import portal_rules
from policy.audit import audit_record

S = ViolationStatus
RESIDENT = "resident (portal)"


@dataclass(frozen=True)
class Charge:
    reference: str
    amount: Decimal
    currency: str


class PaymentProvider(Protocol):
    name: str

    def charge(self, *, amount: Decimal, currency: str, key: str, description: str) -> Charge:
        """Take the payment; the same ``key`` twice returns the first charge."""

    def refund(self, *, reference: str, amount: Decimal, key: str) -> str:
        """Refund a charge; returns the refund's reference. Idempotent on ``key``."""


class TestPaymentProvider:
    """Charges recorded by idempotency key, in memory, always approved."""

    name = "test"
    __test__ = False  # a provider, not a pytest test class
    _charges: dict[str, Charge] = {}
    _refunds: dict[str, str] = {}
    _lock = threading.Lock()

    def charge(self, *, amount: Decimal, currency: str, key: str, description: str) -> Charge:
        with self._lock:
            if key not in self._charges:
                self._charges[key] = Charge(f"test_ch_{secrets.token_hex(8)}", amount, currency)
            charge = self._charges[key]
            if (charge.amount, charge.currency) != (amount, currency):
                # As hosted providers do: one key, one request; never a silent mismatch.
                raise ValueError("idempotency key reused with a different amount")
            return charge

    def refund(self, *, reference: str, amount: Decimal, key: str) -> str:
        with self._lock:
            return self._refunds.setdefault(key, f"test_re_{secrets.token_hex(8)}")

    @classmethod
    def charges_count(cls) -> int:
        return len(cls._charges)

    @classmethod
    def reset(cls) -> None:
        """Forget every charge (between tests; a demo restart does the same)."""
        with cls._lock:
            cls._charges.clear()
            cls._refunds.clear()


def payment_provider() -> PaymentProvider:
    path = settings.FAIRSPEED.get(
        "PAYMENT_PROVIDER", "enforcement.portal.payments.TestPaymentProvider"
    )
    provider: PaymentProvider = import_string(path)()
    return provider


def payment_key_new() -> str:
    return secrets.token_urlsafe(24)


# The notice's one-to-one portal records: the case page loads them with the notice.
ONE_TO_ONE = ("relief", "plan", "service", "nomination", "contest")


def one_to_one(obj: models.Model, name: str) -> Any:
    """``obj``'s one-to-one ``name`` record or None (no query when it was loaded with it)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def notice_reduced_fine(notice: Notice) -> Decimal:
    """The fine after any income-based reduction a clerk granted."""
    if notice.kind != NoticeKind.CITATION or notice.fine_amount is None:
        return Decimal(0)
    relief: ReliefRequest | None = one_to_one(notice, "relief")
    percent = relief.percent if relief is not None and relief.status == ReliefStatus.GRANTED else 0
    return (notice.fine_amount * (100 - percent) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


def notice_amount_due(notice: Notice) -> Decimal:
    """What a single payment would settle now: nothing once paid or under a plan."""
    if any(p.status == PaymentStatus.CAPTURED for p in notice.payments.all()):
        return Decimal(0)
    if one_to_one(notice, "plan") is not None:
        return Decimal(0)  # paid by instalments instead
    return notice_reduced_fine(notice)


def _locked_case(notice_id: int) -> tuple[Notice, Violation]:
    notice = Notice.objects.get(pk=notice_id)
    violation = Violation.objects.select_for_update(of=("self",)).get(pk=notice.violation_id)
    return notice, violation


def payment_record(notice_id: int, *, key: str, provider: PaymentProvider | None = None) -> Payment:
    """Pay a mailed citation in full. The same ``key`` again returns the same payment."""
    if not key:
        raise TransitionError("a payment needs an idempotency key")
    provider = provider or payment_provider()
    try:
        with transaction.atomic():
            notice, violation = _locked_case(notice_id)
            existing = Payment.objects.filter(idempotency_key=key).first()
            if existing is not None:
                if existing.notice_id != notice.pk:
                    raise TransitionError("this payment key belongs to another notice")
                return existing
            require_state(violation, [S.NOTICE_MAILED], "pay")
            amount = notice_amount_due(notice)
            if amount <= 0:
                raise TransitionError("nothing is owed on this notice")
            charge = provider.charge(
                amount=amount, currency=notice.currency, key=key, description=notice.number
            )
            payment = Payment.objects.create(
                notice=notice,
                amount=charge.amount,
                currency=charge.currency,
                provider=provider.name,
                idempotency_key=key,
                provider_reference=charge.reference,
                status=PaymentStatus.CAPTURED,
                paid_at=timezone.now(),
            )
            violation.status, violation.status_reason = S.CLOSED, "paid"
            violation.closed_at = timezone.now()
            violation.save(update_fields=["status", "status_reason", "closed_at"])
            audit_record(
                actor=None,
                actor_label=RESIDENT,
                action="payment.recorded",
                obj=notice,
                details={
                    "payment": payment.pk,
                    "amount": str(payment.amount),
                    "provider": provider.name,
                    "reference": charge.reference,
                    "contest_kept": portal_rules(notice.ruleset).pay_keeps_contest,
                },
            )
            return payment
    except IntegrityError:
        # Two submissions raced past the check: the other one's row is the payment.
        return Payment.objects.get(idempotency_key=key)


def payment_refund(
    payment_id: int, actor: Actor | None, *, reason: str, provider: PaymentProvider | None = None
) -> Payment:
    """Give a payment back (a won contest, a dismissal). A second call changes nothing."""
    if not reason.strip():
        raise TransitionError("a refund needs a reason")
    if actor is not None:
        require_role(actor, "hearing_officer", "refund payments")
    provider = provider or payment_provider()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == PaymentStatus.REFUNDED:
            return payment
        payment.refund_reference = provider.refund(
            reference=payment.provider_reference, amount=payment.amount, key=f"refund-{payment.pk}"
        )
        payment.status, payment.refunded_at = PaymentStatus.REFUNDED, timezone.now()
        payment.refund_reason = reason.strip()
        payment.save()
        audit_record(
            actor=actor,
            action="payment.refunded",
            obj=payment.notice,
            reason=payment.refund_reason,
            details={"payment": payment.pk, "amount": str(payment.amount)},
        )
    return payment
