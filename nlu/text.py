"""Shared text handling for the NLU matchers: normalization and phrase lookup."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Whisper writes both typographic and plain apostrophes.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`, for writing word lists compactly."""
    return frozenset(text.split())


# Words that carry no meaning on their own for any matcher here.
STOPWORDS = word_set(
    """
    a an the and or but so of to in on at by for from with into onto off up
    is are was were be been being am its it this that these those there theres
    thats heres here i im ive id me my mine we our us you your he she they them
    his her their has have had do does did just like um uh uhm er hmm well oh
    please hi hello hey okay ok yeah yes actually really very some any
    """
)

# Punctuation is gone after normalization; these words still end a clause.
_CLAUSE_BREAKS = word_set("but and though although however so yet")

# Street-type words, generic to any English-speaking city; a city's own
# suffixes are added from its streets where it matters.
STREET_SUFFIXES = word_set(
    """
    street avenue road boulevard drive lane place court parkway highway circle
    terrace square expressway plaza trail crescent alley way
    """
)
# Postal abbreviations, and what Whisper writes for a suffix heard as a word.
SUFFIX_SPELLINGS = {
    "st": "street",
    "str": "street",
    "streets": "street",
    "ave": "avenue",
    "av": "avenue",
    "avenues": "avenue",
    "rd": "road",
    "rode": "road",
    "rowed": "road",
    "blvd": "boulevard",
    "dr": "drive",
    "ln": "lane",
    "lain": "lane",
    "ct": "court",
    "pl": "place",
    "pkwy": "parkway",
    "hwy": "highway",
    "cir": "circle",
    "ter": "terrace",
    "terr": "terrace",
    "sq": "square",
    "expy": "expressway",
    "plz": "plaza",
    "trl": "trail",
    "cres": "crescent",
    "aly": "alley",
    "weigh": "way",
    "whey": "way",
}

# Whisper's turns of "not": after apostrophes are dropped, "isn't" reads "isnt".
NEGATORS = word_set(
    """
    not no never nobody noone nothing none neither nor without isnt wasnt arent
    werent dont doesnt didnt cant cannot couldnt wont wouldnt shouldnt aint hasnt
    havent hadnt
    """
)


# "No one", "no body": "no" names nobody and negates what follows.
_NO_WHO = word_set("one body")


def normalize(text: str) -> str:
    """Lowercase, drop accents and apostrophes, turn other punctuation to spaces."""
    folded = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    # "1,420" is one number, "four, one" is two words.
    ascii_text = _THOUSANDS_COMMA.sub("", ascii_text).replace("'", "")
    ascii_text = ascii_text.replace("&", " and ")
    return " ".join(part for part in _NON_WORD.split(ascii_text) if part)


def words(text: str) -> tuple[str, ...]:
    """The normalized words of `text`."""
    return tuple(normalize(text).split())


def is_negated(
    tokens: Sequence[str],
    start: int,
    window: int = 3,
    negators: frozenset[str] = NEGATORS,
) -> bool:
    """Whether a negator stands within `window` words before `tokens[start]`.

    A clause break ends the search: "no fire, but smoke" negates only the fire.
    A reply's first "no" is an answer, not a negation, unless it is next to
    the word ("no rush") or names nobody ("no one is hurt"): "No, it's urgent".
    """
    for index in range(start - 1, max(0, start - window) - 1, -1):
        token = tokens[index]
        if token in _CLAUSE_BREAKS:
            return False
        if token in negators and not _is_answer_no(tokens, index, start):
            return True
    return False


def _is_answer_no(tokens: Sequence[str], index: int, start: int) -> bool:
    return index == 0 and tokens[0] == "no" and start > 1 and tokens[1] not in _NO_WHO


@dataclass(frozen=True, slots=True)
class PhraseHit(Generic[T]):
    """One phrase found in a token sequence: tokens[start:end] said `value`."""

    start: int
    end: int
    value: T


class PhraseTable(Generic[T]):
    """Longest-match lookup of fixed phrases in normalized words."""

    def __init__(self, phrases: Mapping[str, T] | Iterable[tuple[str, T]]) -> None:
        items = phrases.items() if isinstance(phrases, Mapping) else phrases
        by_first: dict[str, list[tuple[tuple[str, ...], T]]] = {}
        for phrase, value in items:
            key = words(phrase)
            if key:
                by_first.setdefault(key[0], []).append((key, value))
        # Longest first, so "not urgent" wins over "urgent" at the same position.
        self._by_first = {
            first: sorted(entries, key=lambda entry: -len(entry[0]))
            for first, entries in by_first.items()
        }

    def scan(self, tokens: Sequence[str]) -> list[PhraseHit[T]]:
        """Non-overlapping phrases in reading order, longest match at each word."""
        hits: list[PhraseHit[T]] = []
        index = 0
        while index < len(tokens):
            for key, value in self._by_first.get(tokens[index], ()):
                end = index + len(key)
                if tuple(tokens[index:end]) == key:
                    hits.append(PhraseHit(index, end, value))
                    index = end
                    break
            else:
                index += 1
        return hits


_VOWELS = frozenset("aeiou")
_FRONT_VOWELS = frozenset("eiy")


def phonetic_key(word: str) -> str:
    """A Metaphone-like sound key: "Castrel" and "Kestrel" both give "KSTRL".

    Digits pass through unchanged; vowels count only at the start of the word.
    """
    text = "".join(ch for ch in word.lower() if ch.isalnum())
    if text[:2] in ("kn", "gn", "pn", "wr", "ae"):
        text = text[1:]
    if text.startswith("wh"):
        text = "w" + text[2:]
    if text.startswith("x"):
        text = "s" + text[1:]
    key: list[str] = []
    for index, ch in enumerate(text):
        prev = text[index - 1] if index else ""
        nxt = text[index + 1] if index + 1 < len(text) else ""
        after = text[index + 2] if index + 2 < len(text) else ""
        if ch == prev and ch != "c":
            continue
        code = _sound(ch, prev, nxt, after, is_first=index == 0, is_last=not nxt)
        if code and (not key or key[-1] != code or ch.isdigit()):
            key.append(code)
    return "".join(key)


def _sound(
    ch: str, prev: str, nxt: str, after: str, *, is_first: bool, is_last: bool
) -> str:
    if ch.isdigit():
        return ch
    if ch in _VOWELS:
        return "A" if is_first else ""
    match ch:
        case "b":
            return "" if prev == "m" and is_last else "B"
        case "c":
            if nxt == "h" or (nxt == "i" and after == "a"):
                return "K" if prev == "s" else "X"
            return "S" if nxt in _FRONT_VOWELS else "K"
        case "d":
            return "J" if nxt == "g" and after in _FRONT_VOWELS else "T"
        case "g":
            if nxt == "h" and after and after not in _VOWELS:
                return ""
            if nxt == "n" and (not after or after == "e"):
                return ""
            return "J" if nxt in _FRONT_VOWELS and prev != "g" else "K"
        case "h":
            if prev in "cgpst" and prev:
                return ""
            return "" if prev in _VOWELS and nxt not in _VOWELS else "H"
        case "k":
            return "" if prev == "c" else "K"
        case "p":
            return "F" if nxt == "h" else "P"
        case "q":
            return "K"
        case "s":
            if nxt == "h" or (nxt == "i" and after in ("o", "a")):
                return "X"
            return "S"
        case "t":
            if nxt == "i" and after in ("o", "a"):
                return "X"
            return "0" if nxt == "h" else "T"
        case "v":
            return "F"
        case "w" | "y":
            return ch.upper() if nxt in _VOWELS else ""
        case "x":
            return "KS"
        case "z":
            return "S"
    return ch.upper()


def stem(word: str) -> str:
    """A crude suffix strip, enough for "lights", "dumped", "scheduling"."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ied"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word
