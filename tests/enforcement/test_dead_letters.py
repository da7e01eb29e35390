"""Every event the back office cannot store ends as a dead letter, and can be replayed."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from cameras.models import DeliveryReceipt
from enforcement.models import DeadLetter, Violation
from enforcement.services_dead_letters import (
    DeadLetterError,
    dead_letter_payload,
    dead_letter_replay,
)
from enforcement.tasks import record_violation
from policy.models import AuditEvent
from tests.enforcement.test_record_violation import event
from tests.factories import enforceable_camera

PASSAGE = {"speed_kmh": 80, "uncertainty_kmh": 1, "valid": True}

# The seven malformed payloads of issue 22: (change, the error's field path).
MALFORMED: list[tuple[dict[str, Any], str]] = [
    ({"calibration_version": "1a"}, "$.calibration_version"),
    ({"plate": "ABC"}, "$.plate"),
    ({"passage": {**PASSAGE, "world_x_m": "left"}}, "$.passage.world_x_m"),
    ({"plate": {"text": "ABC", "confidence": "high"}}, "$.plate.confidence"),
    ({"passage": {**PASSAGE, "class": "c" * 40}}, "$.passage.class"),
    ({"event_id": "garbage"}, "$.event_id"),
    ({"passage": {**PASSAGE, "speed_kmh": "fast"}}, "$.passage.speed_kmh"),
]


def misconfigured_camera():  # type: ignore[no-untyped-def]
    """A real fault the schema cannot see: the camera's site names no known rule set."""
    camera = enforceable_camera()
    camera.site.jurisdiction = "atlantis"
    camera.site.save()
    return camera


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "path"), MALFORMED)
def test_each_malformed_payload_ends_as_a_dead_letter_with_its_error(
    change: dict[str, Any], path: str
) -> None:
    camera = enforceable_camera()
    payload = event(camera.code, **change)
    result = record_violation.apply(args=[payload]).get()
    assert result.startswith("dead letter")
    letter = DeadLetter.objects.get()
    assert letter.payload == payload
    assert letter.error_type == "EventError" and f"at `{path}`" in letter.error
    assert not Violation.objects.exists()
    assert AuditEvent.objects.filter(action="violation.dead_lettered").count() == 1


@pytest.mark.django_db
def test_an_unexpected_error_is_a_dead_letter_not_a_log_line() -> None:
    camera = misconfigured_camera()
    payload = event(camera.code)
    record_violation.apply(args=[payload]).get()
    letter = DeadLetter.objects.get()
    assert letter.error_type == "RuleSetError" and "atlantis" in letter.error
    assert letter.payload == payload and not letter.resolved


@pytest.mark.django_db
def test_a_dead_lettered_event_is_receipted_so_the_camera_stops_resending() -> None:
    camera = misconfigured_camera()
    payload = event(camera.code)
    record_violation.apply(args=[payload]).get()
    receipt = DeliveryReceipt.objects.get(event_id=payload["event_id"])
    assert receipt.outcome == "dead_lettered" and receipt.camera_code == camera.code


@pytest.mark.django_db
def test_the_same_failing_event_sent_twice_is_one_dead_letter() -> None:
    camera = misconfigured_camera()
    payload = event(camera.code)
    record_violation.apply(args=[payload]).get()
    record_violation.apply(args=[payload]).get()
    assert DeadLetter.objects.count() == 1


@pytest.mark.django_db
def test_a_plate_with_a_nul_byte_is_stored_or_kept_whole_on_every_database() -> None:
    # PostgreSQL refuses NUL in text and jsonb; SQLite stores it. Nothing may be lost.
    camera = enforceable_camera()
    payload = event(camera.code, plate={"text": "AB\x00C", "confidence": 0.9})
    record_violation.apply(args=[payload]).get()
    if connection.vendor == "postgresql":
        letter = DeadLetter.objects.get()
        assert dead_letter_payload(letter) == payload
        assert "\x00" not in letter.error
    else:
        assert Violation.objects.get().plate_text == "AB\x00C"


@pytest.mark.django_db
def test_a_replay_after_the_fix_stores_the_violation_and_resolves_the_letter(staff) -> None:  # type: ignore[no-untyped-def]
    camera = misconfigured_camera()
    payload = event(camera.code)
    record_violation.apply(args=[payload]).get()
    letter = DeadLetter.objects.get()
    camera.site.jurisdiction = "demo"
    camera.site.save()
    result = dead_letter_replay(letter, actor=staff("operator"))
    assert result.violation is not None and str(result.violation.event_id) == payload["event_id"]
    letter.refresh_from_db()
    assert letter.resolved and letter.resolved_at and letter.violation == result.violation
    assert letter.replays == 1
    audit = AuditEvent.objects.get(action="dead_letter.replayed")
    assert audit.object_id == str(letter.pk) and audit.actor_label.startswith("user")
    assert DeliveryReceipt.objects.get(event_id=payload["event_id"]).outcome == "stored"


@pytest.mark.django_db
def test_a_replay_that_fails_again_keeps_the_letter_open_and_audits_the_try() -> None:
    camera = misconfigured_camera()
    record_violation.apply(args=[event(camera.code)]).get()
    letter = DeadLetter.objects.get()
    result = dead_letter_replay(letter, actor=None)
    assert result.violation is None and "atlantis" in result.error
    letter.refresh_from_db()
    assert not letter.resolved and letter.replays == 1
    assert AuditEvent.objects.filter(action="dead_letter.replay_failed").count() == 1


@pytest.mark.django_db
def test_a_resolved_letter_cannot_be_replayed_twice() -> None:
    camera = misconfigured_camera()
    record_violation.apply(args=[event(camera.code)]).get()
    letter = DeadLetter.objects.get()
    camera.site.jurisdiction = "demo"
    camera.site.save()
    dead_letter_replay(letter, actor=None)
    with pytest.raises(DeadLetterError, match="already resolved"):
        dead_letter_replay(letter, actor=None)
    assert Violation.objects.count() == 1


@pytest.mark.django_db
def test_the_command_replays_every_open_letter_or_one_by_id() -> None:
    camera = misconfigured_camera()
    for _ in range(2):
        record_violation.apply(args=[event(camera.code)]).get()
    first, _ = DeadLetter.objects.order_by("pk")
    with pytest.raises(CommandError, match="still fail"):
        call_command("replay_dead_letters", "--id", str(first.pk), stdout=io.StringIO())
    camera.site.jurisdiction = "demo"
    camera.site.save()
    out = io.StringIO()
    call_command("replay_dead_letters", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["replayed"] for line in lines] == [True, True]
    assert Violation.objects.count() == 2 and not DeadLetter.objects.filter(resolved=False)
    with pytest.raises(CommandError, match="no dead letter 999"):
        call_command("replay_dead_letters", "--id", "999")


@pytest.mark.django_db
def test_an_operator_sees_dead_letters_and_replays_one_with_the_button(staff) -> None:  # type: ignore[no-untyped-def]
    camera = misconfigured_camera()
    payload = event(camera.code)
    record_violation.apply(args=[payload]).get()
    letter = DeadLetter.objects.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff("operator"))
    assert "/staff/dead-letters/" in client.get("/staff/").content.decode()
    assert payload["event_id"] in client.get("/staff/dead-letters/").content.decode()
    page = client.get(f"/staff/dead-letters/{letter.pk}/")
    assert "atlantis" in page.content.decode() and "Replay" in page.content.decode()
    url = f"/staff/dead-letters/{letter.pk}/replay/"
    assert client.post(url).status_code == 403  # no CSRF token
    camera.site.jurisdiction = "demo"
    camera.site.save()
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.resolved and letter.violation is not None


@pytest.mark.django_db
def test_an_auditor_may_look_but_not_replay(staff) -> None:  # type: ignore[no-untyped-def]
    camera = misconfigured_camera()
    record_violation.apply(args=[event(camera.code)]).get()
    letter = DeadLetter.objects.get()
    client = Client()
    client.force_login(staff("auditor"))
    page = client.get(f"/staff/dead-letters/{letter.pk}/").content.decode()
    assert "atlantis" in page and "Replay</button>" not in page
    assert client.post(f"/staff/dead-letters/{letter.pk}/replay/").status_code == 403
    letter.refresh_from_db()
    assert not letter.resolved and letter.replays == 0


@pytest.mark.django_db
def test_a_reviewer_cannot_see_dead_letters_and_a_get_cannot_replay(staff) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(staff("reviewer"))
    assert client.get("/staff/dead-letters/").status_code == 403
    client.force_login(staff("operator"))
    assert client.get("/staff/dead-letters/1/replay/").status_code == 405
