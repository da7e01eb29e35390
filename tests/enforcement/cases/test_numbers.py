from __future__ import annotations

import itertools

from enforcement.cases.numbers import (
    PIN_ALPHABET,
    notice_number_new,
    pin_check,
    pin_hash,
    pin_new,
    verhoeff_check_digit,
    verhoeff_valid,
)


def test_a_new_notice_number_is_eleven_digits_with_a_valid_check_digit() -> None:
    for _ in range(200):
        number = notice_number_new()
        assert len(number) == 11 and number.isdigit()
        assert verhoeff_valid(number)


def test_known_verhoeff_example_is_computed() -> None:
    # The textbook example: 236 -> check digit 3.
    assert verhoeff_check_digit("236") == "3"
    assert verhoeff_valid("2363")


def _bodies() -> list[str]:
    # Every digit in every position of a number is exercised by these bodies.
    return [notice_number_new()[:10] for _ in range(40)] + ["0000000000", "9876543210"]


def test_every_single_digit_error_is_caught() -> None:
    for body in _bodies():
        number = body + verhoeff_check_digit(body)
        for pos, wrong in itertools.product(range(len(number)), "0123456789"):
            if number[pos] == wrong:
                continue
            typo = number[:pos] + wrong + number[pos + 1 :]
            assert not verhoeff_valid(typo), (number, typo)


def test_every_adjacent_swap_is_caught_for_every_digit_pair_and_position() -> None:
    # Exhaustive over all 90 ordered pairs of different digits at every adjacent pair of
    # positions inside the ten random digits (the check digit's own swap is below).
    for a, b in itertools.permutations("0123456789", 2):
        for pos in range(9):
            for fill in ("0", "7"):
                body = fill * pos + a + b + fill * (8 - pos)
                number = body + verhoeff_check_digit(body)
                swapped = number[:pos] + number[pos + 1] + number[pos] + number[pos + 2 :]
                assert not verhoeff_valid(swapped), (number, swapped)


def test_a_swap_with_the_check_digit_itself_is_caught() -> None:
    for body in _bodies():
        number = body + verhoeff_check_digit(body)
        if number[-1] == number[-2]:
            continue
        swapped = number[:-2] + number[-1] + number[-2]
        assert not verhoeff_valid(swapped)


def test_something_that_is_not_digits_is_not_a_valid_number() -> None:
    assert not verhoeff_valid("12345abcde1")
    assert not verhoeff_valid("")


def test_a_pin_uses_no_look_alike_characters_and_only_its_hash_is_kept() -> None:
    pin = pin_new()
    assert len(pin) == 8 and set(pin) <= set(PIN_ALPHABET)
    assert not set("0O1IL2Z5S8B") & set(PIN_ALPHABET)
    encoded = pin_hash(pin)
    assert pin not in encoded
    assert pin_check(pin, encoded)
    assert pin_check(pin.lower(), encoded)
    assert not pin_check("AAAAAAAA", encoded)
    assert not pin_check(pin, "")
