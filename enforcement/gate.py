"""Gathering a violation's facts from the camera registry and its evidence, for the
policy layer's pure ``gate_judge``."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from cameras import selectors as camera_selectors
from cameras.models import Camera
from policy.gate import GateDecision, GateFacts, gate_judge
from policy.presets import preset_for
from policy.selectors import placement_active


def gate_evaluate(
    *,
    camera: Camera,
    measured_at: datetime,
    speed_kmh: float,
    uncertainty_kmh: float,
    event_limit_kmh: float,
    measurement_valid: bool,
    evidence_verified: bool,
) -> tuple[GateFacts, GateDecision]:
    """Decide one violation against the back office's own records; return the facts too,
    so they are stored with the decision and a rule change can be replayed over them.

    The speed limit comes from the camera registry. The worker's ``event_limit_kmh`` is
    only compared with it: a worker that is misconfigured (or lies) about the limit must
    not be able to ticket drivers who kept to the registered one.
    """
    day = timezone.localdate(measured_at)
    placement = placement_active(camera.site_id, day)
    facts = GateFacts(
        camera_code=camera.code,
        measured_on=day,
        speed_kmh=speed_kmh,
        uncertainty_kmh=uncertainty_kmh,
        registered_limit_kmh=float(camera.speed_limit_kmh),
        event_limit_kmh=event_limit_kmh,
        placement_found=placement is not None,
        placement_active_from=placement.active_from if placement is not None else None,
        has_calibration=camera_selectors.calibration_current(camera) is not None,
        certificate_valid=camera_selectors.certificate_valid_on(camera, day) is not None,
        selftest_passed=camera_selectors.selftest_passed_on(camera, day) is not None,
        measurement_valid=measurement_valid,
        evidence_verified=evidence_verified,
    )
    return facts, gate_judge(facts, preset_for(camera.site.jurisdiction))
