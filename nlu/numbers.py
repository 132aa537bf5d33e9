"""Spoken numbers to digits: house numbers, ordinal street names, case codes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum, auto

from nlu.text import STREET_SUFFIXES, SUFFIX_SPELLINGS, word_set

# Index i holds the word for digit i.
DIGIT_NAMES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
)
_UNITS = {name: value for value, name in enumerate(DIGIT_NAMES)}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
# Public: the eval tools read spoken numbers with the same tables.
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
    "fortieth": 40,
    "fiftieth": 50,
    "sixtieth": 60,
    "seventieth": 70,
    "eightieth": 80,
    "ninetieth": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000}
_ORDINAL_SCALES = {"hundredth": 100, "thousandth": 1000}
# "oh" and "o" are zero only next to other digits: alone they are interjections.
_SPOKEN_ZEROS = frozenset({"oh", "o"})
_REPEATS = {"double": 2, "triple": 3}
# "first" and "second" are ordinary words ("wait a second") unless a street follows.
_ORDINARY_ORDINALS = frozenset({"first", "second"})
_PRONOUN_ONE_BEFORE = word_set(
    """
    the a no this that which every any some each another other last next
    only big little small new old same right wrong
    """
)
_PRONOUN_ONE_AFTER = word_set("of more else another")
_STREET_WORDS = STREET_SUFFIXES | frozenset(SUFFIX_SPELLINGS)

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_SENTENCE_GAP = re.compile(r"[ \t\-]+")
# A code is often read with pauses that Whisper writes as commas or periods.
_CODE_GAP = re.compile(r"[\s,.;:/\-]+")
_CODE_DIGITS = re.compile(r"\b\d+(?:[\s,.;:/\-]+\d+)*\b")


class _Kind(Enum):
    DIGITS = auto()
    UNIT = auto()  # one..nine
    ZERO = auto()  # "zero"
    SPOKEN_ZERO = auto()  # "oh", "o"
    TEEN = auto()
    TENS = auto()
    SCALE = auto()
    ORDINAL = auto()
    ORDINAL_SCALE = auto()
    REPEAT = auto()
    AND = auto()
    A = auto()
    OTHER = auto()


def _kind(word: str) -> _Kind:
    if word.isdigit():
        return _Kind.DIGITS
    if word == "zero":
        return _Kind.ZERO
    if word in _UNITS:
        return _Kind.UNIT
    if word in _SPOKEN_ZEROS:
        return _Kind.SPOKEN_ZERO
    if word in _TEENS:
        return _Kind.TEEN
    if word in TENS:
        return _Kind.TENS
    if word in _SCALES:
        return _Kind.SCALE
    if word in ORDINALS:
        return _Kind.ORDINAL
    if word in _ORDINAL_SCALES:
        return _Kind.ORDINAL_SCALE
    if word in _REPEATS:
        return _Kind.REPEAT
    if word == "and":
        return _Kind.AND
    if word == "a":
        return _Kind.A
    return _Kind.OTHER


_DIGIT_WORDS = frozenset({_Kind.UNIT, _Kind.ZERO, _Kind.SPOKEN_ZERO})
_NUMBER_WORDS = frozenset(
    {
        _Kind.DIGITS,
        _Kind.UNIT,
        _Kind.ZERO,
        _Kind.TEEN,
        _Kind.TENS,
        _Kind.SCALE,
        _Kind.ORDINAL,
        _Kind.ORDINAL_SCALE,
    }
)
_AFTER_AND = frozenset({_Kind.UNIT, _Kind.TEEN, _Kind.TENS, _Kind.ORDINAL})


def _ordinal_suffix(value: int) -> str:
    """The English ordinal ending for `value`: 1 -> "st", 12 -> "th", 23 -> "rd"."""
    if value % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")


def normalize_numbers(text: str) -> str:
    """Rewrite spoken numbers as digits, leaving the other words as they were.

    "fourteen twenty Quill Street" -> "1420 Quill Street", "third ave" -> "3rd ave".
    """
    return _rewrite(text, is_code=False, all_ordinals=False)


def normalize_street_numbers(text: str) -> str:
    """Like `normalize_numbers`, but every ordinal is a street: "second" -> "2nd"."""
    return _rewrite(text, is_code=False, all_ordinals=True)


def spoken_digits(text: str) -> str | None:
    """The digits of a spoken or typed code ("four one seven" -> "417"), or None.

    When the text holds several separate numbers, the longest one is the code.
    """
    rewritten = _rewrite(text, is_code=True, all_ordinals=False)
    best = ""
    for found in _CODE_DIGITS.finditer(rewritten):
        digits = "".join(ch for ch in found.group() if ch.isdigit())
        if len(digits) > len(best):
            best = digits
    return best or None


def _rewrite(text: str, *, is_code: bool, all_ordinals: bool) -> str:
    text = _THOUSANDS_COMMA.sub("", text)
    tokens = list(_TOKEN.finditer(text))
    words = [token.group().lower() for token in tokens]
    kinds = [_kind(word) for word in words]
    # gaps[i] is what Whisper wrote between words i and i + 1.
    gaps = [text[a.end() : b.start()] for a, b in zip(tokens, tokens[1:], strict=False)]
    pieces: list[str] = []
    written_up_to = 0
    index = 0
    while index < len(tokens):
        end = _run_end(
            words, kinds, gaps, index, is_code=is_code, all_ordinals=all_ordinals
        )
        rendered = _render(words[index:end]) if end > index else None
        if rendered is None:
            index += 1
            continue
        pieces.append(text[written_up_to : tokens[index].start()])
        pieces.append(rendered)
        written_up_to = tokens[end - 1].end()
        index = end
    pieces.append(text[written_up_to:])
    return "".join(pieces)


def _run_end(
    words: Sequence[str],
    kinds: Sequence[_Kind],
    gaps: Sequence[str],
    start: int,
    *,
    is_code: bool,
    all_ordinals: bool,
) -> int:
    """The end (exclusive) of the run of number words starting at `start`."""
    count = len(words)
    gap = _CODE_GAP if is_code else _SENTENCE_GAP

    def joined(left: int) -> bool:
        return left + 1 < count and gap.fullmatch(gaps[left]) is not None

    def next_kind(index: int) -> _Kind | None:
        return kinds[index + 1] if joined(index) else None

    first = kinds[start]
    if first is _Kind.ORDINAL or first is _Kind.ORDINAL_SCALE:
        if is_code:
            return start
        if words[start] in _ORDINARY_ORDINALS and not all_ordinals:
            following = words[start + 1] if start + 1 < count else ""
            if following not in _STREET_WORDS:
                return start
        return start + 1
    if first is _Kind.A:
        if next_kind(start) is not _Kind.SCALE:
            return start
    elif first is _Kind.REPEAT:
        if next_kind(start) not in _DIGIT_WORDS:
            return start
    elif first is _Kind.SPOKEN_ZERO:
        # "Oh, four one seven": an opening "oh" is a zero only in a code, and
        # only when no comma sets it apart.
        if not is_code or next_kind(start) not in _NUMBER_WORDS:
            return start
        if _SENTENCE_GAP.fullmatch(gaps[start]) is None:
            return start
    elif first not in _NUMBER_WORDS:
        return start

    end = start + 1
    while joined(end - 1):
        kind = kinds[end]
        if kind is _Kind.ORDINAL or kind is _Kind.ORDINAL_SCALE:
            # An ordinal closes the number: "twenty third" is one street.
            return end if is_code else end + 1
        if kind is _Kind.AND:
            if kinds[end - 1] is not _Kind.SCALE or next_kind(end) not in _AFTER_AND:
                break
        elif kind is _Kind.REPEAT:
            if next_kind(end) not in _DIGIT_WORDS:
                break
        elif kind not in _NUMBER_WORDS and kind is not _Kind.SPOKEN_ZERO:
            break
        end += 1
    if end == start + 1 and words[start] == "one":
        word_before = words[start - 1] if start > 0 else ""
        word_after = words[start + 1] if start + 1 < count else ""
        # "the one on Main", "no one is hurt", "one of the lights": a pronoun.
        if word_before in _PRONOUN_ONE_BEFORE or word_after in _PRONOUN_ONE_AFTER:
            return start
    return end


def _render(run: Sequence[str]) -> str | None:
    """Digits for one run of number words, or None when it does not parse."""
    segments: list[tuple[str, bool]] = []
    index = 0
    while index < len(run):
        parsed = _segment(run, index)
        if parsed is None:
            return None
        digits, is_ordinal, index = parsed
        segments.append((digits, is_ordinal))
    if not segments:
        return None
    head = "".join(digits for digits, _ in segments[:-1])
    last, is_ordinal = segments[-1]
    if not is_ordinal:
        return head + last
    ordinal = last + _ordinal_suffix(int(last))
    # "four twenty third street": the ordinal is the street, the rest the number.
    return f"{head} {ordinal}" if head else ordinal


def _segment(run: Sequence[str], index: int) -> tuple[str, bool, int] | None:
    """One spoken group: "1420"-style digits, a cardinal, or a repeated digit."""
    word = run[index]
    kind = _kind(word)
    if kind is _Kind.DIGITS:
        if index + 1 < len(run) and run[index + 1] in _SCALES:
            return str(int(word) * _SCALES[run[index + 1]]), False, index + 2
        return word, False, index + 1
    if kind is _Kind.ZERO or kind is _Kind.SPOKEN_ZERO:
        return "0", False, index + 1
    if kind is _Kind.REPEAT:
        if index + 1 >= len(run):
            return None
        digit = _digit_value(run[index + 1])
        if digit is None:
            return None
        return digit * _REPEATS[word], False, index + 2
    if kind is _Kind.AND:
        return None
    parsed = _cardinal(run, index)
    if parsed is None:
        return None
    value, is_ordinal, index = parsed
    return str(value), is_ordinal, index


def _digit_value(word: str) -> str | None:
    if word in _UNITS:
        return str(_UNITS[word])
    if word in _SPOKEN_ZEROS:
        return "0"
    return None


def _cardinal(run: Sequence[str], index: int) -> tuple[int, bool, int] | None:
    """A cardinal below a million: "two thousand and five", "fourteen hundred"."""
    parsed = _below_thousand(run, index)
    if parsed is None:
        return None
    value, is_ordinal, index = parsed
    if is_ordinal or index >= len(run):
        return value, is_ordinal, index
    if run[index] == "thousandth":
        return value * 1000, True, index + 1
    if run[index] != "thousand":
        return value, False, index
    value *= 1000
    index += 1
    if index < len(run) and run[index] == "and":
        index += 1
    if index < len(run) and _kind(run[index]) in _AFTER_AND | {_Kind.SCALE}:
        rest = _below_thousand(run, index)
        if rest is None:
            return None
        extra, is_ordinal, index = rest
        return value + extra, is_ordinal, index
    return value, False, index


def _below_thousand(run: Sequence[str], index: int) -> tuple[int, bool, int] | None:
    if run[index] == "a":
        index += 1
    if index >= len(run):
        return None
    if run[index] in _SCALES or run[index] in _ORDINAL_SCALES:
        # "hundred" alone, or "a hundred": the multiplier is an unspoken one.
        value = 1
    else:
        parsed = _below_hundred(run, index)
        if parsed is None:
            return None
        value, is_ordinal, index = parsed
        if is_ordinal:
            return value, True, index
    if index < len(run) and run[index] == "hundredth":
        return value * 100, True, index + 1
    if index >= len(run) or run[index] != "hundred":
        return value, False, index
    value *= 100
    index += 1
    if index < len(run) and run[index] == "and":
        index += 1
    if index < len(run) and _kind(run[index]) in _AFTER_AND:
        rest = _below_hundred(run, index)
        if rest is None:
            return None
        extra, is_ordinal, index = rest
        return value + extra, is_ordinal, index
    return value, False, index


def _below_hundred(run: Sequence[str], index: int) -> tuple[int, bool, int] | None:
    word = run[index]
    if word in TENS:
        value = TENS[word]
        following = run[index + 1] if index + 1 < len(run) else ""
        if _UNITS.get(following, 0) > 0:
            return value + _UNITS[following], False, index + 2
        if ORDINALS.get(following, 10) < 10:
            return value + ORDINALS[following], True, index + 2
        return value, False, index + 1
    if word in _TEENS:
        return _TEENS[word], False, index + 1
    if word in _UNITS:
        return _UNITS[word], False, index + 1
    if word in ORDINALS:
        return ORDINALS[word], True, index + 1
    return None
