"""Answers to yes-or-no questions, as Whisper writes them."""

from __future__ import annotations

import pytest

from nlu.yes_no import is_farewell, is_unsure, parse_yes_no


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Yes.",
        "YES!",
        "Yeah.",
        "Yep",
        "Yup.",
        "That's right.",
        "That\u2019s right.",
        "Correct.",
        "That's correct.",
        "Sure.",
        "Yes please.",
        "Yes, please.",
        "Absolutely.",
        "Uh-huh.",
        "Mm-hmm.",
        "Okay.",
        "Right.",
        "Yeah, that's it.",
        "Yes, it's not urgent.",
        "Yeah, right away.",
        "Sounds good.",
    ],
)
def test_yes_answers_are_true(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "No.",
        "Nope.",
        "Nah.",
        "That's wrong.",
        "Not quite.",
        "No thank you.",
        "No, thank you.",
        "No thanks.",
        "Not really.",
        "Incorrect.",
        "That's not right.",
        "Absolutely not.",
        "No, it's at 414 Maple Avenue.",
        "Nah, the street is wrong.",
        "Okay, no, that's wrong.",
        "I don't think so.",
    ],
)
def test_no_answers_are_false(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "...",
        "um",
        "Thank you.",
        "Hello?",
        "I'm not sure.",
        "Maybe.",
        "1420 Elm Street",
        "Yes. No, wait.",
        "the pothole is huge",
    ],
)
def test_unclear_answers_are_none(text: str) -> None:
    assert parse_yes_no(text) is None


@pytest.mark.parametrize(
    ("text", "closes"),
    [
        ("Oh, thank you.", True),
        ("No, thanks.", True),
        ("That's all.", True),
        ("That's it, bye.", True),
        ("Okay, thanks, have a good day.", True),
        ("I'm good.", True),
        ("Yes, thank you, there's one more thing.", False),
        ("There's a pothole on Main Street.", False),
        ("Hello.", False),
    ],
)
def test_farewells_close_the_call(text: str, closes: bool) -> None:
    assert is_farewell(text) is closes


@pytest.mark.parametrize(
    ("text", "unsure"),
    [
        ("I'm not sure, sorry.", True),
        ("Uh, I don't really know.", True),
        ("No idea.", True),
        (
            "Not sure of the number, it's behind the old red barn past the bridge.",
            False,
        ),
        ("It's on Maple Avenue.", False),
    ],
)
def test_short_not_knowing_is_unsure(text: str, unsure: bool) -> None:
    assert is_unsure(text) is unsure
