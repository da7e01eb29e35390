"""Contests: opened by a resident, an initial review by staff, a hearing on request, the
hearing officer's decision. A dismissal (the resident wins) closes the case and refunds
any payment; every step is a guarded transition with an audit event.

    submitted ──review: dismiss──▶ dismissed
              └─review: uphold──▶ review_upheld ──hearing request──▶ hearing_requested
    hearing_requested ──decide──▶ dismissed | upheld
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from enforcement.cases.guards import Actor, TransitionError, require_role
from enforcement.cases.numbers import notice_number_display
from enforcement.cases.terms import deadline_passed
from enforcement.models import Notice, Violation, ViolationStatus
from enforcement.portal.models import (
    Contest,
    ContestDocument,
    ContestStatus,
    HearingMode,
    PaymentStatus,
)
from enforcement.portal.payments import RESIDENT, payment_refund
from enforcement.portal.rules import portal_rules
from enforcement.portal.uploads import upload_store, uploads_check
from policy.audit import audit_record

C = ContestStatus


def _contestable(notice: Notice, violation: Violation, now: dt.datetime) -> None:
    paid = notice.payments.filter(status=PaymentStatus.CAPTURED).exists()
    if violation.status == ViolationStatus.CLOSED and paid:
        if not portal_rules(notice.ruleset).pay_keeps_contest:
            raise TransitionError(_("Under these rules a paid notice cannot be contested."))
    elif violation.status != ViolationStatus.NOTICE_MAILED:
        raise TransitionError(_("This notice cannot be contested now."))
    last = notice.deadlines.get("contest")
    tz = violation.camera.site.timezone
    if not last or deadline_passed(dt.date.fromisoformat(last), now, tz):
        raise TransitionError(_("The last day to contest this notice has passed."))


def contest_open(
    notice_id: int, *, ground: str, statement: str, files: list[UploadedFile]
) -> Contest:
    """A resident contests a notice. Files are checked before anything is stored."""
    notice = Notice.objects.select_related("violation__camera__site").get(pk=notice_id)
    if ground not in portal_rules(notice.ruleset).contest_grounds:
        raise TransitionError(_("Choose one of the listed reasons."))
    if not statement.strip():
        raise TransitionError(_("Tell us in a few words why the notice is wrong."))
    checked = uploads_check(files)  # raises UploadRefused: nothing stored yet
    stored: list[str] = []
    with transaction.atomic():
        violation = Violation.objects.select_for_update(of=("self",)).get(pk=notice.violation_id)
        if Contest.objects.filter(notice=notice).exists():
            raise TransitionError(_("This notice is already contested."))
        now = timezone.now()
        _contestable(notice, violation, now)
        contest = Contest.objects.create(
            notice=notice,
            ground=ground,
            statement=statement.strip(),
            status=C.SUBMITTED,
            submitted_at=now,
        )
        for item in checked:
            name = upload_store(f"contests/{contest.pk}", item)
            stored.append(name)
            ContestDocument.objects.create(
                contest=contest,
                stored_name=name,
                original_name=item.original_name,
                content_type=item.content_type,
                size=len(item.data),
                sha256=item.sha256,
                uploaded_at=now,
            )
        audit_record(
            actor=None,
            actor_label=RESIDENT,
            action="contest.opened",
            obj=notice,
            details={"contest": contest.pk, "ground": ground, "documents": len(checked)},
        )
    return contest


def _locked(contest_id: int) -> Contest:
    return (
        Contest.objects.select_for_update(of=("self",))
        .select_related("notice__violation__owner")
        .get(pk=contest_id)
    )


def _dismiss_case(contest: Contest, actor: Actor, reasons: str) -> None:
    """The resident won: close the case and give back any payment."""
    violation = contest.notice.violation
    violation.status, violation.status_reason = ViolationStatus.CLOSED, f"contest won: {reasons}"
    violation.save(update_fields=["status", "status_reason"])
    for payment in contest.notice.payments.filter(status=PaymentStatus.CAPTURED):
        payment_refund(payment.pk, None, reason=f"contest won: {reasons}")


def contest_email(contest: Contest) -> None:
    """Tell the resident the decision and its reasons (console backend in the demo)."""
    owner = getattr(contest.notice.violation, "owner", None)
    if owner is None or not owner.email:
        return
    with translation.override(contest.notice.language):
        subject = _("Decision on your contest of notice %(n)s") % {
            "n": notice_number_display(contest.notice.number)
        }
        reasons = contest.decision_reasons or contest.review_reasons
        body = "\n".join([contest.get_status_display(), "", reasons])
    send_mail(subject, body, None, [owner.email])


def contest_review(contest_id: int, actor: Actor, *, dismiss: bool, reasons: str) -> Contest:
    """Staff's initial review, with reasons the resident reads."""
    if not reasons.strip():
        raise TransitionError("an initial review needs its reasons written out")
    require_role(actor, "reviewer", "review contests")
    with transaction.atomic():
        contest = _locked(contest_id)
        if contest.status != C.SUBMITTED:
            raise TransitionError(f"contest {contest.pk} is {contest.status}, not submitted")
        contest.status = C.DISMISSED if dismiss else C.REVIEW_UPHELD
        contest.reviewed_by_id, contest.reviewed_at = actor.pk, timezone.now()
        contest.review_reasons = reasons.strip()
        contest.save()
        if dismiss:
            _dismiss_case(contest, actor, contest.review_reasons)
        audit_record(
            actor=actor,
            action="contest.reviewed",
            obj=contest.notice,
            reason=contest.review_reasons,
            details={"contest": contest.pk, "outcome": contest.status},
        )
        transaction.on_commit(lambda: contest_email(contest))
    return contest


def hearing_request(contest_id: int, *, mode: str, availability: str) -> Contest:
    """The resident asks for a hearing after an upheld review, within the rule's days."""
    if mode not in HearingMode.values:
        raise TransitionError(_("Choose how you want to be heard."))
    if mode != HearingMode.WRITTEN and not availability.strip():
        raise TransitionError(_("Tell us the days and times you can attend."))
    with transaction.atomic():
        contest = _locked(contest_id)
        if contest.status != C.REVIEW_UPHELD or contest.reviewed_at is None:
            raise TransitionError(_("A hearing can be requested after an upheld review."))
        days = portal_rules(contest.notice.ruleset).hearing_request_days
        if timezone.now() > contest.reviewed_at + dt.timedelta(days=days):
            raise TransitionError(_("The time to request a hearing has passed."))
        contest.status, contest.hearing_mode = C.HEARING_REQUESTED, mode
        contest.hearing_availability = availability.strip()
        contest.hearing_requested_at = timezone.now()
        contest.save()
        audit_record(
            actor=None,
            actor_label=RESIDENT,
            action="contest.hearing_requested",
            obj=contest.notice,
            details={"contest": contest.pk, "mode": mode},
        )
    return contest


def hearing_decide(contest_id: int, actor: Actor, *, dismiss: bool, reasons: str) -> Contest:
    """The hearing officer's decision with reasons: dismissed (refund) or upheld."""
    if not reasons.strip():
        raise TransitionError("a hearing decision needs its reasons written out")
    require_role(actor, "hearing_officer", "decide hearings")
    with transaction.atomic():
        contest = _locked(contest_id)
        if contest.status != C.HEARING_REQUESTED:
            raise TransitionError(
                f"contest {contest.pk} is {contest.status}, not awaiting a hearing"
            )
        contest.status = C.DISMISSED if dismiss else C.UPHELD
        contest.decided_by_id, contest.decided_at = actor.pk, timezone.now()
        contest.decision_reasons = reasons.strip()
        contest.save()
        if dismiss:
            _dismiss_case(contest, actor, contest.decision_reasons)
        audit_record(
            actor=actor,
            action="contest.decided",
            obj=contest.notice,
            reason=contest.decision_reasons,
            details={"contest": contest.pk, "outcome": contest.status},
        )
        transaction.on_commit(lambda: contest_email(contest))
    return contest
