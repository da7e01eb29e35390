"""Notice numbers and portal PINs.

A notice number is ten random digits and a Verhoeff check digit. Random, so nobody can
guess a neighbour's notice from their own; Verhoeff rather than Luhn because it catches
every single-digit error *and* every swap of two adjacent digits (Luhn misses 09↔90),
so the portal can refuse a mistyped number before any database query.

A PIN is eight characters from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z,
5/S, 8/B), and only its hash is stored.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import PBKDF2PasswordHasher

# Verhoeff's tables: multiplication in the dihedral group D5, a position permutation,
# and the group inverse.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)

NUMBER_DIGITS = 10  # random digits before the check digit: 10^10 possible numbers
PIN_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
PIN_LENGTH = 8


def verhoeff_check_digit(digits: str) -> str:
    """The digit to append to ``digits`` so that ``verhoeff_valid`` holds."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + 1) % 8][int(ch)]]
    return str(_INV[c])


def verhoeff_valid(number: str) -> bool:
    if not number.isdigit():
        return False
    c = 0
    for i, ch in enumerate(reversed(number)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


def notice_number_new() -> str:
    body = "".join(secrets.choice("0123456789") for _ in range(NUMBER_DIGITS))
    return body + verhoeff_check_digit(body)


def notice_number_normalise(text: str) -> str:
    """What a resident typed, without spaces or dashes (the notice prints it grouped)."""
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


def notice_number_display(number: str) -> str:
    return f"{number[:4]}-{number[4:8]}-{number[8:]}"


class PinHasher(PBKDF2PasswordHasher):
    """PBKDF2 with fewer rounds than a password (2026-12-06): a PIN only ever opens a
    notice together with its unguessable number, and the portal rate-limits attempts;
    a mailing batch of thousands must not spend half a second per PIN. 20,000 rounds
    cost ~6 ms here (60,000 cost 19 ms and held a 1,000-notice batch under 20/s);
    an offline search of all 25^8 PINs for one leaked hash still costs ~3e15 rounds."""

    algorithm = "fairspeed_pin_pbkdf2"
    iterations = 20_000


def pin_new() -> str:
    return "".join(secrets.choice(PIN_ALPHABET) for _ in range(PIN_LENGTH))


def pin_hash(pin: str) -> str:
    return PinHasher().encode(pin_normalise(pin), PinHasher().salt())


def pin_check(pin: str, encoded: str) -> bool:
    return bool(encoded) and PinHasher().verify(pin_normalise(pin), encoded)


def pin_normalise(pin: str) -> str:
    return "".join(pin.split()).upper()
