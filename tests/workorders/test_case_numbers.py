from __future__ import annotations

import itertools

import pytest

from workorders import case_numbers


def test_case_numbers_are_seven_digits_and_valid() -> None:
    for serial in (1, 2, 57, 99_999, 899_999):
        number = case_numbers.from_serial(serial)
        assert len(number) == 7
        assert number.isdigit()
        assert case_numbers.is_valid(number)


def test_distinct_serials_give_distinct_numbers() -> None:
    numbers = {case_numbers.from_serial(serial) for serial in range(1, 5000)}
    assert len(numbers) == 4999


@pytest.mark.parametrize("serial", [1, 42, 1234, 77777])
def test_every_single_digit_mistake_is_caught(serial: int) -> None:
    number = case_numbers.from_serial(serial)
    for position, wrong in itertools.product(range(len(number)), "0123456789"):
        if number[position] == wrong:
            continue
        typo = number[:position] + wrong + number[position + 1 :]
        assert not case_numbers.is_valid(typo), typo


@pytest.mark.parametrize("serial", [1, 42, 1234, 77777])
def test_every_adjacent_swap_is_caught(serial: int) -> None:
    number = case_numbers.from_serial(serial)
    for position in range(len(number) - 1):
        a, b = number[position], number[position + 1]
        if a == b:
            continue
        swapped = number[:position] + b + a + number[position + 2 :]
        assert not case_numbers.is_valid(swapped), swapped


@pytest.mark.parametrize("text", ["", "1", "12a4567", "１２３", "#1234567"])
def test_non_digit_input_is_invalid(text: str) -> None:
    assert not case_numbers.is_valid(text)
