"""Placement proposals and the append-only, hash-chained audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLogIsAppendOnly(PermissionError):
    """An audit event was about to be changed or deleted: the log only grows."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("audit events are never updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("audit events are never deleted")


class AuditEvent(models.Model):
    """One row per state change or evidence view, chained by SHA-256.

    Each row's hash covers its own content and the previous row's hash, so editing or
    deleting any row breaks every later link; `manage.py audit_verify` walks the chain
    and checks it against signed checkpoints kept outside the database. The ORM refuses
    updates and deletes; on PostgreSQL a trigger refuses them in SQL too.
    """

    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(max_length=150)  # kept even if the user is renamed
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    # The request that caused the event, and where it came from: a keyed hash of the
    # client address (never the address itself), so one source's events can be grouped.
    request_id = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        permissions = [("view_audit_log", "Can read the audit log")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly(f"audit event #{self.pk} cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly(f"audit event #{self.pk} cannot be deleted")


class PlacementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for equity review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETIRED = "retired", _("Retired")


class PlacementProposal(models.Model):
    """A camera may only enforce at a site whose placement the equity office approved."""

    site = models.ForeignKey("cameras.Site", on_delete=models.PROTECT, related_name="placements")
    title = models.CharField(max_length=200)
    justification = models.TextField(help_text=_("Crash history, speed data, alternatives tried."))
    status = models.CharField(
        max_length=20, choices=PlacementStatus.choices, default=PlacementStatus.DRAFT
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    active_from = models.DateField(null=True, blank=True)
    active_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("review_placement", "Can approve or reject camera placements")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"
