"""The policy gate as a pure function: the facts of one violation in, a decision with
every check and its reason out. Gathering the facts (camera registry, certificates,
self-tests, placements, evidence) is the enforcement layer's job; nothing here reads
the database, so the same decision can be replayed from stored facts."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from policy.presets import Preset

# Workers send the registry's whole-number limit as a float; anything further off is a
# different limit, not rounding.
LIMIT_TOLERANCE_KMH = 0.01


@dataclass(frozen=True)
class GateFacts:
    """What the gate needs to know about one violation, gathered by the back office."""

    camera_code: str
    measured_on: dt.date  # the local day of the measurement
    speed_kmh: float
    uncertainty_kmh: float
    # The limit the camera registry holds; the event's own claim is only compared with it.
    registered_limit_kmh: float
    event_limit_kmh: float
    placement_found: bool  # an approved placement active on ``measured_on``
    placement_active_from: dt.date | None
    has_calibration: bool
    certificate_valid: bool
    selftest_passed: bool
    measurement_valid: bool
    evidence_verified: bool


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

    def check(self, name: str, ok: bool, failure: str) -> None:
        self.checks[name] = ok
        if not ok:
            self.reasons.append(failure)


def _record_checks(decision: GateDecision, facts: GateFacts, preset: Preset) -> None:
    day = facts.measured_on
    decision.check(
        "placement", facts.placement_found, "no approved, active placement for this site"
    )
    decision.check("calibration", facts.has_calibration, "camera has no calibration")
    decision.check(
        "certificate", facts.certificate_valid, f"no valid calibration certificate on {day}"
    )
    decision.check("self_test", facts.selftest_passed, f"no passed self-test on {day}")
    decision.check(
        "measurement", facts.measurement_valid, "measurement rejected by the speed estimator"
    )
    decision.check(
        "speed_limit",
        math.isclose(
            facts.event_limit_kmh, facts.registered_limit_kmh, abs_tol=LIMIT_TOLERANCE_KMH
        ),
        f"event speed limit {facts.event_limit_kmh:g} km/h differs from the registered limit "
        f"{facts.registered_limit_kmh:g} km/h for camera {facts.camera_code}",
    )
    lower = facts.speed_kmh - facts.uncertainty_kmh
    decision.check(
        "threshold",
        lower > facts.registered_limit_kmh + preset.threshold_kmh,
        f"lower bound {lower:.1f} km/h does not exceed limit "
        f"{facts.registered_limit_kmh:.0f} + threshold {preset.threshold_kmh:.1f} km/h "
        f"({preset.name})",
    )
    decision.check("evidence", facts.evidence_verified, "evidence missing or failed verification")


def _in_warning_period(facts: GateFacts, preset: Preset) -> bool:
    start = facts.placement_active_from
    return start is not None and (facts.measured_on - start).days < preset.warning_days_new_camera


def gate_judge(facts: GateFacts, preset: Preset) -> GateDecision:
    """Decide one violation: rejected (with every failed check), a warning, or review."""
    decision = GateDecision(outcome="awaiting_review", limit_kmh=facts.registered_limit_kmh)
    _record_checks(decision, facts, preset)
    if decision.reasons:
        decision.outcome = "rejected"
    elif _in_warning_period(facts, preset):
        decision.outcome = "warning"
        decision.reasons.append(
            f"warning period: first {preset.warning_days_new_camera} days of this camera"
        )
    else:
        lower = facts.speed_kmh - facts.uncertainty_kmh
        needed = facts.registered_limit_kmh + preset.threshold_kmh
        decision.reasons.append(
            f"all checks passed: lower bound {lower:.1f} km/h over {needed:.1f} km/h"
        )
    return decision
