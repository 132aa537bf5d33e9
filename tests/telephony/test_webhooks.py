"""The voice webhooks and the stream handshake: signed or refused."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from twilio.request_validator import RequestValidator

from telephony.app import create_app
from telephony.runtime import Runtime
from telephony.settings import Settings
from tests.telephony.conftest import API_TOKEN, AUTH_TOKEN

FORM = {
    "CallSid": "CA0123456789abcdef0123456789abcdef",
    "AccountSid": "AC0123456789abcdef0123456789abcdef",
    "From": "+16175551234",
    "To": "+16175550100",
    "CallStatus": "ringing",
    "Direction": "inbound",
}


def _signed(settings: Settings, path: str, form: dict[str, str]) -> dict[str, str]:
    url = settings.public_url + path
    return {
        "X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    }


def test_voice_webhook_answers_connect_stream_with_action(
    client: TestClient, settings: Settings
) -> None:
    response = client.post(
        "/twilio/voice", data=FORM, headers=_signed(settings, "/twilio/voice", FORM)
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    connect = root.find("Connect")
    assert connect is not None
    assert (
        connect.attrib["action"] == "https://cityline.example.org/twilio/after-stream"
    )
    stream = connect.find("Stream")
    assert stream is not None
    assert stream.attrib["url"] == "wss://cityline.example.org/twilio/stream"
    parameter = stream.find("Parameter")
    assert parameter is not None
    assert parameter.attrib == {"name": "from", "value": "+16175551234"}


def test_unsigned_webhook_is_refused(client: TestClient) -> None:
    response = client.post("/twilio/voice", data=FORM)
    assert response.status_code == 403
    assert "Connect" not in response.text


def test_wrongly_signed_webhook_is_refused(
    client: TestClient, settings: Settings
) -> None:
    headers = _signed(settings, "/twilio/voice", FORM)
    tampered = {**FORM, "From": "+19995550000"}
    assert (
        client.post("/twilio/voice", data=tampered, headers=headers).status_code == 403
    )


def test_signature_for_another_url_is_refused(
    client: TestClient, settings: Settings
) -> None:
    headers = _signed(settings, "/twilio/other", FORM)
    assert client.post("/twilio/voice", data=FORM, headers=headers).status_code == 403


def test_unsigned_after_stream_is_refused(client: TestClient) -> None:
    assert client.post("/twilio/after-stream", data=FORM).status_code == 403


def test_after_stream_for_unknown_call_hangs_up(
    client: TestClient, settings: Settings
) -> None:
    response = client.post(
        "/twilio/after-stream",
        data=FORM,
        headers=_signed(settings, "/twilio/after-stream", FORM),
    )
    assert response.status_code == 200
    assert ET.fromstring(response.text).find("Hangup") is not None


def test_unsigned_media_stream_is_refused(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/twilio/stream"),
    ):
        pass
    assert refused.value.code == 1008


def test_media_stream_signed_for_the_wss_url_is_greeted(
    client: TestClient, settings: Settings
) -> None:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        "wss://cityline.example.org/twilio/stream", {}
    )
    start = {
        "event": "start",
        "sequenceNumber": "1",
        "streamSid": "MZ1",
        "start": {
            "accountSid": "AC1",
            "streamSid": "MZ1",
            "callSid": "CA-handshake-test",
            "tracks": ["inbound"],
            "customParameters": {"from": "+16175551234"},
            "mediaFormat": {
                "encoding": "audio/x-mulaw",
                "sampleRate": 8000,
                "channels": 1,
            },
        },
    }
    with client.websocket_connect(
        "/twilio/stream", headers={"X-Twilio-Signature": signature}
    ) as ws:
        ws.send_text('{"event": "connected", "protocol": "Call", "version": "1.0.0"}')
        ws.send_text("not json at all")
        ws.send_json(start)
        greeting = ws.receive_json()
        assert greeting["event"] == "media"
        assert greeting["streamSid"] == "MZ1"
        assert len(greeting["media"]["payload"]) > 0
        ws.send_json({"event": "stop", "streamSid": "MZ1", "stop": {"callSid": "CA1"}})


def test_api_needs_the_api_token(client: TestClient) -> None:
    assert client.get("/api/calls/CA-none").status_code == 403
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/api/calls/CA-none", headers=wrong).status_code == 403
    right = {"Authorization": f"Bearer {API_TOKEN}"}
    assert client.get("/api/calls/CA-none", headers=right).status_code == 404


def test_insecure_development_mode_accepts_unsigned_requests(
    settings: Settings, runtime: Runtime
) -> None:
    insecure = settings.model_copy(
        update={"insecure_skip_signature_check": True, "twilio_auth_token": ""}
    )
    with TestClient(create_app(insecure, runtime)) as client:
        response = client.post("/twilio/voice", data=FORM)
    assert response.status_code == 200
    assert "<Connect" in response.text
