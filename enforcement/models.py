"""Violations as they arrive from cameras, before any human or owner lookup."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ViolationStatus(models.TextChoices):
    REJECTED = "rejected", _("Rejected by the policy gate")
    WARNING = "warning", _("Warning only")
    AWAITING_REVIEW = "awaiting_review", _("Awaiting first review")
    AWAITING_APPROVAL = "awaiting_approval", _("Reviewed, awaiting second approval")
    APPROVED = "approved", _("Approved for a notice")
    DISMISSED = "dismissed", _("Dismissed by a reviewer")
    OWNER_FOUND = "owner_found", _("Owner found, vehicle to confirm")
    OWNER_NOT_FOUND = "owner_not_found", _("Owner not found")
    CITATION_ISSUED = "citation_issued", _("Citation issued")
    WARNING_ISSUED = "warning_issued", _("Warning issued")
    NOTICE_MAILED = "notice_mailed", _("Notice mailed")
    CLOSED = "closed", _("Closed")


class NoticeKind(models.TextChoices):
    CITATION = "citation", _("Citation")
    WARNING = "warning", _("Warning")


class Violation(models.Model):
    # The camera's event id: the unique constraint makes delivery idempotent.
    event_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    camera = models.ForeignKey(
        "cameras.Camera", on_delete=models.PROTECT, related_name="violations"
    )
    calibration = models.ForeignKey(
        "cameras.Calibration", null=True, on_delete=models.PROTECT, related_name="violations"
    )
    measured_at = models.DateTimeField()
    speed_kmh = models.FloatField()
    uncertainty_kmh = models.FloatField()
    limit_kmh = models.FloatField()
    vehicle_class = models.CharField(max_length=30, blank=True)
    lane_x_m = models.FloatField(null=True, blank=True)
    plate_text = models.CharField(max_length=20, blank=True)
    plate_confidence = models.FloatField(null=True, blank=True)
    measurement = models.JSONField(default=dict)
    evidence_manifest = models.JSONField(default=dict)
    evidence_dir = models.CharField(max_length=300, blank=True)
    evidence_verified = models.BooleanField(default=False)
    evidence_problems = models.JSONField(default=list, blank=True)
    evidence_purged_at = models.DateTimeField(null=True, blank=True)
    # The case's final disposition: retention of its evidence counts from here.
    closed_at = models.DateTimeField(null=True, blank=True)
    # The rule-set version that judged the reading (its retention periods apply); empty
    # for a reading recorded before versions were kept, which the version in force serves.
    ruleset_version = models.CharField(max_length=40, blank=True, default="")
    # When retention erased the closed case's administrative details and payment references.
    admin_purged_at = models.DateTimeField(null=True, blank=True)
    payments_purged_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=30, choices=ViolationStatus.choices)
    status_reason = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)
    # The two-person review (enforcement.cases.transitions); the plate above is the
    # reviewer's reading once reviewed, the OCR's before.
    reviewed_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Who has the case open in the queue, and until when: nobody else is handed it.
    claimed_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    dismissal_code = models.CharField(max_length=30, blank=True)
    # The gate judged it a warning (warning period): reviewed like any case, noticed as one.
    warning_only = models.BooleanField(default=False)

    class Meta:
        ordering = ["-measured_at"]
        indexes = [
            models.Index(fields=["status", "measured_at"], name="violation_queue_idx"),
            # Retention asks, per closed case, whether an open case shares its evidence.
            models.Index(fields=["evidence_dir"], name="violation_evidence_dir_idx"),
        ]
        permissions = [
            ("review_violation", "Can do the first review of violations"),
            ("approve_violation", "Can give the second approval of violations"),
            ("view_evidence", "Can view violation evidence"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.speed_kmh:.1f}/{self.limit_kmh:.0f} km/h ({self.status})"

    @property
    def lower_bound_kmh(self) -> float:
        return self.speed_kmh - self.uncertainty_kmh


class DeadLetter(models.Model):
    """An event the back office could not accept, kept whole so nothing is lost.

    Replayed (enforcement.services_dead_letters) once the cause is fixed; a replay that
    stores the violation resolves the letter and links it.
    """

    received_at = models.DateTimeField(auto_now_add=True)
    event_id = models.CharField(max_length=80, blank=True, db_index=True)
    error_type = models.CharField(max_length=100, blank=True)
    error = models.TextField()
    payload = models.JSONField()
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    violation = models.ForeignKey(
        Violation, null=True, blank=True, on_delete=models.SET_NULL, related_name="dead_letters"
    )
    replays = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at"]
        permissions = [("replay_deadletter", "Can replay dead letters")]

    def __str__(self) -> str:
        return f"dead letter {self.event_id}: {self.error[:60]}"


class HoldReason(models.TextChoices):
    COURT = "court", _("Contested in court")
    LITIGATION = "litigation", _("Litigation")
    RECORDS_REQUEST = "records_request", _("Public records request")
    OTHER = "other", _("Other")


class LegalHold(models.Model):
    """While a hold is active, nothing of its case is purged, whatever its schedule."""

    violation = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="holds")
    reason = models.CharField(max_length=20, choices=HoldReason.choices)
    explanation = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)

    class Meta:
        permissions = [("manage_legal_hold", "Can place and release legal holds")]

    def __str__(self) -> str:
        state = "released" if self.released_at else "active"
        return f"hold on violation {self.violation_id} ({self.reason}, {state})"


class DeletionRecord(models.Model):
    """The deletion log: what kind of record of which case was purged, when, and under
    which rule. It never holds the deleted content."""

    kind = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=80, db_index=True)
    # The case the record belonged to (the violation's id; the record itself may be gone).
    case_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    rule = models.CharField(max_length=300)
    ruleset = models.CharField(max_length=80)
    due_at = models.DateTimeField()
    purged_at = models.DateTimeField(db_index=True)
    files_deleted = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-purged_at", "-id"]
        permissions = [("view_retention", "Can read the retention and deletion reports")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_type}:{self.object_id} purged {self.purged_at:%Y-%m-%d}"


# The case's later records (owner, notice, mailing batch) live beside the workflow code.
from enforcement.cases.models import MailingBatch, Notice, OwnerRecord  # noqa: E402
from enforcement.portal.models import (  # noqa: E402
    Contest,
    ContestDocument,
    ContestStatus,
    HearingMode,
    Nomination,
    Payment,
    PaymentStatus,
    Reminder,
)
from enforcement.portal.relief_models import (  # noqa: E402
    CommunityService,
    Instalment,
    PaymentPlan,
    ReliefDocument,
    ReliefRequest,
    ReliefStatus,
)

__all__ = [
    "CommunityService",
    "Contest",
    "ContestDocument",
    "ContestStatus",
    "DeadLetter",
    "HearingMode",
    "Instalment",
    "MailingBatch",
    "Nomination",
    "Notice",
    "NoticeKind",
    "OwnerRecord",
    "Payment",
    "PaymentPlan",
    "PaymentStatus",
    "ReliefDocument",
    "ReliefRequest",
    "ReliefStatus",
    "Reminder",
    "Violation",
    "ViolationStatus",
]
