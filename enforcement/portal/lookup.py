"""Finding a notice without an account: number + plate, or number + PIN.

Enumeration is the threat: the answer to a wrong plate, a wrong PIN and a number that
does not exist is the same, and takes the same work: one indexed query and one keyed
HMAC-SHA256 every time (against the notice's PIN hash, or a fixed dummy when there is
none to compare). While notices with a PBKDF2 PIN hash from before 2026-12-06 remain,
every failure also spends one PBKDF2 verification (the legacy hash's own, or a dummy),
so a number whose notice still has an old hash is not told apart by its slowness; a
successful look-up by PIN replaces the old hash. The check digit is verified first, so
a typing error is told apart from a wrong answer without touching the database.
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
    pin_check,
    pin_hash,
    pin_is_legacy,
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


_DUMMY_PIN = "NOT-A-PIN"


@functools.cache
def _dummy_hash() -> str:
    return pin_hash(_DUMMY_PIN)


@functools.cache
def _dummy_legacy_hash() -> str:
    return PinHasher().encode(_DUMMY_PIN, PinHasher().salt())


@functools.cache
def legacy_hashes_remain() -> bool:
    """Whether any notice still has a PBKDF2 PIN hash. Asked once per process: new
    hashes are never PBKDF2, so the answer can only turn false (on the next restart)."""
    return Notice.objects.filter(pin_hash__startswith=PinHasher.algorithm + "$").exists()


def _matches(notice: Notice | None, plate: str, pin: str) -> tuple[bool, bool]:
    """Whether the plate or PIN matches, and whether a PBKDF2 verification was spent.
    One HMAC verification on every path, whatever is (or is not) found."""
    encoded = notice.pin_hash if notice is not None else ""
    if pin and pin_is_legacy(encoded):
        pin_check(_DUMMY_PIN, _dummy_hash())
        return pin_check(pin, encoded), True
    if pin:
        pin_ok = pin_check(pin, encoded or _dummy_hash())
        return bool(encoded) and pin_ok, False
    pin_check(_DUMMY_PIN, _dummy_hash())
    wanted = plate_normalise(notice.plate) if notice is not None else "-"
    same = hmac.compare_digest(plate_normalise(plate).encode(), wanted.encode())
    return notice is not None and same, False


def _opened_audit(notice: Notice, pin: str) -> None:
    audit_record(
        actor=None,
        actor_label=RESIDENT,
        action="notice.portal_opened",
        obj=notice,
        details={"by": "pin" if pin else "plate"},
    )


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
    matched, pbkdf2_spent = _matches(notice, plate, pin)
    if not matched:
        if not pbkdf2_spent and legacy_hashes_remain():
            PinHasher().verify(_DUMMY_PIN, _dummy_legacy_hash())
        ratelimit.failure_record(checks)
        return LookupResult(LookupOutcome.NOT_FOUND)
    assert notice is not None
    if pin and pbkdf2_spent:  # the PIN is known now: replace the old hash
        with transaction.atomic():
            notice.pin_hash = pin_hash(pin)
            Notice.objects.filter(pk=notice.pk).update(pin_hash=notice.pin_hash)
            _opened_audit(notice, pin)
    else:
        _opened_audit(notice, pin)  # audit_record's own transaction
    return LookupResult(LookupOutcome.FOUND, notice=notice)
