"""Each deadline runs to the end of its last day where the camera stands; answered
notices (a plan, a contest) never default."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest

from enforcement.cases.mailing import notices_sweep
from enforcement.portal.contests import contest_open
from enforcement.portal.relief import plan_create

pytestmark = pytest.mark.django_db
MAILED = dt.date(2027, 3, 1)


def at(m: Any, day: dt.date, hour: int) -> dt.datetime:
    tz = zoneinfo.ZoneInfo(m.notice.violation.camera.site.timezone)
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=tz)


def test_the_pay_deadline_expires_the_day_after_its_last_day(mailed: Any) -> None:
    m = mailed(mailed_on=MAILED)
    last = dt.date.fromisoformat(m.notice.deadlines["pay"])
    notices_sweep(at(m, last, 23))
    m.notice.refresh_from_db()
    assert m.notice.defaulted_on is None
    notices_sweep(at(m, last + dt.timedelta(days=1), 0))
    m.notice.refresh_from_db()
    assert m.notice.defaulted_on == last + dt.timedelta(days=1)


@pytest.mark.parametrize("answer", ["plan", "contest"])
def test_a_notice_under_a_plan_or_a_contest_does_not_default(mailed: Any, answer: str) -> None:
    m = mailed(mailed_on=dt.date.today())
    if answer == "plan":
        plan_create(m.notice.pk, monthly=Decimal(10))
    else:
        contest_open(m.notice.pk, ground="other", statement="I was not there.", files=[])
    last = dt.date.fromisoformat(m.notice.deadlines["pay"])
    notices_sweep(at(m, last + dt.timedelta(days=5), 12))
    m.notice.refresh_from_db()
    assert m.notice.defaulted_on is None
