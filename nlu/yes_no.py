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
