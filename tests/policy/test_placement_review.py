"""Placement review: the proposal is located in its tract and district, needs a written
justification where equity says so, runs a public comment period, and is decided by a
quorum of equity reviewers, none of them its proposer."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile

from policy.models import AuditEvent, PlacementStatus
from policy.placement_selectors import crashes_near
from policy.services.placements import (
    PlacementError,
    placement_activate,
    placement_comment,
    placement_confirm_signage,
    placement_decide,
    placement_submit,
)
from tests.policy.city import AFTER_COMMENTS, TODAY, load_city, point, propose, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def city(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    load_city()


def test_a_proposal_is_located_in_its_tract_and_district(staff) -> None:  # type: ignore[no-untyped-def]
    placement = propose(staff("equity_reviewer"), col=2, row=3)
    assert placement.tract is not None and placement.tract.geoid == "PH0304"
    assert placement.district is not None and placement.district.code == "millbrook"


def test_crashes_within_the_radius_over_five_years_are_counted(staff) -> None:  # type: ignore[no-untyped-def]
    lat, lon = point(0, 2)  # on the main road, where the made-up crashes cluster
    near = crashes_near(lat, lon, today=dt.date(2027, 1, 1))
    assert near.radius_m == 250 and near.since == dt.date(2022, 1, 1)
    assert near.fatal + near.serious + near.other > 0
    far = crashes_near(lat, lon, today=dt.date(2020, 1, 1))
    assert (far.fatal, far.serious, far.other) == (0, 0, 0)


def test_a_low_income_tract_requires_a_justification(staff) -> None:  # type: ignore[no-untyped-def]
    placement = propose(staff("equity_reviewer"), col=0, row=2, justification="")
    with pytest.raises(PlacementError, match="justification is required: tract PH0103 is low-inc"):
        placement_submit(placement, actor=cast(User, placement.proposed_by), today=TODAY)
    assert placement.status == PlacementStatus.DRAFT


def test_an_over_represented_district_requires_a_justification(staff) -> None:  # type: ignore[no-untyped-def]
    # The wealthiest district is not low-income, but its first camera would be 100% of
    # the cameras against its eighth of the population.
    placement = propose(staff("equity_reviewer"), col=7, row=2, justification="")
    with pytest.raises(PlacementError, match="would hold 100% of the cameras"):
        placement_submit(placement, actor=cast(User, placement.proposed_by), today=TODAY)


def test_a_submitted_proposal_opens_a_30_day_comment_period(staff) -> None:  # type: ignore[no-untyped-def]
    placement = submitted(staff("equity_reviewer"))
    assert placement.comments_close_on == TODAY + dt.timedelta(days=30)
    comment = placement_comment(placement, body="Please, kids cross here.", name="A. Parent",
                                received_on=TODAY + dt.timedelta(days=3))  # fmt: skip
    assert list(placement.comments.all()) == [comment]
    with pytest.raises(PlacementError, match="comment period closed"):
        placement_comment(placement, body="late", received_on=TODAY + dt.timedelta(days=31))


def test_nobody_decides_while_the_comment_period_runs(staff) -> None:  # type: ignore[no-untyped-def]
    placement = submitted(staff("equity_reviewer"))
    with pytest.raises(PlacementError, match="comment period runs until"):
        placement_decide(placement, reviewer=staff("equity_reviewer"), decision="approve",
                         reasons="ok", today=TODAY + dt.timedelta(days=30))  # fmt: skip


def test_nobody_approves_their_own_proposal(staff) -> None:  # type: ignore[no-untyped-def]
    author = staff("equity_reviewer")
    placement = submitted(author)
    with pytest.raises(PlacementError, match="nobody decides on their own proposal"):
        placement_decide(placement, reviewer=author, decision="approve", reasons="mine",
                         today=AFTER_COMMENTS)  # fmt: skip


def test_approval_needs_the_quorum_of_distinct_reviewers(staff) -> None:  # type: ignore[no-untyped-def]
    placement = submitted(staff("equity_reviewer"))
    first, second = staff("equity_reviewer"), staff("equity_reviewer")
    placement_decide(placement, reviewer=first, decision="approve", reasons="crash data",
                     today=AFTER_COMMENTS)  # fmt: skip
    assert placement.status == PlacementStatus.SUBMITTED
    with pytest.raises(PlacementError, match="already decided this round"):
        placement_decide(placement, reviewer=first, decision="approve", reasons="again",
                         today=AFTER_COMMENTS)  # fmt: skip
    placement_decide(placement, reviewer=second, decision="approve", reasons="speed study",
                     today=AFTER_COMMENTS)  # fmt: skip
    assert placement.status == PlacementStatus.APPROVED


def test_the_quorum_is_configurable(staff, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FAIRSPEED = {**settings.FAIRSPEED, "PLACEMENT_QUORUM": 1}
    placement = submitted(staff("equity_reviewer"))
    placement_decide(placement, reviewer=staff("equity_reviewer"), decision="approve",
                     reasons="ok", today=AFTER_COMMENTS)  # fmt: skip
    assert placement.status == PlacementStatus.APPROVED


def test_a_decision_needs_written_reasons_and_an_equity_reviewer(staff) -> None:  # type: ignore[no-untyped-def]
    placement = submitted(staff("equity_reviewer"))
    with pytest.raises(PlacementError, match="written reasons"):
        placement_decide(placement, reviewer=staff("equity_reviewer"), decision="reject",
                         reasons="  ", today=AFTER_COMMENTS)  # fmt: skip
    with pytest.raises(PlacementError, match="is not an equity reviewer"):
        placement_decide(placement, reviewer=staff("reviewer"), decision="approve",
                         reasons="x", today=AFTER_COMMENTS)  # fmt: skip


def test_a_request_for_changes_sends_it_back_and_a_resubmission_is_a_new_round(staff) -> None:  # type: ignore[no-untyped-def]
    author, reviewer = staff("equity_reviewer"), staff("equity_reviewer")
    placement = submitted(author)
    placement_decide(placement, reviewer=reviewer, decision="request_changes",
                     reasons="add the speed study", today=AFTER_COMMENTS)  # fmt: skip
    assert placement.status == PlacementStatus.CHANGES_REQUESTED
    placement_submit(placement, actor=author, today=AFTER_COMMENTS)
    assert placement.review_round == 2
    assert placement.comments_close_on == AFTER_COMMENTS + dt.timedelta(days=30)


def test_a_rejection_decides_at_once(staff) -> None:  # type: ignore[no-untyped-def]
    placement = submitted(staff("equity_reviewer"))
    placement_decide(placement, reviewer=staff("equity_reviewer"), decision="reject",
                     reasons="no crash history", today=AFTER_COMMENTS)  # fmt: skip
    assert placement.status == PlacementStatus.REJECTED
    assert placement.decision_reason == "no crash history"


def test_activation_needs_signage_confirmed_with_a_photo_and_a_date(staff) -> None:  # type: ignore[no-untyped-def]
    placement = submitted(staff("equity_reviewer"))
    for _ in range(2):
        placement_decide(placement, reviewer=staff("equity_reviewer"), decision="approve",
                         reasons="ok", today=AFTER_COMMENTS)  # fmt: skip
    operator = staff("equity_reviewer")
    with pytest.raises(PlacementError, match="signage must be confirmed"):
        placement_activate(placement, actor=operator, today=AFTER_COMMENTS)
    placement_confirm_signage(placement, actor=operator, photo=ContentFile(b"jpeg", "sign.jpg"),
                              installed_on=AFTER_COMMENTS)  # fmt: skip
    placement_activate(placement, actor=operator, today=AFTER_COMMENTS)
    assert placement.active_from == AFTER_COMMENTS
    assert placement.review_due_on == AFTER_COMMENTS + dt.timedelta(days=365)


def test_every_step_is_audited(staff) -> None:  # type: ignore[no-untyped-def]
    placement = submitted(staff("equity_reviewer"))
    placement_decide(placement, reviewer=staff("equity_reviewer"), decision="reject",
                     reasons="no", today=AFTER_COMMENTS)  # fmt: skip
    actions = list(
        AuditEvent.objects.filter(
            object_type="policy.placementproposal", object_id=str(placement.pk)
        ).values_list("action", flat=True)
    )
    assert actions == ["placement.proposed", "placement.submitted", "placement.review.reject",
                       "placement.rejected"]  # fmt: skip
