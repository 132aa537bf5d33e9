"""Addresses, intersections and streets are found in what callers say."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError

import pytest

from nlu.address import AddressMatch, StreetIndex
from nlu.city import Street


@pytest.mark.parametrize(
    ("text", "house_number", "street"),
    [
        ("outside 1420 Elm Street", "1420", "Elm Street"),
        ("There's a huge pothole outside 1420 Elm Street.", "1420", "Elm Street"),
        ("It's at 1,420 Elm Street.", "1420", "Elm Street"),
        ("in front of 412 Maple Ave", "412", "Maple Avenue"),
        ("at fourteen twenty elm st", "1420", "Elm Street"),
        ("Um, it's four twelve Maple Avenue.", "412", "Maple Avenue"),
        ("No, it's at 414 Maple Avenue.", "414", "Maple Avenue"),
        ("twelve oh five Chestnut Street", "1205", "Chestnut Street"),
        ("1420 Elm", "1420", "Elm Street"),
        ("412 Maple", "412", "Maple Avenue"),
        ("one Main Street", "1", "Main Street"),
        ("fourteen twenty fifth avenue", "1420", "5th Avenue"),
        ("300 Castrel Way", "300", "Kestrel Way"),
        ("1420 L3s", "1420", "Elm Street"),
        ("22 MLK Boulevard", "22", "Martin Luther King Jr Boulevard"),
        ("Main Street, number 200.", "200", "Main Street"),
        ("pothole 2,300, 15 Washington Street", "2315", "Washington Street"),
        ("400, 12 Maple Avenue", "412", "Maple Avenue"),
        ("It's 200, 1420 Elm Street", "1420", "Elm Street"),
    ],
)
def test_house_number_and_street_are_found(
    streets: StreetIndex, text: str, house_number: str, street: str
) -> None:
    match = streets.find(text)
    assert match is not None
    assert (match.house_number, match.street.full_name) == (house_number, street)
    assert match.cross_street is None


@pytest.mark.parametrize(
    ("text", "street", "cross_street"),
    [
        ("the corner of Main and 5th", "Main Street", "5th Avenue"),
        ("Harmon and Kestrel", "Harmon Road", "Kestrel Way"),
        ("Main Street and Oak Avenue", "Main Street", "Oak Avenue"),
        ("Main Street & Oak Avenue.", "Main Street", "Oak Avenue"),
        ("fifth avenue and main", "5th Avenue", "Main Street"),
        ("It's on Washington near Chestnut.", "Washington Street", "Chestnut Street"),
        ("Maple at Elm", "Maple Avenue", "Elm Street"),
        ("at the intersection of Castrel and Harmon", "Kestrel Way", "Harmon Road"),
        ("the light is out on Elm between Main and Oak", "Elm Street", "Main Street"),
    ],
)
def test_intersection_is_found(
    streets: StreetIndex, text: str, street: str, cross_street: str
) -> None:
    match = streets.find(text)
    assert match is not None
    assert match.house_number is None
    assert match.street.full_name == street
    assert match.cross_street is not None
    assert match.cross_street.full_name == cross_street


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("Elm", "Elm Street"),
        ("Elm Street.", "Elm Street"),
        ("Elm, I think.", "Elm Street"),
        ("Elmwood", "Elmwood Avenue"),
        ("Elm wood Avenue", "Elmwood Avenue"),
        ("Elmstreet", "Elm Street"),
        ("Kestrel.", "Kestrel Way"),
        ("Castrel Way", "Kestrel Way"),
        ("Chesnut Street", "Chestnut Street"),
        ("Mapel Avenue", "Maple Avenue"),
        ("Harmon Rd.", "Harmon Road"),
        ("Harmon rode", "Harmon Road"),
        ("twenty third street", "23rd Street"),
        ("23rd St", "23rd Street"),
        ("on 5th", "5th Avenue"),
        ("Fifth Avenue", "5th Avenue"),
        ("martin luther king boulevard", "Martin Luther King Jr Boulevard"),
        ("the streetlight on Oak is out", "Oak Avenue"),
        ("L3s", "Elm Street"),
    ],
)
def test_street_alone_is_found(streets: StreetIndex, text: str, street: str) -> None:
    match = streets.find(text)
    assert match is not None
    assert (match.house_number, match.cross_street) == (None, None)
    assert match.street.full_name == street


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yes",
        "Yes.",
        "no",
        "Hello?",
        "Thank you.",
        "my trash was not picked up",
        "The light on my street is out.",
        "a man was hurt",
        "the main problem is the noise",
        "an oak tree fell on my car",
        "there's a pothole in front of my house",
        "1420",
        "It's urgent.",
        "1600 Pennsylvania Avenue",
        "street",
    ],
)
def test_no_street_is_found_where_none_was_said(
    streets: StreetIndex, text: str
) -> None:
    assert streets.find(text) is None


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("on Maple Avenue, going to chest and harmer", "Maple Avenue"),
        ("on Kestrel Way, go to harm and mean", "Kestrel Way"),
    ],
)
def test_misheard_words_joined_by_and_do_not_beat_a_street_said_clearly(
    streets: StreetIndex, text: str, street: str
) -> None:
    match = streets.find(text)
    assert match is not None
    assert (match.street.full_name, match.cross_street) == (street, None)


def test_wrong_suffix_still_finds_the_street_with_a_lower_score(
    streets: StreetIndex, street_named: Callable[[str], Street]
) -> None:
    exact = streets.find("Elm Street")
    wrong = streets.find("Elm Avenue")
    assert exact is not None and wrong is not None
    assert wrong.street == exact.street == street_named("Elm Street")
    assert wrong.score < exact.score


def test_misspelling_scores_below_the_exact_name(streets: StreetIndex) -> None:
    exact = streets.find("Kestrel Way")
    misheard = streets.find("Castrel Way")
    assert exact is not None and misheard is not None
    assert misheard.score < exact.score == 100.0


def test_street_shared_by_two_suffixes_is_less_certain(streets: StreetIndex) -> None:
    shared = streets.find("on Park")
    unique = streets.find("on Harmon")
    assert shared is not None and unique is not None
    assert shared.street.name == "Park"
    assert shared.score < unique.score


def test_said_suffix_picks_between_streets_sharing_a_name(
    streets: StreetIndex, street_named: Callable[[str], Street]
) -> None:
    match = streets.find("12 Park Drive")
    assert match is not None
    assert match.street == street_named("Park Drive")


def test_house_number_outside_the_known_range_lowers_the_score(
    streets: StreetIndex,
) -> None:
    inside = streets.find("1420 Elm Street")
    outside = streets.find("9999 Elm Street")
    assert inside is not None and outside is not None
    assert outside.score < inside.score


def test_scores_stay_within_0_and_100(streets: StreetIndex) -> None:
    for text in ("1420 Elm Street", "Castrel Way", "L3s", "Elm Avenue", "on Park"):
        match = streets.find(text)
        assert match is not None
        assert 0.0 <= match.score <= 100.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Elm", ["Elm Street", "Elmwood Avenue"]),
        ("Park", ["Park Avenue", "Park Drive"]),
        ("Castrel", ["Kestrel Way"]),
        ("L3s", ["Elm Street"]),
        ("yes", []),
    ],
)
def test_candidates_list_streets_to_ask_about(
    streets: StreetIndex, text: str, expected: list[str]
) -> None:
    assert [s.full_name for s in streets.candidates(text)] == expected


def test_candidates_respect_the_limit(streets: StreetIndex) -> None:
    assert len(streets.candidates("Elm", limit=1)) == 1


@pytest.mark.parametrize(
    ("house_number", "cross_street", "expected"),
    [
        ("412", None, "412 Maple Avenue"),
        (None, "Main Street", "Maple Avenue and Main Street"),
        (None, None, "Maple Avenue"),
        ("412", "Main Street", "412 Maple Avenue, near Main Street"),
    ],
)
def test_spoken_reads_the_location_back(
    street_named: Callable[[str], Street],
    house_number: str | None,
    cross_street: str | None,
    expected: str,
) -> None:
    match = AddressMatch(
        house_number=house_number,
        street=street_named("Maple Avenue"),
        cross_street=street_named(cross_street) if cross_street else None,
        score=90.0,
    )
    assert match.spoken == expected


def test_address_match_is_frozen(street_named: Callable[[str], Street]) -> None:
    match = AddressMatch(
        house_number="1",
        street=street_named("Elm Street"),
        cross_street=None,
        score=1.0,
    )
    with pytest.raises(FrozenInstanceError):
        match.score = 2.0  # type: ignore[misc]


def test_empty_city_finds_nothing() -> None:
    index = StreetIndex([])
    assert index.find("1420 Elm Street") is None
    assert index.candidates("Elm") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the pothole is on Park", ["Park Avenue", "Park Drive"]),
        ("412 Park Avenue", []),
        ("412 Park Ave", []),
        ("1420 Elm Street", []),
        ("Maple Avenue", []),
    ],
)
def test_same_name_streets_are_alternatives_when_no_suffix_is_said(
    streets: StreetIndex, text: str, expected: list[str]
) -> None:
    match = streets.find(text)
    assert match is not None
    found = [street.full_name for street in streets.alternatives(match, text)]
    assert sorted(found) == sorted(expected)
    if found:
        assert found[0] == match.street.full_name
