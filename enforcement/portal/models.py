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


class ContestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for the initial review")
    REVIEW_UPHELD = "review_upheld", _("Upheld at the initial review")
    HEARING_REQUESTED = "hearing_requested", _("Hearing requested")
    DISMISSED = "dismissed", _("Dismissed: the resident won")
    UPHELD = "upheld", _("Upheld after the hearing")


class HearingMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("By video")
    WRITTEN = "written", _("In writing")


class Contest(models.Model):
    """A resident's contest of one notice: initial review, then a hearing on request."""

    notice = models.OneToOneField(
        "enforcement.Notice", on_delete=models.PROTECT, related_name="contest"
    )
    ground = models.CharField(max_length=40)
    statement = models.TextField()
    status = models.CharField(max_length=20, choices=ContestStatus.choices)
    submitted_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reasons = models.TextField(blank=True)
    hearing_mode = models.CharField(max_length=10, choices=HearingMode.choices, blank=True)
    hearing_availability = models.TextField(blank=True)
    hearing_requested_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"contest of notice {self.notice_id} ({self.status})"


class StoredDocument(models.Model):
    """A file a resident sent, checked by its bytes and stored privately (abstract: the
    contest's and the relief request's documents share these fields)."""

    stored_name = models.CharField(max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.original_name} ({self.content_type})"


class ContestDocument(StoredDocument):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="documents")


class Nomination(models.Model):
    """The owner names the driver in a signed statement; the notice is reissued to them.

    The statement's text, the typed signature and the time are kept together with the
    SHA-256 of all three, so the signed statement cannot change unseen.
    """

    notice = models.OneToOneField(
        "enforcement.Notice", on_delete=models.PROTECT, related_name="nomination"
    )
    reissued = models.OneToOneField(
        "enforcement.Notice", on_delete=models.PROTECT, related_name="nominated_from"
    )
    driver_name = models.CharField(max_length=200)
    driver_address = models.TextField()
    driver_email = models.EmailField(blank=True)
    statement = models.TextField()
    signed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    statement_sha256 = models.CharField(max_length=64)
    # Set when the named driver had not answered the reissued notice in the rule set's
    # time (``nomination.answer_days``); ``returned`` is the new notice to the owner
    # when the rule set returns the case (empty: the case stays with the driver).
    unanswered_on = models.DateField(null=True, blank=True)
    returned = models.OneToOneField(
        "enforcement.Notice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returned_from",
    )

    def __str__(self) -> str:
        return f"notice {self.notice_id} reissued as {self.reissued_id}"


class Reminder(models.Model):
    """One reminder email sent before one deadline: the unique key makes sending it
    again (the next hourly run, two workers at once) a no-op."""

    notice = models.ForeignKey(
        "enforcement.Notice", on_delete=models.CASCADE, related_name="reminders"
    )
    deadline = models.CharField(max_length=40)  # "pay", "contest", "instalment-3", ...
    last_day = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "deadline", "last_day", "days_before"], name="remind_once"
            )
        ]

    def __str__(self) -> str:
        return f"reminder {self.deadline} {self.days_before}d before {self.last_day}"
