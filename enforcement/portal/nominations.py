"""Naming the driver: the owner's signed statement closes the notice for them and the
same violation is reissued to the named driver with a new notice (number, PIN and
deadlines of its own, printed in the next mailing batch).

A notice belongs to exactly one violation (``Notice.violation`` is one-to-one), so the
reissue is a new violation row that copies the measurement, the evidence reference and
both approvals of the original, records where it came from, and gets the driver as its
owner; the policy gate and the two-person review are not run again, because the
measurement and the plate were already approved. Decided 2026-12-06.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement.cases.guards import TransitionError
from enforcement.cases.issue import notice_issue
from enforcement.cases.selectors import case_gate_record
from enforcement.models import Notice, OwnerRecord, Violation, ViolationStatus
from enforcement.portal.models import Contest, Nomination, PaymentStatus
from enforcement.portal.payments import RESIDENT
from policy.audit import audit_record

S = ViolationStatus
COPIED = [
    "camera_id",
    "calibration_id",
    "measured_at",
    "speed_kmh",
    "uncertainty_kmh",
    "limit_kmh",
    "vehicle_class",
    "lane_x_m",
    "plate_text",
    "plate_confidence",
    "measurement",
    "evidence_manifest",
    "evidence_dir",
    "evidence_verified",
    "evidence_problems",
    "reviewed_by_id",
    "reviewed_at",
    "approved_by_id",
    "approved_at",
    "warning_only",
    "ruleset_version",  # the reissued case keeps the judging version's retention periods
]


@dataclass(frozen=True)
class Owner:
    name: str
    address: str
    email: str = ""
    language: str = ""  # empty: the notice's


def violation_reissue(
    original: Violation, notice: Notice, *, owner: Owner, reason: str, actor_label: str = RESIDENT
) -> Notice:
    """A new violation row copying ``original``'s measurement, evidence and approvals,
    owned by ``owner``, with a new notice. The policy gate is not run again: its decision
    on ``original`` is recorded for the copy (``violation.reissued``, in the gate's own
    terms), so the copy's case file shows the gate's checks and why they were not rerun.
    ``violation.recorded`` stays one event per measurement (tallies and the equity dry
    run count those)."""
    copy = Violation.objects.create(
        event_id=uuid.uuid4(),
        status=S.OWNER_FOUND,
        status_reason=reason,
        **{name: getattr(original, name) for name in COPIED},
    )
    OwnerRecord.objects.create(
        violation=copy,
        source="driver nomination" if actor_label == RESIDENT else "returned to the owner",
        plate=notice.plate,
        name=owner.name.strip(),
        address=owner.address.strip(),
        email=owner.email.strip(),
        language=owner.language or notice.language,
        looked_up_at=timezone.now(),
    )
    gate = case_gate_record(original)
    audit_record(
        actor=None,
        actor_label=actor_label,
        action="violation.reissued",
        obj=copy,
        reason=f"{reason}; the policy gate's decision on violation {original.pk} stands "
        "(same measurement, evidence and approvals), so the gate was not run again",
        details={
            **{key: gate.get(key) for key in ("outcome", "checks", "judgement", "facts")},
            "reissued_from": original.pk,
            "notice": notice.pk,
            "gate_rerun": False,
        },
    )
    return notice_issue(copy)


def _statement_digest(statement: str, signed_name: str, signed_at: str) -> str:
    return hashlib.sha256("\n".join([statement, signed_name, signed_at]).encode()).hexdigest()


def _check(notice: Notice, violation: Violation) -> None:
    if violation.status != S.NOTICE_MAILED:
        raise TransitionError(_("The driver can only be named on a mailed, open notice."))
    if notice.payments.filter(status=PaymentStatus.CAPTURED).exists():
        raise TransitionError(_("This notice is paid: the driver can no longer be named."))
    if Contest.objects.filter(notice=notice).exists():
        raise TransitionError(_("This notice is contested: the driver can no longer be named."))


def driver_nominate(
    notice_id: int,
    *,
    driver_name: str,
    driver_address: str,
    driver_email: str = "",
    statement: str,
    signed_name: str,
    declared: bool,
) -> Nomination:
    """Close the notice for the owner and reissue it to the named driver."""
    if not declared:
        raise TransitionError(_("Confirm that the statement is true to sign it."))
    if not (driver_name.strip() and driver_address.strip() and signed_name.strip()):
        raise TransitionError(_("Give the driver's name and address and sign with your name."))
    with transaction.atomic():
        notice = Notice.objects.get(pk=notice_id)
        original = Violation.objects.select_for_update(of=("self",)).get(pk=notice.violation_id)
        _check(notice, original)
        now = timezone.now()
        reissued = violation_reissue(
            original,
            notice,
            owner=Owner(driver_name, driver_address, driver_email),
            reason=f"reissued to the driver named on notice {notice.number}",
        )
        original.status = S.CLOSED
        original.status_reason = f"driver named; reissued as notice {reissued.number}"
        original.closed_at = now
        original.save(update_fields=["status", "status_reason", "closed_at"])
        nomination = Nomination.objects.create(
            notice=notice,
            reissued=reissued,
            driver_name=driver_name.strip(),
            driver_address=driver_address.strip(),
            driver_email=driver_email.strip(),
            statement=statement.strip(),
            signed_name=signed_name.strip(),
            signed_at=now,
            statement_sha256=_statement_digest(
                statement.strip(), signed_name.strip(), now.isoformat()
            ),
        )
        audit_record(
            actor=None,
            actor_label=RESIDENT,
            action="notice.driver_named",
            obj=notice,
            details={
                "nomination": nomination.pk,
                "reissued_notice": reissued.pk,
                "violation": reissued.violation_id,
                "statement_sha256": nomination.statement_sha256,
            },
        )
    return nomination
