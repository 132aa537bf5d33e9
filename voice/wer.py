"""Word error rate between a reference transcript and a recognizer's hypothesis."""

from __future__ import annotations

import re

_DIGIT_WORDS = (
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
# "1,420" and "1.5" keep their digits together before punctuation is dropped.
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)[,.](?=\d)")
# Apostrophes are deleted, not split on, so "there's" stays one word ("theres").
_APOSTROPHE = re.compile(r"['\u2019]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# "27th" -> "27 th", so the digits are spelled and the suffix stays a word.
_LETTER_DIGIT_BOUNDARY = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")


def normalize_words(text: str) -> list[str]:
    """Lowercase, drop punctuation and spell every number digit by digit.

    Whisper writes a house number as "1420", "1,420", "14 20" or "one thousand
    four hundred twenty" depending on the audio. Spelling each number's digits
    ("1420" -> "one four two zero", "1" -> "one") makes all of those agree, so
    only a wrong number costs errors: one word error per wrong digit, and a
    number counts as one reference word per digit. Number words are read as
    cardinals; a word that cannot continue the number starts a new one, which
    makes the spoken address style "fourteen twenty" read as "14 20", i.e. 1420.
    """
    lowered = _DIGIT_SEPARATOR.sub("", text.lower())
    lowered = _APOSTROPHE.sub("", lowered)
    words = _NON_WORD.sub(" ", _LETTER_DIGIT_BOUNDARY.sub(" ", lowered)).split()
    normalized: list[str] = []
    for token in _numbers_to_digits(words):
        if token.isdigit():
            normalized.extend(_DIGIT_WORDS[int(digit)] for digit in token)
        else:
            normalized.append(token)
    return normalized


_UNITS = {word: value for value, word in enumerate(_DIGIT_WORDS)}
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
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"thousand": 1000, "million": 1_000_000}


class _Cardinal:
    """A number being read from words, e.g. "four hundred twelve"."""

    def __init__(self) -> None:
        self.total = 0  # completed thousands/millions
        self.group = 0  # the part below the last scale word, 0..999
        self.has_words = False
        self.last_kind = ""  # "unit", "teen", "tens", "hundred" or "scale"

    def accepts(self, word: str) -> bool:
        """Whether word continues this number rather than starting a new one."""
        if not self.has_words:
            return word in _UNITS or word in _TEENS or word in _TENS
        below_hundred = self.group % 100
        if word in _UNITS and word != "zero":
            return self.last_kind in ("hundred", "scale") or (
                self.last_kind == "tens" and below_hundred % 10 == 0
            )
        if word in _TEENS or word in _TENS:
            return self.last_kind in ("hundred", "scale")
        if word == "hundred":
            return self.last_kind in ("unit", "teen") and 0 < self.group < 100
        if word in _SCALES:
            return self.last_kind != "scale" and self.total + self.group > 0
        return False

    def add(self, word: str) -> None:
        self.has_words = True
        if word in _UNITS:
            self.group += _UNITS[word]
            self.last_kind = "unit"
        elif word in _TEENS:
            self.group += _TEENS[word]
            self.last_kind = "teen"
        elif word in _TENS:
            self.group += _TENS[word]
            self.last_kind = "tens"
        elif word == "hundred":
            self.group *= 100
            self.last_kind = "hundred"
        else:
            self.total = (self.total + self.group) * _SCALES[word]
            self.group = 0
            self.last_kind = "scale"

    def value(self) -> str:
        return str(self.total + self.group)


def _numbers_to_digits(words: list[str]) -> list[str]:
    """Replace each run of number words with its value in digits."""
    result: list[str] = []
    number = _Cardinal()
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        # In "four hundred and twenty" the "and" belongs to the number.
        if (
            word == "and"
            and number.last_kind in ("hundred", "scale")
            and number.accepts(following)
        ):
            continue
        if number.has_words and number.accepts(word):
            number.add(word)
            continue
        if number.has_words:
            result.append(number.value())
            number = _Cardinal()
        if number.accepts(word):
            number.add(word)
        else:
            result.append(word)
    if number.has_words:
        result.append(number.value())
    return result


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance over words (substitutions, insertions, deletions)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, start=1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (ref_word != hyp_word),
                )
            )
        previous = current
    return previous[-1]


def align_words(
    reference: list[str], hypothesis: list[str]
) -> list[tuple[str | None, str | None]]:
    """One minimum-edit alignment as (reference word, hypothesis word) pairs.

    None on the reference side is an inserted word, on the hypothesis side a
    deleted one. The pairs whose sides differ number exactly `edit_distance`.
    """
    rows, cols = len(reference) + 1, len(hypothesis) + 1
    cost = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        cost[i][0] = i
    for j in range(cols):
        cost[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            cost[i][j] = min(
                cost[i - 1][j] + 1,
                cost[i][j - 1] + 1,
                cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]),
            )
    pairs: list[tuple[str | None, str | None]] = []
    i, j = rows - 1, cols - 1
    while i > 0 or j > 0:
        # Prefer a match or substitution, then a deletion, then an insertion.
        if (
            i > 0
            and j > 0
            and cost[i][j]
            == cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1])
        ):
            pairs.append((reference[i - 1], hypothesis[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and cost[i][j] == cost[i - 1][j] + 1:
            pairs.append((reference[i - 1], None))
            i -= 1
        else:
            pairs.append((None, hypothesis[j - 1]))
            j -= 1
    pairs.reverse()
    return pairs


def join_split_compounds(hypothesis: list[str], reference: list[str]) -> list[str]:
    """Join adjacent hypothesis words that spell one reference word.

    "pot hole" for "pothole" or "any time" for "anytime" is spelling, not
    mishearing (sclite's GLM files make the same allowance).
    """
    known = set(reference)
    joined: list[str] = []
    index = 0
    while index < len(hypothesis):
        pair = "".join(hypothesis[index : index + 2])
        if index + 1 < len(hypothesis) and pair in known:
            joined.append(pair)
            index += 2
        else:
            joined.append(hypothesis[index])
            index += 1
    return joined


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word edits needed to turn the hypothesis into the reference, per reference word.

    Both sides go through `normalize_words`. An empty reference scores 0.0 against
    an empty hypothesis and 1.0 against anything else; otherwise the rate can
    exceed 1.0 when the hypothesis has many extra words.
    """
    ref_words = normalize_words(reference)
    hyp_words = join_split_compounds(normalize_words(hypothesis), ref_words)
    if not ref_words:
        return 0.0 if not hyp_words else 1.0
    return edit_distance(ref_words, hyp_words) / len(ref_words)
