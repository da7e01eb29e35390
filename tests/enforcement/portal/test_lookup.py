"""Looking a notice up without an account, and what an enumerating script gets."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from enforcement.cases.numbers import notice_number_display, notice_number_new
from enforcement.portal import lookup, ratelimit
from policy.models import AuditEvent

pytestmark = pytest.mark.django_db
NOT_FOUND = "could not find a notice with that number and plate or PIN"


def look_up(client: Client, number: str, **fields: str) -> Any:
    return client.post("/portal/", {"citation_number": number, **fields})


def test_the_number_and_plate_open_the_case_in_this_browser_only(mailed: Any) -> None:
    m = mailed()
    resident, stranger = Client(), Client()
    response = look_up(resident, m.number, plate="abc 123")
    assert response.status_code == 302 and response["Location"] == "/portal/case/"
    assert notice_number_display(m.number) in resident.get("/portal/case/").content.decode()
    assert stranger.get("/portal/case/").status_code == 302


def test_the_number_and_pin_open_the_case(client: Client, mailed: Any) -> None:
    m = mailed()
    assert look_up(client, m.number[:4] + "-" + m.number[4:], pin=m.pin.lower()).status_code == 302


def test_a_typing_error_in_the_number_is_caught_by_the_check_digit(
    client: Client, mailed: Any, django_assert_num_queries: Any
) -> None:
    m = mailed()
    wrong = str((int(m.number[3]) + 1) % 10)
    swapped = m.number[:3] + wrong + m.number[4:]
    with django_assert_num_queries(0):
        page = look_up(client, swapped, plate="ABC123").content.decode()
    assert "typing error" in page
    assert 'aria-describedby="id_citation_number-hint id_citation_number-error"' in page


def test_a_wrong_plate_a_wrong_pin_and_an_unknown_number_get_the_same_answer(
    mailed: Any,
) -> None:
    m = mailed()
    unknown = notice_number_new()
    answers: list[tuple[int, bool]] = []
    for number, fields in (
        (m.number, {"plate": "XYZ789"}),
        (m.number, {"pin": "AAAAAAAA"}),
        (unknown, {"plate": "ABC123"}),
        (unknown, {"pin": "AAAAAAAA"}),
    ):
        response = look_up(Client(REMOTE_ADDR=f"10.0.0.{len(answers)}"), number, **fields)
        answers.append((response.status_code, NOT_FOUND in response.content.decode()))
    assert answers == [(200, True)] * 4


def test_an_unknown_number_costs_the_same_hash_work_as_a_known_one(
    mailed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = mailed()
    unknown = notice_number_new()
    verified: list[str] = []
    real_verify = lookup.PinHasher.verify

    def counting_verify(self: Any, password: str, encoded: str) -> bool:
        verified.append(encoded)
        return bool(real_verify(self, password, encoded))

    monkeypatch.setattr(lookup.PinHasher, "verify", counting_verify)

    def hashes(number: str, **fields: str) -> int:
        cache.clear()  # the look-up itself, not the lock-out
        verified.clear()
        look_up(Client(), number, **fields)
        return len(verified)

    # Exactly one PBKDF2 verification on every path (counted, not timed: a timing
    # assertion fails on a busy machine); a skipped hash would be a path with none.
    assert hashes(m.number, pin="AAAAAAAA") == 1
    assert hashes(unknown, pin="AAAAAAAA") == 1
    assert hashes(unknown, plate="ABC123") == 1
    assert hashes(m.number, plate="WRONG1") == 1


def test_failures_for_one_number_lock_it_out_and_the_page_says_until_when(
    mailed: Any,
) -> None:
    m = mailed()
    for i in range(ratelimit.BY_NUMBER.failures):
        look_up(Client(REMOTE_ADDR=f"10.1.0.{i}"), m.number, plate="WRONG1")
    response = look_up(Client(REMOTE_ADDR="10.2.0.1"), m.number, plate="ABC123")
    assert response.status_code == 429
    assert "paused until" in response.content.decode()


def test_failures_from_one_address_lock_that_address_out(mailed: Any) -> None:
    m = mailed()
    script = Client(REMOTE_ADDR="10.3.0.1")
    for _ in range(ratelimit.BY_ADDRESS.failures):
        look_up(script, notice_number_new(), plate="ABC123")
    assert look_up(script, m.number, plate="ABC123").status_code == 429
    assert look_up(Client(REMOTE_ADDR="10.3.0.2"), m.number, plate="ABC123").status_code == 302


def test_a_form_without_plate_or_pin_says_which_field_to_fill(client: Client) -> None:
    page = look_up(client, notice_number_new()).content.decode()
    assert "Enter the licence plate, or the PIN instead." in page


def test_opening_a_case_is_audited_without_the_owners_address(mailed: Any) -> None:
    m = mailed()
    look_up(Client(), m.number, plate="ABC123")
    event = AuditEvent.objects.get(action="notice.portal_opened")
    assert event.object_id == str(m.notice.pk)
    assert "Oak St" not in str(event.details) + event.reason


def test_the_page_speaks_spanish(client: Client) -> None:
    page = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Busque su aviso" in page and "Número de aviso" in page
