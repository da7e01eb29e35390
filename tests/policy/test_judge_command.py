"""``manage.py judge`` reads JSON lines and prints one decision per line; bad facts are
refused with the line and the field named. It needs no database."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

FACTS = {
    "captured_at": "2027-03-02T07:45:00-08:00",
    "speed_kmh": 72.4,
    "uncertainty_kmh": 1.6,
    "limit_kmh": 40.2336,
    "zone": "school",
    "program_started_on": "2027-01-01",
    "camera_activated_on": "2027-02-01",
    "prior_notices": 0,
    "measurement_valid": True,
    "plate_confidence": 0.97,
}


def run(tmp_path: Path, *lines: object, ruleset: str = "ca-ab645") -> list[dict[str, Any]]:
    path = tmp_path / "facts.jsonl"
    path.write_text("\n".join(json.dumps(x) if isinstance(x, dict) else str(x) for x in lines))
    out = io.StringIO()
    call_command("judge", "--ruleset", ruleset, str(path), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_the_contracts_example_is_a_citation_of_18_mph_over(tmp_path: Path) -> None:
    [decision] = run(tmp_path, FACTS)
    assert decision["ruleset"] == "ca-ab645" and decision["version"] == "2024.1"
    assert decision["outcome"] == "citation"
    assert decision["fine"] == {"amount": 100.0, "currency": "USD"}
    assert (decision["over_by"], decision["units"]) == (18, "mph")
    assert {"name", "passed", "detail"} == set(decision["checks"][0])


def test_one_decision_per_line_in_order(tmp_path: Path) -> None:
    slow = {**FACTS, "speed_kmh": 45.0}
    decisions = run(tmp_path, FACTS, "", slow, FACTS)
    assert [d["outcome"] for d in decisions] == ["citation", "none", "citation"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"speed_kmh": "fast"}, r"line 2: Expected `float`, got `str` - at `\$.speed_kmh`"),
        ({"zone": "highway"}, r"line 2: Invalid enum value 'highway' - at `\$.zone`"),
        ({"captured_at": "2027-03-02T07:45:00"}, r"timezone component - at `\$.captured_at`"),
        ({"prior_notices": -1}, r"Expected `int` >= 0 - at `\$.prior_notices`"),
        ({"plate_confidence": 1.5}, r"at `\$.plate_confidence`"),
        ({"colour": "red"}, r"unknown field `colour`"),
    ],
)
def test_bad_facts_are_refused_naming_the_line_and_field(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run(tmp_path, FACTS, {**FACTS, **change})


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    missing = {k: v for k, v in FACTS.items() if k != "limit_kmh"}
    with pytest.raises(CommandError, match="missing required field `limit_kmh`"):
        run(tmp_path, missing)


def test_a_line_that_is_not_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="line 1: not a JSON object"):
        run(tmp_path, "{speed: 3")


def test_an_unknown_rule_set_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="unknown rule set 'boston'"):
        run(tmp_path, FACTS, ruleset="boston")
