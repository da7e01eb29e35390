"""Finding a notice without an account: number + plate, or number + PIN.

Enumeration is the threat: the answer to a wrong plate, a wrong PIN and a number that
does not exist is the same, and takes the same work: one PBKDF2 comparison every time
(against the notice's PIN hash, or against a fixed dummy hash when there is none to
compare), one indexed query every time. The check digit is verified first, so a typing
error is told apart from a wrong answer without touching the database.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hmac
from dataclasses import dataclass

from django.db import transaction

from enforcement.cases.numbers import (
    NUMBER_DIGITS,
    PinHasher,
    notice_number_normalise,
    pin_normalise,
    verhoeff_valid,
)
from enforcement.models import Notice
from enforcement.portal import ratelimit
from policy.audit import audit_record

RESIDENT = "resident (portal)"  # the audit log's actor label for a resident


class LookupOutcome(enum.Enum):
    FOUND = "found"
    MISTYPED = "mistyped"  # the check digit does not hold: a typing error
    NOT_FOUND = "not_found"  # unknown number, or a plate/PIN that does not match
    LOCKED = "locked"


@dataclass(frozen=True)
class LookupResult:
    outcome: LookupOutcome
    notice: Notice | None = None
    locked_until: dt.datetime | None = None


def plate_normalise(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


@functools.cache
def _dummy_hash() -> str:
    return PinHasher().encode("NOT-A-PIN", PinHasher().salt())


def _matches(notice: Notice | None, plate: str, pin: str) -> bool:
    """One PBKDF2 verification on every path, whatever is (or is not) found."""
    if pin:
        encoded = notice.pin_hash if notice is not None and notice.pin_hash else _dummy_hash()
        pin_ok = PinHasher().verify(pin_normalise(pin), encoded)
        return notice is not None and bool(notice.pin_hash) and pin_ok
    PinHasher().verify("NOT-A-PIN", _dummy_hash())
    wanted = plate_normalise(notice.plate) if notice is not None else "-"
    same = hmac.compare_digest(plate_normalise(plate).encode(), wanted.encode())
    return notice is not None and same


def notice_lookup(
    number_text: str, *, plate: str = "", pin: str = "", address: str
) -> LookupResult:
    """Open a mailed notice for a resident who knows its number and its plate or PIN."""
    number = notice_number_normalise(number_text)
    if len(number) != NUMBER_DIGITS + 1 or not verhoeff_valid(number):
        return LookupResult(LookupOutcome.MISTYPED)
    checks = [(ratelimit.BY_ADDRESS, address), (ratelimit.BY_NUMBER, number)]
    until = ratelimit.lockout_until(checks)
    if until is not None:
        return LookupResult(LookupOutcome.LOCKED, locked_until=until)
    notice = (
        Notice.objects.filter(number=number, mailed_on__isnull=False)
        .select_related("violation")
        .first()
    )
    if not _matches(notice, plate, pin):
        ratelimit.failure_record(checks)
        return LookupResult(LookupOutcome.NOT_FOUND)
    assert notice is not None
    with transaction.atomic():
        audit_record(
            actor=None,
            actor_label=RESIDENT,
            action="notice.portal_opened",
            obj=notice,
            details={"by": "pin" if pin else "plate"},
        )
    return LookupResult(LookupOutcome.FOUND, notice=notice)
