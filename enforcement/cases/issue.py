"""Issuing a notice (citation or warning) for a confirmed case."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from enforcement.cases.guards import require_state
from enforcement.cases.numbers import notice_number_new
from enforcement.cases.terms import notice_terms
from enforcement.models import Notice, NoticeKind, Violation, ViolationStatus
from policy.audit import audit_record


def _unused_number() -> str:
    # 10^10 numbers: a collision is rare, but a duplicate must never reach paper.
    while True:
        number = notice_number_new()
        if not Notice.objects.filter(number=number).exists():
            return number


def notice_issue(violation: Violation) -> Notice:
    """Create the notice for an owner-found, vehicle-confirmed violation.

    Called inside the confirming transaction; the PIN is made when the notice is
    printed (enforcement.cases.mailing), so only its hash is ever stored.
    """
    with transaction.atomic():
        require_state(violation, [ViolationStatus.OWNER_FOUND], "issue a notice for")
        terms = notice_terms(violation)
        notice = Notice.objects.create(
            violation=violation,
            kind=terms.kind,
            number=_unused_number(),
            plate=violation.plate_text,
            ruleset=terms.ruleset,
            fine_amount=terms.fine,
            currency=terms.currency,
            language=violation.owner.language,
            issued_at=timezone.now(),
        )
        citation = terms.kind == NoticeKind.CITATION
        violation.status = (
            ViolationStatus.CITATION_ISSUED if citation else ViolationStatus.WARNING_ISSUED
        )
        violation.save(update_fields=["status"])
        audit_record(
            actor=None,
            action="notice.issued",
            obj=notice,
            reason=terms.reason,
            details={
                "violation": violation.pk,
                "kind": terms.kind,
                "fine": str(terms.fine) if terms.fine is not None else None,
                "over_by": terms.over_by,
                "units": terms.units,
                "ruleset": terms.ruleset,
            },
        )
    return notice
