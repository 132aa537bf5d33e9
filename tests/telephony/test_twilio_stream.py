"""The Media Streams wire format, with messages shaped exactly as Twilio sends them."""

from __future__ import annotations

import base64
import json

import pytest

from telephony import twilio_stream as wire

START = {
    "event": "start",
    "sequenceNumber": "1",
    "start": {
        "accountSid": "AC123",
        "streamSid": "MZ123",
        "callSid": "CA123",
        "tracks": ["inbound"],
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        "customParameters": {"from": "+16175551234"},
    },
    "streamSid": "MZ123",
}


def test_connected_is_read() -> None:
    message = wire.parse_message(
        '{"event": "connected", "protocol": "Call", "version": "1.0.0"}'
    )
    assert message == wire.StreamConnected(protocol="Call")


def test_start_carries_sids_parameters_and_format() -> None:
    message = wire.parse_message(json.dumps(START))
    assert message == wire.StreamStarted(
        stream_sid="MZ123",
        call_sid="CA123",
        account_sid="AC123",
        custom_parameters={"from": "+16175551234"},
        encoding="audio/x-mulaw",
        sample_rate_hz=8000,
    )


def test_media_payload_is_decoded_and_timestamp_read_from_string() -> None:
    payload = bytes(range(160))
    raw = {
        "event": "media",
        "sequenceNumber": "3",
        "media": {
            "track": "inbound",
            "chunk": "1",
            "timestamp": "5",
            "payload": base64.b64encode(payload).decode(),
        },
        "streamSid": "MZ123",
    }
    assert wire.parse_message(json.dumps(raw)) == wire.MediaReceived(
        payload=payload, timestamp_ms=5
    )


def test_dtmf_mark_and_stop_are_read() -> None:
    dtmf = {
        "event": "dtmf",
        "streamSid": "MZ123",
        "sequenceNumber": "5",
        "dtmf": {"track": "inbound_track", "digit": "1"},
    }
    mark = {
        "event": "mark",
        "sequenceNumber": "4",
        "streamSid": "MZ123",
        "mark": {"name": "prompt-1"},
    }
    stop = {
        "event": "stop",
        "sequenceNumber": "5",
        "streamSid": "MZ123",
        "stop": {"accountSid": "AC123", "callSid": "CA123"},
    }
    assert wire.parse_message(json.dumps(dtmf)) == wire.DtmfReceived(digit="1")
    assert wire.parse_message(json.dumps(mark)) == wire.MarkReceived(name="prompt-1")
    assert wire.parse_message(json.dumps(stop)) == wire.StreamStopped(call_sid="CA123")


@pytest.mark.parametrize(
    "raw",
    [
        "this is not json",
        b"\xff\xfe\x00",
        "[1, 2, 3]",
        '{"event": "dance"}',
        '{"no_event": true}',
        '{"event": "media", "media": {"payload": "%%% not base64 %%%"}}',
        '{"event": "media", "media": {}}',
        '{"event": "start", "start": {"callSid": "CA1"}}',
        '{"event": "dtmf", "dtmf": {"digit": "12"}}',
        '{"event": "mark", "mark": {}}',
    ],
)
def test_malformed_message_is_skipped_not_raised(raw: str | bytes) -> None:
    assert wire.parse_message(raw) is None


def test_outbound_messages_match_twilio_shapes() -> None:
    media = json.loads(wire.media_message("MZ1", b"\xff\x7f"))
    assert media == {
        "event": "media",
        "streamSid": "MZ1",
        "media": {"payload": base64.b64encode(b"\xff\x7f").decode()},
    }
    assert json.loads(wire.mark_message("MZ1", "prompt-2")) == {
        "event": "mark",
        "streamSid": "MZ1",
        "mark": {"name": "prompt-2"},
    }
    assert json.loads(wire.clear_message("MZ1")) == {
        "event": "clear",
        "streamSid": "MZ1",
    }
