"""Looking a notice up without an account, and what an enumerating script gets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from enforcement.cases import numbers
from enforcement.cases.numbers import notice_number_display, notice_number_new
from enforcement.models import Notice
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


@pytest.fixture
def hash_work(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., tuple[int, int]]]:
    """(keyed HMACs, PBKDF2 verifications) one look-up spends: counted, not timed (a
    timing assertion fails on a busy machine); a skipped hash would be a path with none."""
    spent = {"hmac": 0, "pbkdf2": 0}
    real_mac, real_verify = numbers._pin_mac, numbers.PinHasher.verify

    def counting_mac(pin: str, salt: str) -> str:
        spent["hmac"] += 1
        return real_mac(pin, salt)

    def counting_verify(self: Any, password: str, encoded: str) -> bool:
        spent["pbkdf2"] += 1
        return bool(real_verify(self, password, encoded))

    monkeypatch.setattr(numbers, "_pin_mac", counting_mac)
    monkeypatch.setattr(numbers.PinHasher, "verify", counting_verify)
    lookup.legacy_hashes_remain.cache_clear()
    lookup._dummy_hash()

    def look_up_counting(number: str, **fields: str) -> tuple[int, int]:
        cache.clear()  # the look-up itself, not the lock-out
        spent.update(hmac=0, pbkdf2=0)
        look_up(Client(), number, **fields)
        return spent["hmac"], spent["pbkdf2"]

    yield look_up_counting
    lookup.legacy_hashes_remain.cache_clear()


def test_every_look_up_spends_one_keyed_hash_whatever_it_finds(
    mailed: Any, hash_work: Callable[..., tuple[int, int]]
) -> None:
    m = mailed()
    unknown = notice_number_new()
    assert hash_work(m.number, pin="AAAAAAAA") == (1, 0)
    assert hash_work(unknown, pin="AAAAAAAA") == (1, 0)
    assert hash_work(unknown, plate="ABC123") == (1, 0)
    assert hash_work(m.number, plate="WRONG1") == (1, 0)
    assert hash_work(m.number, pin=m.pin) == (1, 0)
    assert hash_work(m.number, plate="ABC123") == (1, 0)


def test_while_old_pbkdf2_hashes_remain_every_failure_also_spends_one(
    mailed: Any, hash_work: Callable[..., tuple[int, int]]
) -> None:
    m, old = mailed(), mailed(plate="XYZ789")
    legacy = numbers.PinHasher().encode(old.pin, numbers.PinHasher().salt())
    Notice.objects.filter(pk=old.notice.pk).update(pin_hash=legacy)
    unknown = notice_number_new()
    assert hash_work(old.number, pin="AAAAAAAA") == (1, 1)
    assert hash_work(m.number, pin="AAAAAAAA") == (1, 1)
    assert hash_work(unknown, pin="AAAAAAAA") == (1, 1)
    assert hash_work(unknown, plate="ABC123") == (1, 1)
    assert hash_work(m.number, plate="WRONG1") == (1, 1)
    assert hash_work(m.number, plate="ABC123") == (1, 0)


def test_an_old_pbkdf2_pin_still_opens_its_notice_and_is_replaced_by_a_keyed_hash(
    mailed: Any, hash_work: Callable[..., tuple[int, int]]
) -> None:
    old = mailed()
    legacy = numbers.PinHasher().encode(old.pin, numbers.PinHasher().salt())
    Notice.objects.filter(pk=old.notice.pk).update(pin_hash=legacy)
    # One PBKDF2 to verify the old hash, one HMAC to check and one to write the new hash.
    assert hash_work(old.number, pin=old.pin.lower()) == (2, 1)
    upgraded = Notice.objects.get(pk=old.notice.pk).pin_hash
    assert upgraded.startswith("fairspeed_pin_hmac$") and old.pin not in upgraded
    assert look_up(Client(), old.number, pin=old.pin).status_code == 302


def test_a_leaked_pin_hash_cannot_be_checked_without_the_key(mailed: Any, settings: Any) -> None:
    m = mailed()
    settings.PORTAL_PIN_KEY = "another deployment's key"
    assert look_up(Client(), m.number, pin=m.pin).status_code == 200


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
