"""The case's transitions from first review to an issued notice.

``TextChoices`` plus guarded services (the house style) rather than django-fsm-2: every
transition here needs the actor, a reason and an audit row in the same transaction,
which are plain function arguments in a service and awkward side channels in a
decorated model method; the states stay one ``TextChoices`` the database constrains.

    awaiting_review | warning ──review──▶ awaiting_approval ──approve (another person)──▶
    approved ──owner lookup──▶ owner_found ──vehicle confirmed──▶ citation_issued | warning_issued
                            └─▶ owner_not_found ──close──▶ closed
    owner_found ──vehicle mismatch──▶ awaiting_review (back to the queue)
    awaiting_review | warning | awaiting_approval | owner_found ──dismiss──▶ dismissed
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from enforcement.cases.guards import Actor, CaseTaken, TransitionError, require_role, require_state
from enforcement.cases.issue import notice_issue
from enforcement.cases.owners import OwnerRegistry, RegistryError, owner_registry
from enforcement.models import Notice, OwnerRecord, Violation, ViolationStatus
from enforcement.roles import user_roles
from policy.audit import audit_record

S = ViolationStatus
CLAIM_FOR = dt.timedelta(minutes=10)
FIRST_REVIEW = (S.AWAITING_REVIEW, S.WARNING)
DISMISS_REASONS = {
    "plate_unreadable": "Plate unreadable",
    "wrong_vehicle": "Wrong vehicle marked",
    "emergency_vehicle": "Emergency vehicle",
    "obstruction": "View obstructed",
    "evidence_incomplete": "Evidence incomplete",
    "other": "Other",
}


def _locked(violation_id: int) -> Violation:
    return (
        Violation.objects.select_for_update(of=("self",))
        .select_related("camera__site")
        .get(pk=violation_id)
    )


def _refuse(violation: Violation, actor: Actor, action: str, why: str) -> TransitionError:
    """Audit a refused attempt after the transition's own transaction has ended, so the
    record outlives the refusal."""
    with transaction.atomic():
        audit_record(actor=actor, action=f"violation.{action}_refused", obj=violation, reason=why)
    return TransitionError(why)


def violation_claim(violation_id: int, actor: Actor) -> Violation:
    """Open a case in the queue: nobody else is handed it for ``CLAIM_FOR``."""
    with transaction.atomic():
        v = _locked(violation_id)
        roles = ("reviewer", "approver")
        if not any(r in user_roles(actor) for r in roles):
            raise TransitionError("only reviewers and approvers open cases")
        now = timezone.now()
        if v.claimed_by_id not in (None, actor.pk) and v.claimed_until and v.claimed_until > now:
            raise CaseTaken(f"violation {v.pk} is open by another reviewer")
        v.claimed_by_id, v.claimed_until = actor.pk, now + CLAIM_FOR
        v.save(update_fields=["claimed_by", "claimed_until"])
        audit_record(actor=actor, action="violation.opened", obj=v, details={"status": v.status})
    return v


def violation_review(violation_id: int, actor: Actor, *, plate: str) -> Violation:
    """First review: the evidence holds and the plate reads ``plate``."""
    plate = "".join(plate.upper().split())
    if not plate:
        raise TransitionError("a reviewed violation needs the plate as read by the reviewer")
    with transaction.atomic():
        v = _locked(violation_id)
        require_state(v, FIRST_REVIEW, "review")
        require_role(actor, "reviewer", "review violations")
        before = v.plate_text
        v.warning_only = v.warning_only or v.status == S.WARNING
        v.plate_text, v.status = plate, S.AWAITING_APPROVAL
        v.reviewed_by_id, v.reviewed_at = actor.pk, timezone.now()
        v.claimed_by_id = v.claimed_until = None
        v.save()
        audit_record(
            actor=actor,
            action="violation.reviewed",
            obj=v,
            reason="evidence holds; plate confirmed",
            details={"plate_before": before, "plate": plate, "edited": before != plate},
        )
    return v


def violation_dismiss(violation_id: int, actor: Actor, *, code: str, text: str = "") -> Violation:
    """Dismiss with a reason from the list; "other" needs words."""
    if code not in DISMISS_REASONS:
        raise TransitionError(f"unknown dismissal reason {code!r}")
    if code == "other" and not text.strip():
        raise TransitionError("a dismissal for another reason needs the reason written out")
    with transaction.atomic():
        v = _locked(violation_id)
        first = v.status in FIRST_REVIEW
        require_state(v, [*FIRST_REVIEW, S.AWAITING_APPROVAL, S.OWNER_FOUND], "dismiss")
        require_role(actor, "reviewer" if first else "approver", "dismiss this case")
        reason = DISMISS_REASONS[code] + (f": {text.strip()}" if text.strip() else "")
        if v.status == S.OWNER_FOUND:
            OwnerRecord.objects.filter(violation=v).delete()
        v.status, v.status_reason, v.dismissal_code = S.DISMISSED, reason, code
        v.claimed_by_id = v.claimed_until = None
        v.save()
        audit_record(
            actor=actor, action="violation.dismissed", obj=v, reason=reason, details={"code": code}
        )
    return v


def violation_approve(violation_id: int, actor: Actor) -> Violation:
    """Second approval, by someone other than the reviewer; then the owner lookup."""
    with transaction.atomic():
        v = _locked(violation_id)
        require_state(v, [S.AWAITING_APPROVAL], "approve")
        require_role(actor, "approver", "approve violations")
        same_person = v.reviewed_by_id == actor.pk
        if not same_person:
            v.status, v.approved_by_id, v.approved_at = S.APPROVED, actor.pk, timezone.now()
            v.claimed_by_id = v.claimed_until = None
            v.save()
            audit_record(
                actor=actor,
                action="violation.approved",
                obj=v,
                reason="second approval",
                details={"reviewed_by": v.reviewed_by_id},
            )
    if same_person:
        raise _refuse(v, actor, "approval", "the approver must be a different person")
    try:
        return violation_owner_lookup(v.pk)
    except RegistryError as exc:
        # The approval stands; the case waits in "approved" until the lookup is retried.
        with transaction.atomic():
            audit_record(actor=None, action="violation.owner_lookup_failed", obj=v, reason=str(exc))
        v.refresh_from_db()
        return v


def violation_owner_lookup(violation_id: int, registry: OwnerRegistry | None = None) -> Violation:
    """Ask the registry for the plate's keeper: only ever for an approved violation."""
    with transaction.atomic():
        v = _locked(violation_id)
        require_state(v, [S.APPROVED], "look up the owner of")
        if v.approved_by_id is None or v.approved_by_id == v.reviewed_by_id:
            raise TransitionError("owner lookup needs two different people's approval")
        registry = registry or owner_registry()
        found = registry.lookup(v.plate_text)
        if found is not None:
            OwnerRecord.objects.create(
                violation=v,
                source=registry.source,
                plate=found.plate,
                state=found.state,
                make=found.make,
                model=found.model,
                colour=found.colour,
                name=found.owner_name,
                address=found.address,
                email=found.email,
                language=found.language,
                looked_up_at=timezone.now(),
            )
        v.status = S.OWNER_FOUND if found else S.OWNER_NOT_FOUND
        v.save(update_fields=["status"])
        audit_record(
            actor=None,
            action="violation.owner_looked_up",
            obj=v,
            reason="found" if found else "no registered owner for the plate",
            details={"source": registry.source, "found": found is not None},
        )
    return v


def violation_vehicle_confirm(violation_id: int, actor: Actor) -> Notice:
    """The registry's make, model and colour match the evidence: issue the notice."""
    with transaction.atomic():
        v = _locked(violation_id)
        require_state(v, [S.OWNER_FOUND], "confirm the vehicle of")
        require_role(actor, "approver", "confirm vehicles")
        if v.reviewed_by_id != actor.pk:
            audit_record(
                actor=actor,
                action="violation.vehicle_confirmed",
                obj=v,
                reason="registry vehicle matches the evidence",
            )
            return notice_issue(v)
    raise _refuse(v, actor, "confirm", "the reviewer cannot also confirm the vehicle")


def violation_vehicle_mismatch(violation_id: int, actor: Actor, *, reason: str) -> Violation:
    """The registry's vehicle is not the one in the evidence: back to first review."""
    if not reason.strip():
        raise TransitionError("say what does not match")
    with transaction.atomic():
        v = _locked(violation_id)
        require_state(v, [S.OWNER_FOUND], "send back")
        require_role(actor, "approver", "send cases back")
        # The wrong owner's details go: they are not this violation's business.
        OwnerRecord.objects.filter(violation=v).delete()
        v.status = S.AWAITING_REVIEW
        v.reviewed_by_id = v.approved_by_id = v.reviewed_at = v.approved_at = None
        v.save()
        audit_record(
            actor=actor,
            action="violation.sent_back",
            obj=v,
            reason=reason.strip(),
            details={"plate": v.plate_text},
        )
    return v


def violation_close(violation_id: int, actor: Actor | None, *, reason: str) -> Violation:
    """Close a case that needs nothing more: no owner found, or a warning run its course."""
    with transaction.atomic():
        v = _locked(violation_id)
        require_state(v, [S.OWNER_NOT_FOUND, S.NOTICE_MAILED], "close")
        if actor is not None:
            require_role(actor, "approver", "close cases")
        v.status, v.status_reason, v.closed_at = S.CLOSED, reason, timezone.now()
        v.save(update_fields=["status", "status_reason", "closed_at"])
        audit_record(actor=actor, action="violation.closed", obj=v, reason=reason)
    return v
