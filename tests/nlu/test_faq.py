"""Callers' questions find the FAQ entry that answers them; reports find none."""

from __future__ import annotations

import pytest

from cities import EXAMPLE_CITY_DIR
from nlu.city import FaqEntry, load_city
from nlu.faq import FaqMatcher, is_question

FAQ = (
    FaqEntry(
        id="bulk_pickup",
        questions=(
            "how do I get rid of a couch",
            "when is bulk item pickup",
            "how do I schedule a large item pickup",
            "will you take an old mattress",
            "how can I throw away furniture",
        ),
        answer="Schedule bulk items on our website by noon the day before.",
    ),
    FaqEntry(
        id="trash_day",
        questions=(
            "what day is trash pickup",
            "when is my garbage collected",
            "which day do they take the recycling",
            "what time should I put my barrels out",
        ),
        answer="Trash and recycling go out weekly, by seven in the morning.",
    ),
    FaqEntry(
        id="office_hours",
        questions=(
            "what are your hours",
            "when is City Hall open",
            "are you open on Veterans Day",
            "are city offices closed on holidays",
        ),
        answer="City Hall is open weekdays, eight thirty to four thirty.",
    ),
    FaqEntry(
        id="dumpster_permit",
        questions=(
            "how do I get a permit for a dumpster",
            "do I need a permit to put a dumpster on the street",
            "how can I reserve parking for a moving truck",
        ),
        answer="A dumpster on the street needs a street occupancy permit.",
    ),
    FaqEntry(
        id="parking_ticket",
        questions=(
            "how do I pay a parking ticket",
            "where can I pay my parking fine",
            "how do I contest a parking ticket",
        ),
        answer="Pay a parking ticket on our website, by mail, or at City Hall.",
    ),
)


@pytest.fixture(scope="module")
def matcher() -> FaqMatcher:
    return FaqMatcher(FAQ)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("when is bulk item pickup", "bulk_pickup"),
        ("how do i get rid of an old couch", "bulk_pickup"),
        ("do you guys take mattresses", "bulk_pickup"),
        ("what day is garbage day", "trash_day"),
        ("When do they pick up the recycling?", "trash_day"),
        ("what are your hours", "office_hours"),
        ("are you open on veterans day", "office_hours"),
        ("hi um what time does city hall open", "office_hours"),
        ("how do I get a permit for a dumpster", "dumpster_permit"),
        ("do i need a permit for a dumpster in front of my house", "dumpster_permit"),
        ("where do I pay a parking ticket", "parking_ticket"),
        ("i want to know how to pay my parking fine", "parking_ticket"),
    ],
)
def test_question_finds_its_entry(
    matcher: FaqMatcher, text: str, expected: str
) -> None:
    match = matcher.match(text)
    assert match is not None, text
    assert match.entry.id == expected
    assert 0.0 < match.score <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "there's a pothole on Elm Street",
        "my trash wasn't picked up",
        "a couch was dumped in the alley",
        "somebody left a mattress on the sidewalk",
        "our recycling wasn't emptied, can you send the truck back",
        "the parking meter on my block is broken",
    ],
)
def test_report_is_not_a_question_for_the_faq(matcher: FaqMatcher, text: str) -> None:
    assert matcher.match(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "no that's wrong",
        "yeah",
        "1420 Elm Street",
        "412 maple avenue",
        "",
        "um",
    ],
)
def test_answer_or_address_matches_nothing(matcher: FaqMatcher, text: str) -> None:
    assert matcher.match(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "what's the weather tomorrow",
        "who won the game last night",
        "how do i get to the airport",
    ],
)
def test_question_the_faq_does_not_cover_matches_nothing(
    matcher: FaqMatcher, text: str
) -> None:
    assert matcher.match(text) is None


def test_empty_faq_matches_nothing() -> None:
    assert FaqMatcher(()).match("what are your hours") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("when is bulk item pickup", True),
        ("what are your hours", True),
        ("how do I get a permit for a dumpster", True),
        ("can I leave a mattress at the curb", True),
        ("do you pick up on holidays", True),
        ("is there a fee", True),
        ("is city hall open saturday", True),
        ("Trash day is Monday?", True),
        ("uh hi yeah so where do i pay a ticket", True),
        ("i found a cat where do i bring it", True),
        ("my mom is visiting can i get a guest pass", True),
        ("I was wondering about the holiday schedule", True),
        ("I need to know when trash day is", True),
        ("there's a pothole on Elm Street", False),
        ("my trash wasn't picked up", False),
        ("a couch was dumped in the alley", False),
        ("can't get out of my driveway, a tree fell", False),
        ("the light on the corner where I live is out", False),
        ("yes", False),
        ("no", False),
        ("1420 Elm Street", False),
        ("", False),
        ("Hello?", False),
        ("Um, hello?", False),
    ],
)
def test_is_question(text: str, expected: bool) -> None:
    assert is_question(text) is expected


def test_example_city_faq_loads_with_enough_ways_to_ask() -> None:
    faq = load_city(EXAMPLE_CITY_DIR).faq
    assert 8 <= len(faq) <= 12
    assert len({entry.id for entry in faq}) == len(faq)
    short = {
        entry.id: len(entry.questions) for entry in faq if len(entry.questions) < 5
    }
    assert short == {}
    for entry in faq:
        # Read aloud: no web address spelled out, one to three sentences.
        assert "http" not in entry.answer and "www" not in entry.answer, entry.id
        sentences = entry.answer.count(".")
        assert sentences >= 1, entry.id
        assert sentences <= 3, entry.id


def test_example_city_faq_answers_its_own_questions() -> None:
    faq = load_city(EXAMPLE_CITY_DIR).faq
    matcher = FaqMatcher(faq)
    wrong = {
        question: None if match is None else match.entry.id
        for entry in faq
        for question in entry.questions
        if (match := matcher.match(question)) is None or match.entry.id != entry.id
    }
    assert wrong == {}
