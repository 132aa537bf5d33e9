"""One phone call: Twilio media in, speech recognized, dialog stepped, speech out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from dialog.actions import (
    Action,
    CreateWorkOrder,
    Expect,
    Hangup,
    Listen,
    LookUpCase,
    Say,
    SubscribeToTexts,
    Transfer,
    WorkOrderDraft,
)
from dialog.events import (
    CallStarted,
    CaseLookedUp,
    CaseStatus,
    Event,
    KeyPress,
    Silence,
    Utterance,
    WorkOrderCreated,
)
from dialog.events import Hangup as CallerHungUp
from dialog.machine import LISTENING_PHASES
from dialog.state import CallState, Outcome, Phase
from telephony import twilio_stream as wire
from telephony.runtime import Runtime
from voice.mulaw import FRAME_BYTES, PHONE_RATE_HZ, decode_mulaw, split_frames, to_int16
from voice.recording import CallRecorder, write_mono_wav
from voice.stt import WHISPER_RATE_HZ, SpeechToTextError, Transcript
from voice.vad import (
    SegmenterSettings,
    SpeechStarted,
    UtteranceDetector,
    UtteranceEnded,
    UtterancePaused,
)
from workorders import case_numbers, store, texts
from workorders.models import CallOutcome
from workorders.privacy import mask_phone
from workorders.schemas import (
    MAX_ADDRESS_CHARS,
    MAX_PHONE_CHARS,
    CallTurnIn,
    NewWorkOrder,
    WorkOrderOut,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")
SendText = Callable[[str], Awaitable[None]]
# How long past the expected end of playback to wait for Twilio's mark echo
# before closing anyway (a lost mark must not keep a line open).
_MARK_GRACE_SECONDS = 3.0


@dataclass(frozen=True, slots=True, kw_only=True)
class _Speculation:
    """Recognition started at a pause, before the utterance was known to be over."""

    start_seconds: float
    end_seconds: float
    prompt: str | None
    result: Future[Transcript]


@dataclass(frozen=True, slots=True, kw_only=True)
class _HeardUtterance:
    utterance: UtteranceEnded
    heard_at: float  # perf_counter when the end of speech was detected
    early: _Speculation | None  # a transcript already under way for this span


class CallSession:
    """The state of one call's stream; every call gets its own."""

    def __init__(self, runtime: Runtime, send_text: SendText) -> None:
        self._runtime = runtime
        self._send_text = send_text
        self._send_lock = asyncio.Lock()
        settings = runtime.settings
        self._detector = UtteranceDetector(
            SegmenterSettings(
                end_silence_seconds=settings.end_of_utterance_seconds,
                pause_seconds=settings.speculate_after_seconds,
            )
        )
        self._recorder = CallRecorder()
        self._inbox: asyncio.Queue[Event | _HeardUtterance | None] = asyncio.Queue()
        self._state = CallState()
        self._stream_sid = ""
        self._call_sid = ""
        self._caller_number: str | None = None
        self._expect = Expect.OPENING
        self._now_seconds = 0.0  # stream time from the caller's media timestamps
        self._playout_end_seconds = 0.0  # when the agent's queued audio ends
        self._pending_marks: dict[str, float] = {}  # name -> expected end time
        self._mark_counter = 0
        self._idle_since: float | None = None  # all prompts heard; waiting
        self._is_ending = False
        self._is_finished = False
        self._all_heard = asyncio.Event()
        self._all_heard.set()
        self._worker: asyncio.Task[None] | None = None
        self._turns: list[CallTurnIn] = []
        self._reply_pending_since: float | None = None  # perf_counter of end of speech
        self._utterance_count = 0
        self._speculation: _Speculation | None = None
        # Replies rendered ahead from a speculative transcript, by their text.
        self._prerendered: dict[str, asyncio.Future[bytes]] = {}
        self.closed = asyncio.Event()  # set when the bridge wants the socket closed

    # -- inbound ---------------------------------------------------------------

    async def handle(self, raw: str | bytes) -> None:
        """Take one websocket message; malformed ones are logged and skipped."""
        message = wire.parse_message(raw)
        if message is None:
            return
        match message:
            case wire.StreamConnected():
                pass
            case wire.StreamStarted():
                await self._on_start(message)
            case wire.MediaReceived():
                self._on_media(message)
            case wire.DtmfReceived():
                if self._idle_since is not None:
                    # Keying digits counts as an answer in progress.
                    self._idle_since = self._now_seconds
                self._inbox.put_nowait(KeyPress(digit=message.digit))
            case wire.MarkReceived():
                self._on_mark(message.name)
            case wire.StreamStopped():
                await self.finish(caller_hung_up=not self._is_ending)

    async def _on_start(self, message: wire.StreamStarted) -> None:
        if self._stream_sid:
            logger.warning("skipped a second start message on one stream")
            return
        self._stream_sid = message.stream_sid
        self._call_sid = message.call_sid
        self._caller_number = _phone_number(message.custom_parameters.get("from"))
        logger.info(
            "call %s from %s started", self._call_sid, mask_phone(self._caller_number)
        )
        await self._in_thread(
            lambda session: store.start_call(
                session,
                call_sid=self._call_sid,
                stream_sid=self._stream_sid,
                caller_number=self._caller_number,
            )
        )
        self._worker = asyncio.create_task(self._run_dialog())
        self._inbox.put_nowait(CallStarted())

    def _on_media(self, message: wire.MediaReceived) -> None:
        if not self._stream_sid or self._is_finished:
            return
        self._now_seconds = max(self._now_seconds, message.timestamp_ms / 1000.0)
        samples = decode_mulaw(message.payload)
        self._recorder.add_inbound(samples, self._now_seconds)
        for event in self._detector.feed_mulaw(message.payload):
            match event:
                case SpeechStarted():
                    self._on_speech_started()
                case UtterancePaused():
                    self._speculate(event)
                case UtteranceEnded():
                    self._idle_since = None
                    early = self._speculation
                    self._speculation = None
                    if early is not None and (
                        early.start_seconds,
                        early.end_seconds,
                    ) != (event.start_seconds, event.end_seconds):
                        early.result.cancel()
                        early = None
                    heard = _HeardUtterance(
                        utterance=event, heard_at=time.perf_counter(), early=early
                    )
                    self._inbox.put_nowait(heard)
        self._check_no_input()

    def _speculate(self, paused: UtterancePaused) -> None:
        """Start recognizing at a pause: most pauses are the end of the turn.

        This hides most of the recognition time inside the end-of-utterance
        silence; when the caller goes on talking, the guess is dropped.
        """
        if self._speculation is not None:
            self._speculation.result.cancel()
        prompt = self._runtime.bias_prompts.get(self._expect)
        stt = self._runtime.stt
        self._speculation = _Speculation(
            start_seconds=paused.start_seconds,
            end_seconds=paused.end_seconds,
            prompt=prompt,
            result=self._runtime.stt_pool.submit(
                stt.transcribe, paused.audio_16k, prompt=prompt
            ),
        )
        self._prerendered.clear()
        asyncio.get_running_loop().create_task(self._prepare_reply(self._speculation))

    async def _prepare_reply(self, speculation: _Speculation) -> None:
        """Render the likely reply while the end-of-utterance silence runs out.

        The dialog is pure, so stepping it on the current state commits
        nothing; audio is keyed by its text, so it is used only when exactly
        that sentence is said, whichever transcript it came from.
        """
        try:
            transcript = await asyncio.wrap_future(speculation.result)
        except (SpeechToTextError, CancelledError):
            return
        utterance = Utterance(text=transcript.text, confidence=transcript.confidence)
        _, actions = self._runtime.dialog.step(self._state, utterance)
        renderer = self._runtime.renderer
        for action in actions:
            if isinstance(action, Say) and action.key is None:
                self._prerendered[action.text] = asyncio.ensure_future(
                    asyncio.to_thread(renderer.render, action.text)
                )

    def _on_speech_started(self) -> None:
        self._idle_since = None
        # Barge-in: the caller talks over a question, so stop the question.
        # A closing prompt (goodbye, transfer) is never cut.
        if self._pending_marks and not self._is_ending:
            asyncio.get_running_loop().create_task(self._barge_in())

    async def _barge_in(self) -> None:
        logger.info("call %s: caller barged in", self._call_sid)
        await self._send(wire.clear_message(self._stream_sid))
        self._recorder.truncate_outbound(self._now_seconds)
        self._playout_end_seconds = self._now_seconds

    def _on_mark(self, name: str) -> None:
        self._pending_marks.pop(name, None)
        if not self._pending_marks:
            self._all_heard.set()
            if self._state.phase in LISTENING_PHASES and not self._detector.is_speaking:
                self._idle_since = self._now_seconds

    def _check_no_input(self) -> None:
        if self._idle_since is None or self._is_ending:
            return
        silent_seconds = self._now_seconds - self._idle_since
        if silent_seconds >= self._runtime.settings.no_input_seconds:
            self._idle_since = None
            self._inbox.put_nowait(Silence())

    # -- the dialog ------------------------------------------------------------

    async def _run_dialog(self) -> None:
        try:
            while True:
                item = await self._inbox.get()
                if item is None:
                    return
                if isinstance(item, _HeardUtterance):
                    await self._step(await self._recognize(item))
                else:
                    await self._step(item)
        except Exception:
            # One broken call must not disturb another: this caller hears an
            # apology and goes to a person; nothing else is touched.
            logger.exception("call %s: dialog failed", self._call_sid)
            self._state = CallState(phase=Phase.ENDED, outcome=Outcome.TRANSFERRED)
            try:
                await self._perform(
                    self._runtime.dialog.prompts.fixed("technical_problem")
                )
                await self._perform(Transfer())
                await self._save_turns()
            except Exception:
                logger.exception("call %s: could not hand over", self._call_sid)
                await self.finish(caller_hung_up=False)

    async def _recognize(self, heard: _HeardUtterance) -> Utterance:
        utterance = heard.utterance
        prompt = self._runtime.bias_prompts.get(self._expect)
        early = heard.early
        try:
            if early is not None and early.prompt == prompt:
                transcript = await asyncio.wrap_future(early.result)
            else:
                loop = asyncio.get_running_loop()
                transcript = await loop.run_in_executor(
                    self._runtime.stt_pool,
                    lambda: self._runtime.stt.transcribe(
                        utterance.audio_16k, prompt=prompt
                    ),
                )
        except (SpeechToTextError, CancelledError):
            logger.exception("call %s: recognition failed", self._call_sid)
            return Utterance(text="", confidence=0.0)
        self._utterance_count += 1
        audio_path = self._call_dir() / f"caller-{self._utterance_count:02d}.wav"
        await asyncio.to_thread(
            write_mono_wav, audio_path, to_int16(utterance.audio_16k), WHISPER_RATE_HZ
        )
        self._reply_pending_since = heard.heard_at
        self._turns.append(
            CallTurnIn(
                speaker="caller",
                text=transcript.text,
                started_seconds=utterance.start_seconds,
                duration_seconds=utterance.end_seconds - utterance.start_seconds,
                confidence=transcript.confidence,
                recognition_seconds=transcript.seconds,
                audio_path=str(audio_path),
            )
        )
        # Transcripts stay out of the INFO log: they hold addresses, and the
        # supervisor reads them from the call record.
        logger.debug(
            "call %s: heard %r (confidence %.2f, %.2f s)",
            self._call_sid,
            transcript.text,
            transcript.confidence,
            transcript.seconds,
            extra={"speaker": "caller", "text": transcript.text},
        )
        return Utterance(text=transcript.text, confidence=transcript.confidence)

    async def _step(self, event: Event) -> None:
        state, actions = self._runtime.dialog.step(self._state, event)
        self._state = state
        if self._turns and self._turns[-1].speaker == "caller":
            slots = json.dumps(state.report.as_dict())
            self._turns[-1] = self._turns[-1].model_copy(update={"slots_json": slots})
        for action in actions:
            follow_up = await self._perform(action)
            if follow_up is not None:
                await self._step(follow_up)
        await self._save_turns()

    async def _perform(self, action: Action) -> Event | None:
        """Carry out one action; returns the event its result produces, if any."""
        match action:
            case Say():
                await self._say(action)
            case Listen():
                self._expect = action.expect
            case CreateWorkOrder():
                return await self._create_work_order(action)
            case LookUpCase():
                return await self._look_up(action.case_number)
            case SubscribeToTexts():
                await self._subscribe_to_texts(action.case_number)
            case Transfer() | Hangup():
                self._is_ending = True
                asyncio.get_running_loop().create_task(self._end_when_heard())
        return None

    async def _say(self, say: Say) -> None:
        renderer = self._runtime.renderer
        if say.key is not None:
            audio = renderer.render_cached(say.text)
        elif say.text in self._prerendered:
            audio = await self._prerendered.pop(say.text)
        else:
            audio = await asyncio.to_thread(renderer.render, say.text)
        start_seconds = max(self._now_seconds, self._playout_end_seconds)
        duration_seconds = len(audio) / PHONE_RATE_HZ
        response_seconds = None
        if self._reply_pending_since is not None:
            response_seconds = time.perf_counter() - self._reply_pending_since
            # The end of speech was detected this long after it happened.
            response_seconds += self._runtime.settings.end_of_utterance_seconds
            self._reply_pending_since = None
        for frame in split_frames(audio, FRAME_BYTES):
            await self._send(wire.media_message(self._stream_sid, frame))
        self._mark_counter += 1
        name = f"prompt-{self._mark_counter}"
        self._pending_marks[name] = start_seconds + duration_seconds
        self._all_heard.clear()
        self._idle_since = None
        await self._send(wire.mark_message(self._stream_sid, name))
        self._recorder.add_outbound(decode_mulaw(audio), start_seconds)
        self._playout_end_seconds = start_seconds + duration_seconds
        self._turns.append(
            CallTurnIn(
                speaker="agent",
                text=say.text,
                started_seconds=start_seconds,
                duration_seconds=duration_seconds,
                response_seconds=response_seconds,
            )
        )
        logger.debug(
            "call %s: said %r",
            self._call_sid,
            say.text,
            extra={"speaker": "agent", "text": say.text},
        )

    async def _subscribe_to_texts(self, case_number: str) -> None:
        if not self._caller_number:
            logger.info("call %s: no caller number to text", self._call_sid)
            return

        def subscribe() -> None:
            with self._runtime.sessions() as session:
                texts.subscribe(
                    session, case_number=case_number, phone=self._caller_number or ""
                )

        await asyncio.to_thread(subscribe)

    async def _create_work_order(self, action: CreateWorkOrder) -> Event:
        new = new_work_order(action.draft, caller_number=self._caller_number)
        window = timedelta(days=self._runtime.settings.duplicate_window_days)

        def store_report(session: Session) -> tuple[WorkOrderOut, bool]:
            existing = store.find_open_duplicate(session, new=new, within=window)
            if existing is not None:
                joined = store.add_report(
                    session,
                    case_number=existing.case_number,
                    new=new,
                    call_sid=self._call_sid,
                )
                return joined, True
            created = store.create_work_order(
                session, new=new, router=self._runtime.router, call_sid=self._call_sid
            )
            return created, False

        order, is_existing = await self._in_thread(store_report)
        logger.info(
            "call %s: %s case %s for %s",
            self._call_sid,
            "joined" if is_existing else "created",
            order.case_number,
            order.department_code,
        )
        return WorkOrderCreated(
            case_number=order.case_number,
            department_name=order.department_name,
            is_existing=is_existing,
        )

    async def _look_up(self, case_number: str) -> Event:
        if not case_numbers.is_valid(case_number):
            return CaseLookedUp(
                case_number=case_number, is_well_formed=False, status=None
            )

        def read(session: Session) -> CaseStatus | None:
            try:
                order = store.get_work_order(session, case_number=case_number)
            except store.CaseNotFound:
                return None
            return CaseStatus(
                case_number=order.case_number,
                status=order.status,
                department_name=order.department_name,
                service_name=order.service_name,
                updated_at=order.updated_at,
            )

        status = await self._in_thread(read)
        return CaseLookedUp(case_number=case_number, is_well_formed=True, status=status)

    # -- the end ---------------------------------------------------------------

    async def _end_when_heard(self) -> None:
        """Close the stream only after Twilio has played the last prompt."""
        wait_seconds = (
            max(0.0, self._playout_end_seconds - self._now_seconds)
            + _MARK_GRACE_SECONDS
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all_heard.wait(), timeout=wait_seconds)
        await self.finish(caller_hung_up=False)

    async def finish(self, *, caller_hung_up: bool) -> None:
        """Save the call and release the stream; safe to call more than once."""
        if self._is_finished:
            return
        self._is_finished = True
        if self._worker is not None and self._worker is not asyncio.current_task():
            # Let the turn under way finish first: a caller who said "yes" and
            # hung up still gets the work order, and the outcome says so.
            self._inbox.put_nowait(None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._worker, timeout=30)
        if caller_hung_up:
            self._state, _ = self._runtime.dialog.step(self._state, CallerHungUp())
        if self._call_sid:
            await self._save_turns()
            recording = self._call_dir() / "call.wav"
            await asyncio.to_thread(self._recorder.write_stereo_wav, recording)
            outcome = CallOutcome((self._state.outcome or Outcome.ABANDONED).value)
            await self._in_thread(
                lambda session: store.finish_call(
                    session,
                    call_sid=self._call_sid,
                    outcome=outcome,
                    recording_path=str(recording),
                )
            )
            logger.info("call %s ended: %s", self._call_sid, outcome.value)
        self.closed.set()

    # -- plumbing --------------------------------------------------------------

    async def _send(self, text: str) -> None:
        async with self._send_lock:
            with contextlib.suppress(Exception):
                await self._send_text(text)

    async def _save_turns(self) -> None:
        if not self._turns or not self._call_sid:
            return
        turns, self._turns = self._turns, []
        await self._in_thread(
            lambda session: store.add_turns(
                session, call_sid=self._call_sid, turns=turns
            )
        )

    def _call_dir(self) -> Path:
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        path = (
            self._runtime.settings.recordings_dir / day / (self._call_sid or "unknown")
        )
        path.mkdir(parents=True, exist_ok=True)
        return path

    async def _in_thread(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with self._runtime.sessions() as session:
                return work(session)

        return await asyncio.to_thread(run)


def _phone_number(value: str | None) -> str | None:
    """Twilio's From, or None where it is no phone number at all: a SIP address
    can be longer than any number, and cannot be texted or called back."""
    if not value or len(value) > MAX_PHONE_CHARS:
        return None
    return value


def new_work_order(draft: WorkOrderDraft, *, caller_number: str | None) -> NewWorkOrder:
    """The dialog's report as the store takes it, fitted to its columns."""
    address, description = draft.address, draft.description
    if len(address) > MAX_ADDRESS_CHARS:
        # A long description of the place: the address line shows its start,
        # the dispatcher reads all of it with the problem.
        address = address[: MAX_ADDRESS_CHARS - 1].rstrip() + "…"
        description = f"{description}\n{draft.address}"
    return NewWorkOrder(
        service_code=draft.service_code,
        address=address,
        house_number=draft.house_number,
        street=draft.street,
        cross_street=draft.cross_street,
        description=description,
        urgency=draft.urgency.value,
        caller_number=caller_number,
    )
