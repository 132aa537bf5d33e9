"""Which part of a report the caller wants to change, from their answer."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from nlu.text import PhraseTable, word_set, words


class Part(StrEnum):
    CATEGORY = "category"
    LOCATION = "location"
    URGENCY = "urgency"
    DESCRIPTION = "description"


_CUES: dict[Part, tuple[str, ...]] = {
    Part.LOCATION: (
        "address",
        "the address",
        "location",
        "the location",
        "street",
        "wrong street",
        "street name",
        "the street",
        "house number",
        "street number",
        "the number",
        "number",
        "place",
        "where",
        "where it is",
        "intersection",
        "corner",
        "cross street",
    ),
    Part.CATEGORY: (
        "problem",
        "the problem",
        "type",
        "the type",
        "type of problem",
        "kind of problem",
        "category",
        "the category",
        "issue",
        "the issue",
        "kind",
        "what kind",
        "service",
        "request type",
        "what it is",
        "what the problem is",
    ),
    Part.URGENCY: (
        "urgency",
        "the urgency",
        "urgent",
        "how urgent",
        "priority",
        "the priority",
        "importance",
        "how important",
        "severity",
        "how serious",
    ),
    Part.DESCRIPTION: (
        "description",
        "the description",
        "problem description",
        "the problem description",
        "description of the problem",
        "describe",
        "details",
        "the details",
        "detail",
        "notes",
        "the notes",
        "comment",
        "comments",
        "what i said",
        "how i described it",
        "wording",
    ),
}

# "No, the street": a leading "no" answers the question, it negates nothing.
# "Not that urgent" still names the urgency; only "not (the) problem" rules out.
_NEGATORS = word_set("not isnt wasnt")
_ARTICLES = word_set("the a an my")

_TABLE: PhraseTable[Part] = PhraseTable(
    [(phrase, part) for part, phrases in _CUES.items() for phrase in phrases]
)


def which_part(text: str) -> Part | None:
    """The part named first and not negated: "not the problem, the address"."""
    tokens = words(text)
    for hit in _TABLE.scan(tokens):
        if not _is_ruled_out(tokens, hit.start):
            return hit.value
    return None


def _is_ruled_out(tokens: Sequence[str], start: int) -> bool:
    before = start - 1
    if before >= 0 and tokens[before] in _ARTICLES:
        before -= 1
    return before >= 0 and tokens[before] in _NEGATORS
