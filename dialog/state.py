"""The state of one conversation: where it is, what is known, what went wrong."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from nlu.address import AddressMatch
from nlu.city import Street, Urgency


class Phase(StrEnum):
    START = "start"
    OPENING = "opening"  # greeted; waiting for a problem or a request
    ASK_CATEGORY = "ask_category"
    # "Is that a streetlight out, or a broken traffic signal?"
    CHOOSE_CATEGORY = "choose_category"
    ASK_ADDRESS = "ask_address"
    ASK_URGENCY = "ask_urgency"
    ASK_DETAIL = "ask_detail"  # the service's own question: "Is it blocking ...?"
    CHOOSE_STREET = "choose_street"  # "Did you mean Park Avenue or Park Drive?"
    # Two addresses not understood: key the house number, or describe the place.
    ADDRESS_FALLBACK = "address_fallback"
    ASK_STREET_FOR_NUMBER = "ask_street_for_number"  # after a keyed house number
    CONFIRM = "confirm"
    ASK_CORRECTION = "ask_correction"
    CREATING = "creating"  # waiting for WorkOrderCreated
    OFFER_TEXTS = "offer_texts"  # "Would you like a text message when it's fixed?"
    OFFER_REPEAT = "offer_repeat"
    ASK_CASE_NUMBER = "ask_case_number"
    LOOKING_UP = "looking_up"  # waiting for CaseLookedUp
    ANYTHING_ELSE = "anything_else"
    OFFER_OPERATOR = "offer_operator"  # a question the FAQ cannot answer
    ENDED = "ended"


class Slot(StrEnum):
    CATEGORY = "category"
    LOCATION = "location"
    DESCRIPTION = "description"
    URGENCY = "urgency"


class Outcome(StrEnum):
    """How the call ended, as far as the dialog knows."""

    WORK_ORDER_CREATED = "work_order_created"
    STATUS_READ = "status_read"
    FAQ_ANSWERED = "faq_answered"
    TRANSFERRED = "transferred"
    EMERGENCY = "emergency"
    NO_INPUT = "no_input"
    ABANDONED = "abandoned"
    ENDED = "ended"


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """The slots of a report; None until the caller has given them."""

    service_code: str | None = None
    location: AddressMatch | None = None
    # The caller's own words for a place no street list holds: "behind the
    # old mill". Set only when no location could be matched.
    place_description: str | None = None
    description: str | None = None
    detail: str | None = None  # the answer to the service's question; "" if none
    urgency: Urgency | None = None  # None: the catalog default applies

    def as_dict(self) -> dict[str, str | None]:
        return {
            Slot.CATEGORY: self.service_code,
            Slot.LOCATION: self.location.spoken
            if self.location
            else self.place_description,
            Slot.DESCRIPTION: self.description,
            Slot.URGENCY: self.urgency.value if self.urgency else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CallState:
    phase: Phase = Phase.START
    report: Report = Report()
    confirming: bool = False  # slots are being corrected: go back to CONFIRM
    no_input_count: int = 0  # silences in a row
    not_understood_count: int = 0  # unusable answers in a row for this question
    keyed_digits: str = ""
    keyed_house_number: str | None = None  # keyed at the address fallback
    street_choices: tuple[Street, ...] = ()  # same-name streets to ask between
    category_choices: tuple[str, ...] = ()  # service codes the words fit equally
    # The house number was asked for once; the street alone will do from now on.
    street_only_accepted: bool = False
    case_attempts: int = 0
    case_number: str | None = None  # once the work order exists
    repeats: int = 0
    last_prompts: tuple[str, ...] = ()  # what "repeat that" says again
    outcome: Outcome | None = None
