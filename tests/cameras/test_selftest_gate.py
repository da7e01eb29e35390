"""Without a valid certificate or today's passed self-test a camera cannot ticket:
the policy gate refuses the violation and says which is missing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.utils import timezone

from cameras.models import Camera
from cameras.services.selftest import selftest_run
from enforcement.services import violation_record
from tests.cameras.calibration_samples import road_picture
from tests.factories import enforceable_camera

pytestmark = pytest.mark.django_db


def event(camera: Camera) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "event_id": str(uuid.uuid4()),
        "camera_code": camera.code,
        "calibration_version": 1,
        "measured_at": timezone.now().isoformat(),
        "limit_kmh": 50,
        "passage": {
            "speed_kmh": 90.0,
            "uncertainty_kmh": 1.0,
            "valid": True,
            "class": "car",
            "world_x_m": 1.5,
        },
        "plate": {"text": "ABC123", "confidence": 0.97},
    }


def test_an_enforceable_camera_passes_the_certificate_and_self_test_checks() -> None:
    violation, _ = violation_record(event(enforceable_camera()))
    assert "calibration certificate" not in violation.status_reason
    assert "self-test" not in violation.status_reason


def test_an_expired_certificate_makes_the_gate_refuse() -> None:
    camera = enforceable_camera()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    camera.certificates.update(valid_until=yesterday)
    violation, _ = violation_record(event(camera))
    assert violation.status == "rejected"
    assert f"no valid calibration certificate on {timezone.localdate()}" in violation.status_reason


def test_a_failed_self_test_today_makes_the_gate_refuse() -> None:
    camera = enforceable_camera()
    frozen = road_picture()
    failed = selftest_run(
        camera,
        [(i / 30, frozen) for i in range(30)],
        camera.calibrations.get(),
        timezone.now(),
        clock_offset_s=0.0,
    )
    assert not failed.passed and "frozen" in failed.reason
    violation, _ = violation_record(event(camera))
    assert violation.status == "rejected"
    assert f"no passed self-test on {timezone.localdate()}" in violation.status_reason
