"""Database tables: departments, work orders and their history, calls and turns."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A stored time made timezone-aware: SQLite hands back naive UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class WorkOrderStatus(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REFERRED = "referred"


class CallOutcome(StrEnum):
    IN_PROGRESS = "in_progress"
    WORK_ORDER_CREATED = "work_order_created"
    STATUS_READ = "status_read"
    FAQ_ANSWERED = "faq_answered"
    TRANSFERRED = "transferred"
    EMERGENCY = "emergency"
    NO_INPUT = "no_input"
    ABANDONED = "abandoned"
    ENDED = "ended"  # the caller finished without a report or a status


class Role(StrEnum):
    SUPERVISOR = "supervisor"  # everything
    DISPATCHER = "dispatcher"  # the work orders of one department


class Speaker(StrEnum):
    CALLER = "caller"
    AGENT = "agent"


class Base(DeclarativeBase):
    # Timezone-aware everywhere: SQLite stores naive values, PostgreSQL keeps tz.
    type_annotation_map = {datetime: DateTime(timezone=True)}


class Department(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class WorkOrder(Base):
    __tablename__ = "work_orders"
    # What the console, Open311 and the duplicate check ask by; case_number
    # has its own through its unique constraint.
    __table_args__ = (
        Index("ix_work_orders_status_department", "status", "department_code"),
        Index("ix_work_orders_created_at", "created_at"),
        Index("ix_work_orders_service_status", "service_code", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Null only between insert and flush: the number derives from the id.
    case_number: Mapped[str | None] = mapped_column(String(16), unique=True)
    service_code: Mapped[str] = mapped_column(String(64))
    service_name: Mapped[str] = mapped_column(String(200))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    address: Mapped[str] = mapped_column(String(300))
    house_number: Mapped[str | None] = mapped_column(String(16))
    # None: the caller could only describe the place (see `address`).
    street: Mapped[str | None] = mapped_column(String(200))
    cross_street: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), default=WorkOrderStatus.RECEIVED)
    source: Mapped[str] = mapped_column(String(16), default="phone")
    caller_number: Mapped[str | None] = mapped_column(String(32))
    # Where an Open311 client (a phone app's GPS) put the report, WGS84 degrees.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    media_url: Mapped[str | None] = mapped_column(String(500))  # a photo, by link
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship()
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="work_order", order_by="StatusChange.id"
    )
    corrections: Mapped[list[Correction]] = relationship(order_by="Correction.id")


class StatusChange(Base):
    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    work_order: Mapped[WorkOrder] = relationship(back_populates="history")


class Correction(Base):
    """A supervisor's fix of what the agent filed: the service or the address."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"))
    field: Mapped[str] = mapped_column(String(16))  # "service" or "address"
    old_value: Mapped[str] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)
    corrected_by: Mapped[str] = mapped_column(String(100))
    corrected_at: Mapped[datetime] = mapped_column(default=utcnow)


class Call(Base):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    stream_sid: Mapped[str | None] = mapped_column(String(64))
    caller_number: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(32), default=CallOutcome.IN_PROGRESS)
    work_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_orders.id"), index=True
    )
    recording_path: Mapped[str | None] = mapped_column(String(500))

    work_order: Mapped[WorkOrder | None] = relationship()
    turns: Mapped[list[CallTurn]] = relationship(
        back_populates="call", order_by="CallTurn.turn_index"
    )


class CallTurn(Base):
    __tablename__ = "call_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    turn_index: Mapped[int]
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    started_seconds: Mapped[float] = mapped_column(Float)  # since the stream began
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    confidence: Mapped[float | None] = mapped_column(Float)
    recognition_seconds: Mapped[float | None] = mapped_column(Float)
    response_seconds: Mapped[float | None] = mapped_column(
        Float
    )  # end of speech to reply
    audio_path: Mapped[str | None] = mapped_column(String(500))
    slots_json: Mapped[str | None] = mapped_column(Text)  # slot values after the turn

    call: Mapped[Call] = relationship(back_populates="turns")


class Account(Base):
    """A console user: a supervisor, or a dispatcher of one department."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, encoded
    role: Mapped[str] = mapped_column(String(16))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsoleSession(Base):
    """A signed-in browser. Only a hash of its cookie is kept."""

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    account: Mapped[Account] = relationship()


class DepartmentKey(Base):
    """An API key of one department; only its hash is kept."""

    __tablename__ = "department_keys"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookSubscription(Base):
    """A department's URL for work-order events, with its signing secret."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))  # HMAC key; the receiver has it
    events: Mapped[str] = mapped_column(String(200))  # comma separated event types
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxEvent(Base):
    """A change to a work order, written in the same transaction as the change.

    The id orders events; deliveries go out in that order per work order.
    """

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """One event for one subscriber: retried until the receiver says 2xx."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id"), index=True
    )
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))

    event: Mapped[OutboxEvent] = relationship()
    subscription: Mapped[WebhookSubscription] = relationship()


class TextSubscription(Base):
    """A caller who asked, on the call, for a text when their case changes."""

    __tablename__ = "text_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TextOptOut(Base):
    """A number that texted STOP: it gets no more messages until START."""

    __tablename__ = "text_opt_outs"

    phone: Mapped[str] = mapped_column(String(32), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(default=utcnow)


class TextMessage(Base):
    """A status text to send, queued in the status change's transaction."""

    __tablename__ = "text_messages"
    __table_args__ = (Index("ix_text_messages_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"))
    phone: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    provider_sid: Mapped[str | None] = mapped_column(String(64))  # Twilio's SM...
    skipped: Mapped[bool] = mapped_column(default=False)  # opted out before sending
    last_error: Mapped[str | None] = mapped_column(String(500))


class LoginFailure(Base):
    """One wrong console password, counted per sign-in name and per address.

    Kept in the database, not in memory, so that every process of a scaled-out
    line counts the same failures.
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)  # "name:sam", "addr:…"
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
