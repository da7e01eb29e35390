"""Neighbourhood data, placement proposals and their review, rule-set versions and the
append-only, hash-chained audit log."""

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


class District(models.Model):
    """A council district (or ward) of the city, with its population for equity shares."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=200)
    fictional = models.BooleanField(default=False)  # demo data: every page says so
    population = models.PositiveIntegerField()
    households = models.PositiveIntegerField()
    polygon = models.JSONField()  # GeoJSON Polygon or MultiPolygon, lon/lat

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Tract(models.Model):
    """A census tract and the indicators placement review and the dashboards weigh."""

    geoid = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="tracts")
    population = models.PositiveIntegerField()
    households = models.PositiveIntegerField()
    median_household_income = models.PositiveIntegerField()
    poverty_rate = models.FloatField()  # share 0-1
    vulnerability_index = models.FloatField()  # 0-1, higher is more vulnerable
    share_people_of_colour = models.FloatField()  # share 0-1
    polygon = models.JSONField()

    class Meta:
        ordering = ["geoid"]

    def __str__(self) -> str:
        return f"{self.geoid} {self.name}"


class CrashSeverity(models.TextChoices):
    FATAL = "fatal", _("Fatal")
    SERIOUS = "serious", _("Serious injury")
    OTHER = "other", _("Other")


class RoadUser(models.TextChoices):
    PEDESTRIAN = "pedestrian", _("Pedestrian")
    CYCLIST = "cyclist", _("Cyclist")
    DRIVER = "driver", _("Driver or passenger")


class Crash(models.Model):
    record_id = models.CharField(max_length=60, unique=True)
    occurred_on = models.DateField(db_index=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    severity = models.CharField(max_length=10, choices=CrashSeverity.choices)
    road_user = models.CharField(max_length=12, choices=RoadUser.choices)

    class Meta:
        indexes = [models.Index(fields=["latitude", "longitude"])]

    def __str__(self) -> str:
        return f"{self.record_id} {self.occurred_on} {self.severity}"


class PlacementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for equity review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    RETIRED = "retired", _("Retired")


class PlacementZone(models.TextChoices):
    SCHOOL = "school", _("School zone")
    PARK = "park", _("Park zone")
    CORRIDOR = "corridor", _("Safety corridor")
    OTHER = "other", _("Other")


class PlacementProposal(models.Model):
    """A camera may only enforce at a site whose placement the equity office approved.

    The placement comes first: a site (and its cameras) is linked to it once approved.
    """

    site = models.ForeignKey(
        "cameras.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="placements"
    )
    title = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=40, default="demo")
    address = models.CharField(max_length=300, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    road = models.CharField(max_length=200, blank=True)
    direction = models.CharField(max_length=100, blank=True)
    posted_limit_kmh = models.PositiveSmallIntegerField(null=True, blank=True)
    zone = models.CharField(max_length=10, choices=PlacementZone.choices, default="corridor")
    speed_p85_kmh = models.FloatField(null=True, blank=True)
    share_over_limit = models.FloatField(null=True, blank=True)  # 0-1, from the speed study
    vulnerable_road_users = models.TextField(blank=True)
    alternatives_considered = models.TextField(blank=True)
    tract = models.ForeignKey(
        Tract, null=True, blank=True, on_delete=models.PROTECT, related_name="placements"
    )
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="placements"
    )
    justification = models.TextField(
        blank=True, help_text=_("Crash history, speed data, alternatives tried.")
    )
    status = models.CharField(
        max_length=20, choices=PlacementStatus.choices, default=PlacementStatus.DRAFT
    )
    review_round = models.PositiveSmallIntegerField(default=0)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_published_on = models.DateField(null=True, blank=True)
    comments_close_on = models.DateField(null=True, blank=True)
    signage_photo = models.FileField(upload_to="signage/", blank=True)
    signage_installed_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    active_from = models.DateField(null=True, blank=True)  # activation: warnings start here
    active_until = models.DateField(null=True, blank=True)
    review_due_on = models.DateField(null=True, blank=True)  # the annual re-review
    suspended_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("review_placement", "Can approve or reject camera placements")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"


class PlacementComment(models.Model):
    """A public comment received during the notice period."""

    placement = models.ForeignKey(
        PlacementProposal, on_delete=models.CASCADE, related_name="comments"
    )
    received_on = models.DateField()
    name = models.CharField(max_length=200, blank=True)  # optional: comments may be anonymous
    body = models.TextField()

    class Meta:
        ordering = ["received_on", "pk"]

    def __str__(self) -> str:
        return f"comment of {self.received_on} on placement {self.placement_id}"


class PlacementDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    REQUEST_CHANGES = "request_changes", _("Request changes")


class PlacementReview(models.Model):
    """One equity reviewer's decision on one review round of a proposal."""

    placement = models.ForeignKey(
        PlacementProposal, on_delete=models.CASCADE, related_name="reviews"
    )
    review_round = models.PositiveSmallIntegerField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=PlacementDecision.choices)
    reasons = models.TextField()
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "review_round", "reviewer"], name="one_review_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.decision} on placement {self.placement_id} (round {self.review_round})"


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


class NoticeTally(models.Model):
    """The gate's outcomes per camera and day, counted in the transaction that records each
    violation, so the equity dashboard reads a few rows instead of every audit event."""

    camera_code = models.CharField(max_length=40)
    day = models.DateField()
    outcome = models.CharField(max_length=20)  # rejected | warning | awaiting_review
    count = models.PositiveIntegerField(default=0)
    repeat = models.PositiveIntegerField(default=0)  # of them, plates with earlier notices

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["camera_code", "day", "outcome"], name="notice_tally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.camera_code} {self.day} {self.outcome}: {self.count}"
