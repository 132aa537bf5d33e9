"""How urgent the caller says the problem is, from their words."""

from __future__ import annotations

from nlu.city import Urgency
from nlu.text import PhraseTable, is_negated, words

_HIGH = (
    "urgent",
    "very urgent",
    "really urgent",
    "super urgent",
    "emergency",
    "an emergency",
    "emergency ish",
    "dangerous",
    "danger",
    "hazard",
    "hazardous",
    "unsafe",
    "not safe",
    "safety issue",
    "life threatening",
    "critical",
    "serious",
    "very serious",
    "asap",
    "as soon as possible",
    "right away",
    "right now",
    "immediately",
    "high",
    "high priority",
    "top priority",
    "pretty high",
    "very high",
    "sparking",
    "sparks",
    "spark",
    "live wire",
    "live wires",
    "wires down",
    "wire down",
    "downed wire",
    "downed wires",
    "downed power line",
    "power line down",
    "power lines down",
    "exposed wires",
    "gushing",
    "spewing",
    "flooding",
    "flooded",
    "water everywhere",
    "blocking the road",
    "blocking the street",
    "blocking traffic",
    "blocking the intersection",
    "blocking the lane",
    "blocks the road",
    "road is blocked",
    "street is blocked",
    "completely blocked",
    "could fall",
    "could fall in",
    "might fall",
    "going to fall",
    "gonna fall",
    "about to fall",
    "about to come down",
    "going to trip",
    "gonna trip",
    "someone will get hurt",
    "somebody will get hurt",
    "flying through",
    "speeding through",
    "running the light",
    "could get hurt",
    "could be hurt",
    "might get hurt",
    "could trip",
    "could get killed",
    "gonna get hurt",
    "going to get hurt",
    "cause an accident",
    "could cause an accident",
    "accident waiting to happen",
    "kids could",
    "kid could",
)
_LOW = (
    "not urgent",
    "not very urgent",
    "not that urgent",
    "not too urgent",
    "not really urgent",
    "isnt urgent",
    "nothing urgent",
    "not an emergency",
    "no emergency",
    "no rush",
    "no hurry",
    "no big deal",
    "not a big deal",
    "not a big rush",
    "not pressing",
    "whenever",
    "whenever you can",
    "whenever you get a chance",
    "when you get a chance",
    "when you get around to it",
    "it can wait",
    "can wait",
    "low",
    "low priority",
    "pretty low",
    "very low",
    "minor",
    "not serious",
    "not dangerous",
    "not a priority",
    "take your time",
    "no pressure",
)
_NORMAL = (
    "normal",
    "normal priority",
    "regular",
    "medium",
    "medium priority",
    "moderate",
    "moderately urgent",
    "somewhat urgent",
    "kind of urgent",
    "kinda urgent",
    "sort of urgent",
    "fairly urgent",
    "standard",
    "average",
    "in between",
    "middle",
    "so so",
)
# "High" and "low" are urgency answers only in a short reply: "High, please."
# In a description ("the water is high") they are something else.
_SHORT_ONLY = frozenset({"high", "low", "middle", "average", "standard"})
_SHORT_REPLY_WORDS = 4

_TABLE: PhraseTable[Urgency] = PhraseTable(
    [
        *((phrase, Urgency.HIGH) for phrase in _HIGH),
        *((phrase, Urgency.LOW) for phrase in _LOW),
        *((phrase, Urgency.NORMAL) for phrase in _NORMAL),
    ]
)


def detect_urgency(text: str) -> Urgency | None:
    """The urgency the words express, or None when they say nothing about it.

    Danger outweighs everything ("not urgent but sparking" is HIGH); otherwise
    the first cue wins.
    """
    tokens = words(text)
    found: list[Urgency] = []
    for hit in _TABLE.scan(tokens):
        phrase = " ".join(tokens[hit.start : hit.end])
        if phrase in _SHORT_ONLY and len(tokens) > _SHORT_REPLY_WORDS:
            continue
        urgency = hit.value
        if urgency is Urgency.HIGH and is_negated(tokens, hit.start, window=2):
            # "It's not dangerous", "nothing serious": a negated danger is calm.
            urgency = Urgency.LOW
        found.append(urgency)
    if Urgency.HIGH in found:
        return Urgency.HIGH
    return found[0] if found else None
