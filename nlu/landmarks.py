"""Places a caller names instead of an address: "outside the public library"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from nlu.city import Landmark
from nlu.text import words

# "The" and "a" are how callers lead into a place's name, never part of it.
_LEADING = frozenset({"the", "a", "an", "that", "this"})
# A whole form heard this closely counts: "libary" for "library", one slip.
_MIN_SIMILARITY = 86.0


@dataclass(frozen=True, slots=True, kw_only=True)
class LandmarkHit:
    """A landmark heard in a sentence and where its words start."""

    landmark: Landmark
    start: int  # index of its first word in `words(text)`
    score: float  # 0..100


@dataclass(frozen=True, slots=True)
class _Form:
    words: tuple[str, ...]
    landmark: Landmark


class LandmarkIndex:
    """A city's landmarks, every name and alias, matched against a sentence."""

    def __init__(self, landmarks: Sequence[Landmark]) -> None:
        forms: list[_Form] = []
        for landmark in landmarks:
            for said in (landmark.name, *landmark.aliases):
                name = _name_words(said)
                if name:
                    forms.append(_Form(words=name, landmark=landmark))
        # Longest first: "the main library" before "library".
        self._forms = sorted(forms, key=lambda form: -len(form.words))

    def find(self, text: str) -> LandmarkHit | None:
        """The best landmark named in the text, or None."""
        heard = words(text)
        best: LandmarkHit | None = None
        for form in self._forms:
            size = len(form.words)
            target = " ".join(form.words)
            for start in range(len(heard) - size + 1):
                window = " ".join(heard[start : start + size])
                score = 100.0 if window == target else fuzz.ratio(window, target)
                # Short names must be heard exactly: "park" is not "bark".
                if score < 100.0 and (len(target) < 6 or score < _MIN_SIMILARITY):
                    continue
                # Forms come longest first, so a tie keeps the longer one.
                if best is None or score > best.score:
                    best = LandmarkHit(landmark=form.landmark, start=start, score=score)
            if best is not None and best.score == 100.0:
                return best
        return best


def _name_words(said: str) -> tuple[str, ...]:
    found = list(words(said))
    while found and found[0] in _LEADING:
        found.pop(0)
    return tuple(found)
