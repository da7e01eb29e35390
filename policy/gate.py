"""The policy gate as a pure function: the facts of one violation in, a decision with
every check and its reason out. The device and registry checks (placement, calibration,
certificate, self-test, registered limit, evidence) are decided here; the speed, hours,
warnings, caps and fine by the jurisdiction's rule set through ``judge``. Gathering the
facts is the enforcement layer's job; nothing here reads the database, so the same
decision can be replayed from stored facts."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from policy.rules.book import RuleBook
from policy.rules.judge import BLOCKING, Decision, Facts, judge

# Workers send the registry's whole-number limit as a float; anything further off is a
# different limit, not rounding.
LIMIT_TOLERANCE_KMH = 0.01
# The registry's zone kinds that a rule set knows by another name.
ZONE_OF_SITE = {"work": "other"}
OUTCOME_STATUS = {"none": "rejected", "warning": "warning", "citation": "awaiting_review"}


@dataclass(frozen=True)
class GateFacts:
    """What the gate needs to know about one violation, gathered by the back office."""

    camera_code: str
    measured_at: dt.datetime
    measured_on: dt.date  # the local day of the measurement
    speed_kmh: float
    uncertainty_kmh: float
    # The limit the camera registry holds; the event's own claim is only compared with it.
    registered_limit_kmh: float
    event_limit_kmh: float
    zone: str
    placement_found: bool  # an approved placement active on ``measured_on``
    placement_active_from: dt.date | None
    program_started_on: dt.date | None
    has_calibration: bool
    certificate_valid: bool
    selftest_passed: bool
    measurement_valid: bool
    evidence_verified: bool
    plate_confidence: float = 0.0
    prior_notices: int = 0  # this plate's earlier warnings and notices in the program
    recent_notices: tuple[str, ...] = ()  # their capture times (ISO 8601), for caps
    emergency_vehicle: bool = False


@dataclass
class GateDecision:
    outcome: str  # "rejected" | "warning" | "awaiting_review"
    # The limit the decision was made against: the registry's, never the event's.
    limit_kmh: float
    reasons: list[str] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    judgement: Decision | None = None

    @property
    def reason_text(self) -> str:
        return "; ".join(self.reasons)

    def check(self, name: str, ok: bool, failure: str) -> None:
        self.checks[name] = ok
        if not ok:
            self.reasons.append(failure)


def _record_checks(decision: GateDecision, facts: GateFacts) -> None:
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
        "speed_limit",
        math.isclose(
            facts.event_limit_kmh, facts.registered_limit_kmh, abs_tol=LIMIT_TOLERANCE_KMH
        ),
        f"event speed limit {facts.event_limit_kmh:g} km/h differs from the registered limit "
        f"{facts.registered_limit_kmh:g} km/h for camera {facts.camera_code}",
    )
    decision.check("evidence", facts.evidence_verified, "evidence missing or failed verification")


def device_checks_pass(facts: GateFacts) -> bool:
    """The device and registry checks of ``_record_checks``, without their texts (the dry
    run replays many facts and needs only the verdict)."""
    return (
        facts.placement_found
        and facts.has_calibration
        and facts.certificate_valid
        and facts.selftest_passed
        and facts.evidence_verified
        and math.isclose(
            facts.event_limit_kmh, facts.registered_limit_kmh, abs_tol=LIMIT_TOLERANCE_KMH
        )
    )


def judge_facts(facts: GateFacts) -> Facts:
    """The rule set's view of a violation: activation of its placement starts the camera's
    warning period, and the program's start the program's."""
    activated = facts.placement_active_from or facts.measured_on
    return Facts(
        captured_at=facts.measured_at,
        speed_kmh=max(facts.speed_kmh, 0.0),
        uncertainty_kmh=max(facts.uncertainty_kmh, 0.0),
        limit_kmh=facts.registered_limit_kmh,
        zone=ZONE_OF_SITE.get(facts.zone, facts.zone),  # type: ignore[arg-type]
        program_started_on=facts.program_started_on or activated,
        camera_activated_on=activated,
        prior_notices=facts.prior_notices,
        measurement_valid=facts.measurement_valid,
        plate_confidence=min(max(facts.plate_confidence, 0.0), 1.0),
        emergency_vehicle=facts.emergency_vehicle,
        recent_notices=tuple(dt.datetime.fromisoformat(t) for t in facts.recent_notices),
    )


def gate_judge(facts: GateFacts, book: RuleBook) -> GateDecision:
    """Decide one violation: rejected (with every failed check), a warning, or review."""
    decision = GateDecision(outcome="awaiting_review", limit_kmh=facts.registered_limit_kmh)
    _record_checks(decision, facts)
    judgement = judge(judge_facts(facts), book)
    decision.judgement = judgement
    for check in judgement.checks:
        decision.checks[check.name] = check.passed
    if decision.reasons:
        decision.outcome = "rejected"
        blocking = judgement.checks[: len(BLOCKING)]
        decision.reasons.extend(c.detail for c in blocking if not c.passed)
    else:
        decision.outcome = OUTCOME_STATUS[judgement.outcome]
        decision.reasons.append(judgement.reason)
    return decision
