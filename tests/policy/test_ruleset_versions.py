"""A city adopts a preset and revises a copy; old versions never change, and a violation
is judged by the version in force when it was captured."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from policy.models import AuditEvent, RuleSetVersion
from policy.presets import preset_for
from policy.rules.book import RuleBook, ruleset_preset
from policy.rules.judge import judge
from policy.rules.schema import RuleSetError
from policy.selectors import rulebook_for
from policy.services.rulesets import ruleset_adopt, ruleset_revise
from tests.policy.judging import facts, local

pytestmark = pytest.mark.django_db
TODAY = dt.date(2027, 1, 10)


def adopt_and_lower_chicagos_fine() -> None:
    ruleset_adopt("chicago", effective_from=dt.date(2027, 1, 1), actor=None)
    ruleset_revise(
        "chicago",
        changes={
            "fines": [
                {"min_over": 6, "max_over": 10, "amount": 20, "source": "council order 2027-4"},
                {"min_over": 11, "amount": 60, "source": "council order 2027-4"},
            ]
        },
        version="2027.2",
        effective_from=dt.date(2027, 3, 1),
        actor=None,
        note="lower fines after the equity review",
        today=TODAY,
    )


def test_a_violation_captured_before_a_rule_change_is_judged_by_the_old_version() -> None:
    adopt_and_lower_chicagos_fine()
    book = rulebook_for("chicago")
    before = judge(facts("chicago", captured_at=local("chicago", "2027-02-26T10:00")), book)
    after = judge(facts("chicago", captured_at=local("chicago", "2027-03-02T10:00")), book)
    assert (before.version, before.fine and before.fine.amount) == ("2023.1", 100)
    assert (after.version, after.fine and after.fine.amount) == ("2027.2", 60)


def test_the_change_takes_effect_at_local_midnight() -> None:
    adopt_and_lower_chicagos_fine()
    book = rulebook_for("chicago")
    # 05:30 UTC on 1 March is still 28 February in Chicago.
    late = judge(facts("chicago", captured_at=dt.datetime(2027, 3, 1, 5, 30, tzinfo=dt.UTC)), book)
    assert late.version == "2023.1"


def test_a_reading_before_any_version_gets_nothing() -> None:
    ruleset_adopt("chicago", effective_from=dt.date(2027, 1, 1), actor=None)
    decision = judge(facts("chicago", captured_at=local("chicago", "2026-12-31T10:00")),
                     rulebook_for("chicago"))  # fmt: skip
    assert decision.outcome == "none"
    assert "no version of chicago in force on 2026-12-31" in decision.reason


def test_a_stored_version_can_neither_change_nor_be_deleted() -> None:
    row = ruleset_adopt("nyc", effective_from=dt.date(2027, 1, 1), actor=None)
    row.note = "edited"
    with pytest.raises(ValueError, match="never changes"):
        row.save()
    with pytest.raises(ValueError, match="never deleted"):
        row.delete()


def test_a_revision_cannot_take_effect_in_the_past_or_before_the_latest_version() -> None:
    ruleset_adopt("nyc", effective_from=dt.date(2027, 1, 1), actor=None)
    kwargs: dict[str, Any] = {
        "changes": {},
        "version": "2",
        "actor": None,
        "note": "n",
        "today": TODAY,
    }
    with pytest.raises(RuleSetError, match="in the past"):
        ruleset_revise("nyc", effective_from=dt.date(2027, 1, 5), **kwargs)
    ruleset_revise("nyc", effective_from=dt.date(2027, 2, 1), **kwargs)
    with pytest.raises(RuleSetError, match="must be after"):
        ruleset_revise("nyc", effective_from=dt.date(2027, 1, 20), **{**kwargs, "version": "3"})


def test_a_revision_that_breaks_the_schema_is_refused_and_nothing_is_stored() -> None:
    ruleset_adopt("nyc", effective_from=dt.date(2027, 1, 1), actor=None)
    with pytest.raises(RuleSetError, match=r"\$\.thresholds\[0\]\.min_over"):
        ruleset_revise(
            "nyc",
            changes={
                "thresholds": [
                    {
                        "zones": ["school", "park", "corridor", "other"],
                        "min_over": "ten",
                        "source": "x",
                    }
                ]
            },
            version="2",
            effective_from=dt.date(2027, 2, 1),
            actor=None,
            note="typo",
            today=TODAY,
        )
    assert RuleSetVersion.objects.filter(code="nyc").count() == 1


def test_a_revision_needs_a_reason_and_an_adopted_preset() -> None:
    with pytest.raises(RuleSetError, match="not adopted"):
        ruleset_revise("nyc", changes={}, version="2", effective_from=TODAY, actor=None,
                       note="why", today=TODAY)  # fmt: skip
    with pytest.raises(RuleSetError, match="written reason"):
        ruleset_revise("nyc", changes={}, version="2", effective_from=TODAY, actor=None,
                       note=" ", today=TODAY)  # fmt: skip


def test_adoption_and_revision_are_audited_and_adoption_happens_once() -> None:
    adopt_and_lower_chicagos_fine()
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == ["ruleset.adopted", "ruleset.revised"]
    with pytest.raises(RuleSetError, match="already adopted"):
        ruleset_adopt("chicago", effective_from=dt.date(2027, 6, 1), actor=None)


def test_a_jurisdiction_nobody_adopted_is_judged_by_the_repository_preset() -> None:
    assert rulebook_for("philadelphia").latest.ruleset == ruleset_preset("philadelphia")


def test_the_edge_threshold_follows_a_revised_threshold() -> None:
    ruleset_adopt("nyc", effective_from=dt.date(2027, 1, 1), actor=None)
    every_zone = ["school", "park", "corridor", "other"]
    ruleset_revise(
        "nyc",
        changes={"thresholds": [{"zones": every_zone, "min_over": 6, "source": "x"}]},
        version="2",
        effective_from=dt.date(2027, 2, 1),
        actor=None,
        note="n",
        today=TODAY,
    )
    assert preset_for("nyc").threshold_kmh == pytest.approx(6 * 1.609344, abs=0.01)
    assert preset_for("nyc", dt.date(2027, 1, 15)).threshold_kmh == pytest.approx(
        11 * 1.609344, abs=0.01
    )


def test_a_pure_rule_book_of_two_versions_picks_by_capture_date() -> None:
    import msgspec

    old = ruleset_preset("demo")
    new = msgspec.structs.replace(old, version="2", effective_from=dt.date(2027, 3, 1))
    book = RuleBook([new, old])
    assert judge(facts("demo", captured_at=local("demo", "2027-02-28T23:59")), book).version == "1"
    assert judge(facts("demo", captured_at=local("demo", "2027-03-01T00:00")), book).version == "2"
