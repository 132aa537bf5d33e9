"""The caller's description is matched to a service of the city's catalog."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from cities import EXAMPLE_CITY_DIR
from nlu.category import CategoryMatch, CategoryMatcher
from nlu.city import Service, TrainingExample, Urgency, load_city
from tests.nlu.conftest import SERVICES


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("there's a huge pothole outside 1420 Elm Street", "POTHOLE"),
        ("There's a huge pothole outside 1,420 Elm Street.", "POTHOLE"),
        ("Pot holes everywhere on Maple.", "POTHOLE"),
        ("Yeah, there's a big hole in the road.", "POTHOLE"),
        ("a sinkhole opened up", "POTHOLE"),
        ("the light on my street is out", "STREETLIGHT"),
        ("The street light is out.", "STREETLIGHT"),
        ("Streetlights are flickering on Oak.", "STREETLIGHT"),
        ("The lamp post is dark.", "STREETLIGHT"),
        ("Someone spray-painted graffiti on the wall.", "GRAFFITI"),
        ("the grafitti on my garage", "GRAFFITI"),
        ("My trash wasn't picked up this week.", "TRASH"),
        ("they skipped my house again", "TRASH"),
        ("Garbage.", "TRASH"),
        ("There's a car that hasn't moved in weeks.", "VEHICLE"),
        ("An abandoned car with no plates.", "VEHICLE"),
        ("the traffic light at Main and 5th is stuck on red", "SIGNAL"),
        ("The traffic light is out.", "SIGNAL"),
        ("somebody dumped a mattress in the alley", "DUMPING"),
        ("the sidewalk is cracked and someone could trip", "SIDEWALK"),
        ("Uneven sidewalk in front of the school.", "SIDEWALK"),
    ],
)
def test_description_matches_its_service(
    categories: CategoryMatcher, text: str, code: str
) -> None:
    match = categories.match(text)
    assert match is not None
    assert match.service.code == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yes",
        "Yes.",
        "no",
        "hello",
        "Hello?",
        "Thank you.",
        "412 Maple Avenue",
        "1420 Elm Street",
        "It's urgent.",
        "I want to report a problem.",
        "a tree fell on my car",
        "the main road",
    ],
)
def test_words_that_name_no_service_match_nothing(
    categories: CategoryMatcher, text: str
) -> None:
    assert categories.match(text) is None


def test_exact_name_scores_full_marks(categories: CategoryMatcher) -> None:
    match = categories.match("pothole")
    assert match is not None
    assert match.score == 100.0


def test_misspelled_word_scores_below_the_exact_one(
    categories: CategoryMatcher,
) -> None:
    exact = categories.match("graffiti")
    misspelled = categories.match("grafitti")
    assert exact is not None and misspelled is not None
    assert misspelled.service == exact.service
    assert misspelled.score < exact.score


def test_ranked_puts_the_best_service_first(categories: CategoryMatcher) -> None:
    ranked = categories.ranked("the traffic light is out")
    assert [m.service.code for m in ranked[:2]] == ["SIGNAL", "STREETLIGHT"]
    assert ranked[0].score >= ranked[1].score


def test_ranked_respects_the_limit(categories: CategoryMatcher) -> None:
    assert len(categories.ranked("the traffic light is out", limit=1)) == 1


def test_ranked_is_empty_when_nothing_fits(categories: CategoryMatcher) -> None:
    assert categories.ranked("yes") == []


def _service(code: str, keywords: tuple[str, ...]) -> Service:
    return Service(
        code=code,
        name=code.title(),
        spoken_name=code.lower(),
        group="",
        description="",
        department="PW",
        default_urgency=Urgency.NORMAL,
        keywords=keywords,
        synonyms=(),
    )


def test_word_shared_equally_by_two_services_matches_neither() -> None:
    matcher = CategoryMatcher(
        [_service("BULK", ("trash", "couch")), _service("LITTER", ("trash", "bin"))]
    )
    assert matcher.match("trash") is None
    assert {m.service.code for m in matcher.ranked("trash")} == {"BULK", "LITTER"}


def test_address_words_alone_do_not_pick_a_service() -> None:
    matcher = CategoryMatcher([_service("SWEEP", ("street", "street sweeping"))])
    assert matcher.match("412 Maple Street") is None
    match = matcher.match("the street sweeping never came")
    assert match is not None
    assert match.service.code == "SWEEP"


def test_empty_catalog_matches_nothing() -> None:
    matcher = CategoryMatcher([])
    assert matcher.match("pothole") is None
    assert matcher.ranked("pothole") == []


def test_category_match_is_frozen(categories: CategoryMatcher) -> None:
    match = categories.match("pothole")
    assert isinstance(match, CategoryMatch)
    with pytest.raises(FrozenInstanceError):
        match.score = 1.0  # type: ignore[misc]


# Sentences a city teaches beyond its catalog; None: no service is meant.
EXAMPLES = tuple(
    TrainingExample(text=text, category=code)
    for code, text in [
        ("POTHOLE", "my tire blew out in a deep hole"),
        ("POTHOLE", "the asphalt is crumbling and cratered"),
        ("POTHOLE", "the pavement caved in on our block"),
        ("STREETLIGHT", "the bulb on the lamppost burned out"),
        ("STREETLIGHT", "the lamp on the pole went dark"),
        ("STREETLIGHT", "our block is pitch black at night"),
        ("TRASH", "the garbage men skipped our block"),
        ("TRASH", "nobody emptied my barrel on collection day"),
        ("TRASH", "the truck never came for our bins"),
        ("VEHICLE", "a rusty van with smashed windows never moves"),
        ("VEHICLE", "a wrecked car left on blocks for months"),
        (None, "what day is collection day"),
        (None, "when is collection day on my street"),
        (None, "what time does the office open"),
        (None, "how do I pay my water bill"),
        (None, "thank you so much"),
        (None, "can I talk to a person"),
    ]
)


@pytest.fixture(scope="module")
def example_matcher() -> CategoryMatcher:
    city = load_city(EXAMPLE_CITY_DIR)
    return CategoryMatcher(city.services, city.examples)


def test_close_services_are_contenders(example_matcher: CategoryMatcher) -> None:
    pair = example_matcher.contenders("the light for the cars is broken")
    assert pair is not None
    assert {service.code for service in pair} == {"STRLGTOUT", "TFCSGNINSP"}


@pytest.mark.parametrize(
    "text",
    ["the streetlight is out on Elm Street", "hello how are you", "a huge pothole"],
)
def test_clear_words_have_no_contenders(
    example_matcher: CategoryMatcher, text: str
) -> None:
    assert example_matcher.contenders(text) is None


@pytest.fixture(scope="module")
def taught() -> CategoryMatcher:
    return CategoryMatcher(SERVICES, EXAMPLES)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # No catalog phrase is heard; the words come from the examples.
        ("the lamppost bulb burned out again", "STREETLIGHT"),
        ("the garbage men skipped us on collection day", "TRASH"),
        ("a rusty van with smashed windows on my street", "VEHICLE"),
        ("the asphalt caved in by the school", "POTHOLE"),
        # A greeting before the report does not make it small talk.
        ("hello, good morning, the bulb on the lamppost burned out", "STREETLIGHT"),
        # Catalog phrases still count.
        ("there's a huge pothole outside 1420 Elm Street", "POTHOLE"),
        ("Someone spray-painted graffiti on the wall.", "GRAFFITI"),
    ],
)
def test_sentence_worded_like_a_city_example_matches_its_service(
    taught: CategoryMatcher, text: str, code: str
) -> None:
    match = taught.match(text)
    assert match is not None
    assert match.service.code == code


def test_example_words_mean_nothing_to_a_city_without_examples(
    categories: CategoryMatcher,
) -> None:
    assert categories.match("a rusty van with smashed windows on my street") is None


@pytest.mark.parametrize(
    "text",
    [
        # Worded like an off-topic example, though "garbage" names a service.
        "what day is garbage collection day",
        "what time does the garbage office open",
        # Asked as a question, though its words could report a missed pickup.
        "when is the truck coming for our bins",
        "thank you so much",
        "yes",
        "412 Maple Avenue",
        # One known word is too little for the classifier.
        "the bulb",
        "a tree fell on my car",
    ],
)
def test_sentence_worded_like_an_off_topic_example_matches_nothing(
    taught: CategoryMatcher, text: str
) -> None:
    assert taught.match(text) is None


def test_classifier_match_keeps_the_exact_phrase_score(
    taught: CategoryMatcher,
) -> None:
    match = taught.match("the pothole on my block is deep")
    assert match is not None
    assert match.service.code == "POTHOLE"
    assert match.score == 100.0


def test_examples_for_unknown_services_are_ignored() -> None:
    stray = (TrainingExample(text="the dock cleat pulled out", category="DOCK"),)
    matcher = CategoryMatcher(SERVICES, stray)
    assert matcher.match("the dock cleat pulled out") is None
