"""Daily self-test of a camera, recorded and audited. Without today's passed self-test
the policy gate refuses every ticket from the camera; the checks themselves live in
``cameras.vision.measure.selftest``."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from cameras.limits import min_plate_px, plate_gates, plate_width_m
from cameras.models import Calibration, Camera, SelfTest
from cameras.services import Actor
from cameras.vision.measure.selftest import MAX_FRAMES, FrameInput, selftest_checks
from policy.audit import audit_record

__all__ = ["MAX_FRAMES", "selftest_run"]


def selftest_run(
    camera: Camera,
    frames: FrameInput,
    calibration: Calibration | None,
    now: datetime,
    *,
    clock_offset_s: float | None = None,
    nominal_fps: float | None = None,
    actor: Actor = None,
) -> SelfTest:
    """Run every check, record the result (with each check and the reason of a failure)
    and audit it. ``clock_offset_s`` is the worker's clock minus the back office's;
    ``nominal_fps`` defaults to the container's rate, then the calibration's fps."""
    checks = selftest_checks(
        frames, calibration, clock_offset_s, nominal_fps,
        plate_width_m=plate_width_m(), min_plate_px=min_plate_px(), plate_gates=plate_gates(),
    )  # fmt: skip
    failed = [c for c in checks if not c.passed and not c.advisory]
    reason = "; ".join(f"{c.name}: {c.detail}" for c in failed)
    with transaction.atomic():
        selftest = SelfTest.objects.create(
            camera=camera,
            ran_at=now,
            passed=not failed,
            checks=[c.as_dict() for c in checks],
            reason=reason,
            calibration=calibration,
        )
        audit_record(
            actor=actor,
            actor_label="" if actor is not None else f"camera:{camera.code}",
            action="selftest.recorded",
            obj=selftest,
            reason=reason or "all checks passed",
            details={
                "camera": camera.code,
                "passed": not failed,
                "failed": [c.name for c in failed],
                "calibration_version": calibration.version if calibration else None,
            },
        )
    return selftest
