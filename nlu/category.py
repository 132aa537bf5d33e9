"""Which service in the city's catalog a caller's words describe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from nlu.city import Service, TrainingExample
from nlu.text import (
    NEGATORS,
    STOPWORDS,
    STREET_SUFFIXES,
    SUFFIX_SPELLINGS,
    stem,
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
# The classifier: Bernoulli naive Bayes over the features of the catalog's texts
# and the city's examples. Figures tuned on the dev rows of the example city's
# corpus and on off-topic sentences kept out of training. The smoothing is a
# sharp trade: 0.1 lost 3 points of accuracy, 0.07 let more off-topic talk in.
_SMOOTHING = 0.085  # add-alpha on each feature's document count
_MIN_PROBABILITY = 0.8  # below this, the phrase matcher decides
_NO_SERVICE_VETO = 0.99  # this sure that no service is meant overrules the phrases
# One known feature is too little to go on ("car" in "a tree fell on my car"); it
# is left to the phrase matcher, which wants a whole phrase heard.
_MIN_KNOWN_FEATURES = 2

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
    """A city's services, prepared once so each caller turn is a few array ops.

    Two judges: a naive Bayes classifier trained on the catalog's names,
    keywords, synonyms and descriptions plus the city's example sentences (those
    labelled with no service teach it what is not a report), and a phrase
    matcher that wants most of one catalog phrase heard. The classifier speaks
    first when it is sure, of a service or of none; otherwise the phrase matcher
    decides.
    """

    def __init__(
        self,
        services: Sequence[Service],
        examples: Sequence[TrainingExample] = (),
    ) -> None:
        self._services = tuple(services)
        self._classifier = _NaiveBayes(self._services, examples)
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
        guess = self._classifier.classify(text)
        if guess is not None:
            index, probability = guess
            if index is None:
                if probability >= _NO_SERVICE_VETO:
                    return None
            elif probability >= _MIN_PROBABILITY:
                service = self._services[index]
                phrase_score = next(
                    (m.score for m, *_ in ranked if m.service is service), 0.0
                )
                score = max(phrase_score, round(100.0 * probability, 1))
                return CategoryMatch(service=service, score=score)
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


class _NaiveBayes:
    """Bernoulli naive Bayes over word features, with a class for "no service"."""

    def __init__(
        self, services: Sequence[Service], examples: Sequence[TrainingExample]
    ) -> None:
        codes = {service.code: index for index, service in enumerate(services)}
        no_service = len(services)
        documents: list[tuple[frozenset[str], int]] = []
        for index, service in enumerate(services):
            texts = (
                service.name,
                service.spoken_name,
                service.description,
                *service.keywords,
                *service.synonyms,
            )
            documents += [(_features(text), index) for text in texts]
        for example in examples:
            label = (
                no_service if example.category is None else codes.get(example.category)
            )
            if label is not None:
                documents.append((_features(example.text), label))
        documents = [(features, label) for features, label in documents if features]
        vocabulary = sorted({f for features, _ in documents for f in features})
        self._column = {feature: i for i, feature in enumerate(vocabulary)}
        self._no_service = no_service
        counts: FloatMatrix = np.zeros(
            (len(services) + 1, len(vocabulary)), dtype=np.float32
        )
        for features, label in documents:
            counts[label, [self._column[f] for f in features]] += 1.0
        documents_per_class = np.bincount(
            [label for _, label in documents], minlength=len(services) + 1
        ).astype(np.float32)
        # Classes with no text (a catalog entry without words, "no service" in a
        # city without examples) can never win.
        self._classes = np.flatnonzero(documents_per_class > 0)
        present = (counts[self._classes] + _SMOOTHING) / (
            documents_per_class[self._classes, None] + 2 * _SMOOTHING
        )
        self._log_present: FloatMatrix = np.log(present).astype(np.float32)
        self._log_absent: FloatMatrix = np.log1p(-present).astype(np.float32)
        self._log_all_absent: FloatMatrix = self._log_absent.sum(axis=1)

    def classify(self, text: str) -> tuple[int | None, float] | None:
        """The likeliest service's index (None: no service) and its probability.

        Returns None when too few of the words are known to judge.
        """
        columns = [self._column[f] for f in _features(text) if f in self._column]
        if len(columns) < _MIN_KNOWN_FEATURES or not len(self._classes):
            return None
        # Bernoulli: a feature's absence counts too, so a short off-topic
        # sentence does not look like a long catalog phrase it shares a word with.
        scores = self._log_all_absent + (
            self._log_present[:, columns] - self._log_absent[:, columns]
        ).sum(axis=1)
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        best = int(np.argmax(probabilities))
        label = int(self._classes[best])
        probability = float(probabilities[best])
        return (None if label == self._no_service else label), probability


def _features(text: str) -> frozenset[str]:
    """Stemmed content words, neighbouring pairs, and pairs run together.

    Place words count only inside a compound: "street light" gives
    "streetlight", as does "streetlights".
    """
    kept = [w for w in words(text) if w not in _IGNORED and not w.isdigit()]
    content = [stem(w) for w in kept if w not in _PLACE_WORDS]
    features = set(content)
    features.update(f"{a}_{b}" for a, b in zip(content, content[1:], strict=False))
    features.update(stem(a + b) for a, b in zip(kept, kept[1:], strict=False))
    return frozenset(features)


def _phrases(service: int, text: str, factor: float) -> list[_Phrase]:
    """A catalog phrase, plus its compounds: "street light" -> "streetlight"."""
    content = [(w, _weight(w)) for w in words(text) if w not in _IGNORED]
    if not content:
        return []
    stems = tuple(stem(w) for w, _ in content)
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
    heard = [stem(w) for w in content]
    heard += [a + b for a, b in zip(content, content[1:], strict=False)]
    heard += [a + stem(b) for a, b in zip(content, content[1:], strict=False)]
    return list(dict.fromkeys(heard))


def _weight(word: str) -> float:
    return _PLACE_WORD_WEIGHT if word in _PLACE_WORDS else 1.0
