"""The placement review workflow: propose → submit (public notice, comment period) →
equity reviewers decide (quorum, never on their own proposal) → signage → activation
(the warning period starts) → annual re-review or suspension. Each transition guards its
source state and writes its audit event in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from policy.audit import audit_record
from policy.config import policy_setting
from policy.effectiveness import placement_effectiveness
from policy.models import (
    PlacementComment,
    PlacementDecision,
    PlacementProposal,
    PlacementReview,
    PlacementStatus,
)
from policy.placement_selectors import justification_reasons, tract_at

EDITABLE = {PlacementStatus.DRAFT, PlacementStatus.CHANGES_REQUESTED}
FIELDS = {
    "title",
    "jurisdiction",
    "address",
    "latitude",
    "longitude",
    "road",
    "direction",
    "posted_limit_kmh",
    "zone",
    "speed_p85_kmh",
    "share_over_limit",
    "vulnerable_road_users",
    "alternatives_considered",
    "justification",
}


class PlacementError(ValueError):
    """A transition the workflow does not allow, with the reason."""


def _guard(placement: PlacementProposal, allowed: set[PlacementStatus], action: str) -> None:
    if placement.status not in allowed:
        raise PlacementError(
            f"cannot {action} a placement that is {placement.get_status_display().lower()}"
        )


def _locate(placement: PlacementProposal) -> None:
    if placement.latitude is None or placement.longitude is None:
        placement.tract = placement.district = None
        return
    tract = tract_at(placement.latitude, placement.longitude)
    placement.tract = tract
    placement.district = tract.district if tract is not None else None


def placement_propose(*, actor: User, **fields: Any) -> PlacementProposal:
    unknown = set(fields) - FIELDS
    if unknown:
        raise PlacementError(f"unknown fields {sorted(unknown)}")
    with transaction.atomic():
        placement = PlacementProposal(proposed_by=actor, **fields)
        _locate(placement)
        placement.save()
        audit_record(
            actor=actor,
            action="placement.proposed",
            obj=placement,
            details={"tract": placement.tract_id, "district": placement.district_id},
        )
    return placement


def placement_update(placement: PlacementProposal, *, actor: User, **fields: Any) -> None:
    _guard(placement, EDITABLE, "edit")
    unknown = set(fields) - FIELDS
    if unknown:
        raise PlacementError(f"unknown fields {sorted(unknown)}")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(placement, name, value)
        _locate(placement)
        placement.save()
        audit_record(
            actor=actor,
            action="placement.updated",
            obj=placement,
            details={"fields": sorted(fields)},
        )


def placement_submit(
    placement: PlacementProposal, *, actor: User, today: dt.date | None = None
) -> None:
    """Publish the public notice; the comment period runs from today."""
    _guard(placement, EDITABLE, "submit")
    today = today or timezone.localdate()
    missing = [
        name
        for name in ("address", "latitude", "longitude", "road", "posted_limit_kmh")
        if getattr(placement, name) in (None, "")
    ]
    if missing:
        raise PlacementError(f"a proposal needs {', '.join(missing)} before it is submitted")
    needs = justification_reasons(placement)
    if needs and not placement.justification.strip():
        raise PlacementError("a written justification is required: " + "; ".join(needs))
    days = int(policy_setting("COMMENT_PERIOD_DAYS"))
    with transaction.atomic():
        placement.status = PlacementStatus.SUBMITTED
        placement.review_round += 1
        placement.notice_published_on = today
        placement.comments_close_on = today + dt.timedelta(days=days)
        placement.save()
        audit_record(
            actor=actor,
            action="placement.submitted",
            obj=placement,
            details={
                "round": placement.review_round,
                "justification_needed": needs,
                "comments_close_on": placement.comments_close_on.isoformat(),
            },
        )


def placement_comment(
    placement: PlacementProposal, *, body: str, name: str = "", received_on: dt.date | None = None
) -> PlacementComment:
    _guard(placement, {PlacementStatus.SUBMITTED}, "comment on")
    received_on = received_on or timezone.localdate()
    assert placement.notice_published_on and placement.comments_close_on
    if not placement.notice_published_on <= received_on <= placement.comments_close_on:
        raise PlacementError(f"the comment period closed on {placement.comments_close_on}")
    if not body.strip():
        raise PlacementError("an empty comment is not recorded")
    with transaction.atomic():
        comment = PlacementComment.objects.create(
            placement=placement, body=body, name=name, received_on=received_on
        )
        audit_record(
            actor=None,
            actor_label="public",
            action="placement.commented",
            obj=placement,
            details={"comment": comment.pk},
        )
    return comment


def placement_decide(
    placement: PlacementProposal,
    *,
    reviewer: User,
    decision: str,
    reasons: str,
    today: dt.date | None = None,
) -> PlacementReview:
    """One equity reviewer's decision. A rejection or a request for changes decides at
    once; approval needs the quorum of distinct reviewers in this round."""
    _guard(placement, {PlacementStatus.SUBMITTED}, "decide")
    today = today or timezone.localdate()
    if reviewer.pk == placement.proposed_by_id:
        raise PlacementError("nobody decides on their own proposal")
    if not reviewer.has_perm("policy.review_placement"):
        raise PlacementError(f"{reviewer.get_username()} is not an equity reviewer")
    if decision not in PlacementDecision.values:
        raise PlacementError(f"unknown decision {decision!r}")
    if not reasons.strip():
        raise PlacementError("a decision needs written reasons")
    assert placement.comments_close_on is not None
    if today <= placement.comments_close_on:
        raise PlacementError(f"the comment period runs until {placement.comments_close_on}")
    if placement.reviews.filter(review_round=placement.review_round, reviewer=reviewer).exists():
        raise PlacementError("this reviewer already decided this round")
    with transaction.atomic():
        review = PlacementReview.objects.create(
            placement=placement,
            review_round=placement.review_round,
            reviewer=reviewer,
            decision=decision,
            reasons=reasons,
        )
        audit_record(
            actor=reviewer,
            action=f"placement.review.{decision}",
            obj=placement,
            reason=reasons,
            details={"round": placement.review_round},
        )
        _settle(placement, review)
    return review


def _settle(placement: PlacementProposal, review: PlacementReview) -> None:
    outcome = {
        PlacementDecision.REJECT: PlacementStatus.REJECTED,
        PlacementDecision.REQUEST_CHANGES: PlacementStatus.CHANGES_REQUESTED,
    }.get(PlacementDecision(review.decision))
    if outcome is None:
        approvals = placement.reviews.filter(
            review_round=placement.review_round, decision=PlacementDecision.APPROVE
        ).count()
        if approvals < int(policy_setting("PLACEMENT_QUORUM")):
            return
        outcome = PlacementStatus.APPROVED
    placement.status = outcome
    placement.decided_by = review.reviewer
    placement.decided_at = timezone.now()
    placement.decision_reason = review.reasons
    placement.save()
    audit_record(
        actor=review.reviewer, action=f"placement.{outcome}", obj=placement, reason=review.reasons
    )


def placement_confirm_signage(
    placement: PlacementProposal, *, actor: User, photo: File, installed_on: dt.date
) -> None:
    _guard(placement, {PlacementStatus.APPROVED}, "confirm signage for")
    with transaction.atomic():
        placement.signage_photo.save(photo.name or "signage.jpg", photo, save=False)
        placement.signage_installed_on = installed_on
        placement.save()
        audit_record(
            actor=actor,
            action="placement.signage_confirmed",
            obj=placement,
            details={
                "installed_on": installed_on.isoformat(),
                "photo": placement.signage_photo.name,
            },
        )


def placement_activate(
    placement: PlacementProposal, *, actor: User, today: dt.date | None = None
) -> None:
    """Start enforcement: the rule set's new-camera warning period counts from today."""
    _guard(placement, {PlacementStatus.APPROVED}, "activate")
    today = today or timezone.localdate()
    if placement.active_from is not None:
        raise PlacementError(f"already active since {placement.active_from}")
    if not placement.signage_photo or placement.signage_installed_on is None:
        raise PlacementError("signage must be confirmed with a photo and a date first")
    if placement.signage_installed_on > today:
        raise PlacementError("the signs are not up yet")
    with transaction.atomic():
        placement.active_from = today
        placement.review_due_on = today + dt.timedelta(days=int(policy_setting("REREVIEW_DAYS")))
        placement.save()
        audit_record(
            actor=actor,
            action="placement.activated",
            obj=placement,
            details={"review_due_on": placement.review_due_on.isoformat()},
        )


def placement_suspend(placement: PlacementProposal, *, actor: User, reason: str) -> None:
    """Stop enforcement at once: the gate finds no active placement."""
    _guard(placement, {PlacementStatus.APPROVED}, "suspend")
    if not reason.strip():
        raise PlacementError("a suspension needs a written reason")
    with transaction.atomic():
        placement.status = PlacementStatus.SUSPENDED
        placement.suspended_reason = reason
        placement.save()
        audit_record(actor=actor, action="placement.suspended", obj=placement, reason=reason)


def placement_rereview(
    placement: PlacementProposal, *, actor: User, reasons: str, today: dt.date | None = None
) -> None:
    """The annual re-review: keeps the placement in force for another period."""
    _guard(placement, {PlacementStatus.APPROVED}, "re-review")
    today = today or timezone.localdate()
    if actor.pk == placement.proposed_by_id:
        raise PlacementError("nobody re-reviews their own proposal")
    if not reasons.strip():
        raise PlacementError("a re-review needs written reasons")
    with transaction.atomic():
        placement.review_due_on = today + dt.timedelta(days=int(policy_setting("REREVIEW_DAYS")))
        placement.save()
        audit_record(
            actor=actor,
            action="placement.rereviewed",
            obj=placement,
            reason=reasons,
            details={"review_due_on": placement.review_due_on.isoformat()},
        )


def placement_review_effectiveness(
    placement: PlacementProposal,
    *,
    actor: User,
    keep: bool,
    reasons: str,
    today: dt.date | None = None,
) -> None:
    """The 18-month effectiveness review: its figures are audited with the decision, and
    a decision not to keep the camera suspends it."""
    _guard(placement, {PlacementStatus.APPROVED}, "review the effectiveness of")
    today = today or timezone.localdate()
    if placement.active_from is None:
        raise PlacementError("the placement was never activated")
    figures = placement_effectiveness(placement, today)
    if today < figures.due_on:
        raise PlacementError(f"the effectiveness review is due on {figures.due_on}")
    if actor.pk == placement.proposed_by_id:
        raise PlacementError("nobody reviews their own proposal")
    if not reasons.strip():
        raise PlacementError("an effectiveness review needs written reasons")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="placement.effectiveness_reviewed",
            obj=placement,
            reason=reasons,
            details={"keep": keep, **figures.as_details()},
        )
        if not keep:
            placement.status = PlacementStatus.SUSPENDED
            placement.suspended_reason = reasons
            placement.save()
            audit_record(actor=actor, action="placement.suspended", obj=placement, reason=reasons)
