"""Every transition's guard: wrong state, wrong role, the same person twice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest

from enforcement.cases import transitions as t
from enforcement.cases.guards import CaseTaken, TransitionError
from enforcement.models import Notice, OwnerRecord, Violation, ViolationStatus
from policy.models import AuditEvent

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db
S = ViolationStatus


def test_a_reviewer_moves_a_waiting_case_to_approval_with_the_plate_read(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    v = case(plate="ABC12E")
    t.violation_review(v.pk, people["reviewer"], plate="abc 123")
    v.refresh_from_db()
    assert v.status == S.AWAITING_APPROVAL and v.plate_text == "ABC123"
    audit = AuditEvent.objects.get(action="violation.reviewed", object_id=str(v.pk))
    assert audit.details == {"plate_before": "ABC12E", "plate": "ABC123", "edited": True}


@pytest.mark.parametrize("status", [S.AWAITING_APPROVAL, S.REJECTED, S.DISMISSED, S.CLOSED])
def test_review_is_refused_in_any_other_state(
    case: Callable[..., Violation], people: dict[str, User], status: str
) -> None:
    v = case(status=status)
    with pytest.raises(TransitionError, match="cannot review"):
        t.violation_review(v.pk, people["reviewer"], plate="ABC123")


@pytest.mark.parametrize("role", ["approver", "auditor"])
def test_review_is_refused_to_anyone_without_the_reviewer_role(
    case: Callable[..., Violation], people: dict[str, User], role: str
) -> None:
    v = case()
    with pytest.raises(TransitionError, match="needs the reviewer role"):
        t.violation_review(v.pk, people[role], plate="ABC123")
    v.refresh_from_db()
    assert v.status == S.AWAITING_REVIEW


def test_review_without_a_plate_is_refused(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    with pytest.raises(TransitionError, match="plate"):
        t.violation_review(case().pk, people["reviewer"], plate="  ")


def test_a_gate_warning_is_reviewed_like_any_case_and_stays_a_warning(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    v = case(status=S.WARNING)
    t.violation_review(v.pk, people["reviewer"], plate="ABC123")
    v.refresh_from_db()
    assert v.status == S.AWAITING_APPROVAL and v.warning_only


def test_the_same_person_cannot_review_and_approve_and_the_refusal_is_audited(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    v = case()
    t.violation_review(v.pk, people["both"], plate="ABC123")
    with pytest.raises(TransitionError, match="different person"):
        t.violation_approve(v.pk, people["both"])
    v.refresh_from_db()
    assert v.status == S.AWAITING_APPROVAL
    refused = AuditEvent.objects.get(action="violation.approval_refused", object_id=str(v.pk))
    assert refused.actor_label == people["both"].username


def test_approval_needs_the_approver_role(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    v = case()
    t.violation_review(v.pk, people["reviewer"], plate="ABC123")
    other_reviewer = people["reviewer"].__class__.objects.create(username="r2")
    with pytest.raises(TransitionError, match="approver role"):
        t.violation_approve(v.pk, other_reviewer)


def test_approval_of_a_case_not_yet_reviewed_is_refused(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    v = case()
    with pytest.raises(TransitionError, match="cannot approve"):
        t.violation_approve(v.pk, people["approver"])


def test_approval_looks_up_the_owner_and_audits_the_lookup(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    v = case()
    t.violation_review(v.pk, people["reviewer"], plate="ABC123")
    v = t.violation_approve(v.pk, people["approver"])
    assert v.status == S.OWNER_FOUND
    assert v.owner.make == "Toyota" and v.owner.language == "es"
    audit = AuditEvent.objects.get(action="violation.owner_looked_up", object_id=str(v.pk))
    assert audit.details["found"] is True and "Ana" not in str(audit.details)


def test_an_unknown_plate_leaves_the_case_owner_not_found_and_an_approver_closes_it(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    v = case(plate="NOPE1")
    t.violation_review(v.pk, people["reviewer"], plate="NOPE1")
    assert t.violation_approve(v.pk, people["approver"]).status == S.OWNER_NOT_FOUND
    with pytest.raises(TransitionError, match="approver role"):
        t.violation_close(v.pk, people["reviewer"], reason="no owner")
    assert t.violation_close(v.pk, people["approver"], reason="no owner").status == S.CLOSED


def test_the_owner_is_never_looked_up_before_two_approvals(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    registry_mock = mock.Mock(source="mock")
    for status in (S.AWAITING_REVIEW, S.WARNING, S.AWAITING_APPROVAL, S.DISMISSED):
        v = case(status=status)
        with pytest.raises(TransitionError):
            t.violation_owner_lookup(v.pk, registry_mock)
    # Even a row forced to "approved" without two different people is refused.
    forced = case(status=S.APPROVED)
    with pytest.raises(TransitionError, match="two different people"):
        t.violation_owner_lookup(forced.pk, registry_mock)
    registry_mock.lookup.assert_not_called()
    v = case()
    with mock.patch.object(t, "owner_registry") as configured:
        t.violation_review(v.pk, people["reviewer"], plate="ABC123")
        configured.assert_not_called()
        with pytest.raises(TransitionError):
            t.violation_approve(v.pk, people["reviewer"])
        configured.assert_not_called()


def _owner_found(case: Any, people: Any, plate: str = "ABC123") -> Any:
    v = case(plate=plate)
    t.violation_review(v.pk, people["reviewer"], plate=plate)
    return t.violation_approve(v.pk, people["approver"])


def test_a_confirmed_vehicle_gets_a_citation_for_the_reviewed_plate(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    v = case(plate="A8C123")
    t.violation_review(v.pk, people["reviewer"], plate="ABC123")  # the OCR misread a B
    t.violation_approve(v.pk, people["approver"])
    notice = t.violation_vehicle_confirm(v.pk, people["approver"])
    v.refresh_from_db()
    assert v.status == S.CITATION_ISSUED
    assert notice.plate == "ABC123" and notice.kind == "citation"
    assert notice.fine_amount is not None and notice.number.isdigit()


def test_the_reviewer_cannot_confirm_the_vehicle_even_holding_the_approver_role(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    v = case()
    t.violation_review(v.pk, people["both"], plate="ABC123")
    t.violation_approve(v.pk, people["approver"])
    with pytest.raises(TransitionError, match="reviewer cannot"):
        t.violation_vehicle_confirm(v.pk, people["both"])
    assert AuditEvent.objects.filter(action="violation.confirm_refused").count() == 1


def test_a_vehicle_mismatch_sends_the_case_back_and_forgets_the_owner(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    v = _owner_found(case, people)
    t.violation_vehicle_mismatch(v.pk, people["approver"], reason="evidence shows a van")
    v.refresh_from_db()
    assert v.status == S.AWAITING_REVIEW and v.reviewed_by is None and v.approved_by is None
    assert not OwnerRecord.objects.filter(violation=v).exists()
    with pytest.raises(TransitionError, match="say what"):
        t.violation_vehicle_mismatch(v.pk, people["approver"], reason="")


def test_confirming_twice_is_refused(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    v = _owner_found(case, people)
    t.violation_vehicle_confirm(v.pk, people["approver"])
    with pytest.raises(TransitionError, match="cannot confirm"):
        t.violation_vehicle_confirm(v.pk, people["approver"])
    assert Notice.objects.count() == 1


def test_a_dismissal_needs_a_listed_reason_and_words_for_other(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    v = case()
    with pytest.raises(TransitionError, match="unknown dismissal"):
        t.violation_dismiss(v.pk, people["reviewer"], code="dislike")
    with pytest.raises(TransitionError, match="written out"):
        t.violation_dismiss(v.pk, people["reviewer"], code="other")
    t.violation_dismiss(v.pk, people["reviewer"], code="emergency_vehicle")
    v.refresh_from_db()
    assert v.status == S.DISMISSED and v.status_reason == "Emergency vehicle"
    with pytest.raises(TransitionError, match="cannot dismiss"):
        t.violation_dismiss(v.pk, people["reviewer"], code="obstruction")


def test_a_reviewer_cannot_dismiss_at_the_approval_stage(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    v = case()
    t.violation_review(v.pk, people["reviewer"], plate="ABC123")
    with pytest.raises(TransitionError, match="approver role"):
        t.violation_dismiss(v.pk, people["reviewer"], code="obstruction")
    t.violation_dismiss(v.pk, people["approver"], code="other", text="glare")
    v.refresh_from_db()
    assert v.status_reason == "Other: glare"


def test_a_case_open_by_one_reviewer_is_not_handed_to_another(
    case: Callable[..., Violation], people: dict[str, User], staff: Callable[..., User]
) -> None:
    v = case()
    second = staff("reviewer")
    t.violation_claim(v.pk, people["reviewer"])
    with pytest.raises(CaseTaken):
        t.violation_claim(v.pk, second)
    t.violation_claim(v.pk, people["reviewer"])  # the holder may reopen it
    v.refresh_from_db()
    v.claimed_until = v.claimed_until.replace(year=2000)
    v.save()
    t.violation_claim(v.pk, second)  # an expired claim is free again


def test_only_reviewers_and_approvers_open_cases(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    with pytest.raises(TransitionError):
        t.violation_claim(case().pk, people["auditor"])


ALL_STATES = list(S)


@pytest.mark.parametrize(
    ("transition", "allowed"),
    [
        (lambda pk, p: t.violation_approve(pk, p["approver"]), {S.AWAITING_APPROVAL}),
        (lambda pk, p: t.violation_vehicle_confirm(pk, p["approver"]), {S.OWNER_FOUND}),
        (
            lambda pk, p: t.violation_vehicle_mismatch(pk, p["approver"], reason="van"),
            {S.OWNER_FOUND},
        ),
        (
            lambda pk, p: t.violation_close(pk, p["approver"], reason="done"),
            {S.OWNER_NOT_FOUND, S.NOTICE_MAILED},
        ),
        (
            lambda pk, p: t.violation_review(pk, p["reviewer"], plate="ABC123"),
            {S.AWAITING_REVIEW, S.WARNING},
        ),
    ],
    ids=["approve", "confirm", "mismatch", "close", "review"],
)
def test_each_transition_is_refused_from_every_state_but_its_own(
    case: Callable[..., Violation],
    people: dict[str, User],
    registry: Path,
    transition: Callable[[int, dict[str, User]], object],
    allowed: set[str],
) -> None:
    for status in ALL_STATES:
        if status in allowed:
            continue
        v = case(status=status)
        with pytest.raises(TransitionError, match="cannot"):
            transition(v.pk, people)
        v.refresh_from_db()
        assert v.status == status


def test_an_unreadable_registry_keeps_the_approval_and_audits_the_failure(
    case: Callable[..., Violation], people: dict[str, User], settings: Settings, tmp_path: Path
) -> None:
    settings.FAIRSPEED = {**settings.FAIRSPEED, "OWNER_REGISTRY": str(tmp_path / "gone.csv")}
    v = case()
    t.violation_review(v.pk, people["reviewer"], plate="ABC123")
    v = t.violation_approve(v.pk, people["approver"])
    assert v.status == S.APPROVED and v.approved_by == people["approver"]
    failed = AuditEvent.objects.get(action="violation.owner_lookup_failed", object_id=str(v.pk))
    assert "gone.csv" in failed.reason
    (tmp_path / "gone.csv").write_text(
        "plate,state,make,model,colour,owner_name,address,email\nABC123,CA,K,R,W,N,Addr,\n"
    )
    assert t.violation_owner_lookup(v.pk).status == S.OWNER_FOUND
