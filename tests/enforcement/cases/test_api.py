"""The staff API: token auth, per-role permissions, actions through the services."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from enforcement.models import Violation, ViolationStatus

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db
S = ViolationStatus


def api(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_without_a_token_nothing_is_served(case: Callable[..., Violation]) -> None:
    case()
    assert APIClient().get("/api/v1/violations/").status_code in (401, 403)


def test_a_reviewer_and_an_approver_clear_a_case_through_the_api(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    v = case(plate="A8C123")
    r = api(people["reviewer"]).post(
        f"/api/v1/violations/{v.event_id}/review/", {"plate": "ABC123"}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == S.AWAITING_APPROVAL
    approver = api(people["approver"])
    r = approver.post(f"/api/v1/violations/{v.event_id}/approve/")
    assert r.json()["status"] == S.OWNER_FOUND
    r = approver.post(f"/api/v1/violations/{v.event_id}/confirm-vehicle/")
    assert r.json()["status"] == S.CITATION_ISSUED
    listed = approver.get("/api/v1/citations/").json()["results"]
    assert len(listed) == 1 and listed[0]["kind"] == "citation"
    assert "plate" not in listed[0] and "pin_hash" not in listed[0]
    number = listed[0]["number"]
    assert approver.get(f"/api/v1/citations/{number}/").json()["fine_amount"] == "100.00"


def test_an_approver_cannot_review_and_a_reviewer_cannot_approve(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    v = case()
    r = api(people["approver"]).post(
        f"/api/v1/violations/{v.event_id}/review/", {"plate": "X1"}, format="json"
    )
    assert r.status_code == 403
    assert (
        api(people["reviewer"]).post(f"/api/v1/violations/{v.event_id}/approve/").status_code == 403
    )


def test_a_refused_transition_is_a_conflict_with_its_reason(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    v = case()
    client = api(people["both"])
    client.post(f"/api/v1/violations/{v.event_id}/review/", {"plate": "ABC123"}, format="json")
    r = client.post(f"/api/v1/violations/{v.event_id}/approve/")
    assert r.status_code == 409 and "different person" in r.json()["detail"]


def test_a_dismissal_needs_a_listed_reason(
    case: Callable[..., Violation], people: dict[str, User]
) -> None:
    v = case()
    client = api(people["reviewer"])
    r = client.post(f"/api/v1/violations/{v.event_id}/dismiss/", {"code": "nope"}, format="json")
    assert r.status_code == 400
    r = client.post(
        f"/api/v1/violations/{v.event_id}/dismiss/", {"code": "obstruction"}, format="json"
    )
    assert r.json()["status"] == S.DISMISSED


def test_there_is_no_plate_search(case: Callable[..., Violation], people: dict[str, User]) -> None:
    case(plate="ABC123")
    case(plate="XYZ789")
    client = api(people["auditor"])
    assert len(client.get("/api/v1/violations/?plate_text=ABC123").json()["results"]) == 2
    assert client.get("/api/v1/citations/?plate=ABC123").status_code == 200


def test_the_openapi_schema_validates() -> None:
    out = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file",
         "/dev/null"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
