"""Which of the city's frequently asked questions a caller is asking, if any."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from nlu.city import FaqEntry
from nlu.text import NEGATORS, STOPWORDS, stem, word_set, words

# Scores are 0..1: how much of the caller's words, and of the best-fitting way of
# asking, one entry explains. Tuned on the example city's FAQ eval rows.
MIN_SCORE = 0.5
_QUERY_SHARE = 0.6  # the rest of the score is the best question's coverage
_ANSWER_FACTOR = 0.5  # answer words help ("holidays"), but callers ask, not answer
_SHORT_WORD_LETTERS = 3  # words this short must be heard exactly ("day", "pet")
_MIN_WORD_SIMILARITY = 85.0  # whisper's spellings: "recyling" ~ "recycling"
_UNKNOWN_FACTOR = 0.5  # an unknown word's weight, relative to the rarest known
_MARGIN = 0.05  # two entries this close: the caller's words do not choose

_WH_WORDS = word_set(
    """
    what when where which who whom whose why how whats whens wheres whos hows
    whatre whered howd howre
    """
)
_AUXILIARIES = word_set(
    """
    do does did can could will would is are was were should shall may might
    have has must am
    """
)
# Negated, an opening auxiliary is as often a report ("can't get out of my
# driveway"); it asks only before its subject: "don't you".
_NEGATED_AUXILIARIES = word_set("dont doesnt didnt cant isnt arent wont wouldnt")
# After a negated auxiliary, these make a question: "don't you", "isn't there".
_SUBJECTS = word_set(
    """
    i you we they it there he she someone somebody anyone anybody the my a an
    this that these those yall u one people
    """
)
# After an auxiliary inside a sentence, only these still ask: "... can I ...".
_ASKERS = word_set("i you we")
# Said before a question without changing it: "hi yeah um so when is ...".
_LEAD_INS = word_set(
    """
    hi hello hey yeah yes yep okay ok so um uh uhm er hmm well and but also oh
    quick question just sorry excuse me good morning afternoon evening
    """
)
# A question asked indirectly: "I was wondering...", "I need to know...".
_INDIRECT = (
    "wondering",
    "want to know",
    "wanted to know",
    "need to know",
    "like to know",
    "trying to find out",
    "trying to figure out",
    "can you tell me",
    "could you tell me",
    "tell me",
    "have a question",
    "had a question",
    "question about",
    "calling to ask",
    "calling to find out",
    "curious",
    "any idea",
    "do you know",
)
_INDIRECT_PATTERNS = tuple(
    re.compile(rf"\b{re.escape(phrase)}\b") for phrase in _INDIRECT
)
_CLAUSES = re.compile(r"[.!?;,:]+")
# Words that frame a question without saying what it is about.
_FRAME_WORDS = word_set(
    """
    what when where which who whom whose why how whats whens wheres whos hows
    whatre whered howd howre can could will would should shall may might must
    get gets getting got know tell want wanted wanting wondering need needs
    ask asking question questions calling call find out figure city go going
    way does did dont doesnt let lets supposed try trying able anything
    something someone somebody anyone thing things one people yall u guy guys
    about if whether
    put take set see done work bring think make do doing come have
    """
)
# A service that did not happen: the caller reports, even when asking.
_REPORT_NEGATORS = word_set("wasnt werent didnt hasnt havent never")
_IGNORED = STOPWORDS | NEGATORS | _FRAME_WORDS | _LEAD_INS


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqMatch:
    """A FAQ entry and how well the caller's question fits it."""

    entry: FaqEntry
    score: float  # 0..1


def is_question(text: str) -> bool:
    """Whether the words ask something rather than tell something.

    Whisper often drops the question mark, so the shape of the words decides:
    a clause opening with a wh-word or an auxiliary ("is there", "can I"), a
    wh-word before an auxiliary or "can I" later in the clause, or an indirect
    ask ("I was wondering"). Generic English only; nothing of any city.
    """
    if text.rstrip().endswith("?"):
        # "Hello?" asks only whether anyone is there.
        return any(word not in _LEAD_INS for word in words(text))
    for clause in _CLAUSES.split(text):
        tokens = list(words(clause))
        while tokens and tokens[0] in _LEAD_INS:
            tokens.pop(0)
        if not tokens:
            continue
        if tokens[0] in _WH_WORDS or (len(tokens) > 1 and tokens[0] in _AUXILIARIES):
            return True
        if (
            len(tokens) > 1
            and tokens[0] in _NEGATED_AUXILIARIES
            and tokens[1] in _SUBJECTS
        ):
            return True
        # Unpunctuated, a question may follow a statement: "I found a cat where
        # do I bring it". A wh-word before an auxiliary asks; before anything
        # else it is usually a relative clause: "the corner where I live".
        pairs = list(zip(tokens, tokens[1:], strict=False))
        if any(a in _WH_WORDS and b in _AUXILIARIES for a, b in pairs):
            return True
        # So may "can I" or "do you": "my mom is visiting can I get a pass".
        if any(a in _AUXILIARIES and b in _ASKERS for a, b in pairs[1:]):
            return True
    spoken = " ".join(words(text))
    return any(pattern.search(spoken) for pattern in _INDIRECT_PATTERNS)


@dataclass(frozen=True, slots=True)
class _Question:
    entry: int  # index into FaqMatcher._entries
    words: tuple[str, ...]  # stemmed content words, unique


class FaqMatcher:
    """A city's FAQ, prepared once so each caller turn is a few lookups.

    The score weighs each content word by how few entries use it, then asks
    two things: how much of what the caller said does one entry explain, and
    how much of one way of asking that entry did the caller say.
    """

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self._entries = tuple(entries)
        self._questions = tuple(
            _Question(index, stems)
            for index, entry in enumerate(self._entries)
            for question in entry.questions
            if (stems := _content(question))
        )
        # Each entry's words, with the weight its own questions or answer give.
        self._entry_words: list[dict[str, float]] = []
        for index, entry in enumerate(self._entries):
            known = dict.fromkeys(_content(entry.answer), _ANSWER_FACTOR)
            for question in self._questions:
                if question.entry == index:
                    known.update(dict.fromkeys(question.words, 1.0))
            self._entry_words.append(known)
        counts: dict[str, int] = {}
        for known in self._entry_words:
            for word in known:
                counts[word] = counts.get(word, 0) + 1
        total = max(1, len(self._entries))
        self._idf = {
            word: math.log(1.0 + total / count) for word, count in counts.items()
        }
        # A word no entry uses counts against every entry ("weather" in "what's
        # the weather tomorrow"), but less than a rare known word: callers name
        # things the FAQ's questions do not list.
        self._unknown_idf = _UNKNOWN_FACTOR * math.log(1.0 + total)
        self._vocabulary = sorted(counts)

    def match(self, text: str) -> FaqMatch | None:
        """The entry the caller asks about; None for a report, an answer, an
        address, a question the FAQ does not cover, or two entries that tie.
        """
        if not self._entries or not is_question(text):
            return None
        # "My bin wasn't emptied, can you come back": a report with a question
        # tacked on, for the report path to take.
        if not _REPORT_NEGATORS.isdisjoint(words(text)):
            return None
        ranked = self._rank(text)
        if not ranked or ranked[0][1] < MIN_SCORE:
            return None
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < _MARGIN:
            return None
        index, score = ranked[0]
        return FaqMatch(entry=self._entries[index], score=round(score, 3))

    def _rank(self, text: str) -> list[tuple[int, float]]:
        heard = _content(text)
        if not heard or not self._vocabulary:
            return []
        similarity = self._similar(heard)
        # Each heard word as the known word it best sounds like, and how well.
        resolved: list[tuple[str | None, float]] = []
        for word in heard:
            known, score = max(
                similarity.get(word, {}).items(),
                key=lambda item: (item[1], item[0]),
                default=(None, 0.0),
            )
            resolved.append((known, score))
        heard_weights = [
            self._idf[known] if known else self._unknown_idf for known, _ in resolved
        ]
        heard_total = sum(heard_weights)
        best_question = [0.0] * len(self._entries)
        for question in self._questions:
            weights = [self._idf[w] for w in question.words]
            said = sum(
                weight * max(similarity.get(h, {}).get(w, 0.0) for h in heard)
                for w, weight in zip(question.words, weights, strict=True)
            )
            share = said / sum(weights)
            if share > best_question[question.entry]:
                best_question[question.entry] = share
        scores: list[tuple[int, float]] = []
        for index, known_words in enumerate(self._entry_words):
            explained = sum(
                weight * sim * known_words.get(known, 0.0)
                for (known, sim), weight in zip(resolved, heard_weights, strict=True)
                if known is not None
            )
            query_share = explained / heard_total
            score = (
                _QUERY_SHARE * query_share + (1 - _QUERY_SHARE) * best_question[index]
            )
            if score > 0:
                scores.append((index, score))
        return sorted(scores, key=lambda item: (-item[1], item[0]))

    def _similar(self, heard: Sequence[str]) -> dict[str, dict[str, float]]:
        """For each heard word, the known words it may be, with similarity 0..1."""
        found: dict[str, dict[str, float]] = {}
        for word in heard:
            if len(word) <= _SHORT_WORD_LETTERS:
                if word in self._idf:
                    found[word] = {word: 1.0}
                continue
            matches = process.extract(
                word,
                self._vocabulary,
                scorer=fuzz.ratio,
                score_cutoff=_MIN_WORD_SIMILARITY,
                limit=None,
            )
            found[word] = {
                known: score / 100.0
                for known, score, _ in matches
                if len(known) > _SHORT_WORD_LETTERS or known == word
            }
        return found


def _content(text: str) -> tuple[str, ...]:
    """The stemmed content words of `text`, each once, in order."""
    stems = (stem(w) for w in words(text) if w not in _IGNORED)
    return tuple(dict.fromkeys(s for s in stems if s not in _IGNORED))
