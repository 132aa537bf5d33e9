"""Sending queued status texts through Twilio's REST API; STOP is checked first."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from telephony.settings import Settings
from workorders import texts
from workorders.privacy import mask_phone

logger = logging.getLogger(__name__)

POLL_SECONDS = 5.0
RETRY_SECONDS = 60.0


def twilio_client(settings: Settings) -> Client:
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
    # Tests (and a regional edge) point the REST API elsewhere.
    client.api.base_url = settings.twilio_api_base_url.rstrip("/")
    return client


def send_due(
    sessions: sessionmaker[Session],
    client: Client,
    *,
    sender: str,
    now: datetime | None = None,
) -> int:
    """Send every queued text that is due; returns how many went out."""
    moment = now or datetime.now(UTC)
    sent = 0
    with sessions() as session:
        due = texts.due_texts(session, now=moment)
    for item in due:
        with sessions() as session:
            if not texts.claim_text(
                session,
                message_id=item.message_id,
                attempts=item.attempts,
                now=moment,
            ):
                continue
            if texts.is_opted_out(session, phone=item.phone):
                texts.record_text(
                    session, message_id=item.message_id, now=moment, skipped=True
                )
                logger.info(
                    "text %d skipped: %s opted out",
                    item.message_id,
                    mask_phone(item.phone),
                )
                continue
        try:
            message = client.messages.create(
                to=item.phone, from_=sender, body=item.body
            )
        except TwilioException as error:
            with sessions() as session:
                texts.record_text(
                    session,
                    message_id=item.message_id,
                    now=moment,
                    error=str(error),
                    retry_at=moment + timedelta(seconds=RETRY_SECONDS),
                )
            logger.info("text %d to %s failed", item.message_id, mask_phone(item.phone))
            continue
        with sessions() as session:
            texts.record_text(
                session,
                message_id=item.message_id,
                now=moment,
                provider_sid=message.sid,
            )
        sent += 1
    return sent


async def keep_sending(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Send due texts every POLL_SECONDS until cancelled."""
    client = twilio_client(settings)
    while True:
        try:
            await asyncio.to_thread(
                send_due, sessions, client, sender=settings.sms_from
            )
        except Exception:
            logger.exception("sending texts failed")
        await asyncio.sleep(POLL_SECONDS)
