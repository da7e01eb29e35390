"""What a case gathers after its two approvals: the owner, the notice, the mailing.

Imported by ``enforcement.models`` so Django registers these in the enforcement app.
"""

from __future__ import annotations

from django.db import models

from enforcement.models import NoticeKind


class OwnerRecord(models.Model):
    """The registered keeper found for an approved violation's plate.

    Looked up only after two people approved the violation; deleted again if the
    approver finds the registry's vehicle does not match the evidence.
    """

    violation = models.OneToOneField(
        "enforcement.Violation", on_delete=models.CASCADE, related_name="owner"
    )
    source = models.CharField(max_length=60)
    plate = models.CharField(max_length=20)
    state = models.CharField(max_length=10, blank=True)
    make = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=60, blank=True)
    colour = models.CharField(max_length=40, blank=True)
    name = models.CharField(max_length=200)
    address = models.TextField()
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=5, default="en")
    looked_up_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"owner of {self.plate} ({self.source})"


class Notice(models.Model):
    """A citation or a warning: the paper (and email) that reaches the owner."""

    violation = models.OneToOneField(
        "enforcement.Violation", on_delete=models.PROTECT, related_name="notice"
    )
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    # Random digits plus a Verhoeff check digit (enforcement.cases.numbers).
    number = models.CharField(max_length=20, unique=True)
    pin_hash = models.CharField(max_length=200, blank=True)
    plate = models.CharField(max_length=20)  # the reviewed plate the notice was issued to
    ruleset = models.CharField(max_length=40)
    fine_amount = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    language = models.CharField(max_length=5, default="en")
    issued_at = models.DateTimeField()
    batch = models.ForeignKey(
        "enforcement.MailingBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    mailed_on = models.DateField(null=True, blank=True)
    # {"pay": "2027-01-05", "contest": ..., ...}: set when the batch is recorded as mailed.
    deadlines = models.JSONField(default=dict, blank=True)
    defaulted_on = models.DateField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("mail_notice", "Can print and record mailing batches")]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


class MailingBatch(models.Model):
    """One PDF of notices and its CSV manifest for the mail house."""

    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    planned_mail_on = models.DateField()
    mailed_on = models.DateField(null=True, blank=True)
    pdf_name = models.CharField(max_length=300, blank=True)
    manifest_name = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"mailing batch {self.pk} ({self.planned_mail_on})"
