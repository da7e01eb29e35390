"""Relief for people who cannot pay: an income-based reduction decided by a clerk, and a
payment plan with its instalments. Imported by ``enforcement.models``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from enforcement.portal.models import StoredDocument


class ReliefStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for a clerk")
    GRANTED = "granted", _("Reduction granted")
    DENIED = "denied", _("Reduction refused")


class ReliefRequest(models.Model):
    notice = models.OneToOneField(
        "enforcement.Notice", on_delete=models.PROTECT, related_name="relief"
    )
    tier = models.CharField(max_length=30)  # a code from the rule set's reduction tiers
    household_size = models.PositiveSmallIntegerField()
    monthly_income = models.DecimalField(max_digits=10, decimal_places=2)
    statement = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ReliefStatus.choices)
    submitted_at = models.DateTimeField()
    percent = models.PositiveSmallIntegerField(default=0)  # the reduction granted
    decided_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reasons = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"relief for notice {self.notice_id} ({self.status})"


class ReliefDocument(StoredDocument):
    relief = models.ForeignKey(ReliefRequest, on_delete=models.CASCADE, related_name="documents")


class PaymentPlan(models.Model):
    notice = models.OneToOneField(
        "enforcement.Notice", on_delete=models.PROTECT, related_name="plan"
    )
    total = models.DecimalField(max_digits=8, decimal_places=2)  # amount owed plus the fee
    fee = models.DecimalField(max_digits=6, decimal_places=2)
    monthly = models.DecimalField(max_digits=6, decimal_places=2)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"plan for notice {self.notice_id}: {self.monthly}/month"


class Instalment(models.Model):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="instalments")
    sequence = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    amount = models.DecimalField(max_digits=6, decimal_places=2)
    paid_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=80, blank=True)
    provider_reference = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["plan", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "sequence"], name="one_instalment_per_slot"),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="instalment_key_once",
            ),
        ]

    def __str__(self) -> str:
        return f"instalment {self.sequence} of plan {self.plan_id}"


class CommunityService(models.Model):
    """Hours of community service instead of the fine, where the rule set offers it;
    a clerk records the hours done, and the last hour closes the case."""

    notice = models.OneToOneField(
        "enforcement.Notice", on_delete=models.PROTECT, related_name="service"
    )
    hours_required = models.DecimalField(max_digits=5, decimal_places=1)
    hours_done = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    requested_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        done, required = self.hours_done, self.hours_required
        return f"community service for notice {self.notice_id}: {done}/{required} h"
