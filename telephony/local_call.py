"""A phone call without a phone: plays Twilio's side of the protocol against a server.

It signs the voice webhook, reads the TwiML, opens the Media Stream with a signed
handshake, streams the caller's audio as 20 ms mu-law frames (silence included),
presses keys as `dtmf` events, plays the agent's audio on a clock and echoes its
marks the way Twilio does, and finally asks the `<Connect>` action what comes next.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import uuid
import wave
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from voice.mulaw import (
    FRAME_BYTES,
    FRAME_SECONDS,
    PHONE_RATE_HZ,
    decode_mulaw,
    encode_mulaw,
    split_frames,
)

# Frame loudness (16-bit RMS, about -50 dBFS) above which a frame holds speech.
_SPEECH_RMS = 100.0
# How long a caller waits for a reply before going on with the script anyway.
_NO_REPLY_SECONDS = 45.0
SILENCE_FRAME = encode_mulaw(np.zeros(FRAME_BYTES, dtype=np.int16))


# -- the caller's script --------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Speak:
    """Say something (8 kHz mu-law audio) once the agent has finished talking."""

    audio: bytes
    label: str  # what it says, for printing
    barge_in: bool = False  # start while the agent is still talking


@dataclass(frozen=True, slots=True, kw_only=True)
class Press:
    """Press keys on the keypad, about 200 ms apart."""

    digits: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Pause:
    """Stay silent (or send the given audio) for a while, turn or not."""

    seconds: float
    audio: bytes | None = None  # e.g. noise instead of silence


@dataclass(frozen=True, slots=True, kw_only=True)
class HangUp:
    """Hang up: Twilio sends `stop` and closes the socket."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SendRaw:
    """Send a websocket message exactly as given: for testing malformed input."""

    text: str


Step = Speak | Press | Pause | HangUp | SendRaw


@dataclass(kw_only=True)
class CallReport:
    """What the caller experienced."""

    call_sid: str
    after_stream_twiml: str | None = None  # what <Connect action> answered
    agent_audio: bytearray = field(default_factory=bytearray)
    clears: int = 0
    marks_echoed: int = 0
    # Seconds from the caller's last speech frame to the agent's next audio.
    latencies_seconds: list[float] = field(default_factory=list)
    hung_up: bool = False

    @property
    def agent_audio_seconds(self) -> float:
        return len(self.agent_audio) / PHONE_RATE_HZ

    @property
    def dialed_number(self) -> str | None:
        if not self.after_stream_twiml:
            return None
        dial = ET.fromstring(self.after_stream_twiml).find("Dial")
        return (dial.text or "").strip() if dial is not None else None


# -- the simulated phone line --------------------------------------------------


# Asked with the call's sid at each of the caller's turns: speech to repeat, or None.
SayAgain = Callable[[str], Awaitable[Speak | Press | None]]


class _Line:
    """The caller's clock, the agent's playback queue and the marks to echo."""

    def __init__(self, report: CallReport, pace: float) -> None:
        self.report = report
        self.pace = pace  # 1.0 = real time; 0.1 = ten times faster
        self.clock_seconds = 0.0
        self.playback_end_seconds = 0.0
        self.pending_marks: list[tuple[float, str]] = []
        self.last_agent_message_at = time.perf_counter()
        self.speech_ended_at: float | None = None  # perf_counter of last speech
        self.has_reply = True  # the agent has spoken since the caller last did
        self.closed = asyncio.Event()

    def on_agent_message(self, data: dict[str, object]) -> list[str]:
        """Take one message from the server; returns marks to echo right away."""
        self.last_agent_message_at = time.perf_counter()
        event = data.get("event")
        media = data.get("media")
        if event == "media" and isinstance(media, dict):
            audio = base64.b64decode(str(media.get("payload", "")))
            if self.speech_ended_at is not None:
                elapsed = time.perf_counter() - self.speech_ended_at
                self.report.latencies_seconds.append(elapsed)
                self.speech_ended_at = None
            self.has_reply = True
            self.report.agent_audio.extend(audio)
            start = max(self.clock_seconds, self.playback_end_seconds)
            self.playback_end_seconds = start + len(audio) / PHONE_RATE_HZ
        elif event == "mark" and isinstance(mark := data.get("mark"), dict):
            self.pending_marks.append(
                (self.playback_end_seconds, str(mark.get("name")))
            )
        elif event == "clear":
            # Twilio drops queued audio and returns pending marks at once.
            self.report.clears += 1
            self.playback_end_seconds = self.clock_seconds
            names = [name for _, name in self.pending_marks]
            self.pending_marks.clear()
            return names
        return []

    def due_marks(self) -> list[str]:
        due = [name for end, name in self.pending_marks if end <= self.clock_seconds]
        self.pending_marks = [
            (end, name) for end, name in self.pending_marks if end > self.clock_seconds
        ]
        return due

    @property
    def agent_is_talking(self) -> bool:
        return (
            bool(self.pending_marks) or self.playback_end_seconds > self.clock_seconds
        )


async def place_call(
    *,
    base_url: str,
    auth_token: str,
    script: Sequence[Step],
    caller_number: str = "+15555550123",
    pace: float = 0.1,
    settle_seconds: float = 0.5,
    on_step: Callable[[Step], None] | None = None,
    timeout_seconds: float = 180.0,
    say_again: SayAgain | None = None,
) -> CallReport:
    """Place one call against a running Cityline server and play the script.

    `settle_seconds` is how long (wall time) the agent must have been quiet
    before the caller speaks, so a reply still being rendered is not talked over.
    `say_again`, asked at each of the caller's turns, may return speech to say
    before the next step, as a person repeats what was not understood.
    """
    call_sid = "CA" + uuid.uuid4().hex
    account_sid = "AC" + uuid.uuid4().hex
    stream_sid = "MZ" + uuid.uuid4().hex
    validator = RequestValidator(auth_token)
    base_url = base_url.rstrip("/")
    form = {
        "CallSid": call_sid,
        "AccountSid": account_sid,
        "From": caller_number,
        "To": "+15555550100",
        "CallStatus": "in-progress",
        "Direction": "inbound",
    }
    report = CallReport(call_sid=call_sid)
    async with httpx.AsyncClient(timeout=30) as http:
        twiml = await _signed_post(http, validator, base_url + "/twilio/voice", form)
        connect_el = ET.fromstring(twiml).find("Connect")
        if connect_el is None:
            raise RuntimeError(f"the voice webhook answered without <Connect>: {twiml}")
        stream_el = connect_el.find("Stream")
        if stream_el is None:
            raise RuntimeError("the <Connect> has no <Stream>")
        stream_url = stream_el.attrib["url"]
        parameters = {
            p.attrib["name"]: p.attrib.get("value", "")
            for p in stream_el.findall("Parameter")
        }
        action_url = connect_el.attrib.get("action")

        line = _Line(report, pace)
        signature = validator.compute_signature(stream_url, {})
        async with connect(
            stream_url,
            additional_headers={"X-Twilio-Signature": signature},
            max_size=None,
        ) as ws:
            await ws.send(
                json.dumps(
                    {"event": "connected", "protocol": "Call", "version": "1.0.0"}
                )
            )
            await ws.send(
                json.dumps(
                    {
                        "event": "start",
                        "sequenceNumber": "1",
                        "streamSid": stream_sid,
                        "start": {
                            "accountSid": account_sid,
                            "streamSid": stream_sid,
                            "callSid": call_sid,
                            "tracks": ["inbound"],
                            "customParameters": parameters,
                            "mediaFormat": {
                                "encoding": "audio/x-mulaw",
                                "sampleRate": 8000,
                                "channels": 1,
                            },
                        },
                    }
                )
            )
            caller = _Caller(ws, line, stream_sid, settle_seconds, say_again)
            reader = asyncio.create_task(caller.read())
            try:
                await asyncio.wait_for(caller.play(script, on_step), timeout_seconds)
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
        if action_url and not report.hung_up:
            report.after_stream_twiml = await _signed_post(
                http, validator, action_url, {**form, "CallStatus": "in-progress"}
            )
    return report


async def _signed_post(
    http: httpx.AsyncClient, validator: RequestValidator, url: str, form: dict[str, str]
) -> str:
    signature = validator.compute_signature(url, form)
    response = await http.post(
        url, data=form, headers={"X-Twilio-Signature": signature}
    )
    response.raise_for_status()
    return response.text


class _Caller:
    def __init__(
        self,
        ws: ClientConnection,
        line: _Line,
        stream_sid: str,
        settle: float,
        say_again: SayAgain | None,
    ) -> None:
        self._ws = ws
        self._say_again = say_again
        self._line = line
        self._stream_sid = stream_sid
        self._settle_seconds = settle
        self._sequence = 1
        self._chunk = 0

    async def _send(self, data: dict[str, object]) -> None:
        self._sequence += 1
        data = {"sequenceNumber": str(self._sequence), **data}
        try:
            await self._ws.send(json.dumps(data))
        except ConnectionClosed:
            # The server ended the stream, as it does after the goodbye.
            self._line.closed.set()

    async def read(self) -> None:
        try:
            async for raw in self._ws:
                for name in self._line.on_agent_message(json.loads(raw)):
                    await self._echo_mark(name)
        except ConnectionClosed:
            pass
        finally:
            self._line.closed.set()

    async def _echo_mark(self, name: str) -> None:
        self._line.report.marks_echoed += 1
        await self._send(
            {"event": "mark", "streamSid": self._stream_sid, "mark": {"name": name}}
        )

    async def _frame(self, payload: bytes, *, realtime: bool = False) -> None:
        """Send one 20 ms frame and advance the clock, paced against wall time."""
        line = self._line
        await self._send(
            {
                "event": "media",
                "streamSid": self._stream_sid,
                "media": {
                    "track": "inbound",
                    "chunk": str(self._chunk),
                    "timestamp": str(round(line.clock_seconds * 1000)),
                    "payload": base64.b64encode(payload).decode("ascii"),
                },
            }
        )
        self._chunk += 1
        line.clock_seconds += FRAME_SECONDS
        for name in line.due_marks():
            await self._echo_mark(name)
        await asyncio.sleep(FRAME_SECONDS * (1.0 if realtime else line.pace))

    async def _wait_for_turn(self) -> None:
        """Silence until the agent has replied and gone quiet (or hung up)."""
        line = self._line
        began = time.perf_counter()
        while not line.closed.is_set():
            now = time.perf_counter()
            quiet_for = now - line.last_agent_message_at
            # A caller whose words were not heard as speech gets no reply.
            has_turn = line.has_reply or now - began > _NO_REPLY_SECONDS
            is_settling = has_turn and not line.agent_is_talking
            if is_settling and quiet_for >= self._settle_seconds:
                return
            # The caller's pause before answering goes at the speed of life:
            # sped up, the agent's no-input timer (audio time) would run out
            # while the caller is still "about to speak".
            await self._frame(SILENCE_FRAME, realtime=is_settling)

    async def _speak(self, step: Speak) -> None:
        for frame in split_frames(step.audio, FRAME_BYTES):
            await self._frame(frame)
            if _is_loud(frame):
                # Latency counts from the last frame with speech in it, not
                # from the end of the file's trailing silence.
                self._line.speech_ended_at = time.perf_counter()
        self._line.has_reply = False

    async def _press(self, digits: str) -> None:
        for digit in digits:
            await self._send(
                {
                    "event": "dtmf",
                    "streamSid": self._stream_sid,
                    "dtmf": {"track": "inbound_track", "digit": digit},
                }
            )
            for _ in range(10):
                await self._frame(SILENCE_FRAME)
        # Keys get an answer too (a prompt, a status), unless the caller is
        # midway through a number: then the wait times out.
        self._line.has_reply = False

    async def _repeat_if_asked(self) -> bool:
        """Say again what the agent did not catch; whether anything was said."""
        said = False
        while self._say_again is not None and not self._line.closed.is_set():
            again = await self._say_again(self._line.report.call_sid)
            if again is None:
                break
            if isinstance(again, Press):
                await self._press(again.digits)
            else:
                await self._speak(again)
            await self._wait_for_turn()
            said = True
        return said

    async def play(
        self, script: Sequence[Step], on_step: Callable[[Step], None] | None
    ) -> None:
        line = self._line
        for step in script:
            if line.closed.is_set():
                return
            if not (isinstance(step, Speak) and step.barge_in) and not isinstance(
                step, Pause | SendRaw
            ):
                await self._wait_for_turn()
            elif isinstance(step, Speak):
                while not line.agent_is_talking and not line.closed.is_set():
                    await self._frame(SILENCE_FRAME)
            if not isinstance(step, Pause | SendRaw):
                await self._repeat_if_asked()
            if line.closed.is_set():
                return
            if on_step is not None:
                on_step(step)
            match step:
                case Speak():
                    await self._speak(step)
                case Press():
                    await self._press(step.digits)
                case Pause():
                    audio = step.audio or b""
                    frames = list(split_frames(audio, FRAME_BYTES)) if audio else []
                    count = max(len(frames), round(step.seconds / FRAME_SECONDS))
                    for index in range(count):
                        frame = frames[index] if index < len(frames) else SILENCE_FRAME
                        await self._frame(frame)
                case SendRaw():
                    with contextlib.suppress(ConnectionClosed):
                        await self._ws.send(step.text)
                case HangUp():
                    line.report.hung_up = True
                    await self._send(
                        {
                            "event": "stop",
                            "streamSid": self._stream_sid,
                            "stop": {"accountSid": "", "callSid": line.report.call_sid},
                        }
                    )
                    await self._ws.close()
                    return
        # Script done: the caller may still be asked to repeat its last words.
        if self._say_again is not None:
            await self._wait_for_turn()
            await self._repeat_if_asked()
        # Then it keeps the line open (silent) until the agent ends the call.
        while not line.closed.is_set():
            await self._frame(SILENCE_FRAME)


def _is_loud(frame: bytes) -> bool:
    samples = decode_mulaw(frame).astype(np.float32)
    return float(np.sqrt(np.mean(samples * samples))) > _SPEECH_RMS


def load_wav_as_mulaw(path: Path) -> bytes:
    """A fixture WAV (8 kHz 16-bit mono) as the mu-law bytes Twilio would send."""
    with wave.open(str(path), "rb") as wav:
        if wav.getframerate() != PHONE_RATE_HZ or wav.getnchannels() != 1:
            raise ValueError(f"{path}: expected 8 kHz mono")
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return encode_mulaw(samples.astype(np.int16))


__all__ = [
    "CallReport",
    "HangUp",
    "Pause",
    "Press",
    "SendRaw",
    "Speak",
    "Step",
    "load_wav_as_mulaw",
    "place_call",
]
