"""Reminder emails 7 days and 1 day before each deadline, once each, in the notice's
language; none for notices already answered."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from enforcement.models import Reminder
from enforcement.portal.payments import payment_record
from enforcement.portal.relief import plan_create
from enforcement.portal.reminders import reminders_send

pytestmark = pytest.mark.django_db


def noon(m: Any, day: dt.date) -> dt.datetime:
    tz = zoneinfo.ZoneInfo(m.notice.violation.camera.site.timezone)
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=tz)


def test_a_week_before_the_last_day_the_owner_is_reminded_once(mailed: Any) -> None:
    m = mailed(mailed_on=dt.date(2027, 3, 1))  # ABC123 belongs to ana@example.org (es)
    last = dt.date.fromisoformat(m.notice.deadlines["pay"])
    mail.outbox.clear()
    assert reminders_send(noon(m, last - dt.timedelta(days=8))) == 0
    assert reminders_send(noon(m, last - dt.timedelta(days=7))) == 2  # pay and contest
    assert reminders_send(noon(m, last - dt.timedelta(days=7))) == 0
    assert len(mail.outbox) == 2 and mail.outbox[0].to == ["ana@example.org"]
    assert "Recordatorio" in mail.outbox[0].subject and "7" in mail.outbox[0].body
    assert reminders_send(noon(m, last - dt.timedelta(days=1))) == 2
    assert Reminder.objects.count() == 4


def test_a_paid_notice_gets_no_reminder(mailed: Any) -> None:
    m = mailed(mailed_on=dt.date(2027, 3, 1))
    payment_record(m.notice.pk, key="k-1")
    last = dt.date.fromisoformat(m.notice.deadlines["pay"])
    assert reminders_send(noon(m, last - dt.timedelta(days=7))) == 0


def test_instalments_are_reminded_before_they_fall_due(mailed: Any) -> None:
    m = mailed()
    plan = plan_create(m.notice.pk, monthly=Decimal(25), first_due=dt.date(2027, 5, 10))
    first = plan.instalments.first()
    assert first is not None
    sent = reminders_send(noon(m, first.due_on - dt.timedelta(days=1)))
    assert sent == 1
    assert Reminder.objects.get().deadline == "instalment-1"
