"""Sending the outbox's webhook deliveries: signed, retried with backoff, in order."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from workorders import outbox

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
# Backoff doubles from 2 s to at most 5 min: a receiver down for an hour gets
# its events within five minutes of coming back, and is not hammered meanwhile.
FIRST_RETRY_SECONDS = 2.0
MAX_RETRY_SECONDS = 300.0
POLL_SECONDS = 1.0


def signature(secret: str, timestamp: str, body: str) -> str:
    """HMAC-SHA256 over "timestamp.body": a replayed body with a new time fails."""
    message = f"{timestamp}.{body}".encode()
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def retry_delay_seconds(attempts: int) -> float:
    return float(
        min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    )


def deliver_due(
    sessions: sessionmaker[Session],
    client: httpx.Client,
    *,
    now: datetime | None = None,
    timeout_seconds: float = TIMEOUT_SECONDS,
) -> int:
    """Attempt every delivery due now; returns how many were delivered."""
    moment = now or datetime.now(UTC)
    delivered = 0
    with sessions() as session:
        due = outbox.due_deliveries(session, now=moment)
    for item in due:
        with sessions() as session:
            if not outbox.claim_delivery(
                session,
                delivery_id=item.delivery_id,
                attempts=item.attempts,
                now=moment,
            ):
                continue
        timestamp = str(int(moment.timestamp()))
        status_code: int | None = None
        error: str | None = None
        try:
            response = client.post(
                item.url,
                content=item.body.encode(),
                headers={
                    "Content-Type": "application/json",
                    "X-Cityline-Event": item.event_type,
                    "X-Cityline-Delivery": str(item.delivery_id),
                    "X-Cityline-Timestamp": timestamp,
                    "X-Cityline-Signature": signature(
                        item.secret, timestamp, item.body
                    ),
                },
                timeout=timeout_seconds,
            )
            status_code = response.status_code
            if not response.is_success:
                error = f"HTTP {status_code}"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"
        with sessions() as session:
            attempts = item.attempts + 1
            outbox.record_attempt(
                session,
                delivery_id=item.delivery_id,
                now=moment,
                status_code=status_code,
                error=error,
                retry_at=moment + timedelta(seconds=retry_delay_seconds(attempts)),
            )
        if error is None:
            delivered += 1
        else:
            logger.info("webhook delivery %d failed: %s", item.delivery_id, error)
    return delivered


async def keep_delivering(sessions: sessionmaker[Session]) -> None:
    """Deliver due webhooks every POLL_SECONDS until cancelled."""
    with httpx.Client() as client:
        while True:
            try:
                await asyncio.to_thread(deliver_due, sessions, client)
            except Exception:
                logger.exception("webhook delivery failed")
            await asyncio.sleep(POLL_SECONDS)
