"""Sites, cameras, versioned calibrations, certificates, self-tests and heartbeats."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Site(models.Model):
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    jurisdiction = models.CharField(
        max_length=40, default="demo", help_text=_("Key of the jurisdiction preset.")
    )
    zone_kind = models.CharField(
        max_length=30,
        default="corridor",
        choices=[
            ("school", _("School zone")),
            ("park", _("Park zone")),
            ("corridor", _("Safety corridor")),
            ("work", _("Work zone")),
        ],
    )
    timezone = models.CharField(max_length=60, default="UTC")

    def __str__(self) -> str:
        return self.name


class Direction(models.TextChoices):
    AWAY = "away", _("Traffic moving away (rear view)")
    TOWARD = "toward", _("Traffic approaching")
    BOTH = "both", _("Both directions")


class Camera(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="cameras")
    source_url = models.CharField(
        max_length=500, help_text=_("RTSP URL, file path or device index the worker reads.")
    )
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.AWAY)
    lanes = models.PositiveSmallIntegerField(default=2)
    speed_limit_kmh = models.PositiveSmallIntegerField(default=50)
    timezone = models.CharField(max_length=60, default="UTC")
    active = models.BooleanField(default=True)
    # The worker signs evidence manifests; the back office verifies with this key.
    public_key_pem = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("operate_camera", "Can register, calibrate and certify cameras")]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class CalibrationStill(models.Model):
    """A picture of the road the operator clicks calibration points on.

    Grabbed from the camera's own source or uploaded; kept after a calibration version is
    saved so a hearing can see what the points were clicked on.
    """

    class Origin(models.TextChoices):
        GRAB = "grab", _("Grabbed from the camera source")
        UPLOAD = "upload", _("Uploaded by an operator")

    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="stills")
    image = models.FileField(upload_to="calibration-stills/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    origin = models.CharField(max_length=10, choices=Origin.choices)
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["camera", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.camera.code} still {self.pk} ({self.width}x{self.height})"


class Calibration(models.Model):
    """One immutable version of a camera's road-plane calibration (the contract JSON)."""

    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="calibrations")
    version = models.PositiveIntegerField()
    data = models.JSONField(help_text=_("The calibration contract: image/world points, zone."))
    residual_rms_m = models.FloatField()
    max_residual_m = models.FloatField()
    still = models.FileField(upload_to="calibration-stills/", blank=True)
    # The still the points were clicked on (None for imported or worker-made versions).
    source_still = models.ForeignKey(
        CalibrationStill, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["camera", "version"], name="calibration_version_unique")
        ]
        ordering = ["camera", "-version"]

    def __str__(self) -> str:
        return f"{self.camera.code} v{self.version}"


class CalibrationCertificate(models.Model):
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="certificates")
    issuer = models.CharField(max_length=200)
    certificate_number = models.CharField(max_length=100)
    valid_from = models.DateField()
    valid_until = models.DateField()
    document = models.FileField(upload_to="certificates/", blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["camera", "-valid_until"]

    def __str__(self) -> str:
        return f"{self.certificate_number} ({self.valid_from}–{self.valid_until})"


class SelfTest(models.Model):
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="self_tests")
    ran_at = models.DateTimeField()
    passed = models.BooleanField()
    # Each check's name, measured value, limit and verdict, so a hearing can read them.
    checks = models.JSONField(default=list)
    reason = models.TextField(blank=True)
    # The calibration version whose reference distances were checked (None: none existed).
    calibration = models.ForeignKey(
        "Calibration", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["camera", "-ran_at"]
        get_latest_by = "ran_at"

    def __str__(self) -> str:
        verdict = "pass" if self.passed else "FAIL"
        return f"{self.camera_id} self-test {self.ran_at:%Y-%m-%d %H:%M} {verdict}"


class Heartbeat(models.Model):
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="heartbeats")
    received_at = models.DateTimeField(db_index=True)
    worker_id = models.CharField(max_length=100)
    fps = models.FloatField(default=0)
    lag_s = models.FloatField(default=0)
    passages = models.PositiveIntegerField(default=0)
    violations = models.PositiveIntegerField(default=0)
    spool_events = models.PositiveIntegerField(default=0)
    spool_bytes = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=30, default="running")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["camera", "-received_at"]
        get_latest_by = "received_at"

    def __str__(self) -> str:
        return f"{self.camera_id} heartbeat {self.received_at:%H:%M:%S} {self.status}"


class TrafficCount(models.Model):
    """Aggregate counts for vehicles under the threshold: no images, plates or per-vehicle rows.

    Kept for effectiveness and equity reports; `speed_histogram` is {bin_lower_kmh: count}.
    """

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="counts")
    interval_start = models.DateTimeField()
    interval_minutes = models.PositiveSmallIntegerField(default=15)
    vehicles = models.PositiveIntegerField(default=0)
    over_limit = models.PositiveIntegerField(default=0)
    speed_histogram = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "interval_start"], name="traffic_count_interval_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.interval_start:%Y-%m-%d %H:%M} n={self.vehicles}"


class TrafficMonth(models.Model):
    """A camera's aggregate counts rolled up by calendar month (local time), kept in step
    with TrafficCount in the same transaction: what the public report reads, so a year of
    15-minute intervals need not be merged on every view."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="months")
    month = models.DateField()  # the first day of the month
    vehicles = models.PositiveIntegerField(default=0)
    over_limit = models.PositiveIntegerField(default=0)
    speed_histogram = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["camera", "month"], name="traffic_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.month:%Y-%m} n={self.vehicles}"


class DeliveryReceipt(models.Model):
    """The back office's word that it has stored (or dead-lettered) one camera event.

    Written by the back office in the transaction that stores the event; the camera
    worker reads it through the database it already uses for heartbeats and keeps the
    event in its spool until it is here (docs/decisions/2026-12-06-delivery-receipts.md).
    Keyed by the camera's code, not a foreign key: an event from an unknown camera is
    dead-lettered and receipted too.
    """

    class Outcome(models.TextChoices):
        STORED = "stored", _("Stored")
        DEAD_LETTERED = "dead_lettered", _("Kept as a dead letter")

    event_id = models.CharField(max_length=80, unique=True)
    camera_code = models.CharField(max_length=40, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    stored_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"receipt {self.event_id} {self.outcome}"
