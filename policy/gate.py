"""The policy gate: every arriving violation is rejected, a warning, or sent to review,
and the decision carries every reason behind it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from cameras import selectors as camera_selectors
from cameras.models import Camera
from policy.models import PlacementProposal, PlacementStatus
from policy.presets import preset_for

# Workers send the registry's whole-number limit as a float; anything further off is a
# different limit, not rounding.
LIMIT_TOLERANCE_KMH = 0.01


@dataclass
class GateDecision:
    outcome: str  # "rejected" | "warning" | "awaiting_review"
    # The limit the decision was made against: the registry's, never the event's.
    limit_kmh: float
    reasons: list[str] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def reason_text(self) -> str:
        return "; ".join(self.reasons)


def placement_active(camera: Camera, day: datetime) -> PlacementProposal | None:
    date = timezone.localdate(day)
    for p in camera.site.placements.filter(status=PlacementStatus.APPROVED):
        if (p.active_from is None or p.active_from <= date) and (
            p.active_until is None or p.active_until >= date
        ):
            return p
    return None


def gate_evaluate(
    *,
    camera: Camera,
    measured_at: datetime,
    speed_kmh: float,
    uncertainty_kmh: float,
    event_limit_kmh: float,
    measurement_valid: bool,
    evidence_verified: bool,
) -> GateDecision:
    """Decide one violation against the back office's own records.

    The speed limit comes from the camera registry. The worker's ``event_limit_kmh`` is
    only compared with it: a worker that is misconfigured (or lies) about the limit must
    not be able to ticket drivers who kept to the registered one.
    """
    limit_kmh = float(camera.speed_limit_kmh)
    decision = GateDecision(outcome="awaiting_review", limit_kmh=limit_kmh)
    preset = preset_for(camera.site.jurisdiction)
    day = timezone.localdate(measured_at)
    placement = placement_active(camera, measured_at)

    def check(name: str, ok: bool, failure: str) -> None:
        decision.checks[name] = ok
        if not ok:
            decision.reasons.append(failure)

    check("placement", placement is not None, "no approved, active placement for this site")
    check(
        "calibration",
        camera_selectors.calibration_current(camera) is not None,
        "camera has no calibration",
    )
    check(
        "certificate",
        camera_selectors.certificate_valid_on(camera, day) is not None,
        f"no valid calibration certificate on {day}",
    )
    check(
        "self_test",
        camera_selectors.selftest_passed_on(camera, day) is not None,
        f"no passed self-test on {day}",
    )
    check("measurement", measurement_valid, "measurement rejected by the speed estimator")
    check(
        "speed_limit",
        math.isclose(event_limit_kmh, limit_kmh, abs_tol=LIMIT_TOLERANCE_KMH),
        f"event speed limit {event_limit_kmh:g} km/h differs from the registered limit "
        f"{limit_kmh:g} km/h for camera {camera.code}",
    )
    lower = speed_kmh - uncertainty_kmh
    needed = limit_kmh + preset.threshold_kmh
    check(
        "threshold",
        lower > needed,
        f"lower bound {lower:.1f} km/h does not exceed limit {limit_kmh:.0f} + threshold "
        f"{preset.threshold_kmh:.1f} km/h ({preset.name})",
    )
    check("evidence", evidence_verified, "evidence missing or failed verification")

    if decision.reasons:
        decision.outcome = "rejected"
        return decision
    in_warning_period = (
        placement is not None
        and placement.active_from is not None
        and (day - placement.active_from).days < preset.warning_days_new_camera
    )
    if in_warning_period:
        decision.outcome = "warning"
        decision.reasons.append(
            f"warning period: first {preset.warning_days_new_camera} days of this camera"
        )
        return decision
    decision.reasons.append(
        f"all checks passed: lower bound {lower:.1f} km/h over {needed:.1f} km/h"
    )
    return decision
