"""A small test city: streets and services built directly, no files needed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nlu.address import StreetIndex
from nlu.category import CategoryMatcher
from nlu.city import Service, Street, Urgency

STREETS = (
    Street(name="Elm", suffix="Street", min_address=100, max_address=2999),
    Street(name="Elmwood", suffix="Avenue", min_address=1, max_address=899),
    Street(name="Maple", suffix="Avenue", min_address=1, max_address=1999),
    Street(name="Main", suffix="Street", min_address=1, max_address=4999),
    Street(name="Oak", suffix="Avenue"),
    Street(name="5th", suffix="Avenue", aliases=("Fifth Avenue",)),
    Street(name="Washington", suffix="Street"),
    Street(name="Chestnut", suffix="Street"),
    Street(name="Kestrel", suffix="Way"),
    Street(name="Harmon", suffix="Road"),
    Street(name="23rd", suffix="Street", aliases=("Twenty-Third Street",)),
    Street(
        name="Martin Luther King Jr",
        suffix="Boulevard",
        aliases=("MLK Boulevard", "King Boulevard"),
    ),
    Street(name="Park", suffix="Avenue"),
    Street(name="Park", suffix="Drive"),
)


def _service(
    code: str,
    name: str,
    spoken_name: str,
    keywords: tuple[str, ...],
    synonyms: tuple[str, ...],
    urgency: Urgency = Urgency.NORMAL,
) -> Service:
    return Service(
        code=code,
        name=name,
        spoken_name=spoken_name,
        group="Streets",
        description=name,
        department="PW",
        default_urgency=urgency,
        keywords=keywords,
        synonyms=synonyms,
    )


SERVICES = (
    _service(
        "POTHOLE",
        "Pothole Repair",
        "a pothole",
        ("pothole", "road damage"),
        ("pot hole", "hole in the road", "sinkhole", "crater in the street"),
    ),
    _service(
        "STREETLIGHT",
        "Streetlight Out",
        "a streetlight out",
        ("streetlight", "street light outage"),
        (
            "light is out",
            "street lamp out",
            "lamp post dark",
            "street light flickering",
            "street is dark at night",
        ),
    ),
    _service(
        "GRAFFITI",
        "Graffiti Removal",
        "graffiti",
        ("graffiti",),
        ("spray paint", "tagging", "someone spray painted the wall"),
    ),
    _service(
        "TRASH",
        "Missed Trash Pickup",
        "a missed trash pickup",
        ("missed trash", "garbage"),
        (
            "trash wasn't picked up",
            "garbage not collected",
            "they skipped my house",
            "recycling wasn't picked up",
        ),
    ),
    _service(
        "VEHICLE",
        "Abandoned Vehicle",
        "an abandoned vehicle",
        ("abandoned vehicle",),
        (
            "abandoned car",
            "junk car",
            "car hasn't moved in weeks",
            "car with no plates",
        ),
    ),
    _service(
        "SIGNAL",
        "Traffic Signal Malfunction",
        "a broken traffic signal",
        ("traffic signal",),
        (
            "traffic light out",
            "stop light not working",
            "light stuck on red",
            "signal is flashing",
        ),
        Urgency.HIGH,
    ),
    _service(
        "DUMPING",
        "Illegal Dumping",
        "illegal dumping",
        ("illegal dumping", "trash"),
        ("someone dumped trash", "dumped a mattress", "pile of junk dumped"),
    ),
    _service(
        "SIDEWALK",
        "Sidewalk Repair",
        "a broken sidewalk",
        ("sidewalk",),
        ("cracked sidewalk", "uneven sidewalk", "tripping hazard", "raised slab"),
    ),
)


@pytest.fixture(scope="session")
def street_named() -> Callable[[str], Street]:
    """Look up a test street by its full name: "Elm Street"."""

    def lookup(full_name: str) -> Street:
        return next(s for s in STREETS if s.full_name == full_name)

    return lookup


@pytest.fixture(scope="session")
def streets() -> StreetIndex:
    return StreetIndex(STREETS)


@pytest.fixture(scope="session")
def categories() -> CategoryMatcher:
    return CategoryMatcher(SERVICES)
