"""The API's answers besides 200: empty or bad filters are 400, unknown ids 404, and the
schema documents both."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import yaml
from django.test import Client

from enforcement.services import violation_record
from tests.enforcement.test_record_violation import event
from tests.factories import enforceable_camera

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(client: Client, staff: Any) -> Client:
    client.force_login(staff("auditor", "operator"))  # violations and cameras
    return client


@pytest.mark.parametrize(
    "query",
    ["/api/v1/violations/?status=", "/api/v1/violations/?camera__code=",
     "/api/v1/cameras/?active=", "/api/v1/cameras/?direction=%20"],
)  # fmt: skip
def test_an_empty_filter_is_refused_with_400(auditor: Client, query: str) -> None:
    response = auditor.get(query)
    assert response.status_code == 400
    (messages,) = response.json().values()
    assert any("empty filter is not allowed" in m for m in messages), messages


def test_a_status_that_does_not_exist_is_refused_with_400(auditor: Client) -> None:
    response = auditor.get("/api/v1/violations/?status=paid")
    assert response.status_code == 400 and "status" in response.json()


def test_a_real_filter_still_filters(auditor: Client) -> None:
    camera = enforceable_camera()
    violation, _ = violation_record(event(camera.code, speed=60.5))
    rejected = auditor.get("/api/v1/violations/?status=rejected").json()["results"]
    assert [v["event_id"] for v in rejected] == [str(violation.event_id)]
    assert auditor.get("/api/v1/violations/?status=warning").json()["results"] == []


def test_an_unknown_or_malformed_id_is_404(auditor: Client) -> None:
    assert auditor.get(f"/api/v1/violations/{uuid.uuid4()}/").status_code == 404
    assert auditor.get("/api/v1/violations/not-a-uuid/").status_code == 404
    assert auditor.get("/api/v1/cameras/99999/").status_code == 404


def test_the_schema_documents_400_on_lists_and_404_on_details(auditor: Client) -> None:
    schema = yaml.safe_load(auditor.get("/api/schema/").content)
    paths = schema["paths"]
    for listing in ("/api/v1/violations/", "/api/v1/cameras/"):
        assert {"200", "400", "403"} <= set(paths[listing]["get"]["responses"])
    for detail in ("/api/v1/violations/{event_id}/", "/api/v1/cameras/{id}/"):
        assert {"200", "403", "404"} <= set(paths[detail]["get"]["responses"])
