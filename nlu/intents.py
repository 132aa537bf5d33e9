"""What the caller wants to do: report, check a case, reach a person, hear again."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from nlu.numbers import normalize_numbers
from nlu.text import STOPWORDS, PhraseHit, PhraseTable, is_negated, word_set, words


class Intent(StrEnum):
    REPORT = "report"
    STATUS = "status"
    OPERATOR = "operator"
    EMERGENCY = "emergency"
    REPEAT = "repeat"


# Highest first: an emergency beats a request for a person, and so on.
_PRECEDENCE = (
    Intent.EMERGENCY,
    Intent.OPERATOR,
    Intent.REPEAT,
    Intent.STATUS,
    Intent.REPORT,
)

_EMERGENCY = (
    "fire",
    "fires",
    "on fire",
    "caught fire",
    "flames",
    "burning",
    "ablaze",
    "smoke coming",
    "smoke is coming",
    "smoke pouring",
    "smoke from",
    "smoke everywhere",
    "full of smoke",
    "lots of smoke",
    "black smoke",
    "thick smoke",
    "see smoke",
    "smell smoke",
    "smoke in the",
    "gas leak",
    "leaking gas",
    "gas leaking",
    "smell gas",
    "smelled gas",
    "smelling gas",
    "smells like gas",
    "smell of gas",
    "gas smell",
    "gas odor",
    "odor of gas",
    "broken gas line",
    "gas line",
    "explosion",
    "exploded",
    "call 911",
    "calling 911",
    "dial 911",
    "911",
    "medical emergency",
    "life threatening",
    "life or death",
    "ambulance",
    "paramedics",
    "heart attack",
    "not breathing",
    "stopped breathing",
    "cant breathe",
    "can not breathe",
    "cannot breathe",
    "unconscious",
    "unresponsive",
    "passed out",
    "overdose",
    "overdosing",
    "seizure",
    "bleeding",
    "stabbed",
    "shooting",
    "shots fired",
    "gunshots",
    "drowning",
    "hurt",
    "badly hurt",
    "injured",
    "injury",
    "injuries",
    "hit by a car",
    "someone collapsed",
    "somebody collapsed",
    "he collapsed",
    "she collapsed",
    "person collapsed",
    "someone is dying",
    "he is dying",
    "she is dying",
    "trapped inside",
    "trapped in a car",
    "trapped in the car",
    "someone is trapped",
    "someone trapped",
    "somebody trapped",
    "people trapped",
    "person trapped",
    "pinned under",
    "dead body",
)
# Phrases that contain an emergency word but are not emergencies; the longest
# match wins, so "fire hydrant" is read before "fire".
_NOT_EMERGENCY = (
    "fire hydrant",
    "fire hydrants",
    "hydrant",
    "fire lane",
    "fire station",
    "fire escape",
    "fire truck",
    "fire trucks",
    "fire department parking",
    "fire pit",
    "fire code",
    "fire inspection",
    "fire inspector",
    "fire extinguisher",
    "fire drill",
    "fire alarm test",
    "smoke detector",
    "smoke detectors",
    "smoke alarm battery",
    "smoke shop",
    "gas station",
    "gas prices",
    "gas can",
    "gas cap",
    "gas powered",
    "leaf burning",
    "burning bush",
    "trapped animal",
    "hurt my",
    "injured my",
)
_OPERATOR = (
    "operator",
    "real person",
    "live person",
    "actual person",
    "a person",
    "a human",
    "human being",
    "real human",
    "talk to someone",
    "speak to someone",
    "speak with someone",
    "talk with someone",
    "talk to somebody",
    "talk to a person",
    "speak to a person",
    "speak with a person",
    "talk to a human",
    "speak to a human",
    "speak with a human",
    "speak to somebody",
    "speak with somebody",
    "representative",
    "agent",
    "customer service",
    "transfer me",
    "connect me",
    "put me through",
    "dispatcher",
    "supervisor",
)
# "A person threw trash": "a person" asks for an operator only said nearly alone.
_OPERATOR_ALONE_ONLY = frozenset({"a person", "a human"})
_STATUS = (
    "status",
    "check on",
    "check the status",
    "checking on",
    "case number",
    "my case",
    "a case",
    "existing case",
    "open case",
    "ticket number",
    "reference number",
    "tracking number",
    "confirmation number",
    "request number",
    "already reported",
    "already called",
    "i reported",
    "we reported",
    "reported it",
    "reported this",
    "reported that",
    "previously reported",
    "called before",
    "called about this before",
    "follow up",
    "followup",
    "following up",
    "any update",
    "an update",
    "update on",
    "what happened to my",
    "what happened with my",
    "my request",
    "my report",
    "my complaint",
    "still not fixed",
    "still hasnt been fixed",
    "nobody came",
    "no one came",
    "never came",
)
_REPEAT = (
    "repeat",
    "repeat that",
    "say that again",
    "say it again",
    "say again",
    "say the number again",
    "again please",
    "what was that",
    "what did you say",
    "what did you just say",
    "come again",
    "pardon",
    "pardon me",
    "sorry what",
    "i didnt catch that",
    "didnt catch",
    "didnt hear",
    "didnt get that",
    "missed that",
    "one more time",
    "once more",
    "slower",
    "more slowly",
    "what",
    "huh",
    "sorry",
    "excuse me",
    "eh",
)
# "What?" or "Sorry?" alone ask to hear it again; "Sorry, no" does not.
_REPEAT_ALONE_ONLY = frozenset({"what", "huh", "sorry", "excuse me", "eh", "pardon"})
# Words that may stand beside an "alone only" phrase: "Um, a person, please."
_ALONE_FILLER = STOPWORDS | word_set(
    "want need get give talk speak sorry what huh pardon excuse eh"
)
_REPORT = (
    "report",
    "to report",
    "reporting",
    "make a report",
    "file a report",
    "new report",
    "new request",
    "new case",
    "a problem",
    "a problem with",
    "there is a problem",
    "theres a problem",
    "an issue",
    "issue with",
    "complaint",
    "complain",
    "needs fixing",
    "needs to be fixed",
    "is broken",
    "are broken",
    "request service",
    "service request",
)
# An injury someone "could" suffer is a hazard to report, not an emergency now.
_HYPOTHETICAL = word_set(
    "could would will gonna going might may before if someday eventually risk"
)
# An injury clause runs long ("could fall in and get hurt"); a fire is close to
# its verb ("could start a fire"), and a wide window there would hide a real one.
_INJURY_HYPOTHETICAL_WINDOW = 6
_HYPOTHETICAL_WINDOW = 3
# "I hurt my knee last week": an old injury is a claim to make, not a 911 call.
_PAST = word_set("yesterday ago earlier last week month previously recently")
_INJURY = word_set(
    "hurt injured injury injuries bleeding badly stabbed trapped pinned dying"
)
# "An injured deer", "the dog is bleeding": animal services, not 911.
_ANIMALS = word_set(
    """
    animal animals dog dogs cat cats bird birds deer raccoon squirrel possum
    opossum skunk fox coyote rabbit duck goose geese pigeon
    """
)
_ANIMAL_WINDOW = 3

_TABLE: PhraseTable[Intent | None] = PhraseTable(
    [
        *((phrase, Intent.EMERGENCY) for phrase in _EMERGENCY),
        *((phrase, None) for phrase in _NOT_EMERGENCY),
        *((phrase, Intent.OPERATOR) for phrase in _OPERATOR),
        *((phrase, Intent.STATUS) for phrase in _STATUS),
        *((phrase, Intent.REPEAT) for phrase in _REPEAT),
        *((phrase, Intent.REPORT) for phrase in _REPORT),
    ]
)


def detect_intent(text: str) -> Intent | None:
    """The caller's intent, or None when the words ask for nothing in particular.

    Emergency beats everything, then operator, repeat, status, report.
    """
    tokens = words(normalize_numbers(text))
    is_past = any(token in _PAST for token in tokens)
    found: set[Intent] = set()
    for hit in _TABLE.scan(tokens):
        if hit.value is None or is_negated(tokens, hit.start):
            continue  # "no one is hurt", "I don't need an operator"
        phrase = " ".join(tokens[hit.start : hit.end])
        match hit.value:
            case Intent.EMERGENCY:
                is_injury = any(token in _INJURY for token in phrase.split())
                window = (
                    _INJURY_HYPOTHETICAL_WINDOW if is_injury else _HYPOTHETICAL_WINDOW
                )
                if _is_hypothetical(tokens, hit.start, window):
                    continue
                if is_injury and (
                    is_past or _is_about_animal(tokens, hit.start, hit.end)
                ):
                    continue
            case Intent.OPERATOR:
                if phrase in _OPERATOR_ALONE_ONLY and not _is_alone(tokens, hit):
                    continue
            case Intent.REPEAT:
                if phrase in _REPEAT_ALONE_ONLY and not _is_alone(tokens, hit):
                    continue
        found.add(hit.value)
    return next((intent for intent in _PRECEDENCE if intent in found), None)


def _is_hypothetical(tokens: Sequence[str], start: int, window: int) -> bool:
    before = tokens[max(0, start - window) : start]
    return any(token in _HYPOTHETICAL for token in before)


def _is_about_animal(tokens: Sequence[str], start: int, end: int) -> bool:
    near = tokens[max(0, start - _ANIMAL_WINDOW) : end + 1]
    return any(token in _ANIMALS for token in near)


def _is_alone(tokens: Sequence[str], hit: PhraseHit[Intent | None]) -> bool:
    outside = [*tokens[: hit.start], *tokens[hit.end :]]
    return all(token in _ALONE_FILLER for token in outside)
