"""What happens on a call, as the dialog sees it: typed events, one per step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStarted:
    """The stream is open; the agent should greet the caller."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Utterance:
    """The caller said something and the recognizer wrote it down."""

    text: str
    confidence: float  # whisper avg_logprob mapped to 0..1


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyPress:
    """One keypad digit (0-9, * or #)."""

    digit: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Silence:
    """The caller said nothing for the no-input timeout after the last prompt."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Hangup:
    """The caller hung up."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderCreated:
    """The work order asked for by CreateWorkOrder was stored."""

    case_number: str
    department_name: str
    # True when the report joined an open work order for the same problem.
    is_existing: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseStatus:
    """The result of a LookUpCase: what a caller may hear about a case."""

    case_number: str
    status: str  # spoken form: "in progress"
    department_name: str
    service_name: str
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseLookedUp:
    """The answer to LookUpCase: a status, or None when the number is unknown."""

    case_number: str
    is_well_formed: bool  # False when the check digit fails
    status: CaseStatus | None


Event = (
    CallStarted
    | Utterance
    | KeyPress
    | Silence
    | Hangup
    | WorkOrderCreated
    | CaseLookedUp
)
