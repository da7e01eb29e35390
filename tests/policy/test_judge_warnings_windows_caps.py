"""Warning periods, enforcement windows (school calendar, time zone, DST) and caps."""

from __future__ import annotations

import datetime as dt

from tests.policy.judging import local, over

UTC = dt.UTC


def test_ab645_gives_only_warnings_for_the_programs_first_60_days() -> None:
    start = dt.date(2027, 1, 1)
    day_60 = local("ca-ab645", "2027-03-01T10:00")  # day 60
    day_61 = local("ca-ab645", "2027-03-02T10:00")
    early = over("ca-ab645", 20, captured_at=day_60, program_started_on=start)
    later = over("ca-ab645", 20, captured_at=day_61, program_started_on=start)
    assert early.outcome == "warning" and early.fine is None
    assert "warnings only for the first 60 days" in early.reason
    assert later.outcome == "citation"


def test_ab645_makes_a_plates_first_11_to_15_mph_violation_a_warning() -> None:
    assert over("ca-ab645", 15, prior_notices=0).outcome == "warning"
    assert over("ca-ab645", 16, prior_notices=0).outcome == "citation"
    assert over("ca-ab645", 15, prior_notices=1).outcome == "citation"


def test_chicago_warns_for_the_first_30_days_of_each_new_camera() -> None:
    activated = dt.date(2027, 2, 1)
    day_30 = over("chicago", 12, camera_activated_on=activated,
                  captured_at=local("chicago", "2027-03-02T10:00"))  # fmt: skip
    day_31 = over("chicago", 12, camera_activated_on=activated,
                  captured_at=local("chicago", "2027-03-03T10:00"))  # fmt: skip
    assert day_30.outcome == "warning"
    assert "day 30 of this camera" in day_30.check("camera_warning").detail
    assert day_31.outcome == "citation"


def test_chicago_makes_every_plates_first_violation_a_warning() -> None:
    first = over("chicago", 25, prior_notices=0)
    assert first.outcome == "warning"
    assert not first.check("first_notice_warning").passed


def test_philadelphia_warns_for_60_days_and_albuquerque_for_30() -> None:
    start = dt.date(2027, 1, 1)
    philly = local("philadelphia", "2027-02-15T10:00")  # day 46
    abq_day_30 = local("albuquerque", "2027-01-30T10:00")
    abq_day_31 = local("albuquerque", "2027-01-31T10:00")
    assert over("philadelphia", 15, captured_at=philly, program_started_on=start).outcome == (
        "warning"
    )
    assert over("albuquerque", 12, captured_at=abq_day_30, program_started_on=start).outcome == (
        "warning"
    )
    assert over("albuquerque", 12, captured_at=abq_day_31, program_started_on=start).outcome == (
        "citation"
    )


def test_nyc_and_the_demo_have_no_warning_period() -> None:
    new = dt.date(2027, 3, 2)
    for code in ("nyc", "demo"):
        decision = over(code, 12, program_started_on=new, camera_activated_on=new, prior_notices=0)
        assert decision.outcome == "citation", code


def test_a_chicago_school_zone_is_enforced_7am_to_7pm_on_school_days() -> None:
    tuesday = over("chicago", 12, zone="school", captured_at=local("chicago", "2027-03-02T07:00"))
    evening = over("chicago", 12, zone="school", captured_at=local("chicago", "2027-03-02T19:00"))
    saturday = over("chicago", 12, zone="school", captured_at=local("chicago", "2027-03-06T10:00"))
    spring_break = over(
        "chicago", 12, zone="school", captured_at=local("chicago", "2027-03-23T10:00")
    )
    assert tuesday.outcome == "citation"
    assert evening.outcome == "none" and "outside the school zone's hours" in evening.reason
    assert saturday.outcome == "none"
    assert spring_break.outcome == "none"


def test_the_facts_school_day_overrides_the_calendar() -> None:
    saturday = local("chicago", "2027-03-06T10:00")
    assert over("chicago", 12, zone="school", captured_at=saturday, school_day=True).outcome == (
        "citation"
    )
    tuesday = local("chicago", "2027-03-02T10:00")
    assert over("chicago", 12, zone="school", captured_at=tuesday, school_day=False).outcome == (
        "none"
    )


def test_the_school_window_follows_chicago_time_across_the_dst_change() -> None:
    # 12:30 UTC is 06:30 CST on Monday 8 March 2027 but 07:30 CDT on Monday 15 March
    # (DST began on the 14th): the same UTC time is outside, then inside, the window.
    before = over("chicago", 12, zone="school",
                  captured_at=dt.datetime(2027, 3, 8, 12, 30, tzinfo=UTC))  # fmt: skip
    after = over("chicago", 12, zone="school",
                 captured_at=dt.datetime(2027, 3, 15, 12, 30, tzinfo=UTC))  # fmt: skip
    assert before.outcome == "none" and "06:30 CST" in before.check("window").detail
    assert after.outcome == "citation" and "07:30 CDT" in after.check("window").detail


def test_a_reading_given_in_another_time_zone_is_judged_in_the_jurisdictions() -> None:
    # 05:30 in Los Angeles is 07:30 in Chicago: inside the school window.
    pacific = dt.datetime.fromisoformat("2027-03-02T05:30:00-08:00")
    assert over("chicago", 12, zone="school", captured_at=pacific).outcome == "citation"


def test_a_chicago_park_zone_is_enforced_in_park_hours_only() -> None:
    night = over("chicago", 12, zone="park", captured_at=local("chicago", "2027-03-02T23:30"))
    day = over("chicago", 12, zone="park", captured_at=local("chicago", "2027-03-06T09:00"))
    assert night.outcome == "none" and day.outcome == "citation"


def test_philadelphia_caps_a_plate_at_3_notices_in_30_minutes() -> None:
    now = local("philadelphia", "2027-03-02T10:00")
    three = tuple(now - dt.timedelta(minutes=m) for m in (5, 10, 29))
    two_and_an_old_one = tuple(now - dt.timedelta(minutes=m) for m in (5, 10, 31))
    capped = over("philadelphia", 15, recent_notices=three)
    allowed = over("philadelphia", 15, recent_notices=two_and_an_old_one)
    assert capped.outcome == "none" and "at most 3" in capped.reason
    assert allowed.outcome == "citation"


def test_a_jurisdiction_without_a_cap_tickets_every_reading() -> None:
    now = local("nyc", "2027-03-02T10:00")
    many = tuple(now - dt.timedelta(minutes=m) for m in range(1, 10))
    assert over("nyc", 15, recent_notices=many).outcome == "citation"
