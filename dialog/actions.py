"""What the dialog asks the telephony layer to do: typed actions, in order."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from nlu.city import Urgency


class Expect(StrEnum):
    """What the agent expects to hear next; the recognizer is biased toward it."""

    OPENING = "opening"  # free speech: a problem, a question, a request
    CATEGORY = "category"
    ADDRESS = "address"
    DESCRIPTION = "description"
    URGENCY = "urgency"
    YES_NO = "yes_no"
    CORRECTION = "correction"
    ANYTHING_ELSE = "anything_else"  # a closing "no, thanks", or one more report
    DIGITS = "digits"


@dataclass(frozen=True, slots=True, kw_only=True)
class Say:
    """Speak a prompt. `key` names a fixed prompt whose audio can be cached."""

    text: str
    key: str | None = None  # set only for prompts with no slot values


@dataclass(frozen=True, slots=True, kw_only=True)
class Listen:
    """Wait for the caller: speech, keypad or silence."""

    expect: Expect


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderDraft:
    """Everything a dispatcher needs, as the caller confirmed it."""

    service_code: str
    address: str  # as confirmed: "412 Maple Avenue" or "Main Street and Oak Avenue"
    house_number: str | None
    street: str | None  # None: the caller described a place no street list holds
    cross_street: str | None
    description: str
    urgency: Urgency


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateWorkOrder:
    draft: WorkOrderDraft


@dataclass(frozen=True, slots=True, kw_only=True)
class LookUpCase:
    case_number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscribeToTexts:
    """The caller wants a text message to their number when the case changes."""

    case_number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer:
    """End the conversation and connect the caller to the human operator."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Hangup:
    """End the call once everything said so far has been heard."""


Action = (
    Say | Listen | CreateWorkOrder | LookUpCase | SubscribeToTexts | Transfer | Hangup
)
