"""Read-side queries for cameras: health, certificates, self-tests.

``camera_health`` is the one place that decides whether a camera's worker is running,
stale or stopped and whether the camera is enforceable; the health page and the camera
page both show its answer, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePath
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.utils import timezone

from cameras.models import Calibration, CalibrationCertificate, Camera, Heartbeat, SelfTest
from policy.selectors import placement_active

HEARTBEAT_STALE_AFTER = timedelta(minutes=2)
CERTIFICATE_WARN_DAYS = 30


def camera_list() -> QuerySet[Camera]:
    return Camera.objects.select_related("site").order_by("code")


def calibration_current(camera: Camera) -> Calibration | None:
    return camera.calibrations.order_by("-version").first()


def certificate_valid_on(camera: Camera, day: date) -> CalibrationCertificate | None:
    return (
        camera.certificates.filter(valid_from__lte=day, valid_until__gte=day)
        .order_by("-valid_until")
        .first()
    )


def selftest_passed_on(camera: Camera, day: date) -> SelfTest | None:
    """The day's latest self-test, if it passed: a later failure voids an earlier pass."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    latest = (
        camera.self_tests.filter(ran_at__gte=start, ran_at__lt=start + timedelta(days=1))
        .order_by("-ran_at")
        .first()
    )
    return latest if latest is not None and latest.passed else None


# Statuses a live worker reports (see cameras.worker.loop); "stopped" is a clean exit,
# "stale" is written by heartbeat_flag_stale when the worker went silent.
WORKER_LIVE = frozenset({"starting", "running", "reconnecting", "building", "draining"})


def worker_state(beat: Heartbeat | None, now: datetime) -> str:
    """never | stopped | stale | error | running, from the latest heartbeat."""
    if beat is None:
        return "never"
    if beat.status == "stopped":
        return "stopped"
    if beat.status == "stale" or now - beat.received_at > HEARTBEAT_STALE_AFTER:
        return "stale"
    return "running" if beat.status in WORKER_LIVE else "error"


@dataclass(frozen=True)
class CameraHealth:
    camera: Camera
    heartbeat: Heartbeat | None
    worker: str  # worker_state()
    certificate: CalibrationCertificate | None
    certificate_expires_in_days: int | None
    selftest_today: SelfTest | None
    calibration: Calibration | None
    placement_active: bool

    @property
    def heartbeat_stale(self) -> bool:
        return self.worker != "running"

    @property
    def blockers(self) -> list[str]:
        """Why the camera cannot produce a ticket now (empty: it can)."""
        checks = {
            "inactive": self.camera.active,
            "placement": self.placement_active,
            "certificate": self.certificate is not None,
            "selftest": self.selftest_today is not None,
            "calibration": self.calibration is not None,
            "worker": self.worker == "running",
        }
        return [name for name, ok in checks.items() if not ok]

    @property
    def enforceable(self) -> bool:
        return not self.blockers


def camera_health(camera: Camera, now: datetime | None = None) -> CameraHealth:
    now = now or timezone.now()
    today = timezone.localdate(now)
    beat = camera.heartbeats.order_by("-received_at").first()
    cert = certificate_valid_on(camera, today)
    return CameraHealth(
        camera=camera,
        heartbeat=beat,
        worker=worker_state(beat, now),
        certificate=cert,
        certificate_expires_in_days=(cert.valid_until - today).days if cert else None,
        selftest_today=selftest_passed_on(camera, today),
        calibration=calibration_current(camera),
        placement_active=placement_active(camera.site_id, today) is not None,
    )


def camera_health_rows(now: datetime | None = None) -> list[CameraHealth]:
    now = now or timezone.now()
    return [camera_health(camera, now) for camera in camera_list()]


def source_display(source_url: str) -> str:
    """What a page may show of a camera's video source: never a server path or a
    password. A stream shows its scheme and host, a file its name, a device its index."""
    value = source_url.strip()
    if value.isdigit():
        return f"device {value}"
    parts = urlsplit(value)
    if parts.scheme and parts.scheme != "file" and parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}/…"
    return PurePath(parts.path or value).name or "—"
