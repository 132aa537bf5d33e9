"""Find a house number and street, an intersection, or a street in what was said."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from nlu.city import Street
from nlu.numbers import DIGIT_NAMES, normalize_street_numbers
from nlu.text import (
    NEGATORS,
    STOPWORDS,
    STREET_SUFFIXES,
    SUFFIX_SPELLINGS,
    normalize,
    phonetic_key,
    word_set,
    words,
)

# Scores are 0..100. A match must clear MIN_SCORE to be returned by `find`.
MIN_SCORE = 70.0
_CANDIDATE_FLOOR = 60.0  # weaker matches still make "did you mean" candidates
_WRONG_SUFFIX_PENALTY = 15.0  # "Elm Avenue" when only Elm Street exists
_NO_SUFFIX_PENALTY = 5.0  # "Elm": probably Elm Street, a little less sure
_AMBIGUOUS_PENALTY = 10.0  # "Park" when Park Avenue and Park Drive both exist
_OUT_OF_RANGE_PENALTY = 10.0  # house number outside the street's known range
# An intersection this far below the best street said alone is more likely two
# misheard words joined by "and" ("hall and make") than the place meant.
_WEAK_CROSSING_MARGIN = 20.0
_MAX_NAME_WORDS = 5
_MAX_HOUSE_DIGITS = 6
_TOP_FORMS_PER_SPAN = 6

# A bare name ("on Elm") counts as a street only after words like these.
# "To", "up" and "from" are left out: "to park the car", "up front", "from work".
_PREPOSITIONS = word_set(
    """
    on at near by off along down onto of in outside past behind across opposite
    beside via
    """
)
# Words that join the two streets of an intersection: "Main and 5th".
_CONNECTORS = word_set("and at by near off")
# Words that may surround a street given alone as an answer: "Elm, I think".
_FILLER = STOPWORDS | word_set(
    """
    think guess maybe sorry corner intersection near outside front across right
    called named address location sure um
    """
)
_NOT_NAME_START = STOPWORDS | NEGATORS
_TENS_ORDINAL = re.compile(r"([2-9])([1-9](?:st|nd|rd|th))")
_ORDINAL_TOKEN = re.compile(r"\d+(?:st|nd|rd|th)")
_MIXED_TOKEN = re.compile(r"(?=.*[a-z])(?=.*\d)[a-z0-9]+")
_LETTER_OR_DIGITS = re.compile(r"[a-z]|\d+")
# How a single letter sounds, for tokens like "L3s" that Whisper makes of a name.
_LETTER_NAMES = {
    "a": "a",
    "b": "be",
    "c": "see",
    "d": "dee",
    "e": "e",
    "f": "ef",
    "g": "gee",
    "h": "aitch",
    "i": "i",
    "j": "jay",
    "k": "kay",
    "l": "el",
    "m": "em",
    "n": "en",
    "o": "o",
    "p": "pee",
    "q": "cue",
    "r": "ar",
    "s": "es",
    "t": "tee",
    "u": "u",
    "v": "vee",
    "w": "doubleu",
    "x": "ex",
    "y": "why",
    "z": "zee",
}

FloatMatrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True, kw_only=True)
class AddressMatch:
    """Where the caller said the problem is, and how sure the match is."""

    house_number: str | None  # digits as heard: "1420"
    street: Street
    cross_street: Street | None  # set for an intersection: "Main and 5th"
    score: float  # 0..100
    landmark: str | None = None  # the place named: "the Central Library"
    relation: str | None = None  # where from the place: "across from", "near"

    @property
    def spoken(self) -> str:
        """For the dispatcher: the place, after "across from" or "near" if said."""
        return f"{self.relation} {self.place}" if self.relation else self.place

    @property
    def place(self) -> str:
        """The place itself, without the caller's "across from" or "near"."""
        if self.landmark:
            return f"{self.landmark}, {self.street_address}"
        return self.street_address

    @property
    def street_address(self) -> str:
        """As read back: "412 Larkspur Avenue", "Quill Street and Heron Way"."""
        if self.house_number and self.cross_street:
            return (
                f"{self.house_number} {self.street.full_name}, "
                f"near {self.cross_street.full_name}"
            )
        if self.house_number:
            return f"{self.house_number} {self.street.full_name}"
        if self.cross_street:
            return f"{self.street.full_name} and {self.cross_street.full_name}"
        return self.street.full_name


@dataclass(frozen=True, slots=True)
class _Form:
    """One way a street is said: its name words plus its suffix, if any."""

    street: int  # index into StreetIndex._streets
    words: tuple[str, ...]
    suffix: str


@dataclass(frozen=True, slots=True)
class _Span:
    """Words of the utterance that might name a street: tokens[start:stop]."""

    start: int
    stop: int  # end of the name words
    suffix: str  # the suffix word right after the name, or ""

    @property
    def end(self) -> int:
        return self.stop + 1 if self.suffix else self.stop


@dataclass(frozen=True, slots=True)
class _Hit:
    """One street a span may name, with its score before context is checked."""

    span: _Span
    street: int
    score: float
    has_suffix: bool  # the street's own suffix was said, apart or run together


class StreetIndex:
    """Street names of one city, prepared once for fast fuzzy lookup per turn."""

    def __init__(self, streets: Sequence[Street]) -> None:
        self._streets = tuple(streets)
        forms: dict[tuple[int, tuple[str, ...], str], _Form] = {}
        for index, street in enumerate(self._streets):
            suffix = _canonical_suffix(street.suffix)
            name_words = _name_words(street.name)
            if name_words:
                forms.setdefault(
                    (index, name_words, suffix), _Form(index, name_words, suffix)
                )
            for alias in street.aliases:
                alias_words = _name_words(alias)
                alias_suffix = ""
                if len(alias_words) > 1 and (
                    alias_words[-1] in STREET_SUFFIXES or alias_words[-1] == suffix
                ):
                    alias_words, alias_suffix = alias_words[:-1], alias_words[-1]
                if alias_words:
                    key = (index, alias_words, alias_suffix)
                    forms.setdefault(key, _Form(index, alias_words, alias_suffix))
        self._forms = tuple(forms.values())
        # One-word names with their suffix, and with "" for "any suffix".
        self._one_word_names = frozenset(
            pair
            for form in self._forms
            if len(form.words) == 1
            for pair in ((form.words[0], form.suffix), (form.words[0], ""))
        )
        # Small words inside names ("Avenue of the Americas") may stay inside spans.
        self._inner_words = frozenset(
            word for form in self._forms for word in form.words[1:-1]
        )
        self._suffix_words = STREET_SUFFIXES | {
            form.suffix for form in self._forms if form.suffix
        }
        self._max_words = min(
            _MAX_NAME_WORDS, max((len(form.words) for form in self._forms), default=1)
        )
        suffix_ids = {suffix: i for i, suffix in enumerate(sorted(self._suffix_words))}
        self._suffix_ids = suffix_ids
        self._form_suffix_ids = np.array(
            [suffix_ids.get(form.suffix, -1) for form in self._forms], dtype=np.int32
        )
        self._form_street = np.array([form.street for form in self._forms])
        name_keys = ["".join(form.words) for form in self._forms]
        full_keys = [
            key + form.suffix for key, form in zip(name_keys, self._forms, strict=True)
        ]
        self._name_keys = name_keys
        self._name_digits = np.array([_digits(key) for key in name_keys])
        self._name_sounds = [phonetic_key(key) for key in name_keys]
        self._full_keys = full_keys
        self._full_sounds = [phonetic_key(key) for key in full_keys]

    @property
    def streets(self) -> tuple[Street, ...]:
        return self._streets

    def find(self, text: str) -> AddressMatch | None:
        """The best house number and street, or intersection, or street; else None."""
        tokens = self._split_ordinals(_address_words(text))
        hits = self._hits(tokens)
        if not hits:
            return None
        singles = [m for hit in hits if (m := self._single(tokens, hit, hits))]
        best = max(singles, key=_single_rank, default=None)
        if best is not None and best.match.house_number is not None:
            return best.match
        crossing = self._intersection(tokens, hits)
        if crossing is None or (
            best is not None
            and crossing.match.score < best.match.score - _WEAK_CROSSING_MARGIN
        ):
            return best.match if best is not None else None
        before = crossing.start - 1
        # "Elm between Main and Oak": Elm is the street, Main the nearest corner.
        if (
            best is not None
            and before > 0
            and tokens[before] == "between"
            and best.end <= before
            and best.match.street != crossing.match.street
        ):
            return replace(
                best.match,
                cross_street=crossing.match.street,
                score=min(best.match.score, crossing.match.score),
            )
        return crossing.match

    def alternatives(self, match: AddressMatch, text: str) -> list[Street]:
        """Streets sharing the matched name when the caller said no suffix.

        A bare name shared by an avenue and a drive is a question to ask back,
        not a guess to make. Returns [] when the suffix was said or
        the name is unique; otherwise every same-name street, the match first.
        """
        said = {SUFFIX_SPELLINGS.get(word, word) for word in words(text)}
        if match.street.suffix.lower() in said:
            return []
        same_name = [
            street
            for street in self._streets
            if street.name.lower() == match.street.name.lower()
        ]
        if len(same_name) < 2:
            return []
        return [match.street] + [s for s in same_name if s != match.street]

    def candidates(self, text: str, limit: int = 3) -> list[Street]:
        """Streets the caller may have meant, best first, for a "did you mean"."""
        best: dict[int, float] = {}
        for hit in self._hits(self._split_ordinals(_address_words(text))):
            best[hit.street] = max(best.get(hit.street, 0.0), hit.score)
        ranked = sorted(best, key=lambda street: (-best[street], street))
        return [self._streets[street] for street in ranked[:limit]]

    def _split_ordinals(self, words: list[str]) -> list[str]:
        """Read "14 25th" as "1420 5th" when only the 5th exists with that suffix.

        "fourteen twenty fifth ave" normalizes to "14 25th ave".
        """
        for index in range(1, len(words)):
            found = _TENS_ORDINAL.fullmatch(words[index])
            if found is None or not words[index - 1].isdigit():
                continue
            following = words[index + 1] if index + 1 < len(words) else ""
            suffix = following if following in self._suffix_words else ""
            if (words[index], suffix) not in self._one_word_names and (
                found.group(2),
                suffix,
            ) in self._one_word_names:
                words[index - 1] += found.group(1) + "0"
                words[index] = found.group(2)
        return words

    # -- scoring -------------------------------------------------------------

    def _hits(self, tokens: Sequence[str]) -> list[_Hit]:
        spans = self._spans(tokens)
        if not spans or not self._forms:
            return []
        keys = ["".join(tokens[span.start : span.stop]) for span in spans]
        sounds = [_cached_key(key) for key in keys]
        name_scores = _fused(keys, sounds, self._name_keys, self._name_sounds)
        full_scores = _fused(keys, sounds, self._full_keys, self._full_sounds)
        name_exact = process.cdist(keys, self._name_keys, scorer=fuzz.ratio) >= 100
        span_suffix = np.array(
            [
                self._suffix_ids.get(span.suffix, -2) if span.suffix else -2
                for span in spans
            ],
            dtype=np.int32,
        )
        has_suffix = (span_suffix >= 0)[:, None]
        same_suffix = span_suffix[:, None] == self._form_suffix_ids[None, :]
        penalty = np.where(
            has_suffix,
            np.where(same_suffix, 0.0, _WRONG_SUFFIX_PENALTY),
            _NO_SUFFIX_PENALTY,
        )
        by_name = name_scores - penalty
        # "street" alone is not "Elm Street": a span of suffix words must be exact.
        suffix_counts = [
            sum(word in self._suffix_words for word in tokens[s.start : s.stop])
            for s in spans
        ]
        is_suffix_only = np.array(
            [
                count == s.stop - s.start
                for count, s in zip(suffix_counts, spans, strict=True)
            ]
        )[:, None]
        by_name = np.where(is_suffix_only & ~name_exact, 0.0, by_name)
        # A suffix run into the name ("Elmstreet") only counts when none was said.
        said_suffix = np.array([count > 0 for count in suffix_counts])[:, None]
        by_full = np.where(has_suffix | said_suffix, 0.0, full_scores)
        scores = np.maximum(by_name, by_full)
        # A number in a name is heard exactly or not at all: "45th" and "15th
        # Avenue" are not 5th Avenue, however alike they spell.
        span_digits = np.array([_digits(key) for key in keys])
        scores = np.where(
            span_digits[:, None] == self._name_digits[None, :], scores, 0.0
        )
        hits: list[_Hit] = []
        for row in np.flatnonzero(scores.max(axis=1) >= _CANDIDATE_FLOOR):
            span = spans[row]
            row_scores = scores[row]
            if len(row_scores) > _TOP_FORMS_PER_SPAN:
                top = np.argpartition(-row_scores, _TOP_FORMS_PER_SPAN)
                columns = top[:_TOP_FORMS_PER_SPAN]
            else:
                columns = np.arange(len(row_scores))
            per_street: dict[int, _Hit] = {}
            for column in columns:
                score = float(row_scores[column])
                if score < _CANDIDATE_FLOOR:
                    continue
                uses_full = bool(by_full[row, column] > by_name[row, column])
                street = int(self._form_street[column])
                hit = _Hit(
                    span=span,
                    street=street,
                    score=score,
                    has_suffix=uses_full or bool(same_suffix[row, column]),
                )
                if street not in per_street or per_street[street].score < score:
                    per_street[street] = hit
            hits.extend(per_street.values())
        return hits

    def _spans(self, tokens: Sequence[str]) -> list[_Span]:
        spans: list[_Span] = []
        for start, first in enumerate(tokens):
            if first in _NOT_NAME_START or first.isdigit():
                continue
            for length in range(1, self._max_words + 1):
                stop = start + length
                if stop > len(tokens):
                    break
                if tokens[stop - 1] in _NOT_NAME_START:
                    continue
                if any(
                    word in _NOT_NAME_START and word not in self._inner_words
                    for word in tokens[start + 1 : stop - 1]
                ):
                    break
                following = tokens[stop] if stop < len(tokens) else ""
                suffix = following if following in self._suffix_words else ""
                spans.append(_Span(start, stop, suffix))
        return spans

    # -- choosing ------------------------------------------------------------

    def _single(
        self, tokens: Sequence[str], hit: _Hit, hits: Sequence[_Hit]
    ) -> _Found | None:
        """The hit as a street on its own, if its context makes it believable."""
        span = hit.span
        house_number = _house_number(tokens, span)
        before = tokens[span.start - 1] if span.start > 0 else ""
        after = tokens[span.end] if span.end < len(tokens) else ""
        has_context = (
            hit.has_suffix
            or house_number is not None
            # "in front of my house" is no street, whatever the city calls Front.
            or (before in _PREPOSITIONS and after != "of")
            or _is_whole_answer(tokens, span)
        )
        if not has_context:
            return None
        score = self._score(hit, house_number) - self._ambiguity(
            hit, hits, house_number
        )
        if score < MIN_SCORE:
            return None
        match = AddressMatch(
            house_number=house_number,
            street=self._streets[hit.street],
            cross_street=None,
            score=_clamp(score),
        )
        return _Found(match, span.start, span.end, -hit.street)

    def _intersection(
        self, tokens: Sequence[str], hits: Sequence[_Hit]
    ) -> _Found | None:
        """The best "Main and 5th": two streets joined by a connector word."""
        by_end: dict[int, list[_Hit]] = {}
        for hit in hits:
            by_end.setdefault(hit.span.end, []).append(hit)
        best: _Found | None = None
        for second in hits:
            start = second.span.start
            if start < 2 or tokens[start - 1] not in _CONNECTORS:
                continue
            for first in by_end.get(start - 1, ()):
                if first.street == second.street:
                    continue
                score = min(
                    first.score - self._ambiguity(first, hits, None),
                    second.score - self._ambiguity(second, hits, None),
                )
                if score < MIN_SCORE or (
                    best is not None and score <= best.match.score
                ):
                    continue
                match = AddressMatch(
                    house_number=None,
                    street=self._streets[first.street],
                    cross_street=self._streets[second.street],
                    score=_clamp(score),
                )
                best = _Found(match, first.span.start, second.span.end, 0)
        return best

    def _score(self, hit: _Hit, house_number: str | None) -> float:
        """The hit's score, less a penalty when the number is not on that street."""
        street = self._streets[hit.street]
        if house_number is not None and not _in_range(street, int(house_number)):
            return hit.score - _OUT_OF_RANGE_PENALTY
        return hit.score

    def _ambiguity(
        self, hit: _Hit, hits: Sequence[_Hit], house_number: str | None
    ) -> float:
        """A penalty when another street fits the same words just as well."""
        score = self._score(hit, house_number)
        for other in hits:
            if (
                other.span == hit.span
                and other.street != hit.street
                and self._score(other, house_number) >= score
            ):
                return _AMBIGUOUS_PENALTY
        return 0.0


@dataclass(frozen=True, slots=True)
class _Found:
    """A candidate answer and the words it came from: tokens[start:end]."""

    match: AddressMatch
    start: int
    end: int
    order: int  # minus the street's position in the city: earlier wins ties


def _single_rank(found: _Found) -> tuple[float, bool, int, int]:
    """Best score, then a house number, then more words, then city order."""
    match = found.match
    has_number = match.house_number is not None
    return match.score, has_number, found.end - found.start, found.order


def _fused(
    keys: Sequence[str],
    sounds: Sequence[str],
    choices: Sequence[str],
    choice_sounds: Sequence[str],
) -> FloatMatrix:
    """Spelling similarity, raised toward the sound similarity when that is higher.

    Sound alone never decides: "Castrel" reaches Kestrel because both agree.
    """
    spelled: FloatMatrix = process.cdist(
        keys, choices, scorer=fuzz.ratio, dtype=np.float32
    )
    sounded: FloatMatrix = process.cdist(
        sounds, choice_sounds, scorer=fuzz.ratio, dtype=np.float32
    )
    return np.maximum(spelled, (spelled + sounded) / 2)


@lru_cache(maxsize=8192)
def _cached_key(key: str) -> str:
    return phonetic_key(key)


def _digits(key: str) -> str:
    return "".join(ch for ch in key if ch.isdigit())


def _canonical_suffix(word: str) -> str:
    lowered = normalize(word).replace(" ", "")
    return SUFFIX_SPELLINGS.get(lowered, lowered)


def _name_words(name: str) -> tuple[str, ...]:
    words = _address_words(name)
    # "The Alameda": a leading article is not said reliably.
    while words and words[0] in STOPWORDS:
        words = words[1:]
    return tuple(words)


def _address_words(text: str) -> list[str]:
    """Normalized words with ordinals as digits and suffixes spelled out."""
    words: list[str] = []
    for word in normalize(normalize_street_numbers(text)).split():
        word = SUFFIX_SPELLINGS.get(word, word)
        if _MIXED_TOKEN.fullmatch(word) and not _ORDINAL_TOKEN.fullmatch(word):
            word = _sounded_out(word)
        words.append(word)
    return words


def _sounded_out(word: str) -> str:
    """Spell out a token like "l3s" as it sounds, "elthrees"; Whisper writes those."""
    parts = _LETTER_OR_DIGITS.findall(word)
    sounds: list[str] = []
    for index, part in enumerate(parts):
        if part.isdigit():
            sounds.append("".join(DIGIT_NAMES[int(d)] for d in part))
        elif index == len(parts) - 1 and sounds:
            sounds.append(part)  # a trailing letter is usually a plural or "'s"
        else:
            sounds.append(_LETTER_NAMES[part])
    return "".join(sounds)


def _house_number(tokens: Sequence[str], span: _Span) -> str | None:
    """The number said right before the street, or after it as "..., number 200"."""
    after = tokens[span.end : span.end + 2]
    if len(after) == 2 and after[0] == "number" and _is_house_number(after[1]):
        return after[1]
    if span.start == 0:
        return None
    before = tokens[span.start - 1]
    if _is_house_number(before):
        return _joined_house_number(tokens, span.start - 1)
    # A lone "one" stays a word in normalization; before a street it is a number.
    if before == "one" and (span.start < 2 or tokens[span.start - 2] in _PREPOSITIONS):
        return "1"
    return None


def _joined_house_number(tokens: Sequence[str], index: int) -> str:
    """The number at tokens[index], added to a round number said just before it.

    Whisper can write "two thousand three hundred fifteen" as "2,300, 15": the
    round part's trailing zeros leave room for exactly the rest.
    """
    number = tokens[index]
    head = tokens[index - 1] if index > 0 else ""
    if not _is_house_number(head) or int(head) == 0:
        return number
    zeros = len(head) - len(head.rstrip("0"))
    if zeros < 2 or int(number) >= 10**zeros:
        return number
    return str(int(head) + int(number))


def _is_house_number(word: str) -> bool:
    return word.isdigit() and len(word) <= _MAX_HOUSE_DIGITS


def _is_whole_answer(tokens: Sequence[str], span: _Span) -> bool:
    outside = [*tokens[: span.start], *tokens[span.end :]]
    return all(word in _FILLER or word.isdigit() for word in outside)


def _in_range(street: Street, number: int) -> bool:
    if street.min_address is not None and number < street.min_address:
        return False
    return street.max_address is None or number <= street.max_address


def _clamp(score: float) -> float:
    return round(min(100.0, max(0.0, score)), 1)
