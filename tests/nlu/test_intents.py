"""What callers want: report, status, a person, an emergency, hear it again."""

from __future__ import annotations

import pytest

from nlu.intents import Intent, detect_intent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # emergencies
        ("There's a fire!", Intent.EMERGENCY),
        ("The house next door is on fire.", Intent.EMERGENCY),
        ("Smoke is coming out of the building next door.", Intent.EMERGENCY),
        ("I smell gas.", Intent.EMERGENCY),
        ("There's a gas leak on my street.", Intent.EMERGENCY),
        ("It smells like gas in here.", Intent.EMERGENCY),
        ("Someone is hurt.", Intent.EMERGENCY),
        ("A man is bleeding on the sidewalk.", Intent.EMERGENCY),
        ("He's not breathing!", Intent.EMERGENCY),
        ("She's unconscious.", Intent.EMERGENCY),
        ("There was a car crash and people are injured.", Intent.EMERGENCY),
        ("My neighbor collapsed and he's not breathing.", Intent.EMERGENCY),
        ("Call 911!", Intent.EMERGENCY),
        ("Should I call nine one one?", Intent.EMERGENCY),
        ("I want to talk to someone, there's a fire!", Intent.EMERGENCY),
        ("I called about it before and now there's a fire.", Intent.EMERGENCY),
        ("There's no fire, but smoke is coming out of the window.", Intent.EMERGENCY),
        # a person
        ("Operator.", Intent.OPERATOR),
        ("Operator, please.", Intent.OPERATOR),
        ("Can I talk to a real person?", Intent.OPERATOR),
        ("I want a human.", Intent.OPERATOR),
        ("A person, please.", Intent.OPERATOR),
        ("Let me talk to someone.", Intent.OPERATOR),
        ("Representative.", Intent.OPERATOR),
        ("Agent!", Intent.OPERATOR),
        ("Can I speak with somebody about my case?", Intent.OPERATOR),
        # an existing case
        ("I'd like to check on my case.", Intent.STATUS),
        ("What's the status of my report?", Intent.STATUS),
        ("I have a case number.", Intent.STATUS),
        ("I already reported this pothole.", Intent.STATUS),
        ("I want to follow up on a request.", Intent.STATUS),
        ("I reported it last week and nobody came.", Intent.STATUS),
        ("Any update on the streetlight?", Intent.STATUS),
        # hear it again
        ("Say that again?", Intent.REPEAT),
        ("Repeat, please.", Intent.REPEAT),
        ("What was that?", Intent.REPEAT),
        ("Can you repeat the number?", Intent.REPEAT),
        ("Can you repeat the case number?", Intent.REPEAT),
        ("What?", Intent.REPEAT),
        ("Sorry, what?", Intent.REPEAT),
        ("Sorry?", Intent.REPEAT),
        ("I didn't catch that.", Intent.REPEAT),
        # a new report
        ("I want to report a pothole.", Intent.REPORT),
        ("I'd like to report a streetlight out.", Intent.REPORT),
        ("There's a problem with the streetlight.", Intent.REPORT),
        ("I want to report that the fire hydrant is leaking.", Intent.REPORT),
    ],
)
def test_intent_is_detected(text: str, expected: Intent) -> None:
    assert detect_intent(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Hello?",
        "yes",
        "No.",
        "Sorry, no.",
        "1420 Elm Street",
        "The fire hydrant is leaking.",
        "The streetlight is out.",
        "the traffic signal is out",
        "There's a pothole on Elm.",
        "No one is hurt.",
        "Nobody was injured, thankfully.",
        "A kid could fall in and get hurt.",
        "before someone gets hurt",
        "Those wires could start a fire.",
        "I tripped on the sidewalk last week and hurt my knee.",
        "There's an injured deer in the road.",
        "A person threw trash on my lawn.",
        "I don't need an operator.",
        "The tree is dying.",
        "The sidewalk collapsed.",
        "A fire truck is blocking my driveway.",
        "The gas station on the corner has graffiti.",
        "Thank you for watching.",
    ],
)
def test_no_intent_is_found_in_ordinary_words(text: str) -> None:
    assert detect_intent(text) is None


def test_intent_values_are_stable_strings() -> None:
    assert [intent.value for intent in Intent] == [
        "report",
        "status",
        "operator",
        "emergency",
        "repeat",
    ]
