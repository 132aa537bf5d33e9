"""Whether a caller's answer to a yes-or-no question means yes, no, or neither."""

from __future__ import annotations

from enum import Enum, auto

from nlu.text import PhraseTable, words


class _Cue(Enum):
    YES = auto()
    NO = auto()
    WEAK_YES = auto()
    NEITHER = auto()


_YES = (
    "yes",
    "yeah",
    "yea",
    "yah",
    "ya",
    "yep",
    "yup",
    "yes please",
    "sure",
    "for sure",
    "sure thing",
    "correct",
    "thats correct",
    "thats right",
    "exactly",
    "absolutely",
    "definitely",
    "of course",
    "affirmative",
    "uh huh",
    "mhm",
    "mm hmm",
    "mmhmm",
    "sounds good",
    "sounds right",
    "looks good",
    "perfect",
    "that is it",
    "thats it",
    "you got it",
    "i think so",
    "go ahead",
    "do it",
    "please do",
    "true",
    "indeed",
)
_NO = (
    "no",
    "nope",
    "nah",
    "no thanks",
    "no thank you",
    "not quite",
    "not really",
    "not exactly",
    "not correct",
    "not right",
    "thats not right",
    "thats not correct",
    "thats not it",
    "thats wrong",
    "that is wrong",
    "wrong",
    "incorrect",
    "negative",
    "no way",
    "not at all",
    "absolutely not",
    "definitely not",
    "of course not",
    "i dont think so",
    "uh uh",
    "false",
)
# Fillers as often as answers: "Okay, so the address is..." They count only
# when nothing clearer was said.
_WEAK_YES = ("ok", "okay", "right", "all right", "alright", "fine", "good")
# Words that sound like an answer but are not one; they are consumed so that
# "not sure" never reads as "sure".
_NEITHER = (
    "not sure",
    "im not sure",
    "i dont know",
    "dont know",
    "maybe",
    "no idea",
    "no problem",
    "no rush",
    "no hurry",
    "no one",
    "right now",
    "right away",
    "right here",
    "right there",
    "right side",
    "on the right",
    "to the right",
    "turn right",
)

_TABLE: PhraseTable[_Cue] = PhraseTable(
    [
        *((phrase, _Cue.YES) for phrase in _YES),
        *((phrase, _Cue.NO) for phrase in _NO),
        *((phrase, _Cue.WEAK_YES) for phrase in _WEAK_YES),
        *((phrase, _Cue.NEITHER) for phrase in _NEITHER),
    ]
)


# How a served caller closes the call: after "Anything else?", "Oh, thank you"
# or "that's all" means no, though neither says "no".
_FAREWELLS: PhraseTable[bool] = PhraseTable(
    [
        (phrase, True)
        for phrase in (
            "thanks",
            "thank you",
            "thank you very much",
            "thats all",
            "that is all",
            "thats it",
            "that is it",
            "nothing else",
            "nothing more",
            "no more",
            "im good",
            "im fine",
            "im done",
            "all set",
            "were good",
            "bye",
            "goodbye",
            "good bye",
            "have a good day",
            "have a nice day",
        )
    ]
)


_UNSURE: PhraseTable[bool] = PhraseTable(
    [
        (phrase, True)
        for phrase in (
            "not sure",
            "dont know",
            "dont really know",
            "do not know",
            "no idea",
            "cant remember",
            "cant say",
        )
    ]
)
# An answer this short that says "not sure" says nothing else; a longer one may
# go on to describe ("not sure of the number, it's behind the old red barn").
_MAX_UNSURE_WORDS = 6


def is_unsure(text: str) -> bool:
    """True for a short "I don't know" or "not sure", which answers nothing."""
    said = words(text)
    return len(said) <= _MAX_UNSURE_WORDS and any(True for _ in _UNSURE.scan(said))


# Yes-phrases that close a call rather than open one more request.
_FAREWELL_YES = frozenset({"thats it", "that is it"})


def is_farewell(text: str) -> bool:
    """True when the words close the call: "thanks", "that's all", "bye".

    Not when a plain yes comes first: "Yes, thank you, one more thing".
    """
    said = words(text)
    if not any(True for _ in _FAREWELLS.scan(said)):
        return False
    first = next(iter(_TABLE.scan(said)), None)
    if first is None or first.value is not _Cue.YES:
        return True
    return " ".join(said[first.start : first.end]) in _FAREWELL_YES


def parse_yes_no(text: str) -> bool | None:
    """True for yes, False for no, None when unclear or both were said."""
    cues = {hit.value for hit in _TABLE.scan(words(text))}
    if _Cue.YES in cues and _Cue.NO in cues:
        # "Yes... no, wait": the caller is unsure, so ask again.
        return None
    if _Cue.YES in cues:
        return True
    if _Cue.NO in cues:
        return False
    return True if _Cue.WEAK_YES in cues else None
