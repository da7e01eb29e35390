from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/portal/", "/transparency/"])
def test_public_pages_need_no_login(client: Client, url: str) -> None:
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_pages_speak_spanish_when_asked(client: Client) -> None:
    page = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'lang="es"' in page
    assert "Busque su aviso" in page


@pytest.mark.django_db
def test_the_portal_does_not_reveal_whether_a_plate_is_known(client: Client) -> None:
    from enforcement.cases.numbers import notice_number_new

    response = client.post("/portal/", {"citation_number": notice_number_new(), "plate": "ABC123"})
    assert "could not find a notice with that number and plate" in response.content.decode()


@pytest.mark.django_db
def test_the_api_schema_is_published(client: Client) -> None:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/violations/" in response.content


@pytest.mark.django_db
def test_the_violation_api_needs_the_view_permission(client: Client, staff: Any) -> None:
    client.force_login(staff("equity_reviewer"))
    assert client.get("/api/v1/violations/").status_code == 403
    client.force_login(staff("reviewer"))
    assert client.get("/api/v1/violations/").status_code == 200


@pytest.mark.django_db
def test_the_api_has_no_plate_search(client: Client, staff: Any) -> None:
    client.force_login(staff("reviewer"))
    body = client.get("/api/v1/violations/?plate_text=ABC").json()
    assert "plate_text" not in str(body)
