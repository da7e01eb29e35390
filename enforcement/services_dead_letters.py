"""Dead letters: every event the back office cannot store is kept whole, then replayed.

``dead_letter_record`` is the only way out of ``record_violation`` other than a stored
violation or a retry: whatever the error (a malformed event, a camera configured wrong,
a value the database refuses), the message is kept with the error's type and text,
audited, and receipted, so the camera stops resending it. ``dead_letter_replay`` runs it
through ``violation_record`` again once the cause is fixed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from cameras.services.receipts import Outcome, receipt_record
from enforcement.models import DeadLetter, Violation
from enforcement.services import violation_record
from policy.audit import audit_record

log = logging.getLogger(__name__)

# Errors worth retrying as they are: the database or the storage is briefly gone.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    OSError,  # storage unreachable; ConnectionError is a subclass
)
# A payload PostgreSQL's jsonb refuses (a NUL character, say) is kept as JSON text here.
UNSTORABLE_KEY = "unstorable_json"

Actor = AbstractBaseUser | AnonymousUser | None


class DeadLetterError(Exception):
    """A replay that cannot start (the letter is already resolved)."""


@dataclass(frozen=True)
class ReplayResult:
    letter: DeadLetter
    violation: Violation | None
    error: str


def _clean(text: str) -> str:
    return text.replace("\x00", "\\x00")


def describe_error(exc: BaseException) -> tuple[str, str]:
    """(type, message) as stored: the message without NUL bytes, at most 10 000 chars."""
    return type(exc).__name__, _clean(str(exc))[:10000]


def dead_letter_payload(letter: DeadLetter) -> Any:
    """The message exactly as it arrived."""
    payload = letter.payload
    if isinstance(payload, dict) and set(payload) == {UNSTORABLE_KEY}:
        return json.loads(payload[UNSTORABLE_KEY])
    return payload


def dead_letter_record(data: Any, error_type: str, error: str) -> DeadLetter:
    """Keep an event that cannot be stored, whole, with the error; audit and receipt it.

    A resend of an event already kept (the camera lost the receipt) returns the letter
    that is there instead of adding a second one.
    """
    payload = data if isinstance(data, dict) else {"raw": repr(data)[:10000]}
    event_id = _clean(str(payload.get("event_id", "")))[:80]
    camera_code = _clean(str(payload.get("camera_code", "")))
    error = _clean(error)
    existing = (
        DeadLetter.objects.filter(event_id=event_id, resolved=False).first() if event_id else None
    )
    if existing is not None and dead_letter_payload(existing) == payload:
        return existing
    try:
        return _dead_letter_create(payload, payload, event_id, camera_code, error_type, error)
    except DatabaseError as exc:
        if isinstance(exc, (OperationalError, InterfaceError)):
            raise
        # The database refused the payload itself (jsonb and NUL): keep it as JSON text.
        stored = {UNSTORABLE_KEY: json.dumps(payload, ensure_ascii=True, default=repr)}
        return _dead_letter_create(payload, stored, event_id, camera_code, error_type, error)


def _dead_letter_create(
    payload: dict[str, Any],
    stored: dict[str, Any],
    event_id: str,
    camera_code: str,
    error_type: str,
    error: str,
) -> DeadLetter:
    with transaction.atomic():
        letter = DeadLetter.objects.create(
            event_id=event_id, error_type=error_type[:100], error=error, payload=stored
        )
        audit_record(
            actor=None,
            actor_label=f"camera:{camera_code}" if camera_code else "",
            action="violation.dead_lettered",
            obj=letter,
            reason=f"{error_type}: {error}"[:2000],
            details={"event_id": event_id, "error_type": error_type},
        )
        receipt_record(event_id, camera_code, Outcome.DEAD_LETTERED)
    log.error("dead-lettered event %s: %s: %s", event_id, error_type, error[:300])
    return letter


def dead_letter_replay(letter: DeadLetter, *, actor: Actor, reason: str = "") -> ReplayResult:
    """Run a dead letter through ``violation_record`` again.

    Success resolves the letter and links its violation; a failure keeps it open with
    the new error. Either way the attempt is audited. Transient errors propagate: the
    replay did not happen and may simply be tried again.
    """
    letter.refresh_from_db()
    if letter.resolved:
        raise DeadLetterError(f"dead letter {letter.pk} is already resolved")
    try:
        violation, _ = violation_record(dead_letter_payload(letter))
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:  # every other failure is recorded on the letter
        error_type, error = describe_error(exc)
        with transaction.atomic():
            DeadLetter.objects.filter(pk=letter.pk).update(
                replays=letter.replays + 1, error_type=error_type[:100], error=error
            )
            audit_record(
                actor=actor,
                action="dead_letter.replay_failed",
                obj=letter,
                reason=reason or f"{error_type}: {error}"[:2000],
                details={"error_type": error_type, "error": error[:2000]},
            )
        letter.refresh_from_db()
        return ReplayResult(letter, None, f"{error_type}: {error}")
    with transaction.atomic():
        DeadLetter.objects.filter(pk=letter.pk).update(
            resolved=True, resolved_at=timezone.now(), violation=violation,
            replays=letter.replays + 1,
        )  # fmt: skip
        audit_record(
            actor=actor,
            action="dead_letter.replayed",
            obj=letter,
            reason=reason or f"replayed into violation {violation.event_id}",
            details={"violation": violation.pk, "status": violation.status},
        )
    letter.refresh_from_db()
    return ReplayResult(letter, violation, "")


def dead_letters_open() -> list[DeadLetter]:
    return list(DeadLetter.objects.filter(resolved=False).order_by("received_at", "pk"))
