"""The shipped example city's own vocabulary is understood end to end."""

from __future__ import annotations

import pytest

from cities import EXAMPLE_CITY_DIR
from nlu.address import StreetIndex
from nlu.category import CategoryMatcher
from nlu.city import City, load_city


@pytest.fixture(scope="module")
def city() -> City:
    return load_city(EXAMPLE_CITY_DIR)


@pytest.fixture(scope="module")
def example_streets(city: City) -> StreetIndex:
    return StreetIndex(city.streets)


@pytest.fixture(scope="module")
def example_categories(city: City) -> CategoryMatcher:
    return CategoryMatcher(city.services)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("200 Main Street", "200 Main Street"),
        ("There's a pothole outside 1,420 Elm Street.", "1420 Elm Street"),
        ("four twelve Maple Avenue", "412 Maple Avenue"),
        ("fourteen twenty fifth avenue", "1420 5th Avenue"),
        ("twenty third street", "23rd Street"),
        ("It's on Thirteenth Place.", "13th Place"),
        ("Lake Shore Drive", "Lake Shore Drive"),
        ("on van buren street", "Van Buren Street"),
        ("Michigan Ave and Jackson Blvd", "Michigan Avenue and Jackson Boulevard"),
        ("the corner of Chestnut and Walnut", "Chestnut Street and Walnut Street"),
        ("300 Chesnut Street", "300 Chestnut Street"),
    ],
)
def test_example_city_addresses_are_found(
    example_streets: StreetIndex, text: str, expected: str
) -> None:
    match = example_streets.find(text)
    assert match is not None
    assert match.spoken == expected


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "my trash was not picked up",
        "there's a pothole in front of my house",
        "a tree fell in the park",
        "It's not pleasant.",
        "the main road is flooded",
    ],
)
def test_example_city_finds_no_street_in_plain_talk(
    example_streets: StreetIndex, text: str
) -> None:
    assert example_streets.find(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("There's a huge pothole outside 1420 Elm Street.", "REQPOTHL"),
        ("The light on my street is out.", "STRLGTOUT"),
        ("Someone spray painted graffiti on the wall.", "GENGRAFFITI"),
        ("My trash wasn't picked up this week.", "MTRECYDBI"),
        ("There's a junk car that hasn't moved in weeks.", "ABNDVHCL"),
        ("The traffic light at Main and 5th is stuck on red.", "TFCSGNINSP"),
        ("Somebody dumped a mattress in the alley.", "ILGLDUMP"),
        ("The sidewalk is cracked, it's a tripping hazard.", "SDWRPR"),
        ("A tree fell and it's blocking the road.", "TREEEMGNCY"),
        ("There are rats in the alley.", "RODENTACT"),
        ("There's a dead raccoon in the road.", "PUDEADANML"),
        ("I found a used needle on the playground.", "NEEDRMVL"),
    ],
)
def test_example_city_descriptions_match_services(
    example_categories: CategoryMatcher, text: str, code: str
) -> None:
    match = example_categories.match(text)
    assert match is not None
    assert match.service.code == code


@pytest.mark.parametrize("text", ["yes", "412 Maple Avenue", "hello", "trash"])
def test_example_city_matches_no_service_without_a_clear_problem(
    example_categories: CategoryMatcher, text: str
) -> None:
    assert example_categories.match(text) is None
