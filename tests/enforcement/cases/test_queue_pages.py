"""The review queue and case pages: thin views over the transitions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enforcement.models import Violation, ViolationStatus
from policy.audit import audit_record
from policy.models import AuditEvent

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db
S = ViolationStatus


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_review_queue_lists_the_oldest_case_first(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    now = timezone.now()
    newer = case(measured_at=now)
    older = case(measured_at=now - dt.timedelta(hours=3))
    html = login(people["reviewer"]).get("/staff/cases/queue/review/").content.decode()
    assert html.index(f"/staff/cases/{older.pk}/") < html.index(f"/staff/cases/{newer.pk}/")


def test_the_queue_filters_by_camera_date_and_speed_band(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    fast = case(speed_kmh=100.0)  # 48.6 over
    slow = case(speed_kmh=65.0)  # 13.6 over
    old = case(measured_at=timezone.now() - dt.timedelta(days=10))
    client = login(people["reviewer"])
    html = client.get("/staff/cases/queue/review/?band=40%2B").content.decode()
    assert f"/staff/cases/{fast.pk}/" in html and f"/staff/cases/{slow.pk}/" not in html
    html = client.get(f"/staff/cases/queue/review/?camera={slow.camera.code}").content.decode()
    assert f"/staff/cases/{slow.pk}/" in html and f"/staff/cases/{fast.pk}/" not in html
    day = timezone.localdate().isoformat()
    html = client.get(f"/staff/cases/queue/review/?date_from={day}").content.decode()
    assert f"/staff/cases/{old.pk}/" not in html and f"/staff/cases/{fast.pk}/" in html
    before = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    html = client.get(f"/staff/cases/queue/review/?date_to={before}").content.decode()
    assert f"/staff/cases/{old.pk}/" in html and f"/staff/cases/{fast.pk}/" not in html


def test_an_approver_cannot_open_the_reviewers_queue(people: dict[str, User]) -> None:
    assert login(people["approver"]).get("/staff/cases/queue/review/").status_code == 403
    assert login(people["auditor"]).get("/staff/cases/queue/approval/").status_code == 403


def test_a_case_open_by_one_reviewer_is_left_out_of_anothers_queue_and_next(
    case: Callable[..., Violation], people: dict[str, User], staff: Callable[..., User]
) -> None:
    v = case()
    login(people["reviewer"]).get(f"/staff/cases/{v.pk}/")
    other = login(staff("reviewer"))
    assert f"/staff/cases/{v.pk}/" not in other.get("/staff/cases/queue/review/").content.decode()
    response = other.get("/staff/cases/queue/review/next/")
    assert response.headers["Location"] == "/staff/cases/queue/review/"
    assert other.get(f"/staff/cases/{v.pk}/").status_code == 302  # refused, sent back


def test_the_case_page_shows_every_gate_check_with_its_values(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    v = case()
    audit_record(
        actor=None,
        action="violation.recorded",
        obj=v,
        details={
            "checks": {"certificate": True, "threshold": True},
            "facts": {"measured_on": "2026-12-06", "certificate_valid": True},
        },
    )
    html = login(people["reviewer"]).get(f"/staff/cases/{v.pk}/").content.decode()
    assert "certificate: valid on 2026-12-06: True" in html
    assert "threshold: 82.6 &gt; 50 + 10.0 km/h" in html
    assert 'value="ABC123"' in html and "Keyboard shortcuts" in html


def test_reviewing_and_approving_through_the_pages_reaches_the_registry_vehicle(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    v = case(plate="ABC12")
    r = login(people["reviewer"]).post(
        f"/staff/cases/{v.pk}/act/", {"action": "review", "plate": "ABC123"}
    )
    assert r.status_code == 302
    approver = login(people["approver"])
    r = approver.post(f"/staff/cases/{v.pk}/act/", {"action": "approve"})
    assert r.headers["Location"] == f"/staff/cases/{v.pk}/"
    html = approver.get(f"/staff/cases/{v.pk}/").content.decode()
    assert "Toyota Corolla, Blue" in html
    approver.post(f"/staff/cases/{v.pk}/act/", {"action": "confirm"})
    v.refresh_from_db()
    assert v.status == S.CITATION_ISSUED and v.notice.plate == "ABC123"


def test_a_refused_action_is_shown_and_changes_nothing(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    v = case()
    client = login(people["both"])
    client.post(f"/staff/cases/{v.pk}/act/", {"action": "review", "plate": "ABC123"})
    r = client.post(f"/staff/cases/{v.pk}/act/", {"action": "approve"}, follow=True)
    assert "different person" in r.content.decode()
    v.refresh_from_db()
    assert v.status == S.AWAITING_APPROVAL


def test_a_reviewer_is_not_offered_the_case_they_reviewed_for_approval(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    v = case()
    client = login(people["both"])
    client.post(f"/staff/cases/{v.pk}/act/", {"action": "review", "plate": "ABC123"})
    html = client.get(reverse("enforcement:approval-queue")).content.decode()
    assert f"/staff/cases/{v.pk}/" not in html


def test_an_evidence_file_is_served_only_if_listed_and_every_view_is_audited(
    case: Callable[..., Violation], people: dict[str, User], settings: Settings, tmp_path: Path
) -> None:
    from tests.enforcement.evidence import use_evidence_storage

    root = use_evidence_storage(settings, tmp_path)
    (root / "cam" / "ev").mkdir(parents=True)
    (root / "cam" / "ev" / "01_entry.jpg").write_bytes(b"\xff\xd8jpeg")
    v = case(
        evidence_dir="cam/ev",
        evidence_manifest={"files": [{"name": "01_entry.jpg", "role": "entry"}]},
    )
    client = login(people["reviewer"])
    assert client.get(f"/staff/cases/{v.pk}/files/01_entry.jpg").status_code == 200
    assert client.get(f"/staff/cases/{v.pk}/files/manifest.json").status_code == 404
    viewed = AuditEvent.objects.filter(action="violation.evidence_viewed", object_id=str(v.pk))
    assert [e.details["file"] for e in viewed] == ["01_entry.jpg"]


def test_an_approver_retries_a_failed_owner_lookup_from_the_case_page(
    case: Callable[..., Violation], people: dict[str, User], settings: Settings, tmp_path: Path
) -> None:
    settings.FAIRSPEED = {**settings.FAIRSPEED, "OWNER_REGISTRY": str(tmp_path / "r.csv")}
    v = case()
    login(people["reviewer"]).post(
        f"/staff/cases/{v.pk}/act/", {"action": "review", "plate": "ABC123"}
    )
    approver = login(people["approver"])
    approver.post(f"/staff/cases/{v.pk}/act/", {"action": "approve"})
    assert "Look up the owner again" in approver.get(f"/staff/cases/{v.pk}/").content.decode()
    r = approver.post(f"/staff/cases/{v.pk}/act/", {"action": "lookup"}, follow=True)
    assert "r.csv" in r.content.decode()  # still unreadable: said so, nothing changes
    (tmp_path / "r.csv").write_text(
        "plate,state,make,model,colour,owner_name,address,email\nABC123,CA,K,R,W,N,Addr,\n"
    )
    refused = login(people["reviewer"]).post(f"/staff/cases/{v.pk}/act/", {"action": "lookup"})
    assert refused.status_code == 302
    v.refresh_from_db()
    assert v.status == S.APPROVED
    approver.post(f"/staff/cases/{v.pk}/act/", {"action": "lookup"})
    v.refresh_from_db()
    assert v.status == S.OWNER_FOUND
