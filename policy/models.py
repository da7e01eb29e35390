"""Placement proposals, rule-set versions and the append-only, hash-chained audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One row per state change or evidence view, chained by SHA-256.

    Each row's hash covers its own content and the previous row's hash, so editing or
    deleting any row breaks every later link; `manage.py audit_verify` walks the chain.
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
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        permissions = [("view_audit_log", "Can read the audit log")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id} by {self.actor_label}"


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


class RuleSetVersion(models.Model):
    """One version of a jurisdiction's rule set as a city adopted or edited it.

    Versions are never changed or deleted: a change is a new version with a later
    effective date, and a violation is judged by the version in force when it was captured.
    """

    class Origin(models.TextChoices):
        PRESET = "preset", _("Adopted from the repository's preset")
        EDITED = "edited", _("Edited copy of an earlier version")

    code = models.CharField(max_length=40, db_index=True)
    version = models.CharField(max_length=40)
    effective_from = models.DateField()
    data = models.JSONField()
    digest = models.CharField(max_length=64)  # SHA-256 of the canonical data
    origin = models.CharField(max_length=10, choices=Origin.choices)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="ruleset_version_unique"),
            models.UniqueConstraint(
                fields=["code", "effective_from"], name="ruleset_effective_from_unique"
            ),
        ]
        permissions = [("adopt_ruleset", "Can adopt and revise jurisdiction rule sets")]

    def __str__(self) -> str:
        return f"{self.code} {self.version} (from {self.effective_from})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("a rule-set version never changes: make a new version instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("a rule-set version is never deleted")
