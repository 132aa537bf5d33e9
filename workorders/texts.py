"""Texts to callers who asked for them when their case changes; STOP is honored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from workorders.models import (
    TextMessage,
    TextOptOut,
    TextSubscription,
    WorkOrder,
    WorkOrderStatus,
)

# Carriers' and Twilio's opt-out and opt-in words.
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
START_WORDS = frozenset({"start", "unstop", "yes"})
# As for webhook deliveries (outbox.CLAIM_SECONDS): one sender per text.
CLAIM_SECONDS = 60.0
_STATUS_WORDS = {
    WorkOrderStatus.RECEIVED: "received",
    WorkOrderStatus.IN_PROGRESS: "being worked on",
    WorkOrderStatus.RESOLVED: "resolved",
    WorkOrderStatus.CLOSED: "closed",
    WorkOrderStatus.REFERRED: "referred to another agency",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class DueText:
    message_id: int
    phone: str
    body: str
    attempts: int  # made so far, for claim_text


def subscribe(session: Session, *, case_number: str, phone: str) -> None:
    """The caller of this case wants a text when its status changes."""
    order = session.scalar(
        select(WorkOrder).where(WorkOrder.case_number == case_number)
    )
    if order is None:
        return
    session.add(TextSubscription(work_order_id=order.id, phone=phone))
    session.commit()


def queue_status_texts(session: Session, *, order: WorkOrder) -> None:
    """One text per subscriber of the order; the caller commits with the change."""
    status = _STATUS_WORDS.get(WorkOrderStatus(order.status), order.status)
    body = (
        f"Your 311 report {order.case_number} ({order.service_name}) "
        f"is now {status}. Reply STOP to stop these texts."
    )
    phones = session.scalars(
        select(TextSubscription.phone).where(TextSubscription.work_order_id == order.id)
    )
    for phone in sorted(set(phones)):
        session.add(TextMessage(work_order_id=order.id, phone=phone, body=body))


def is_opted_out(session: Session, *, phone: str) -> bool:
    return session.get(TextOptOut, phone) is not None


def opt_out(session: Session, *, phone: str) -> None:
    if not is_opted_out(session, phone=phone):
        session.add(TextOptOut(phone=phone))
        session.commit()


def opt_in(session: Session, *, phone: str) -> None:
    session.execute(delete(TextOptOut).where(TextOptOut.phone == phone))
    session.commit()


def due_texts(session: Session, *, now: datetime, limit: int = 50) -> list[DueText]:
    rows = session.scalars(
        select(TextMessage)
        .where(
            TextMessage.sent_at.is_(None),
            TextMessage.skipped.is_(False),
            TextMessage.next_attempt_at <= now,
        )
        .order_by(TextMessage.id)
        .limit(limit)
    )
    return [
        DueText(message_id=m.id, phone=m.phone, body=m.body, attempts=m.attempts)
        for m in rows
    ]


def claim_text(
    session: Session, *, message_id: int, attempts: int, now: datetime
) -> bool:
    """Take a due text for one attempt; False when another process has it.

    A scaled-out line runs a sender in every process: without this, two of them
    could text a resident the same update twice.
    """
    claimed = session.connection().execute(
        update(TextMessage)
        .where(
            TextMessage.id == message_id,
            TextMessage.attempts == attempts,
            TextMessage.sent_at.is_(None),
            TextMessage.skipped.is_(False),
            TextMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    )
    session.commit()
    return claimed.rowcount == 1


def record_text(
    session: Session,
    *,
    message_id: int,
    now: datetime,
    provider_sid: str | None = None,
    skipped: bool = False,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """Sent (provider_sid), skipped (opted out), or failed (error, retry_at)."""
    message = session.get(TextMessage, message_id)
    if message is None:
        return
    message.attempts += 0 if skipped else 1
    if provider_sid is not None:
        message.sent_at = now
        message.provider_sid = provider_sid
    elif skipped:
        message.skipped = True
    else:
        message.last_error = (error or "")[:500]
        if retry_at is not None:
            message.next_attempt_at = retry_at
    session.commit()


def messages_for(
    session: Session, *, case_number: str
) -> list[tuple[str, str, bool, bool]]:
    """(phone, body, sent, skipped) of a case's texts, oldest first."""
    order = session.scalar(
        select(WorkOrder).where(WorkOrder.case_number == case_number)
    )
    if order is None:
        return []
    rows = session.scalars(
        select(TextMessage)
        .where(TextMessage.work_order_id == order.id)
        .order_by(TextMessage.id)
    )
    return [(m.phone, m.body, m.sent_at is not None, m.skipped) for m in rows]
