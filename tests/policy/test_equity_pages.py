"""The equity reviewer's pages: placements (list, propose, detail with its map, decide),
the equity dashboard with its CSV, and the dry run of a rule change."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from policy.audit import audit_record
from policy.gate import GateFacts
from policy.models import PlacementProposal, PlacementStatus
from policy.services.tallies import notice_tally_add
from tests.factories import enforceable_camera
from tests.policy.city import load_city, point, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def city() -> None:
    load_city()


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_placement_list_says_the_city_is_fictional(staff) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(staff("equity_reviewer")).get(reverse("policy:placements"))
    assert page.status_code == 200
    assert "Port Halden (fictional) is a made-up city" in page.content.decode()


def test_a_proposal_made_on_the_form_is_located_and_shown_with_its_map(staff) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(staff("equity_reviewer"))
    lat, lon = point(3, 1)
    response = client.post(reverse("policy:placement-new"), {
        "title": "Eastgate Ave by the park", "jurisdiction": "demo", "address": "5 Eastgate Ave",
        "latitude": lat, "longitude": lon, "road": "Eastgate Ave", "direction": "north",
        "posted_limit_kmh": 40, "zone": "park", "justification": "",
    })  # fmt: skip
    placement = PlacementProposal.objects.get()
    assert response.status_code == 302 and placement.tract is not None
    page = client.get(reverse("policy:placement", args=[placement.pk])).content.decode()
    assert '<svg role="img"' in page and "Proposed camera" in page
    assert placement.tract.geoid in page
    assert "A written justification is required" in page


def test_a_reviewer_decides_on_the_detail_page_and_the_proposer_cannot(staff) -> None:  # type: ignore[no-untyped-def]
    author = staff("equity_reviewer")
    placement = submitted(author)
    PlacementProposal.objects.filter(pk=placement.pk).update(
        comments_close_on=timezone.localdate() - dt.timedelta(days=1)
    )
    url = reverse("policy:placement-decide", args=[placement.pk])
    own = signed_in(author).post(url, {"decision": "approve", "reasons": "mine"}, follow=True)
    assert "nobody decides on their own proposal" in own.content.decode()
    signed_in(staff("equity_reviewer")).post(url, {"decision": "reject", "reasons": "no data"})
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.REJECTED


def test_a_violation_reviewer_cannot_open_the_equity_pages(staff) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(staff("reviewer"))
    for name in ("policy:equity", "policy:dry-run", "policy:equity-csv"):
        assert client.get(reverse(name)).status_code in (302, 403)


def record(camera, *, speed: float, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    facts = GateFacts(
        camera_code=camera.code,
        measured_at=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
        measured_on=day,
        speed_kmh=speed,
        uncertainty_kmh=1.0,
        registered_limit_kmh=50,
        event_limit_kmh=50,
        zone="corridor",
        placement_found=True,
        placement_active_from=day - dt.timedelta(days=400),
        program_started_on=day - dt.timedelta(days=400),
        has_calibration=True,
        certificate_valid=True,
        selftest_passed=True,
        measurement_valid=True,
        evidence_verified=True,
        plate_confidence=0.97,
        prior_notices=1,
    )
    data = {k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in dataclasses.asdict(facts).items()}  # fmt: skip
    # What enforcement's violation_record writes: the audit event and its tally.
    audit_record(actor=None, action="violation.recorded",
                 details={"outcome": "awaiting_review", "facts": data})  # fmt: skip
    notice_tally_add(camera_code=camera.code, day=day, outcome="awaiting_review", repeat=True)


def placed_camera(col: int, row: int):  # type: ignore[no-untyped-def]
    camera = enforceable_camera()
    lat, lon = point(col, row)
    from policy.placement_selectors import tract_at

    tract = tract_at(lat, lon)
    assert tract is not None
    PlacementProposal.objects.filter(site=camera.site).update(
        tract=tract, district=tract.district, latitude=lat, longitude=lon
    )
    return camera


def test_the_dashboard_counts_notices_per_district_and_exports_csv(staff) -> None:  # type: ignore[no-untyped-def]
    camera = placed_camera(0, 2)
    day = timezone.localdate()
    for speed in (70, 75, 90):
        record(camera, speed=speed, day=day)
    client = signed_in(staff("equity_reviewer"))
    page = client.get(reverse("policy:equity")).content.decode()
    assert "Notices per 1,000 residents by district" in page and "<path" in page
    rows = list(
        csv.DictReader(io.StringIO(client.get(reverse("policy:equity-csv")).content.decode()))
    )
    harbour = next(r for r in rows if r["district"] == "Harbour")
    assert harbour["notices"] == "3" and harbour["cameras"] == "1"
    assert harbour["repeat_notice_share"] == "1.0000"
    assert harbour["notices_per_fatal_serious_crash"] != ""
    assert next(r for r in rows if r["district"] == "Southmoor")["notices"] == "0"


def test_the_dry_run_compares_the_current_rules_with_a_proposed_set(staff) -> None:  # type: ignore[no-untyped-def]
    camera = placed_camera(0, 2)
    day = timezone.localdate() - dt.timedelta(days=3)
    record(camera, speed=62, day=day)  # 11 km/h over: a demo citation, not 11 mph over
    record(camera, speed=90, day=day)  # 39 km/h over: 24 mph, a citation under AB 645
    client = signed_in(staff("equity_reviewer"))
    page = client.get(reverse("policy:dry-run"), {
        "candidate": "preset:ca-ab645", "start": day.isoformat(), "end": day.isoformat(),
    }).content.decode()  # fmt: skip
    assert "2 violations judged; 0 skipped" in page
    # Harbour, low income: demo 2 citations (40 + 90 USD); AB 645 1 citation (100 USD).
    assert "<td>low</td><td>0</td><td>2</td><td>130</td><td>0</td><td>1</td><td>100</td>" in (
        page.replace("\n", "")
    )


def test_the_placement_pages_speak_spanish(staff) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(staff("equity_reviewer"))
    client.cookies["django_language"] = "es"
    page = client.get(reverse("policy:placements"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Ubicaciones de cámaras" in page and "es una ciudad inventada" in page
    dashboard = client.get(reverse("policy:equity"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Panel de equidad" in dashboard


def test_an_active_placement_shows_its_effectiveness_and_takes_a_re_review(staff) -> None:  # type: ignore[no-untyped-def]
    camera = placed_camera(1, 1)
    placement = PlacementProposal.objects.get(site=camera.site)
    client = signed_in(staff("equity_reviewer"))
    page = client.get(reverse("policy:placement", args=[placement.pk])).content.decode()
    assert "Effectiveness review decision" in page and "Annual re-review" in page
    url = reverse("policy:placement-step", args=[placement.pk, "rereview"])
    client.post(url, {"reason": "crashes fell; keep it"})
    placement.refresh_from_db()
    assert placement.review_due_on == timezone.localdate() + dt.timedelta(days=365)
    # Activated 400 days ago: the 18-month review is not due yet, and nothing changes.
    early = client.post(
        reverse("policy:placement-step", args=[placement.pk, "effectiveness"]),
        {"keep": "no", "reason": "x"},
        follow=True,
    ).content.decode()
    assert "the effectiveness review is due on" in early
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.APPROVED
