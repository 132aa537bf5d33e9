"""Keypad-friendly case numbers: a serial plus a Damm check digit."""

from __future__ import annotations

# Damm's quasigroup catches every single-digit error and every adjacent
# transposition, the two mistakes people make on a keypad; Luhn misses 09<->90.
_DAMM_TABLE = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
# Serials start here so every case number has the same length (7 digits)
# until a city has taken 900,000 reports.
FIRST_SERIAL = 100_000


def check_digit(digits: str) -> str:
    interim = 0
    for char in digits:
        interim = _DAMM_TABLE[interim][int(char)]
    return str(interim)


def is_valid(case_number: str) -> bool:
    """True when the string is all digits and its last digit checks."""
    return (
        len(case_number) >= 2
        and case_number.isdigit()
        and check_digit(case_number) == "0"
    )


def from_serial(serial: int) -> str:
    """The case number for a work order's serial (its row id offset)."""
    body = str(FIRST_SERIAL + serial)
    return body + check_digit(body)
