"""The case page and the evidence behind it, seen only by the session that opened it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from enforcement.portal.selectors import notice_deadlines
from policy.models import AuditEvent

pytestmark = pytest.mark.django_db


def opened(m: Any) -> Client:
    client = Client()
    assert client.post("/portal/", {"citation_number": m.number, "plate": m.notice.plate})
    return client


def test_the_case_page_explains_the_measurement_device_placement_and_deadlines(
    mailed: Any,
) -> None:
    page = opened(mailed()).get("/portal/case/").content.decode()
    assert "The camera measured 84.0 km/h, give or take 1.4 km/h." in page
    assert "82.6 km/h" in page  # the lower bound that was used
    assert "Calibration certificate" in page and "passed" in page
    assert "Crash history and speed survey." in page
    assert "Days left" in page and "30" in page
    assert 'alt="Your vehicle entering the measured stretch of road' in page


def test_each_evidence_view_is_audited_against_the_notice(mailed: Any) -> None:
    m = mailed()
    client = opened(m)
    response = client.get("/portal/case/evidence/entry/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    event = AuditEvent.objects.get(action="notice.evidence_viewed")
    assert event.object_id == str(m.notice.pk) and event.details["file"] == "entry.jpg"
    assert event.actor_label == "resident (portal)"


def test_evidence_needs_an_opened_case_and_a_listed_role(mailed: Any) -> None:
    m = mailed()
    assert Client().get("/portal/case/evidence/entry/").status_code == 404
    client = opened(m)
    for role in ("manifest", "..", "entry.jpg"):
        assert client.get(f"/portal/case/evidence/{role}/").status_code == 404
    assert not AuditEvent.objects.filter(action="notice.evidence_viewed").exists()


def test_a_resident_cannot_reach_another_residents_evidence_by_any_identifier(
    mailed: Any,
) -> None:
    mine, theirs = mailed(plate="ABC123"), mailed(plate="XYZ789")
    client = opened(mine)
    for url in (
        f"/portal/case/?notice={theirs.notice.pk}",
        f"/portal/case/evidence/entry/?notice={theirs.notice.pk}",
        f"/staff/cases/{theirs.notice.violation_id}/",
        f"/staff/cases/{theirs.notice.violation_id}/files/entry.jpg",
        f"/api/v1/citations/{theirs.number}/",
    ):
        response = client.get(url)
        if response.status_code == 200 and not response.streaming:
            page = response.content.decode()
            assert theirs.number not in page and theirs.number[:4] + "-" not in page
        else:
            assert response.status_code != 200 or "evidence" in url  # own evidence only
    logged = AuditEvent.objects.filter(action="notice.evidence_viewed")
    assert all(e.object_id == str(mine.notice.pk) for e in logged)


def test_a_session_cookie_for_a_closed_case_no_longer_opens_it(mailed: Any) -> None:
    client = opened(mailed())
    client.post("/portal/leave/")
    assert client.get("/portal/case/").status_code == 302
    assert client.get("/portal/case/evidence/entry/").status_code == 404


@pytest.mark.parametrize(("today", "left"), [(dt.date(2027, 3, 31), 0), (dt.date(2027, 4, 1), -1)])
def test_each_deadline_runs_to_its_last_day(mailed: Any, today: dt.date, left: int) -> None:
    m = mailed(mailed_on=dt.date(2027, 3, 1), measured_at=timezone.now())
    deadlines = notice_deadlines(m.notice, today)
    assert {d.name for d in deadlines} == {"pay", "relief", "nominate", "contest"}
    assert all(d.last_day == dt.date(2027, 3, 31) and d.days_left == left for d in deadlines)


def test_a_photo_may_be_kept_by_the_residents_browser_but_by_no_shared_cache(
    mailed: Any,
) -> None:
    client = opened(mailed())
    page = client.get("/portal/case/").content.decode()
    src = re.search(r'src="(/portal/case/evidence/entry/\?v=[0-9a-f]{16})"', page)
    assert src is not None
    response = client.get(src.group(1))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=3600"
    assert "Cookie" in response["Vary"] and response["ETag"]


def test_each_cases_photo_has_its_own_url_and_another_version_opens_nothing(
    mailed: Any,
) -> None:
    mine, theirs = opened(mailed(plate="ABC123")), opened(mailed(plate="XYZ789"))
    my_src = re.search(r'src="([^"]*entry/\?v=[^"]+)"', mine.get("/portal/case/").content.decode())
    their_src = re.search(
        r'src="([^"]*entry/\?v=[^"]+)"', theirs.get("/portal/case/").content.decode()
    )
    assert my_src and their_src and my_src.group(1) != their_src.group(1)
    assert mine.get(their_src.group(1)).status_code == 404


def test_closing_the_case_clears_this_browsers_cached_photos(mailed: Any) -> None:
    client = opened(mailed())
    assert client.post("/portal/leave/")["Clear-Site-Data"] == '"cache"'
