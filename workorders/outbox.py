"""Work-order events for departments' webhooks, kept in the database first.

An event and its deliveries are added in the same transaction as the change
they describe, so a crash can never keep a change and lose its event; a
separate worker (telephony/webhooks.py) sends them and records each attempt.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, aliased

from workorders.models import (
    Delivery,
    DepartmentKey,
    OutboxEvent,
    WebhookSubscription,
    WorkOrder,
    as_utc,
    utcnow,
)
from workorders.schemas import DeliveryOut

CREATED = "workorder.created"
STATUS_CHANGED = "workorder.status_changed"
EVENT_TYPES = (CREATED, STATUS_CHANGED)
# How long a worker holds a delivery it is sending: well over a send's timeout,
# so only a worker that died mid-send lets another one take it.
CLAIM_SECONDS = 60.0


class SubscriptionError(Exception):
    """A subscription cannot be made as asked (unknown event, bad URL)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DueDelivery:
    """A delivery to attempt now, with what to send."""

    delivery_id: int
    event_id: int
    event_type: str
    url: str
    secret: str
    body: str  # the JSON payload, byte for byte what is signed
    attempts: int  # made so far; the retry delay grows with them


def record_event(session: Session, *, order: WorkOrder, event_type: str) -> None:
    """Add the event and one delivery per subscriber; the caller commits."""
    session.flush()
    payload = {
        "type": event_type,
        "case_number": order.case_number,
        "service_code": order.service_code,
        "service_name": order.service_name,
        "department_code": order.department_code,
        "address": order.address,
        "lat": order.latitude,
        "long": order.longitude,
        "media_url": order.media_url,
        "urgency": order.urgency,
        "status": order.status,
        "source": order.source,
        "updated_at": as_utc(order.updated_at).isoformat(),
    }
    event = OutboxEvent(
        work_order_id=order.id,
        event_type=event_type,
        payload_json=json.dumps(payload, sort_keys=True),
    )
    session.add(event)
    session.flush()
    subscriptions = session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.department_code == order.department_code
        )
    )
    for subscription in subscriptions:
        if event_type in subscription.events.split(","):
            session.add(
                Delivery(
                    event_id=event.id,
                    subscription_id=subscription.id,
                    work_order_id=order.id,
                    next_attempt_at=utcnow(),
                )
            )


def subscribe(
    session: Session, *, department_code: str, url: str, events: list[str]
) -> tuple[int, str]:
    """A new subscription; returns its id and its signing secret (shown once).

    Raises: SubscriptionError.
    """
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown or not events:
        raise SubscriptionError(f"events must be among {', '.join(EVENT_TYPES)}")
    if not url.startswith(("https://", "http://")):
        raise SubscriptionError("url must be http(s)")
    secret = secrets.token_hex(32)
    subscription = WebhookSubscription(
        department_code=department_code,
        url=url,
        secret=secret,
        events=",".join(sorted(set(events))),
    )
    session.add(subscription)
    session.commit()
    return subscription.id, secret


def due_deliveries(
    session: Session, *, now: datetime, limit: int = 50
) -> list[DueDelivery]:
    """Deliveries to try now: due, and the oldest undelivered of their work
    order for their subscriber, so each subscriber gets a case's events in order."""
    earlier = aliased(Delivery)
    blocked = exists().where(
        earlier.subscription_id == Delivery.subscription_id,
        earlier.work_order_id == Delivery.work_order_id,
        earlier.delivered_at.is_(None),
        earlier.event_id < Delivery.event_id,
    )
    rows = session.execute(
        select(Delivery, OutboxEvent, WebhookSubscription)
        .join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
        .join(WebhookSubscription, WebhookSubscription.id == Delivery.subscription_id)
        .where(
            Delivery.delivered_at.is_(None),
            Delivery.next_attempt_at <= now,
            ~blocked,
        )
        .order_by(Delivery.event_id)
        .limit(limit)
    ).all()
    return [
        DueDelivery(
            delivery_id=delivery.id,
            event_id=event.id,
            event_type=event.event_type,
            url=subscription.url,
            secret=subscription.secret,
            body=event.payload_json,
            attempts=delivery.attempts,
        )
        for delivery, event, subscription in rows
    ]


def claim_delivery(
    session: Session, *, delivery_id: int, attempts: int, now: datetime
) -> bool:
    """Take a due delivery for one attempt; False when another worker has it.

    Every process of a scaled-out line polls the same outbox. Setting
    next_attempt_at only where attempts and due-ness are as the worker read them
    lets exactly one worker send, so a case's events are neither sent twice at
    once nor overtaken by a stale copy of an earlier one.
    """
    claimed = session.connection().execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.attempts == attempts,
            Delivery.delivered_at.is_(None),
            Delivery.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    )
    session.commit()
    return claimed.rowcount == 1


def record_attempt(
    session: Session,
    *,
    delivery_id: int,
    now: datetime,
    status_code: int | None,
    error: str | None,
    retry_at: datetime | None,
) -> None:
    """A 2xx marks it delivered; anything else schedules the retry at retry_at."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        return
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error[:500] if error else None
    if status_code is not None and 200 <= status_code < 300:
        delivery.delivered_at = now
    elif retry_at is not None:
        delivery.next_attempt_at = retry_at
    session.commit()


def add_department_key(
    session: Session, *, department_code: str, key_hash: str
) -> None:
    session.add(DepartmentKey(department_code=department_code, key_hash=key_hash))
    session.commit()


def department_for_key(session: Session, *, key_hash: str) -> str | None:
    key = session.get(DepartmentKey, key_hash)
    return None if key is None else key.department_code


def delivery_log(
    session: Session, *, subscription_id: int, department_code: str
) -> list[DeliveryOut] | None:
    """A subscription's deliveries, newest event first; None if not the department's."""
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None or subscription.department_code != department_code:
        return None
    rows = session.execute(
        select(Delivery, OutboxEvent, WorkOrder.case_number)
        .join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
        .join(WorkOrder, WorkOrder.id == Delivery.work_order_id)
        .where(Delivery.subscription_id == subscription_id)
        .order_by(Delivery.event_id.desc())
        .limit(500)
    ).all()
    return [
        DeliveryOut(
            delivery_id=delivery.id,
            event_id=event.id,
            event_type=event.event_type,
            case_number=case_number or "",
            attempts=delivery.attempts,
            delivered_at=as_utc(delivery.delivered_at)
            if delivery.delivered_at
            else None,
            next_attempt_at=None
            if delivery.delivered_at
            else as_utc(delivery.next_attempt_at),
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
        )
        for delivery, event, case_number in rows
    ]


def orders_after(
    session: Session, *, department_code: str, after_id: int, limit: int = 100
) -> list[tuple[int, str]]:
    """(id, case number) of the department's orders created after a cursor id."""
    return [
        (row_id, case_number or "")
        for row_id, case_number in session.execute(
            select(WorkOrder.id, WorkOrder.case_number)
            .where(
                WorkOrder.department_code == department_code, WorkOrder.id > after_id
            )
            .order_by(WorkOrder.id)
            .limit(limit)
        ).tuples()
    ]
