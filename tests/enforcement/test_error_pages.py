from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User


@pytest.fixture
def public(settings) -> Client:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.enforcement.urls_with_errors"
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_a_mistyped_address_gets_the_styled_404_without_the_url_list(public: Client) -> None:
    response = public.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "We cannot find that page" in page
    assert "usa-footer" in page  # the site's own layout
    assert "URLconf" not in page and "staff/policy" not in page


@pytest.mark.django_db
def test_the_404_page_speaks_spanish_to_a_spanish_reader(public: Client) -> None:
    public.cookies["django_language"] = "es"
    page = public.get("/no-such-page/").content.decode()
    assert 'lang="es"' in page
    assert "No encontramos esa página" in page


@pytest.mark.django_db
def test_a_failure_gets_the_styled_500_page_in_both_languages(public: Client) -> None:
    response = public.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "RuntimeError" not in response.content.decode()
    public.cookies["django_language"] = "es"
    assert "Algo salió mal" in public.get("/boom/").content.decode()


@pytest.mark.django_db
def test_a_signed_in_role_without_permission_is_told_which_role_it_needs(
    public: Client,
    staff: Callable[..., User],
) -> None:
    public.force_login(staff("reviewer"))
    response = public.get("/staff/policy/audit/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "Auditor / privacy officer" in page
    assert "Go to your staff home" in page


@pytest.mark.django_db
def test_camera_pages_name_the_operator_role_to_a_reviewer(public: Client, staff) -> None:  # type: ignore[no-untyped-def]
    public.force_login(staff("reviewer"))
    response = public.get("/staff/cameras/")
    assert response.status_code == 403
    assert "Camera operator" in response.content.decode()


@pytest.mark.django_db
def test_a_signed_out_visitor_is_still_sent_to_sign_in(public: Client) -> None:
    response = public.get("/staff/policy/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


@pytest.mark.django_db
def test_a_missing_csrf_token_gets_the_styled_403_page(public: Client) -> None:
    csrf_client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = csrf_client.post("/staff/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "usa-footer" in response.content.decode()


@pytest.mark.django_db
def test_a_footer_page_that_does_not_exist_is_a_404(public: Client) -> None:
    assert public.get("/about/nothing/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["help", "contact", "privacy", "accessibility", "use-policy"])
def test_every_footer_page_answers(public: Client, slug: str) -> None:
    response = public.get(f"/about/{slug}/")
    assert response.status_code == 200
    assert "Exampleville" in response.content.decode()


@pytest.mark.django_db
def test_a_request_for_an_unknown_host_gets_the_styled_400_page(public: Client) -> None:
    response = public.get("/", HTTP_HOST="not-ours.example")
    assert response.status_code == 400
    assert "We could not understand that request" in response.content.decode()
