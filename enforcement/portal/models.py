"""What the resident portal records: payments (through a provider, never card data).

Imported by ``enforcement.models`` so Django registers these in the enforcement app.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    CAPTURED = "captured", _("Paid")
    REFUNDED = "refunded", _("Refunded")


class Payment(models.Model):
    """One payment of a notice's fine, as the payment provider confirmed it.

    The idempotency key is made when the pay page is shown and sent with the charge:
    a form submitted twice, or a retry after a timeout, finds the same row.
    """

    notice = models.ForeignKey(
        "enforcement.Notice", on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    provider = models.CharField(max_length=40)
    idempotency_key = models.CharField(max_length=80, unique=True)
    provider_reference = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices)
    paid_at = models.DateTimeField()
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_reference = models.CharField(max_length=120, blank=True)
    refund_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["paid_at"]
        constraints = [
            # At most one live payment per notice, whatever the race.
            models.UniqueConstraint(
                fields=["notice"],
                condition=models.Q(status="captured"),
                name="one_captured_payment_per_notice",
            )
        ]

    def __str__(self) -> str:
        return f"payment {self.amount} {self.currency} for notice {self.notice_id} ({self.status})"
