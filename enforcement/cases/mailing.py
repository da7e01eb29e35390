"""Mailing batches for the mail house, the mailed date that starts the deadlines, email
copies, and the daily sweep of deadlines (run by celery beat, idempotent)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from enforcement.cases.guards import Actor, TransitionError, require_role
from enforcement.cases.notice_pdf import Printed, notices_pdf
from enforcement.cases.numbers import notice_number_display, pin_hash, pin_new
from enforcement.cases.terms import SCHEDULES, deadline_passed, deadlines_from
from enforcement.cases.transitions import violation_close
from enforcement.models import MailingBatch, Notice, NoticeKind, ViolationStatus
from policy.audit import audit_record

S = ViolationStatus
MANIFEST_COLUMNS = ("sequence", "page", "notice_number", "kind", "language", "name", "address")


@dataclass
class BatchResult:
    batch: MailingBatch
    # Printed once, never stored: the PDF is the only other place they exist.
    pins: dict[str, str] = field(default_factory=dict)


def _days(notice: Notice) -> dict[str, int]:
    return dict(SCHEDULES[notice.ruleset].days)


def _manifest(notices: list[Notice]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(MANIFEST_COLUMNS)
    for seq, n in enumerate(notices, start=1):
        owner = n.violation.owner
        writer.writerow(
            [
                seq,
                seq,
                notice_number_display(n.number),
                n.kind,
                n.language,
                owner.name,
                owner.address,
            ]
        )
    return out.getvalue().encode()


def mailing_batch_create(actor: Actor | None, mail_on: dt.date) -> BatchResult | None:
    """Print every issued notice not yet in a batch: one PDF plus a CSV manifest.

    Each notice gets a new PIN here (only its hash is kept) and shows deadlines counted
    from ``mail_on``; recording the batch as mailed fixes the real dates.
    """
    if actor is not None:
        require_role(actor, "approver", "print mailing batches")
    with transaction.atomic():
        notices = list(
            Notice.objects.select_for_update(of=("self",))
            .filter(batch__isnull=True, violation__status__in=[S.CITATION_ISSUED, S.WARNING_ISSUED])
            .select_related("violation__camera__site", "violation__calibration", "violation__owner")
            .order_by("issued_at", "pk")
        )
        if not notices:
            return None
        batch = MailingBatch.objects.create(
            created_at=timezone.now(),
            created_by_id=actor.pk if actor is not None else None,
            planned_mail_on=mail_on,
        )
        result = BatchResult(batch)
        items = []
        for n in notices:
            pin = pin_new()
            result.pins[n.number] = pin
            n.pin_hash, n.batch = pin_hash(pin), batch
            items.append((n, Printed(pin=pin, deadlines=deadlines_from(mail_on, _days(n)))))
        Notice.objects.bulk_update(notices, ["pin_hash", "batch"])
        storage = storages["notices"]
        batch.pdf_name = storage.save(
            f"batches/{batch.pk}/notices.pdf", ContentFile(notices_pdf(items))
        )
        batch.manifest_name = storage.save(
            f"batches/{batch.pk}/manifest.csv", ContentFile(_manifest(notices))
        )
        batch.save(update_fields=["pdf_name", "manifest_name"])
        audit_record(
            actor=actor,
            action="mailing_batch.created",
            obj=batch,
            details={"notices": len(notices), "planned_mail_on": mail_on.isoformat()},
        )
    return result


def mailing_batch_record_mailed(batch_id: int, actor: Actor | None, mailed_on: dt.date) -> int:
    """The mail house posted the batch on ``mailed_on``: deadlines start from it."""
    if actor is not None:
        require_role(actor, "approver", "record mailings")
    with transaction.atomic():
        batch = MailingBatch.objects.select_for_update().get(pk=batch_id)
        if batch.mailed_on is not None:
            raise TransitionError(f"batch {batch.pk} was already recorded as mailed")
        if mailed_on < batch.planned_mail_on:
            # The printed deadlines count from the planned date: never let them be later
            # than the real ones.
            raise TransitionError("a batch cannot be mailed before the date printed on it")
        batch.mailed_on = mailed_on
        batch.save(update_fields=["mailed_on"])
        notices = list(batch.notices.select_related("violation"))
        for n in notices:
            n.mailed_on, n.deadlines = mailed_on, deadlines_from(mailed_on, _days(n))
            n.violation.status = S.NOTICE_MAILED
            n.violation.save(update_fields=["status"])
            audit_record(
                actor=actor,
                action="notice.mailed",
                obj=n,
                details={"mailed_on": mailed_on.isoformat(), "deadlines": n.deadlines},
            )
        Notice.objects.bulk_update(notices, ["mailed_on", "deadlines"])
    return len(notices)


def notice_email_send(notice: Notice) -> bool:
    """Email a copy of a mailed notice where the registry has an address (once)."""
    email = notice.violation.owner.email
    if not email or notice.emailed_at is not None or notice.mailed_on is None:
        return False
    with translation.override(notice.language):
        subject = _("Fairspeed notice %(n)s") % {"n": notice_number_display(notice.number)}
        lines = [
            _("A notice for vehicle %(plate)s was mailed to you on %(d)s.")
            % {"plate": notice.plate, "d": notice.mailed_on.isoformat()},
            _("See the photos and respond at %(url)s") % {"url": settings.FAIRSPEED["PORTAL_URL"]},
            _("Enter the notice number and the plate (or the PIN on the paper notice)."),
        ]
        lines += [f"{k}: {v}" for k, v in notice.deadlines.items()]
    send_mail(subject, "\n".join(lines), None, [email])
    with transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
        audit_record(actor=None, action="notice.emailed", obj=notice)
    return True


@dataclass
class SweepReport:
    emailed: int = 0
    defaulted: int = 0
    closed: int = 0


def notices_sweep(now: dt.datetime | None = None) -> SweepReport:
    """Email copies, mark unpaid citations past their last day, close lapsed warnings.

    Each step is guarded by the row's own state, so a second run the same day (or two
    beat runs racing) changes nothing.
    """
    now = now or timezone.now()
    report = SweepReport()
    mailed = Notice.objects.filter(violation__status=S.NOTICE_MAILED).select_related(
        "violation__owner", "violation__camera__site"
    )
    for n in mailed.filter(emailed_at__isnull=True).exclude(violation__owner__email=""):
        report.emailed += notice_email_send(n)
    # A notice under a payment plan, community service or a contest is answered: it
    # never defaults.
    answered = Q(plan__isnull=False) | Q(contest__isnull=False) | Q(service__isnull=False)
    for n in mailed.filter(defaulted_on__isnull=True, kind=NoticeKind.CITATION).exclude(answered):
        last = dt.date.fromisoformat(n.deadlines["pay"])
        if deadline_passed(last, now, n.violation.camera.site.timezone):
            with transaction.atomic():
                if Notice.objects.filter(pk=n.pk, defaulted_on__isnull=True).update(
                    defaulted_on=last + dt.timedelta(days=1)
                ):
                    audit_record(
                        actor=None,
                        action="notice.defaulted",
                        obj=n,
                        reason=f"no response by {last.isoformat()}",
                    )
                    report.defaulted += 1
    for n in mailed.filter(kind=NoticeKind.WARNING):
        last = dt.date.fromisoformat(n.deadlines["contest"])
        if deadline_passed(last, now, n.violation.camera.site.timezone):
            violation_close(n.violation_id, None, reason="warning: review period over")
            report.closed += 1
    return report


def notice_pin_reissue(notice: Notice, actor: Actor | None, *, reason: str) -> str:
    """A new PIN for a notice whose printed PIN is lost; the old one stops working."""
    if actor is not None:
        require_role(actor, "approver", "reissue PINs")
    pin = pin_new()
    with transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(pin_hash=pin_hash(pin))
        audit_record(actor=actor, action="notice.pin_reissued", obj=notice, reason=reason)
    notice.pin_hash = Notice.objects.get(pk=notice.pk).pin_hash
    return pin
