"""Answers to yes-or-no questions, as Whisper writes them."""

from __future__ import annotations

import pytest

from nlu.yes_no import parse_yes_no


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
