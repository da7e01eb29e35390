"""Notice numbers and portal PINs.

A notice number is ten random digits and a Verhoeff check digit. Random, so nobody can
guess a neighbour's notice from their own; Verhoeff rather than Luhn because it catches
every single-digit error *and* every swap of two adjacent digits (Luhn misses 09↔90),
so the portal can refuse a mistyped number before any database query.

A PIN is eight characters from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z,
5/S, 8/B), and only its keyed hash is stored.
"""

from __future__ import annotations

import hmac
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
    """The PIN hash of notices mailed before 2026-12-06 (PBKDF2, 20,000 rounds): still
    verified, and replaced by the keyed hash on the next successful look-up."""

    algorithm = "fairspeed_pin_pbkdf2"
    iterations = 20_000


PIN_HMAC = "fairspeed_pin_hmac"


def _pin_key() -> bytes:
    """The PIN key lives in settings (the environment), never in the database. Without
    ``PORTAL_PIN_KEY`` it is derived from ``SECRET_KEY`` under its own label."""
    from django.conf import settings

    own: str = getattr(settings, "PORTAL_PIN_KEY", "")
    if own:
        return own.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"fairspeed.portal.pin", "sha256").digest()


def _pin_mac(pin: str, salt: str) -> str:
    return hmac.new(_pin_key(), f"{salt}:{pin}".encode(), "sha256").hexdigest()


def pin_new() -> str:
    return "".join(secrets.choice(PIN_ALPHABET) for _ in range(PIN_LENGTH))


def pin_hash(pin: str) -> str:
    """A keyed HMAC-SHA256 of the PIN with a random salt (decided 2026-12-06, see
    docs/portal.md): without the key a leaked database allows no offline search at all."""
    salt = secrets.token_hex(8)
    return f"{PIN_HMAC}${salt}${_pin_mac(pin_normalise(pin), salt)}"


def pin_is_legacy(encoded: str) -> bool:
    return encoded.startswith(PinHasher.algorithm + "$")


def pin_check(pin: str, encoded: str) -> bool:
    """Whether ``pin`` is the one ``encoded`` was made from (keyed or legacy PBKDF2)."""
    if pin_is_legacy(encoded):
        return bool(PinHasher().verify(pin_normalise(pin), encoded))
    algorithm, _, rest = encoded.partition("$")
    salt, _, digest = rest.partition("$")
    if algorithm != PIN_HMAC or not salt or not digest:
        return False
    return hmac.compare_digest(_pin_mac(pin_normalise(pin), salt), digest)


def pin_normalise(pin: str) -> str:
    return "".join(pin.split()).upper()
