"""What crosses the workorders boundary: pydantic models in and out."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from workorders.models import Role

# The widths of the work order's columns: what comes from outside is fitted or
# refused before it gets here, so a long value is never a database error.
MAX_ADDRESS_CHARS = 300
MAX_HOUSE_NUMBER_CHARS = 16
MAX_STREET_CHARS = 200
MAX_PHONE_CHARS = 32
MAX_MEDIA_URL_CHARS = 500


class NewWorkOrder(BaseModel):
    """A confirmed report, ready to be stored and routed."""

    model_config = ConfigDict(frozen=True)

    service_code: str
    address: str = Field(max_length=MAX_ADDRESS_CHARS)
    house_number: str | None = Field(max_length=MAX_HOUSE_NUMBER_CHARS)
    street: str | None = Field(max_length=MAX_STREET_CHARS)
    cross_street: str | None = Field(max_length=MAX_STREET_CHARS)
    description: str
    urgency: str
    caller_number: str | None = Field(default=None, max_length=MAX_PHONE_CHARS)
    source: str = "phone"
    latitude: float | None = None
    longitude: float | None = None
    media_url: str | None = Field(default=None, max_length=MAX_MEDIA_URL_CHARS)


class StatusChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    status: str
    note: str
    changed_by: str
    changed_at: datetime


class CorrectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    field: str  # "service" or "address"
    old_value: str
    new_value: str
    corrected_by: str
    corrected_at: datetime


class AddressParts(BaseModel):
    """A place as the city's street list reads it, for a corrected address."""

    model_config = ConfigDict(frozen=True)

    address: str  # as filed: "412 Maple Avenue", "Main Street and 5th Avenue"
    house_number: str | None
    street: str | None
    cross_street: str | None


class WorkOrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    case_number: str
    service_code: str
    service_name: str
    department_code: str
    department_name: str
    address: str
    house_number: str | None
    street: str | None
    cross_street: str | None
    description: str
    urgency: str
    status: str
    source: str
    latitude: float | None = None
    longitude: float | None = None
    media_url: str | None = None
    created_at: datetime
    updated_at: datetime
    history: list[StatusChangeOut]
    corrections: list[CorrectionOut] = []


class CallTurnIn(BaseModel):
    """One turn as the bridge records it."""

    model_config = ConfigDict(frozen=True)

    speaker: str
    text: str
    started_seconds: float
    duration_seconds: float = 0.0
    confidence: float | None = None
    recognition_seconds: float | None = None
    response_seconds: float | None = None
    audio_path: str | None = None
    slots_json: str | None = None


class CallTurnOut(CallTurnIn):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    turn_index: int


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    call_sid: str
    caller_number: str | None
    started_at: datetime
    ended_at: datetime | None
    outcome: str
    case_number: str | None
    recording_path: str | None
    turns: list[CallTurnOut]


class AccountOut(BaseModel):
    """A console account, without its password hash."""

    model_config = ConfigDict(frozen=True)

    id: int
    username: str
    role: Role
    department_code: str | None  # set for dispatchers only

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR


class CallSummary(BaseModel):
    """One row of the console's call list."""

    model_config = ConfigDict(frozen=True)

    call_sid: str
    caller_number: str | None  # masked by whoever shows it
    started_at: datetime
    duration_seconds: float | None  # None while the call is in progress
    outcome: str
    case_number: str | None
    service_name: str | None
    worst_response_seconds: float | None  # slowest reply, end of speech to reply


class CallPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    calls: list[CallSummary]
    total: int
    page: int
    page_size: int


class DeliveryOut(BaseModel):
    """One webhook delivery as the department's delivery log shows it."""

    model_config = ConfigDict(frozen=True)

    delivery_id: int
    event_id: int
    event_type: str
    case_number: str
    attempts: int
    delivered_at: datetime | None
    next_attempt_at: datetime | None  # None once delivered
    last_status_code: int | None
    last_error: str | None
