"""Texts to callers who ask for them, through a local fake of Twilio's REST API."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from dialog.machine import Dialog
from telephony.app import SMS_PATH, create_app
from telephony.runtime import Runtime
from telephony.settings import Settings
from telephony.texts import send_due, twilio_client
from tests.conftest import AUTH_TOKEN
from tests.telephony.conftest import (
    call,
    move_case,
    report_pothole,
    run_at_once,
)
from workorders import store, texts
from workorders.models import WorkOrderStatus

ACCOUNT_SID = "AC" + "1" * 32
SENDER = "+16175550100"


class FakeTwilio:
    """Twilio's Messages endpoint on 127.0.0.1, keeping what it was sent."""

    def __init__(self, *, answer_seconds: float = 0.0) -> None:
        self.sent: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                assert self.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
                assert self.headers["Authorization"].startswith("Basic ")
                form = {k: v[0] for k, v in parse_qs(body).items()}
                fake.sent.append(form)
                time.sleep(answer_seconds)
                answer = json.dumps(
                    {"sid": f"SM{len(fake.sent):032d}", "status": "queued", **form}
                ).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    yield fake
    fake.close()


@pytest.fixture
def texting(settings: Settings, fake_twilio: FakeTwilio) -> Settings:
    return settings.model_copy(
        update={
            "twilio_account_sid": ACCOUNT_SID,
            "sms_from": SENDER,
            "twilio_api_base_url": fake_twilio.url,
        }
    )


def _signed_sms(client: TestClient, settings: Settings, sender: str, body: str) -> int:
    params = {"From": sender, "To": SENDER, "Body": body, "MessageSid": "SM1"}
    url = settings.public_url.rstrip("/") + SMS_PATH
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    answer = client.post(
        SMS_PATH, data=params, headers={"X-Twilio-Signature": signature}
    )
    return answer.status_code


def test_caller_who_asked_gets_a_text_until_they_send_stop(
    texting: Settings, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    assert texting.texts_enabled
    line = dataclasses.replace(runtime, dialog=Dialog(runtime.city, offer_texts=True))
    placed = call(
        texting, line, ["wav:report_pothole", "wav:yes", "wav:yes", "wav:no_thanks"]
    )
    assert placed.order is not None, placed
    said = " ".join(placed.agent_lines)
    assert "text message when this is fixed" in said
    assert "You'll get a text" in said, placed
    case = placed.order.case_number
    caller = placed.call.caller_number
    assert caller

    move_case(line, case, WorkOrderStatus.RESOLVED)
    client = twilio_client(texting)
    assert send_due(line.sessions, client, sender=SENDER) == 1
    [message] = fake_twilio.sent
    assert message["To"] == caller and message["From"] == SENDER
    assert case in message["Body"] and "resolved" in message["Body"]

    with TestClient(create_app(texting, line)) as app:
        unsigned = app.post(SMS_PATH, data={"From": caller, "Body": "STOP"})
        assert unsigned.status_code == 403
        assert _signed_sms(app, texting, caller, " Stop ") == 200
    with line.sessions() as session:
        assert texts.is_opted_out(session, phone=caller)
        store.set_status(
            session,
            case_number=case,
            status=WorkOrderStatus.CLOSED,
            note="",
            changed_by="crew",
        )
    assert send_due(line.sessions, client, sender=SENDER) == 0
    assert len(fake_twilio.sent) == 1  # nothing after STOP
    with line.sessions() as session:
        kept = texts.messages_for(session, case_number=case)
    assert [(sent, skipped) for _, _, sent, skipped in kept] == [
        (True, False),
        (False, True),
    ]

    with TestClient(create_app(texting, line)) as app:
        assert _signed_sms(app, texting, caller, "START") == 200
    with line.sessions() as session:
        assert not texts.is_opted_out(session, phone=caller)


@pytest.mark.parametrize("database", ["runtime", "postgres_runtime"])
def test_two_senders_text_each_update_once(
    texting: Settings, database: str, request: pytest.FixtureRequest
) -> None:
    # Every process of a scaled-out line runs a sender over the same queue.
    runtime: Runtime = request.getfixturevalue(database)
    slow = FakeTwilio(answer_seconds=0.2)
    try:
        settings = texting.model_copy(update={"twilio_api_base_url": slow.url})
        callers = ["+16175550131", "+16175550132", "+16175550133"]
        for caller in callers:
            case = report_pothole(runtime, "1420 Elm Street", caller_number=caller)
            with runtime.sessions() as session:
                texts.subscribe(session, case_number=case, phone=caller)
            move_case(runtime, case, WorkOrderStatus.RESOLVED)
        sent: list[int] = []

        def sender() -> None:
            sent.append(
                send_due(runtime.sessions, twilio_client(settings), sender=SENDER)
            )

        run_at_once(sender)
    finally:
        slow.close()

    assert sorted(message["To"] for message in slow.sent) == callers
    assert sum(sent) == 3
