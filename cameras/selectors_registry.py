"""Read-side queries for the operator pages: a camera's record, certificate status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cameras.models import (
    Calibration,
    CalibrationCertificate,
    CalibrationStill,
    Camera,
    Heartbeat,
    SelfTest,
    Site,
)
from cameras.selectors import (
    CERTIFICATE_WARN_DAYS,
    CameraHealth,
    camera_health,
    source_display,
    worker_state,
)

RECENT_SELFTESTS = 14
RECENT_STILLS = 12


def camera_by_code(code: str) -> Camera:
    return get_object_or_404(Camera.objects.select_related("site"), code=code)


def site_list() -> QuerySet[Site]:
    return Site.objects.order_by("name")


def calibration_history(camera: Camera) -> QuerySet[Calibration]:
    return camera.calibrations.select_related("created_by").order_by("-version")


def still_list(camera: Camera) -> QuerySet[CalibrationStill]:
    return camera.stills.order_by("-created_at", "-id")[:RECENT_STILLS]


@dataclass(frozen=True)
class CertificateStatus:
    """``state``: valid | expiring (under CERTIFICATE_WARN_DAYS left) | expired | future | none."""

    state: str
    certificate: CalibrationCertificate | None
    days: int | None  # days left (valid/expiring), days since expiry, or days until start


def certificate_state(certificate: CalibrationCertificate, today: date) -> CertificateStatus:
    if certificate.valid_until < today:
        return CertificateStatus("expired", certificate, (today - certificate.valid_until).days)
    if certificate.valid_from > today:
        return CertificateStatus("future", certificate, (certificate.valid_from - today).days)
    left = (certificate.valid_until - today).days
    return CertificateStatus(
        "expiring" if left < CERTIFICATE_WARN_DAYS else "valid", certificate, left
    )


def certificate_status(camera: Camera, today: date) -> CertificateStatus:
    """The certificate that matters today: the valid one lasting longest, else the last
    one that expired, else one not yet in force."""
    certificates = list(camera.certificates.all())
    states = [certificate_state(c, today) for c in certificates]
    for wanted in ("valid", "expiring"):
        best = [s for s in states if s.state == wanted]
        if best:
            return max(best, key=lambda s: s.days or 0)
    expired = [s for s in states if s.state == "expired"]
    if expired:
        return min(expired, key=lambda s: s.days or 0)
    future = [s for s in states if s.state == "future"]
    if future:
        return min(future, key=lambda s: s.days or 0)
    return CertificateStatus("none", None, None)


def certificate_list(camera: Camera, today: date) -> list[CertificateStatus]:
    return [
        certificate_state(c, today)
        for c in camera.certificates.select_related("uploaded_by").order_by("-valid_until")
    ]


@dataclass(frozen=True)
class HeartbeatSummary:
    latest: Heartbeat | None
    stale: bool
    last_24h: int
    statuses: dict[str, int]


def heartbeat_summary(camera: Camera, now: datetime) -> HeartbeatSummary:
    latest = camera.heartbeats.order_by("-received_at").first()
    recent = camera.heartbeats.filter(received_at__gte=now - timedelta(hours=24))
    statuses: dict[str, int] = {}
    for status in recent.values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    return HeartbeatSummary(
        latest=latest,
        stale=worker_state(latest, now) != "running",
        last_24h=sum(statuses.values()),
        statuses=statuses,
    )


@dataclass(frozen=True)
class CameraRecord:
    camera: Camera
    calibrations: list[Calibration]
    certificate: CertificateStatus
    certificates: list[CertificateStatus]
    selftests: list[SelfTest]
    heartbeats: HeartbeatSummary
    health: CameraHealth
    source: str  # source_display(): safe to show, never a server path


def camera_record(camera: Camera, now: datetime | None = None) -> CameraRecord:
    now = now or timezone.now()
    today = timezone.localdate(now)
    return CameraRecord(
        camera=camera,
        calibrations=list(calibration_history(camera)[:10]),
        certificate=certificate_status(camera, today),
        certificates=certificate_list(camera, today),
        selftests=list(camera.self_tests.order_by("-ran_at")[:RECENT_SELFTESTS]),
        heartbeats=heartbeat_summary(camera, now),
        health=camera_health(camera, now),
        source=source_display(camera.source_url),
    )
