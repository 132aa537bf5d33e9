"""Places from the example city's words: addresses, corners, landmarks, relations."""

from __future__ import annotations

import pytest

from cities import EXAMPLE_CITY_DIR
from nlu.city import load_city
from nlu.location import Locator


@pytest.fixture(scope="module")
def places() -> Locator:
    return Locator(load_city(EXAMPLE_CITY_DIR))


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("outside the public library", "the Central Library, 700 Main Street"),
        ("pothole at the hospital", "Memorial Hospital, 1500 Jackson Boulevard"),
        (
            "graffiti on the wall behind city hall",
            "behind City Hall, 100 Washington Street",
        ),
        (
            "there's a tree down across the street from the libary",
            "across from the Central Library, 700 Main Street",
        ),
        (
            "the streetlight in front of Lincoln High is out",
            "Lincoln High School, 2100 Lincoln Avenue",
        ),
        (
            "people dump trash near the train station",
            "near Union Station, Railroad Avenue and Lake Street",
        ),
        ("a big hole in Central Park", "Central Park, Park Avenue and 5th Avenue"),
        ("the library on Main Street", "the Central Library, 700 Main Street"),
        ("across from 200 Main Street", "across from 200 Main Street"),
        ("it's next to 45 Elm Street", "next to 45 Elm Street"),
        ("near the corner of Main and Elm", "near Main Street and Elm Street"),
        ("in front of my house at 1420 Elm Street", "1420 Elm Street"),
        ("right outside 88 Washington Street", "88 Washington Street"),
    ],
)
def test_place_is_found_with_its_relation(
    places: Locator, text: str, spoken: str
) -> None:
    match = places.find(text)
    assert match is not None
    assert match.spoken == spoken


def test_address_said_outright_beats_a_landmark(places: Locator) -> None:
    match = places.find("at 300 Oak Street by the library")
    assert match is not None
    assert (match.house_number, match.street.full_name) == ("300", "Oak Street")
    assert match.landmark is None


def test_street_said_clearly_beats_a_landmark_elsewhere(places: Locator) -> None:
    match = places.find("on Elm Street next to the main library")
    assert match is not None
    assert match.spoken == "Elm Street"


def test_landmark_offers_no_same_name_streets(places: Locator) -> None:
    text = "the light in front of Lincoln High"
    match = places.find(text)
    assert match is not None and match.landmark == "Lincoln High School"
    assert places.alternatives(match, text) == []


@pytest.mark.parametrize("text", ["the park", "a barking dog", "it's by my house"])
def test_no_place_in_vague_words(places: Locator, text: str) -> None:
    match = places.find(text)
    assert match is None or match.landmark is None


@pytest.mark.parametrize("text", ["45th.", "15th Avenue", "55th Avenue"])
def test_numbered_street_needs_its_own_number(places: Locator, text: str) -> None:
    # Alike in spelling, but 45 is not 5: none of these is 5th Avenue.
    found = places.find(text)
    assert found is None or found.street.full_name != "5th Avenue"


def test_numbered_street_said_exactly_is_found(places: Locator) -> None:
    found = places.find("the corner of Main and Fifth")
    assert found is not None
    assert found.spoken == "Main Street and 5th Avenue"
