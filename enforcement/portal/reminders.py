"""Reminder emails before deadlines, so no default or late fee comes as a surprise.

Run hourly by celery beat (``enforcement.portal_reminders``); each reminder is sent at
most once (``Reminder``'s unique key), in the notice's language.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from enforcement.cases.numbers import notice_number_display
from enforcement.models import Notice, NoticeKind, ViolationStatus
from enforcement.portal.models import Reminder
from enforcement.portal.relief_models import Instalment
from enforcement.portal.selectors import RESPONSES
from policy.audit import audit_record

DAYS_BEFORE = (7, 1)


def _due(notice: Notice, today: dt.date) -> list[tuple[str, dt.date, int]]:
    out = []
    for name in ("pay", "contest"):
        last = notice.deadlines.get(name)
        if last:
            left = (dt.date.fromisoformat(last) - today).days
            if left in DAYS_BEFORE:
                out.append((name, dt.date.fromisoformat(last), left))
    return out


def _send(notice: Notice, deadline: str, last_day: dt.date, left: int, label: str) -> bool:
    try:
        with transaction.atomic():
            Reminder.objects.create(
                notice=notice,
                deadline=deadline,
                last_day=last_day,
                days_before=left,
                sent_at=timezone.now(),
            )
            audit_record(
                actor=None,
                action="notice.reminder_sent",
                obj=notice,
                details={"deadline": deadline, "last_day": last_day.isoformat(), "days": left},
            )
    except IntegrityError:
        return False  # already sent
    with translation.override(notice.language):
        subject = _("Reminder: notice %(n)s") % {"n": notice_number_display(notice.number)}
        body = _("%(what)s: the last day is %(day)s (%(left)s days left). See %(url)s") % {
            "what": label,
            "day": last_day.isoformat(),
            "left": left,
            "url": settings.FAIRSPEED["PORTAL_URL"],
        }
    send_mail(subject, body, None, [notice.violation.owner.email])
    return True


def reminders_send(now: dt.datetime | None = None) -> int:
    """Email each owner 7 days and 1 day before each open deadline; returns how many."""
    now = now or timezone.now()
    sent = 0
    open_notices = (
        Notice.objects.filter(
            violation__status=ViolationStatus.NOTICE_MAILED, kind=NoticeKind.CITATION
        )
        .exclude(violation__owner__email="")
        .exclude(Q(plan__isnull=False) | Q(contest__isnull=False) | Q(service__isnull=False))
        .select_related("violation__owner", "violation__camera__site")
    )
    for notice in open_notices:
        today = now.astimezone(zoneinfo.ZoneInfo(notice.violation.camera.site.timezone)).date()
        for name, last_day, left in _due(notice, today):
            with translation.override(notice.language):
                label = str(RESPONSES.get(name, name))
            sent += _send(notice, name, last_day, left, label)
    instalments = Instalment.objects.filter(
        paid_at__isnull=True, plan__notice__violation__status=ViolationStatus.NOTICE_MAILED
    ).select_related("plan__notice__violation__owner")
    for inst in instalments.exclude(plan__notice__violation__owner__email=""):
        left = (inst.due_on - now.date()).days
        if left in DAYS_BEFORE:
            notice = inst.plan.notice
            with translation.override(notice.language):
                label = _("Instalment %(n)s of %(amount)s") % {
                    "n": inst.sequence,
                    "amount": inst.amount,
                }
            sent += _send(notice, f"instalment-{inst.sequence}", inst.due_on, left, label)
    return sent
