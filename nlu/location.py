"""Where a caller says the problem is: an address, a corner or a landmark."""

from __future__ import annotations

from dataclasses import replace

from nlu.address import AddressMatch, StreetIndex
from nlu.city import City, Street
from nlu.landmarks import LandmarkHit, LandmarkIndex
from nlu.numbers import normalize_numbers
from nlu.text import words

# How callers place a problem away from the place they name, and how the
# dispatcher reads it. "In front of" and "outside" are left out: they mean "at".
# Longest first, so "across the street from" wins over "across from".
_RELATIONS: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    sorted(
        (
            (("across", "the", "street", "from"), "across from"),
            (("across", "the", "road", "from"), "across from"),
            (("across", "from"), "across from"),
            (("opposite",), "across from"),
            (("next", "to"), "next to"),
            (("beside",), "next to"),
            (("behind",), "behind"),
            (("in", "back", "of"), "behind"),
            (("near",), "near"),
            (("close", "to"), "near"),
            (("by",), "near"),
        ),
        key=lambda entry: -len(entry[0]),
    )
)
# Words that may sit between the relation and the place: "near the library",
# "near the corner of Main and Elm".
_BETWEEN = frozenset({"the", "a", "number"})
# A street said this clearly (its name, maybe without suffix) outranks a
# landmark elsewhere in the sentence.
_CLEAR_STREET_SCORE = 95.0
_BETWEEN_PAIRS = frozenset({("corner", "of"), ("intersection", "of")})


class Locator:
    """A city's streets and landmarks, asked together for the caller's place."""

    def __init__(self, city: City) -> None:
        self.streets = StreetIndex(city.streets)
        self._landmarks = LandmarkIndex(city.landmarks)

    def find(self, text: str) -> AddressMatch | None:
        """The place the words name, with "across from" and the like kept."""
        normalized = normalize_numbers(text)
        address = self.streets.find(text)
        hit = self._landmarks.find(normalized)
        if hit is not None and _landmark_wins(hit, address):
            landmark = hit.landmark
            match = AddressMatch(
                house_number=landmark.house_number,
                street=landmark.street,
                cross_street=landmark.cross_street,
                score=hit.score,
                landmark=landmark.name,
            )
            return replace(match, relation=_relation(normalized, hit.start))
        if address is None:
            return None
        start = _address_start(normalized, address)
        if start is None:
            return address
        return replace(address, relation=_relation(normalized, start))

    def alternatives(self, match: AddressMatch, text: str) -> list[Street]:
        """Same-name streets to ask between; none for a landmark, whose is known."""
        if match.landmark is not None:
            return []
        return self.streets.alternatives(match, text)


def _landmark_wins(hit: LandmarkHit, address: AddressMatch | None) -> bool:
    """A house number or a corner said outright beats a landmark's address."""
    if address is None:
        return True
    if address.house_number is not None or address.cross_street is not None:
        return False
    # A bare street: the landmark's own ("the library on Main"), a street heard
    # inside its name ("Central Park" is not Central Avenue), or a weak guess
    # ("across" is not Ross Avenue) gives way; a street clearly said does not.
    landmark = hit.landmark
    if address.street in (landmark.street, landmark.cross_street):
        return True
    named = {w for said in (landmark.name, *landmark.aliases) for w in words(said)}
    if set(words(address.street.name)) <= named:
        return True
    return address.score < _CLEAR_STREET_SCORE


def _address_start(normalized: str, address: AddressMatch) -> int | None:
    """Index of the address's first word: its house number, else its street."""
    heard = words(normalized)
    first = (
        address.house_number
        if address.house_number is not None
        else words(address.street.name)[0]
        if words(address.street.name)
        else None
    )
    if first is None:
        return None
    return heard.index(first) if first in heard else None


def _relation(normalized: str, start: int) -> str | None:
    """The relation said just before the place's first word, if any."""
    heard = words(normalized)
    end = start
    while end > 0:
        if heard[end - 1] in _BETWEEN:
            end -= 1
        elif end > 1 and tuple(heard[end - 2 : end]) in _BETWEEN_PAIRS:
            end -= 2
        else:
            break
    for phrase, relation in _RELATIONS:
        size = len(phrase)
        if end >= size and tuple(heard[end - size : end]) == phrase:
            return relation
    return None
