"""Answers to "What should I change: the problem, the address, or the urgency?"."""

from __future__ import annotations

import pytest

from nlu.corrections import Part, which_part


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The address.", Part.LOCATION),
        ("the location", Part.LOCATION),
        ("Wrong street.", Part.LOCATION),
        ("It's the wrong street.", Part.LOCATION),
        ("The house number is wrong.", Part.LOCATION),
        ("No, the street.", Part.LOCATION),
        ("Not the problem, the address.", Part.LOCATION),
        ("The problem.", Part.CATEGORY),
        ("the type", Part.CATEGORY),
        ("Category.", Part.CATEGORY),
        ("Um, the kind of problem.", Part.CATEGORY),
        ("The urgency.", Part.URGENCY),
        ("How urgent it is.", Part.URGENCY),
        ("Priority.", Part.URGENCY),
        ("It's not that urgent.", Part.URGENCY),
        ("Not the address, the urgency.", Part.URGENCY),
        ("The description.", Part.DESCRIPTION),
        ("The problem description.", Part.DESCRIPTION),
        ("the details", Part.DESCRIPTION),
    ],
)
def test_part_to_change_is_recognized(text: str, expected: Part) -> None:
    assert which_part(text) is expected


@pytest.mark.parametrize(
    "text", ["", "Nothing.", "Everything.", "yes", "Hello?", "Thank you."]
)
def test_answer_naming_no_part_gives_none(text: str) -> None:
    assert which_part(text) is None
