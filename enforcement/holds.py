"""Legal holds: a case contested in court, in litigation or under a records request is
kept whatever its retention schedule says, until the hold is released."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from enforcement.models import HoldReason, LegalHold, Violation
from policy.audit import audit_record


class HoldError(ValueError):
    """The hold cannot be placed or released as asked; the message says why."""


def legal_hold_place(
    *, violation: Violation, reason: str, explanation: str, actor: User
) -> LegalHold:
    if reason not in HoldReason.values:
        raise HoldError(f"unknown hold reason {reason!r}")
    if not explanation.strip():
        raise HoldError("a legal hold needs a written explanation")
    if violation.evidence_purged_at is not None:
        raise HoldError("this case's evidence was already purged; there is nothing to hold")
    with transaction.atomic():
        hold = LegalHold.objects.create(
            violation=violation,
            reason=reason,
            explanation=explanation.strip(),
            placed_by=actor,
            placed_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="legal_hold.placed",
            obj=violation,
            reason=explanation.strip(),
            details={"hold": hold.pk, "reason": reason},
        )
    return hold


def legal_hold_release(*, hold: LegalHold, reason: str, actor: User) -> LegalHold:
    if not reason.strip():
        raise HoldError("releasing a hold needs a written reason")
    with transaction.atomic():
        locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if locked.released_at is not None:
            raise HoldError("this hold was already released")
        locked.released_at = timezone.now()
        locked.released_by = actor
        locked.release_reason = reason.strip()
        locked.save(update_fields=["released_at", "released_by", "release_reason"])
        audit_record(
            actor=actor,
            action="legal_hold.released",
            obj=locked.violation,
            reason=reason.strip(),
            details={"hold": locked.pk},
        )
    return locked
