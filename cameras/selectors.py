"""Read-side queries for cameras: health, certificates, self-tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from cameras.models import Calibration, CalibrationCertificate, Camera, Heartbeat, SelfTest

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


@dataclass(frozen=True)
class CameraHealth:
    camera: Camera
    heartbeat: Heartbeat | None
    heartbeat_stale: bool
    certificate: CalibrationCertificate | None
    certificate_expires_in_days: int | None
    selftest_today: SelfTest | None
    calibration: Calibration | None

    @property
    def enforceable(self) -> bool:
        return (
            self.camera.active
            and self.certificate is not None
            and self.selftest_today is not None
            and self.calibration is not None
        )


def camera_health_rows(now: datetime | None = None) -> list[CameraHealth]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    rows = []
    for camera in camera_list():
        beat = camera.heartbeats.order_by("-received_at").first()
        cert = certificate_valid_on(camera, today)
        rows.append(
            CameraHealth(
                camera=camera,
                heartbeat=beat,
                heartbeat_stale=beat is None or now - beat.received_at > HEARTBEAT_STALE_AFTER,
                certificate=cert,
                certificate_expires_in_days=(cert.valid_until - today).days if cert else None,
                selftest_today=selftest_passed_on(camera, today),
                calibration=calibration_current(camera),
            )
        )
    return rows
