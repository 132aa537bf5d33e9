"""Spoken numbers become digits; codes read digit by digit come back whole."""

from __future__ import annotations

import pytest

from nlu.numbers import normalize_numbers, normalize_street_numbers, spoken_digits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # house numbers said the way people say them
        ("fourteen twenty Elm Street", "1420 Elm Street"),
        ("one four two zero", "1420"),
        ("fourteen hundred and twenty", "1420"),
        ("fourteen hundred twenty", "1420"),
        ("twelve oh five", "1205"),
        ("Twelve-oh-five Maple Avenue.", "1205 Maple Avenue."),
        ("two thousand", "2000"),
        ("two thousand and five", "2005"),
        ("a hundred and twelve Oak Avenue", "112 Oak Avenue"),
        ("four twelve Maple Ave.", "412 Maple Ave."),
        ("one twenty Main", "120 Main"),
        ("nineteen oh one", "1901"),
        ("seven hundred", "700"),
        ("forty-two", "42"),
        ("double four", "44"),
        # Whisper's own digits
        ("1,420", "1420"),
        ("It's at 1,420 Elm Street.", "It's at 1420 Elm Street."),
        ("14 20 Elm Street", "1420 Elm Street"),
        ("fourteen 20 Elm", "1420 Elm"),
        ("14 hundred Elm", "1400 Elm"),
        ("412 Maple Avenue", "412 Maple Avenue"),
        # ordinal street names
        ("fifth avenue", "5th avenue"),
        ("Fifth Avenue and Main", "5th Avenue and Main"),
        ("twenty third street", "23rd street"),
        ("Twenty-Third Street", "23rd Street"),
        ("forty-second street", "42nd street"),
        ("thirty first drive", "31st drive"),
        ("one hundred tenth place", "110th place"),
        ("second avenue", "2nd avenue"),
        ("eleventh street", "11th street"),
        ("four twenty third street", "4 23rd street"),
        # words that only look like numbers stay words
        ("Wait a second.", "Wait a second."),
        ("First, the light is out.", "First, the light is out."),
        ("the one on Main", "the one on Main"),
        ("no one is hurt", "no one is hurt"),
        ("one of the lights is out", "one of the lights is out"),
        ("Oh, twelve Main Street", "Oh, 12 Main Street"),
        ("between one and two", "between 1 and 2"),
        ("the pothole is huge", "the pothole is huge"),
        ("", ""),
    ],
)
def test_spoken_numbers_become_digits_in_a_sentence(text: str, expected: str) -> None:
    assert normalize_numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("second street", "2nd street"),
        ("Main and second", "Main and 2nd"),
        ("first avenue", "1st avenue"),
        ("twenty first street", "21st street"),
    ],
)
def test_every_ordinal_is_a_street_in_street_mode(text: str, expected: str) -> None:
    assert normalize_street_numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("four one seven two nine", "41729"),
        ("41729", "41729"),
        ("4 1 7 2 9", "41729"),
        ("4-1-7-2-9", "41729"),
        ("four, one, seven", "417"),
        ("Four. One. Seven. Two. Nine.", "41729"),
        ("four oh seven", "407"),
        ("zero zero one", "001"),
        ("double four one", "441"),
        ("forty one seven twenty nine", "41729"),
        ("It's four one seven two nine.", "41729"),
        ("Oh, four one seven.", "417"),
        ("My case number is 41729, I called 2 days ago.", "41729"),
        ("case number C L four one seven two nine", "41729"),
        ("41,729", "41729"),
    ],
)
def test_spoken_code_gives_its_digits(text: str, expected: str) -> None:
    assert spoken_digits(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "no digits here", "I don't have it.", "Oh.", "the one on Main", "um"],
)
def test_code_without_digits_is_none(text: str) -> None:
    assert spoken_digits(text) is None
