"""Which service in the city's catalog a caller's words describe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from nlu.city import Service
from nlu.text import (
    NEGATORS,
    STOPWORDS,
    STREET_SUFFIXES,
    SUFFIX_SPELLINGS,
    word_set,
    words,
)

# Scores are 0..100: the share of a phrase's words heard, keyword phrases scaled.
MIN_SCORE = 75.0
_RANKED_FLOOR = 60.0  # "did you mean" lists may show weaker matches
_KEYWORD_FACTOR = 0.9  # catalog keywords are how staff write, not how callers talk
_PLACE_WORD_WEIGHT = 0.3  # "street" in "street light" is also in every address
_MIN_PHRASE_WEIGHT = 1.0  # "road" alone says nothing about which service
_SHORT_WORD_LETTERS = 3  # words this short must be heard exactly ("out", "car")
_MIN_WORD_SIMILARITY = 84.0  # "grafitti" ~ "graffiti", "light" !~ "night"
_PLACE_WORDS = STREET_SUFFIXES | frozenset(SUFFIX_SPELLINGS)
# Catalog names say "Graffiti report", "Rodent problem": these words pick nothing.
_REQUEST_WORDS = word_set(
    """
    report reports reporting problem problems issue issues request requests
    complaint complaints need needs needed help general service services
    """
)
_IGNORED = STOPWORDS | NEGATORS | _REQUEST_WORDS

FloatMatrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryMatch:
    """A catalog service and how well the caller's words fit it."""

    service: Service
    score: float  # 0..100


@dataclass(frozen=True, slots=True)
class _Phrase:
    service: int  # index into CategoryMatcher._services
    words: tuple[str, ...]  # stemmed content words
    weights: tuple[float, ...]
    factor: float


class CategoryMatcher:
    """A city's services, prepared once so each caller turn is a few array ops."""

    def __init__(self, services: Sequence[Service]) -> None:
        self._services = tuple(services)
        phrases: dict[tuple[int, tuple[str, ...]], _Phrase] = {}
        for index, service in enumerate(self._services):
            said = (service.name, service.spoken_name, *service.synonyms)
            sources = [(text, 1.0) for text in said]
            sources += [(text, _KEYWORD_FACTOR) for text in service.keywords]
            for text, factor in sources:
                for phrase in _phrases(index, text, factor):
                    key = (index, phrase.words)
                    known = phrases.get(key)
                    if known is None or known.factor < phrase.factor:
                        phrases[key] = phrase
        self._phrases = tuple(phrases.values())
        vocabulary = sorted({word for phrase in self._phrases for word in phrase.words})
        self._vocabulary = vocabulary
        column = {word: i for i, word in enumerate(vocabulary)}
        shape = (len(self._phrases), len(vocabulary))
        raw: FloatMatrix = np.zeros(shape, dtype=np.float32)
        for row, phrase in enumerate(self._phrases):
            for word, weight in zip(phrase.words, phrase.weights, strict=True):
                raw[row, column[word]] += weight
        totals = raw.sum(axis=1, keepdims=True)
        factors = np.array([p.factor for p in self._phrases], dtype=np.float32)
        # coverage @ heard: the weighted share of each phrase's words heard.
        safe_totals = np.where(totals > 0, totals, np.float32(1.0))
        self._coverage: FloatMatrix = (
            raw / safe_totals * factors[:, None] * 100.0
        ).astype(np.float32)
        self._weights = raw
        self._phrase_service = np.array([p.service for p in self._phrases])
        self._cutoffs: FloatMatrix = np.array(
            [
                100.0 if len(word) <= _SHORT_WORD_LETTERS else _MIN_WORD_SIMILARITY
                for word in vocabulary
            ],
            dtype=np.float32,
        )

    def match(self, text: str) -> CategoryMatch | None:
        """The service the words describe, or None when none fits or two tie."""
        ranked = self._rank(text)
        if not ranked or ranked[0][0].score < MIN_SCORE:
            return None
        if len(ranked) > 1 and ranked[0][1:] == ranked[1][1:]:
            return None  # "trash" alone fits several services equally
        return ranked[0][0]

    def ranked(self, text: str, limit: int = 3) -> list[CategoryMatch]:
        """Services the words may describe, best first, for "did you mean"."""
        return [
            match for match, *_ in self._rank(text) if match.score >= _RANKED_FLOOR
        ][:limit]

    def _rank(self, text: str) -> list[tuple[CategoryMatch, float, float]]:
        """Matches with their score and matched weight, best first."""
        heard = _heard_words(text)
        if not heard or not self._vocabulary:
            return []
        similarity: FloatMatrix = process.cdist(
            heard, self._vocabulary, scorer=fuzz.ratio, dtype=np.float32
        )
        similarity = np.where(similarity >= self._cutoffs[None, :], similarity, 0.0)
        best_heard = similarity.max(axis=0) / 100.0
        scores = self._coverage @ best_heard
        matched = self._weights @ best_heard
        best: dict[int, tuple[float, float]] = {}
        for row in np.flatnonzero(scores > 0):
            service = int(self._phrase_service[row])
            entry = (round(float(scores[row]), 1), round(float(matched[row]), 3))
            if entry > best.get(service, (0.0, 0.0)):
                best[service] = entry
        order = sorted(best, key=lambda s: (-best[s][0], -best[s][1], s))
        return [
            (
                CategoryMatch(service=self._services[s], score=min(100.0, best[s][0])),
                best[s][0],
                best[s][1],
            )
            for s in order
        ]


def _phrases(service: int, text: str, factor: float) -> list[_Phrase]:
    """A catalog phrase, plus its compounds: "street light" -> "streetlight"."""
    content = [(w, _weight(w)) for w in words(text) if w not in _IGNORED]
    if not content:
        return []
    stems = tuple(_stem(w) for w, _ in content)
    weights = tuple(weight for _, weight in content)
    variants = [(stems, weights)]
    for i in range(len(stems) - 1):
        joined = "".join(w for w, _ in content[i : i + 2])
        variants.append(
            (
                (*stems[:i], joined, *stems[i + 2 :]),
                (*weights[:i], max(weights[i : i + 2]), *weights[i + 2 :]),
            )
        )
    return [
        _Phrase(service, stem_words, stem_weights, factor)
        for stem_words, stem_weights in variants
        if sum(stem_weights) >= _MIN_PHRASE_WEIGHT
    ]


def _heard_words(text: str) -> list[str]:
    """The caller's content words, stemmed, plus each neighbouring pair run together.

    Whisper writes "sink hole" as often as "sinkhole".
    """
    content = [w for w in words(text) if w not in _IGNORED and not w.isdigit()]
    heard = [_stem(w) for w in content]
    heard += [a + b for a, b in zip(content, content[1:], strict=False)]
    heard += [a + _stem(b) for a, b in zip(content, content[1:], strict=False)]
    return list(dict.fromkeys(heard))


def _weight(word: str) -> float:
    return _PLACE_WORD_WEIGHT if word in _PLACE_WORDS else 1.0


def _stem(word: str) -> str:
    """A crude suffix strip, enough for "lights", "dumped", "flashing"."""
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
