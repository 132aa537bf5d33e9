"""Twilio Media Streams wire format <-> typed messages; the only place that knows it."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

logger = logging.getLogger(__name__)


# -- the wire, as Twilio documents it (numbers arrive as strings) -------------


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _MediaFormat(_Wire):
    encoding: str
    sample_rate: int = Field(alias="sampleRate")
    channels: int


class _StartBody(_Wire):
    account_sid: str = Field(alias="accountSid")
    stream_sid: str = Field(alias="streamSid")
    call_sid: str = Field(alias="callSid")
    tracks: list[str] = []
    custom_parameters: dict[str, str] = Field(default={}, alias="customParameters")
    media_format: _MediaFormat = Field(alias="mediaFormat")


class _MediaBody(_Wire):
    track: str = "inbound"
    chunk: int = 0
    timestamp: int = 0
    payload: str


class _DtmfBody(_Wire):
    track: str = "inbound_track"
    digit: str = Field(pattern=r"^[0-9*#A-D]$")


class _MarkBody(_Wire):
    name: str


class _StopBody(_Wire):
    account_sid: str = Field(default="", alias="accountSid")
    call_sid: str = Field(default="", alias="callSid")


class _Connected(_Wire):
    event: Literal["connected"]
    protocol: str = ""
    version: str = ""


class _Start(_Wire):
    event: Literal["start"]
    stream_sid: str = Field(alias="streamSid")
    start: _StartBody


class _Media(_Wire):
    event: Literal["media"]
    stream_sid: str = Field(default="", alias="streamSid")
    media: _MediaBody


class _Dtmf(_Wire):
    event: Literal["dtmf"]
    stream_sid: str = Field(default="", alias="streamSid")
    dtmf: _DtmfBody


class _Mark(_Wire):
    event: Literal["mark"]
    stream_sid: str = Field(default="", alias="streamSid")
    mark: _MarkBody


class _Stop(_Wire):
    event: Literal["stop"]
    stream_sid: str = Field(default="", alias="streamSid")
    stop: _StopBody = _StopBody()


_ANY_MESSAGE: TypeAdapter[_Connected | _Start | _Media | _Dtmf | _Mark | _Stop] = (
    TypeAdapter(
        Annotated[
            _Connected | _Start | _Media | _Dtmf | _Mark | _Stop,
            Field(discriminator="event"),
        ]
    )
)


# -- what the bridge works with -----------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamConnected:
    protocol: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamStarted:
    stream_sid: str
    call_sid: str
    account_sid: str
    custom_parameters: dict[str, str]  # <Parameter> values from the TwiML
    encoding: str
    sample_rate_hz: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaReceived:
    payload: bytes  # mu-law, no header
    timestamp_ms: int  # since the stream started


@dataclass(frozen=True, slots=True, kw_only=True)
class DtmfReceived:
    digit: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkReceived:
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamStopped:
    call_sid: str


InboundMessage = (
    StreamConnected
    | StreamStarted
    | MediaReceived
    | DtmfReceived
    | MarkReceived
    | StreamStopped
)


def parse_message(raw: str | bytes) -> InboundMessage | None:
    """Read one websocket text message; None (and a log line) when it is malformed.

    Never raises: an exception here would end the caller's call.
    """
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        logger.warning("skipped a websocket message that is not JSON")
        return None
    if not isinstance(data, dict):
        logger.warning("skipped a websocket message that is not a JSON object")
        return None
    event = data.get("event")
    if event not in ("connected", "start", "media", "dtmf", "mark", "stop"):
        logger.warning("skipped a websocket message with unknown event %r", event)
        return None
    try:
        message = _ANY_MESSAGE.validate_python(data)
    except ValidationError as exc:
        logger.warning(
            "skipped a malformed %s message: %s", event, exc.errors()[0].get("msg")
        )
        return None
    match message:
        case _Connected():
            return StreamConnected(protocol=message.protocol)
        case _Start():
            body = message.start
            return StreamStarted(
                stream_sid=body.stream_sid or message.stream_sid,
                call_sid=body.call_sid,
                account_sid=body.account_sid,
                custom_parameters=body.custom_parameters,
                encoding=body.media_format.encoding,
                sample_rate_hz=body.media_format.sample_rate,
            )
        case _Media():
            try:
                payload = base64.b64decode(message.media.payload, validate=True)
            except (binascii.Error, ValueError):
                logger.warning("skipped a media message whose payload is not base64")
                return None
            return MediaReceived(payload=payload, timestamp_ms=message.media.timestamp)
        case _Dtmf():
            return DtmfReceived(digit=message.dtmf.digit)
        case _Mark():
            return MarkReceived(name=message.mark.name)
        case _Stop():
            return StreamStopped(call_sid=message.stop.call_sid)


# -- messages to Twilio -------------------------------------------------------


def media_message(stream_sid: str, mulaw: bytes) -> str:
    payload = base64.b64encode(mulaw).decode("ascii")
    return json.dumps(
        {"event": "media", "streamSid": stream_sid, "media": {"payload": payload}}
    )


def mark_message(stream_sid: str, name: str) -> str:
    return json.dumps(
        {"event": "mark", "streamSid": stream_sid, "mark": {"name": name}}
    )


def clear_message(stream_sid: str) -> str:
    return json.dumps({"event": "clear", "streamSid": stream_sid})
