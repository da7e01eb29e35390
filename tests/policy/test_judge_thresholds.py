"""Threshold edges and fine tiers of every preset: over_by is the lower bound's whole
units over the limit, in the jurisdiction's units."""

from __future__ import annotations

from typing import Any, cast

import pytest

from policy.rules.book import rulebook_preset
from policy.rules.judge import judge
from tests.policy.judging import MPH, facts, over

# (preset, zone, units over the limit for a notice)
THRESHOLDS = [
    ("ca-ab645", "corridor", 11),
    ("albuquerque", "school", 5),
    ("albuquerque", "park", 5),
    ("albuquerque", "corridor", 10),
    ("nyc", "corridor", 11),
    ("chicago", "corridor", 6),
    ("philadelphia", "corridor", 11),
    ("demo", "corridor", 10),
]


@pytest.mark.parametrize(("code", "zone", "needed"), THRESHOLDS)
def test_a_reading_exactly_at_limit_plus_threshold_gets_a_citation(
    code: str, zone: str, needed: int
) -> None:
    decision = over(code, needed, zone=zone)
    assert decision.over_by == needed
    assert decision.outcome == "citation", decision.reason
    assert decision.check("threshold").passed


@pytest.mark.parametrize(("code", "zone", "needed"), THRESHOLDS)
def test_a_reading_one_unit_below_the_threshold_gets_nothing(
    code: str, zone: str, needed: int
) -> None:
    decision = over(code, needed - 1, zone=zone)
    assert decision.over_by == needed - 1
    assert decision.outcome == "none"
    assert decision.fine is None
    assert not decision.check("threshold").passed
    assert f"needs {needed}" in decision.reason


@pytest.mark.parametrize(("code", "zone", "needed"), THRESHOLDS)
def test_the_uncertainty_pulls_the_lower_bound_under_the_threshold(
    code: str, zone: str, needed: int
) -> None:
    per = 1.0 if code == "demo" else MPH
    decision = over(code, needed + 0.5, zone=zone, uncertainty_kmh=per)
    assert decision.over_by == needed - 1
    assert decision.outcome == "none"


def test_a_fraction_of_a_unit_under_the_edge_is_floored_away() -> None:
    decision = over("nyc", 10.99)
    assert decision.over_by == 10 and decision.outcome == "none"


def test_over_by_is_reported_in_the_jurisdictions_units() -> None:
    assert over("chicago", 20).units == "mph"
    assert over("demo", 20).units == "km/h"


# (preset, units over, fine)
FINE_TIERS = [
    ("ca-ab645", 11, 50),
    ("ca-ab645", 15, 50),
    ("ca-ab645", 16, 100),
    ("ca-ab645", 25, 100),
    ("ca-ab645", 26, 200),
    ("albuquerque", 10, 100),
    ("albuquerque", 40, 100),
    ("nyc", 11, 50),
    ("nyc", 30, 50),
    ("chicago", 6, 35),
    ("chicago", 10, 35),
    ("chicago", 11, 100),
    ("philadelphia", 11, 100),
    ("philadelphia", 19, 100),
    ("philadelphia", 20, 125),
    ("philadelphia", 29, 125),
    ("philadelphia", 30, 150),
    ("demo", 10, 40),
    ("demo", 20, 90),
]


@pytest.mark.parametrize(("code", "units_over", "amount"), FINE_TIERS)
def test_each_fine_tier_charges_its_amount(code: str, units_over: int, amount: float) -> None:
    decision = over(code, units_over)
    assert decision.outcome == "citation"
    assert decision.fine is not None
    assert (decision.fine.amount, decision.fine.currency) == (amount, "USD")
    assert decision.check("fine").passed


def test_ab645_charges_500_dollars_at_100_mph_whatever_the_limit() -> None:
    decision = over("ca-ab645", 35, limit_units=65)  # 100 mph on a 65 mph road
    assert decision.fine is not None and decision.fine.amount == 500


def test_ab645_charges_the_over_by_tier_just_under_100_mph() -> None:
    decision = over("ca-ab645", 34, limit_units=65)
    assert decision.fine is not None and decision.fine.amount == 200


def test_albuquerque_offers_community_service_instead_of_the_fine() -> None:
    decision = over("albuquerque", 12)
    assert "community service" in decision.check("fine").detail


def test_an_invalid_measurement_or_a_poor_plate_read_gets_nothing() -> None:
    book = rulebook_preset("nyc")
    invalid = judge(facts("nyc", speed_kmh=90, measurement_valid=False), book)
    blurry = judge(facts("nyc", speed_kmh=90, plate_confidence=0.5), book)
    assert invalid.outcome == "none" and not invalid.check("measurement").passed
    assert blurry.outcome == "none" and "below 0.90" in blurry.check("plate").detail


def test_an_emergency_vehicle_marked_by_a_reviewer_is_exempt() -> None:
    decision = over("chicago", 20, emergency_vehicle=True)
    assert decision.outcome == "none"
    assert "emergency vehicle" in decision.reason


def test_every_check_is_reported_with_its_values() -> None:
    decision = over("ca-ab645", 18)
    names = [c.name for c in decision.checks]
    assert names == [
        "ruleset", "measurement", "plate", "threshold", "window", "exemption", "cap",
        "program_warning", "camera_warning", "first_notice_warning", "fine",
    ]  # fmt: skip
    assert "over by 18 mph" in decision.check("threshold").detail


def test_the_dry_runs_device_verdict_agrees_with_the_gates_checks() -> None:
    import dataclasses
    import datetime as dt

    from policy.gate import GateFacts, device_checks_pass, gate_judge

    base = GateFacts(
        camera_code="c", measured_at=dt.datetime(2027, 3, 2, 10, tzinfo=dt.UTC),
        measured_on=dt.date(2027, 3, 2), speed_kmh=90, uncertainty_kmh=1,
        registered_limit_kmh=50, event_limit_kmh=50, zone="corridor", placement_found=True,
        placement_active_from=dt.date(2025, 1, 1), program_started_on=dt.date(2025, 1, 1),
        has_calibration=True, certificate_valid=True, selftest_passed=True,
        measurement_valid=True, evidence_verified=True, plate_confidence=0.99, prior_notices=1,
    )  # fmt: skip
    book = rulebook_preset("demo")
    variants = [base, dataclasses.replace(base, event_limit_kmh=40)] + [
        dataclasses.replace(base, **cast("dict[str, Any]", {name: False}))
        for name in ("placement_found", "has_calibration", "certificate_valid",
                     "selftest_passed", "evidence_verified")
    ]  # fmt: skip
    device = ("placement", "calibration", "certificate", "self_test", "speed_limit", "evidence")
    for variant in variants:
        checks = gate_judge(variant, book).checks
        assert device_checks_pass(variant) == all(checks[c] for c in device)
