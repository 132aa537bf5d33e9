"""Which service in the city's catalog a caller's words describe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from nlu.city import Service, TrainingExample
from nlu.faq import is_question
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
# How a call opens and words that point at nobody in particular; none says what
# the problem is ("good morning, I want to tell you about a..."), and callers
# open reports and small talk alike with them.
_FILLER_WORDS = word_set(
    """
    good morning afternoon evening would calling call sir maam want wants wanted
    about someone somebody something anyone anybody anything everyone everybody
    guy guys someones somebodys
    """
)
_IGNORED = STOPWORDS | NEGATORS | _REQUEST_WORDS | _FILLER_WORDS
# The first word after the greeting says what kind of turn it is: "how", "when",
# "is" open a question about a service, "there's", "my", "the" a report of one.
_OPENERS = _FILLER_WORDS | word_set(
    "hi hello hey um uh uhm er yeah yes so well ok okay oh"
)
_OPENING_MARK = "^"  # "^how": a feature of its own, never a content word
# Few of a service's examples open with any one word, so an opening the examples
# happen to lack ("I need to report a tree down") must not rule the service out.
_OPENING_WEIGHT = 0.5
# The classifier: Bernoulli naive Bayes over the features of the catalog's texts
# and the city's examples. Figures tuned on the dev rows of the example city's
# corpus and on five-fold cross-validation over its examples.
# Add-alpha on each feature's document count: 0.12 lets a third fewer off-topic
# sentences through in cross-validation and costs about a point of accuracy.
_SMOOTHING = 0.085
# A pair repeats the evidence of its two words; counted whole it drowns a lone
# telling word ("stoplight") in the pairs of incidental ones ("cars flying").
_PAIR_WEIGHT = 0.5
# Both judges vote in log-odds: a catalog phrase heard in full is worth this much
# to its service, and "no service" gets what a phrase heard at _NO_SERVICE_SCORE
# would, so a sentence that only half says a phrase needs the classifier's help.
_PHRASE_WEIGHT = 5.0
_NO_SERVICE_SCORE = 75.0
# A city without off-topic examples cannot teach the classifier what is not a
# report; there it speaks only when sure and the phrase matcher decides the rest.
_MIN_PROBABILITY = 0.8
# Below this share of the vote the leader is unsure; a runner-up with at least
# _CONTENDER_PROBABILITY is close enough to ask the caller which one they mean.
_SURE_PROBABILITY = 0.9
_WHOLE_PHRASE = 85.0  # nearly every word of a catalog phrase heard
# "The first one", "the second", "the last": answers to "Is that A, or B?".
_ORDINALS = {"first": 0, "former": 0, "second": 1, "latter": 1, "last": -1}
_CONTENDER_PROBABILITY = 0.12
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
    matcher that wants most of one catalog phrase heard. Where the city teaches
    what is not a report, both vote in log-odds and the larger sum wins, "no
    service" included; elsewhere the phrase matcher decides and the classifier
    speaks only when it is sure. With too few known words the phrase matcher
    decides alone.
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
        log_posterior = self._classifier.judge(text)
        if log_posterior is None:
            return self._phrase_match(ranked)
        if not self._classifier.knows_no_service:
            return self._sure_match(log_posterior, ranked)
        votes, heard = self._votes(log_posterior, ranked)
        best = int(np.argmax(votes))
        if best == len(self._services):
            # A catalog phrase nearly whole ("streetlight ... out") outweighs the
            # noise a phone line adds around a report ("a streetlight map in
            # mouth"); a question ("what day is garbage collection?") stays one.
            if is_question(text):
                return None
            return self._phrase_match(ranked, min_score=_WHOLE_PHRASE)
        probability = float(_softmax(votes)[best])
        score = max(float(heard[best]), round(100.0 * probability, 1))
        return CategoryMatch(service=self._services[best], score=min(100.0, score))

    def contenders(self, text: str) -> tuple[Service, Service] | None:
        """Two services the words fit about equally well, to ask between.

        "The light at Main and 5th is broken" may be a streetlight or a traffic
        signal; a dispatcher asks rather than guesses.
        """
        ranked = self._rank(text)
        log_posterior = self._classifier.judge(text)
        if log_posterior is None or not self._classifier.knows_no_service:
            # Phrases alone: ask when two are heard equally well ("trash").
            tied = [m for m, *_ in ranked[:2] if m.score >= MIN_SCORE]
            if len(tied) == 2 and ranked[0][1:] == ranked[1][1:]:
                return tied[0].service, tied[1].service
            return None
        votes, _ = self._votes(log_posterior, ranked)
        probabilities = _softmax(votes)
        first, second = (int(i) for i in np.argsort(-probabilities)[:2])
        none = len(self._services)
        if none in (first, second):
            return None
        top, runner_up = float(probabilities[first]), float(probabilities[second])
        if top >= _SURE_PROBABILITY or runner_up < _CONTENDER_PROBABILITY:
            return None
        return self._services[first], self._services[second]

    def choose(self, text: str, choices: Sequence[Service]) -> Service | None:
        """Which of the offered services an answer names, if it names one."""
        found = self.match(text)
        if found is not None and found.service in choices:
            return found.service
        for match in self.ranked(text, limit=len(self._services)):
            if match.service in choices:
                return match.service
        said = set(words(text))
        for ordinal, index in _ORDINALS.items():
            if ordinal in said and index < len(choices):
                return choices[index]
        # "The traffic one": a word of one choice's name that the other lacks.
        named = [
            {stem(w) for w in words(f"{s.spoken_name} {s.name}")} - _IGNORED
            for s in choices
        ]
        heard = {stem(w) for w in said}
        hits = [
            service
            for service, own in zip(choices, named, strict=True)
            if heard & (own - set().union(*(n for n in named if n is not own)))
        ]
        return hits[0] if len(hits) == 1 else None

    def _votes(
        self,
        log_posterior: FloatMatrix,
        ranked: list[tuple[CategoryMatch, float, float]],
    ) -> tuple[FloatMatrix, FloatMatrix]:
        """Each service's (and "no service"'s) joint vote, and its phrase score."""
        heard = np.zeros(len(self._services) + 1, dtype=np.float32)
        for match, *_ in ranked:
            heard[self._services.index(match.service)] = match.score
        heard[-1] = _NO_SERVICE_SCORE
        votes: FloatMatrix = log_posterior + _PHRASE_WEIGHT * heard / 100.0
        return votes, heard

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

    def _sure_match(
        self,
        log_posterior: FloatMatrix,
        ranked: list[tuple[CategoryMatch, float, float]],
    ) -> CategoryMatch | None:
        """The phrase matcher's service, else the classifier's when it is sure.

        Taught only the catalog's own phrases, the classifier is sure on little:
        one synonym's "washed out" outweighs the word that names the service.
        """
        found = self._phrase_match(ranked)
        if found is not None:
            return found
        probabilities = _softmax(log_posterior)
        best = int(np.argmax(probabilities))
        probability = float(probabilities[best])
        if probability < _MIN_PROBABILITY:
            return None
        service = self._services[best]
        phrase_score = next((m.score for m, *_ in ranked if m.service is service), 0.0)
        score = max(phrase_score, round(100.0 * probability, 1))
        return CategoryMatch(service=service, score=score)

    @staticmethod
    def _phrase_match(
        ranked: list[tuple[CategoryMatch, float, float]],
        min_score: float = MIN_SCORE,
    ) -> CategoryMatch | None:
        if not ranked or ranked[0][0].score < min_score:
            return None
        if len(ranked) > 1 and ranked[0][1:] == ranked[1][1:]:
            return None  # "trash" alone fits several services equally
        return ranked[0][0]


class _NaiveBayes:
    """Bernoulli naive Bayes over word features, with a class for "no service"."""

    def __init__(
        self, services: Sequence[Service], examples: Sequence[TrainingExample]
    ) -> None:
        codes = {service.code: index for index, service in enumerate(services)}
        no_service = len(services)
        texts: list[tuple[str, int]] = []
        for index, service in enumerate(services):
            said = (
                service.name,
                service.spoken_name,
                service.description,
                *service.keywords,
                *service.synonyms,
            )
            texts += [(text, index) for text in said]
        for example in examples:
            label = (
                no_service if example.category is None else codes.get(example.category)
            )
            if label is not None:
                texts.append((example.text, label))
        parsed = [(_Features.of(text), label) for text, label in texts]
        # A run-together pair counts only when it is a word someone wrote whole:
        # "street light" -> "streetlight", never "avenueall".
        self._words = frozenset(w for features, _ in parsed for w in features.words)
        documents = [(self._features(features), label) for features, label in parsed]
        documents = [(features, label) for features, label in documents if features]
        vocabulary = sorted({f for features, _ in documents for f in features})
        self._column = {feature: i for i, feature in enumerate(vocabulary)}
        self._size = len(services) + 1
        counts: FloatMatrix = np.zeros((self._size, len(vocabulary)), dtype=np.float32)
        for features, label in documents:
            counts[label, [self._column[f] for f in features]] += 1.0
        documents_per_class = np.bincount(
            [label for _, label in documents], minlength=self._size
        ).astype(np.float32)
        # Classes with no text (a catalog entry without words, "no service" in a
        # city without examples) can never win.
        self._classes = np.flatnonzero(documents_per_class > 0)
        self.knows_no_service = bool(documents_per_class[no_service] > 0)
        weights: FloatMatrix = np.array(
            [_weight_of(feature) for feature in vocabulary], dtype=np.float32
        )
        present = (counts[self._classes] + _SMOOTHING) / (
            documents_per_class[self._classes, None] + 2 * _SMOOTHING
        )
        self._log_present: FloatMatrix = (np.log(present) * weights).astype(np.float32)
        self._log_absent: FloatMatrix = (np.log1p(-present) * weights).astype(
            np.float32
        )
        self._log_all_absent: FloatMatrix = self._log_absent.sum(axis=1)

    def judge(self, text: str) -> FloatMatrix | None:
        """Log-posterior per service, then for "no service"; -inf for a class
        never taught.

        Returns None when too few of the words are known to judge.
        """
        features = self._features(_Features.of(text))
        columns = [self._column[f] for f in features if f in self._column]
        # How a sentence opens says what kind of turn it is, not what it is about.
        about = sum(
            not f.startswith(_OPENING_MARK) for f in features if f in self._column
        )
        if about < _MIN_KNOWN_FEATURES or not len(self._classes):
            return None
        # Bernoulli: a feature's absence counts too, so a short off-topic
        # sentence does not look like a long catalog phrase it shares a word with.
        scores = self._log_all_absent + (
            self._log_present[:, columns] - self._log_absent[:, columns]
        ).sum(axis=1)
        scores -= scores.max()
        scores -= np.log(np.exp(scores).sum())
        log_posterior = np.full(self._size, -np.inf, dtype=np.float32)
        log_posterior[self._classes] = scores
        return log_posterior

    def _features(self, features: _Features) -> frozenset[str]:
        joined = (w for w in features.joined if w in self._words)
        return frozenset((*features.words, *features.pairs, *joined))


@dataclass(frozen=True, slots=True)
class _Features:
    """What the classifier reads in a text: the opening word ("^how") and the
    content words, stemmed; neighbouring pairs of those ("dead_rat"); and
    content words run together ("street light" -> "streetlight"), which count
    only when the run-together word is known.

    Place words count only inside a run-together pair.
    """

    words: frozenset[str]
    pairs: frozenset[str]
    joined: frozenset[str]

    @staticmethod
    def of(text: str) -> _Features:
        said = words(text)
        kept = _content_words(said)
        content = [_stem(w) for w in kept if w not in _PLACE_WORDS]
        opening = next((w for w in said if w not in _OPENERS), None)
        if opening is not None:
            content.insert(0, _OPENING_MARK + opening)
        return _Features(
            words=frozenset(content),
            pairs=frozenset(
                f"{a}_{b}" for a, b in zip(content, content[1:], strict=False)
            ),
            joined=frozenset(
                _stem(a + b) for a, b in zip(kept, kept[1:], strict=False)
            ),
        )


def _content_words(said: Sequence[str]) -> list[str]:
    """The words that may say what the problem is, in order, not stemmed."""
    return [w for w in said if w not in _IGNORED and not w.isdigit()]


_HISSING_PLURALS = ("ches", "shes", "sses", "xes", "zzes")


def _stem(word: str) -> str:
    """`stem`, with a doubled last letter undone ("handicapped" -> "handicap") and
    "-es" dropped where the singular ends in a hiss ("roaches" -> "roach").
    """
    if word.endswith(_HISSING_PLURALS):
        return word[:-2]
    stemmed = stem(word)
    if (
        stemmed != word
        and len(stemmed) > 3
        and stemmed[-1] == stemmed[-2]
        and stemmed[-1] not in "aeiouylsz"
    ):
        return stemmed[:-1]
    return stemmed


def _weight_of(feature: str) -> float:
    """How much of a feature's evidence the classifier counts."""
    if feature.startswith(_OPENING_MARK):
        return _OPENING_WEIGHT
    return _PAIR_WEIGHT if "_" in feature else 1.0


def _softmax(scores: FloatMatrix) -> FloatMatrix:
    shifted: FloatMatrix = np.exp(scores - scores.max()).astype(np.float32)
    probabilities: FloatMatrix = shifted / shifted.sum()
    return probabilities


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
    content = _content_words(words(text))
    heard = [_stem(w) for w in content]
    heard += [a + b for a, b in zip(content, content[1:], strict=False)]
    heard += [a + _stem(b) for a, b in zip(content, content[1:], strict=False)]
    return list(dict.fromkeys(heard))


def _weight(word: str) -> float:
    return _PLACE_WORD_WEIGHT if word in _PLACE_WORDS else 1.0
