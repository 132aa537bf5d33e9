"""How urgent callers say their problem is."""

from __future__ import annotations

import pytest

from nlu.city import Urgency
from nlu.urgency import detect_urgency


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # urgent, dangerous, or a hazard described
        ("It's urgent!", Urgency.HIGH),
        ("Urgent.", Urgency.HIGH),
        ("emergency-ish", Urgency.HIGH),
        ("It's kind of an emergency.", Urgency.HIGH),
        ("It's dangerous.", Urgency.HIGH),
        ("There are sparking wires.", Urgency.HIGH),
        ("the wires are sparking", Urgency.HIGH),
        ("Water is gushing out of the ground.", Urgency.HIGH),
        ("water gushing", Urgency.HIGH),
        ("It's blocking the road.", Urgency.HIGH),
        ("a kid could fall in", Urgency.HIGH),
        ("Someone could get hurt.", Urgency.HIGH),
        ("High.", Urgency.HIGH),
        ("High priority, please.", Urgency.HIGH),
        ("As soon as possible.", Urgency.HIGH),
        ("Not urgent, but the wires are sparking.", Urgency.HIGH),
        # a reply's first "no" answers the read-back; it negates nothing
        ("No, it's urgent.", Urgency.HIGH),
        ("No, it's urgent, the whole corner is pitch dark.", Urgency.HIGH),
        ("No rush.", Urgency.LOW),
        ("The branch is about to fall on the sidewalk.", Urgency.HIGH),
        ("cars keep flying through the red light", Urgency.HIGH),
        # it can wait
        ("Not urgent.", Urgency.LOW),
        ("It's not urgent.", Urgency.LOW),
        ("Whenever.", Urgency.LOW),
        ("low priority", Urgency.LOW),
        ("Low.", Urgency.LOW),
        ("No rush.", Urgency.LOW),
        ("The branch is about to fall on the sidewalk.", Urgency.HIGH),
        ("cars keep flying through the red light", Urgency.HIGH),
        ("No hurry at all.", Urgency.LOW),
        ("It's not an emergency.", Urgency.LOW),
        ("It's not really an emergency.", Urgency.LOW),
        ("It's not dangerous.", Urgency.LOW),
        ("Whenever you get a chance.", Urgency.LOW),
        # in between
        ("normal", Urgency.NORMAL),
        ("Regular.", Urgency.NORMAL),
        ("Medium.", Urgency.NORMAL),
        ("Medium priority, I guess.", Urgency.NORMAL),
        ("Kind of urgent.", Urgency.NORMAL),
        ("Normal, not urgent.", Urgency.NORMAL),
    ],
)
def test_urgency_is_read_from_the_words(text: str, expected: Urgency) -> None:
    assert detect_urgency(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "Yes.",
        "There's a pothole on Elm Street.",
        "1420 Elm Street",
        "the water is high near the curb by the school",
        "a low hanging branch over the sidewalk on Maple",
        "Thank you.",
    ],
)
def test_words_without_urgency_give_none(text: str) -> None:
    assert detect_urgency(text) is None
