"""Voice activity detection: Silero speech probabilities and utterance segmentation."""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np

from voice.mulaw import Float32Array, decode_mulaw, to_float

MODEL_RATE_HZ = 16000
# Silero v5/v6 at 16 kHz scores fixed 512-sample windows and also looks at the
# 64 samples before each window, carried over from the previous one.
WINDOW_SAMPLES = 512
CONTEXT_SAMPLES = 64
WINDOW_SECONDS = WINDOW_SAMPLES / MODEL_RATE_HZ
_STATE_SHAPE = (1, 1, 128)

# Sums of chunk durations drift in the last float bits; compare with a slack far
# below any chunk length so that e.g. 6 x 0.1 s counts as 0.6 s.
_EPSILON_SECONDS = 1e-6

_session_lock = threading.Lock()
_session: Any = None


def _silero_session() -> Any:
    """Return the process-wide ONNX session for faster-whisper's Silero model."""
    global _session
    with _session_lock:
        if _session is None:
            # Imported here so that importing voice.vad stays cheap for code that
            # only needs the Segmenter.
            import onnxruntime
            from faster_whisper.utils import get_assets_path

            options = onnxruntime.SessionOptions()
            # One tiny window per 32 ms: threads cost more in wake-ups than they
            # save, and many calls run side by side.
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 4
            _session = onnxruntime.InferenceSession(
                os.path.join(get_assets_path(), "silero_vad_v6.onnx"),
                providers=["CPUExecutionProvider"],
                sess_options=options,
            )
        return _session


class SileroSpeechDetector:
    """Streaming Silero VAD: one speech probability per 32 ms of 16 kHz audio."""

    def __init__(self) -> None:
        # The session is shared (InferenceSession.run is thread-safe); the
        # recurrent state is not, so each detector keeps its own.
        self._session = _silero_session()
        self.reset()

    def reset(self) -> None:
        """Forget all audio heard so far."""
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)
        self._leftover = np.zeros(0, dtype=np.float32)

    def forget_recurrent_state(self) -> None:
        """Start the LSTM afresh, keeping the audio context and partial window."""
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)

    def feed(self, samples_16k: Float32Array) -> list[float]:
        """Return a speech probability (0..1) for each 512-sample window completed."""
        audio = np.concatenate(
            [self._leftover, np.asarray(samples_16k, dtype=np.float32)]
        )
        window_count = len(audio) // WINDOW_SAMPLES
        if window_count == 0:
            self._leftover = audio
            return []
        used_samples = window_count * WINDOW_SAMPLES
        self._leftover = audio[used_samples:]
        with_context = np.concatenate([self._context, audio[:used_samples]])
        self._context = with_context[-CONTEXT_SAMPLES:]
        windows = np.lib.stride_tricks.sliding_window_view(
            with_context, CONTEXT_SAMPLES + WINDOW_SAMPLES
        )[::WINDOW_SAMPLES]
        # The model's first axis is time, not batch: the LSTM runs through the
        # rows in order, so several windows go in one call with the same result
        # as one call per window.
        probabilities, self._h, self._c = self._session.run(
            None,
            {"input": np.ascontiguousarray(windows), "h": self._h, "c": self._c},
        )
        return [float(p) for p in np.asarray(probabilities).reshape(-1)]


class HalfBandUpsampler:
    """Streaming, exact 2x upsampler (8 kHz -> 16 kHz) with a 2 ms look-ahead.

    soxr's one-shot resample treats every 20 ms frame as a whole signal and
    rings at its edges; soxr.ResampleStream fixes that but, at the qualities
    that filter well, releases output in ~100 ms bursts (measured: nothing for
    five 20 ms frames, then 1660 samples), which would delay every VAD decision.
    Phone audio stops at 3.4 kHz, so a 32-tap windowed-sinc interpolator is
    enough: flat to 3 kHz, images below 3 kHz attenuated by more than 85 dB,
    two output samples per input sample, and a fixed delay of 16 input samples.
    The output is trimmed so that output sample i is input time i / 16000 s.
    """

    _HALF_TAPS = 16
    _KAISER_BETA = 8.0

    def __init__(self) -> None:
        offsets = np.arange(-self._HALF_TAPS + 1, self._HALF_TAPS + 1) - 0.5
        taps = np.sinc(offsets) * np.kaiser(2 * self._HALF_TAPS, self._KAISER_BETA)
        self._taps = (taps / taps.sum()).astype(np.float32)
        self.reset()

    def reset(self) -> None:
        """Start a new stream, as if preceded by silence."""
        self._history = np.zeros(self._HALF_TAPS - 1, dtype=np.float32)

    def process(self, samples_8k: Float32Array) -> Float32Array:
        """Return the 16 kHz samples that the new 8 kHz samples complete."""
        audio = np.concatenate([self._history, samples_8k.astype(np.float32)])
        pair_count = len(audio) - 2 * self._HALF_TAPS + 1
        if pair_count <= 0:
            self._history = audio
            return np.zeros(0, dtype=np.float32)
        self._history = audio[pair_count:]
        # Even outputs are the input samples themselves; odd ones are
        # interpolated halfway to the next sample (the taps are symmetric, so
        # convolution and correlation agree).
        out = np.empty(2 * pair_count, dtype=np.float32)
        out[0::2] = audio[self._HALF_TAPS - 1 : self._HALF_TAPS - 1 + pair_count]
        out[1::2] = np.convolve(audio, self._taps, mode="valid")
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class SegmenterSettings:
    """How speech probabilities become utterances; all durations in seconds."""

    speech_threshold: float = 0.5  # Silero probability at or above which is speech
    # Once speech is under way, a window stays speech down to this probability:
    # Silero's own hysteresis (its neg_threshold, threshold - 0.15). Without it
    # a lone "Yes." from a thin phone voice, at 0.42-0.60 a window, never held
    # 0.5 for start_seconds and was lost.
    release_threshold: float = 0.35
    # Silero's recurrent state drifts over seconds of line silence: on a
    # recorded call, a "Yes." after the agent's 7 s question scored 0.17-0.33,
    # and 0.5-0.8 from a fresh state. After this much quiet (every window
    # under quiet_probability), the state starts afresh.
    state_reset_quiet_seconds: float = 2.0
    quiet_probability: float = 0.1
    start_seconds: float = 0.15  # continuous speech needed to declare a start
    end_silence_seconds: float = 0.6  # silence that ends an utterance
    # Silence after which the utterance is probably over: recognition can start
    # speculatively while the rest of end_silence_seconds is waited out.
    pause_seconds: float = 0.3
    max_utterance_seconds: float = 15.0  # an utterance is cut off at this length
    pre_roll_seconds: float = 0.3  # audio kept before the speech start
    # A speech run too short to start an utterance joins the speech that
    # follows it within this gap.
    blip_gap_seconds: float = 0.5
    post_roll_seconds: float = 0.2  # audio kept after the speech end

    def __post_init__(self) -> None:
        if not 0.0 < self.speech_threshold < 1.0:
            raise ValueError("speech_threshold must be between 0 and 1")
        if not 0.0 < self.release_threshold <= self.speech_threshold:
            raise ValueError("release_threshold must lie in (0, speech_threshold]")
        if not 0.0 < self.quiet_probability <= self.release_threshold:
            raise ValueError("quiet_probability must lie in (0, release_threshold]")
        if self.state_reset_quiet_seconds <= 0.0:
            raise ValueError("state_reset_quiet_seconds must be > 0")
        if min(self.start_seconds, self.end_silence_seconds) <= 0.0:
            raise ValueError("start_seconds and end_silence_seconds must be > 0")
        if self.max_utterance_seconds <= self.start_seconds:
            raise ValueError("max_utterance_seconds must exceed start_seconds")
        if min(self.pre_roll_seconds, self.post_roll_seconds) < 0.0:
            raise ValueError("pre_roll_seconds and post_roll_seconds must be >= 0")
        # The end is only known end_silence_seconds after it happened; more
        # post-roll than that would need audio that has not arrived yet.
        if self.post_roll_seconds > self.end_silence_seconds:
            raise ValueError("post_roll_seconds cannot exceed end_silence_seconds")
        if not self.post_roll_seconds <= self.pause_seconds <= self.end_silence_seconds:
            raise ValueError(
                "pause_seconds must lie between the post-roll and the end silence"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechStarted:
    """The caller started speaking (emitted start_seconds after the onset)."""

    at_seconds: float  # onset of the speech, in stream seconds


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechEnded:
    """The caller stopped speaking, or spoke for too long."""

    start_seconds: float  # onset of the speech, in stream seconds
    end_seconds: float  # end of the last speech chunk, in stream seconds
    is_truncated: bool  # cut at max_utterance_seconds while still speaking


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechPaused:
    """The caller has been silent for pause_seconds: the utterance may be over.

    A SpeechEnded with the same start and end follows unless speech resumes.
    """

    start_seconds: float  # onset of the speech, in stream seconds
    end_seconds: float  # end of the last speech chunk, in stream seconds


SegmentEvent: TypeAlias = SpeechStarted | SpeechPaused | SpeechEnded


class Segmenter:
    """Turns a stream of speech / non-speech chunks into utterance boundaries.

    Plain arithmetic over seconds: it never sees audio, so it can be tested
    (and tuned) with made-up chunk sequences.
    """

    def __init__(self, settings: SegmenterSettings | None = None) -> None:
        self.settings = settings if settings is not None else SegmenterSettings()
        self.reset()

    def reset(self) -> None:
        """Return to silence at stream time zero."""
        self._now_seconds = 0.0
        self._is_speaking = False
        # Onset of the speech run not yet long enough to count as a start.
        self._run_start_seconds: float | None = None
        self._utterance_start_seconds = 0.0
        self._last_speech_end_seconds = 0.0
        self._is_paused = False  # a SpeechPaused was sent for this silence
        self._blip: tuple[float, float] | None = None  # (start, end) of a short run

    @property
    def is_speaking(self) -> bool:
        """True between a SpeechStarted and its SpeechEnded."""
        return self._is_speaking

    @property
    def now_seconds(self) -> float:
        """Stream time at the end of the chunks processed so far."""
        return self._now_seconds

    def process(self, is_speech: bool, chunk_seconds: float) -> SegmentEvent | None:
        """Advance by one chunk; return the boundary it completes, if any."""
        chunk_start_seconds = self._now_seconds
        self._now_seconds += chunk_seconds
        now_seconds = self._now_seconds
        settings = self.settings

        if not self._is_speaking:
            if not is_speech:
                if self._run_start_seconds is not None:
                    # Too short to start speech alone, but a short first word
                    # ("Yes, that's right") is often scored like this: keep it
                    # in case speech follows within blip_gap_seconds.
                    blip_start_seconds = self._run_start_seconds
                    if self._blip is not None and (
                        blip_start_seconds - self._blip[1]
                        <= settings.blip_gap_seconds + _EPSILON_SECONDS
                    ):
                        blip_start_seconds = self._blip[0]
                    self._blip = (blip_start_seconds, chunk_start_seconds)
                self._run_start_seconds = None
                return None
            if self._run_start_seconds is None:
                self._run_start_seconds = chunk_start_seconds
            run_seconds = now_seconds - self._run_start_seconds
            if run_seconds + _EPSILON_SECONDS < settings.start_seconds:
                return None
            self._is_speaking = True
            onset_seconds = self._run_start_seconds
            if self._blip is not None:
                blip_start_seconds, blip_end_seconds = self._blip
                if (
                    onset_seconds - blip_end_seconds
                    <= settings.blip_gap_seconds + _EPSILON_SECONDS
                ):
                    onset_seconds = blip_start_seconds
                self._blip = None
            self._utterance_start_seconds = onset_seconds
            self._last_speech_end_seconds = now_seconds
            self._run_start_seconds = None
            return SpeechStarted(at_seconds=self._utterance_start_seconds)

        if is_speech:
            self._last_speech_end_seconds = now_seconds
            self._is_paused = False
        else:
            silence_seconds = now_seconds - self._last_speech_end_seconds
            if silence_seconds + _EPSILON_SECONDS >= settings.end_silence_seconds:
                return self._end(self._last_speech_end_seconds, is_truncated=False)
            if (
                not self._is_paused
                and silence_seconds + _EPSILON_SECONDS >= settings.pause_seconds
            ):
                self._is_paused = True
                return SpeechPaused(
                    start_seconds=self._utterance_start_seconds,
                    end_seconds=self._last_speech_end_seconds,
                )
        utterance_seconds = now_seconds - self._utterance_start_seconds
        if utterance_seconds + _EPSILON_SECONDS >= settings.max_utterance_seconds:
            # Whatever follows needs start_seconds of speech to become the next
            # utterance; the pre-roll covers the words spoken meanwhile.
            return self._end(now_seconds, is_truncated=True)
        return None

    def audio_span_seconds(self, ended: SpeechEnded) -> tuple[float, float]:
        """Return (start, end) stream seconds of the audio to keep for an utterance.

        Pre-roll recovers a soft onset the VAD scored low; post-roll keeps the
        tail of the last word but not the whole end-of-utterance silence. A
        truncated utterance has no post-roll: nothing after it was heard yet.
        """
        start_seconds = max(0.0, ended.start_seconds - self.settings.pre_roll_seconds)
        end_seconds = ended.end_seconds
        if not ended.is_truncated:
            end_seconds += self.settings.post_roll_seconds
        return start_seconds, end_seconds

    def _end(self, end_seconds: float, *, is_truncated: bool) -> SpeechEnded:
        self._is_speaking = False
        self._is_paused = False
        return SpeechEnded(
            start_seconds=self._utterance_start_seconds,
            end_seconds=end_seconds,
            is_truncated=is_truncated,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class UtteranceEnded:
    """A complete utterance, ready for speech recognition."""

    # Compared by its times only: numpy arrays have no single truth value.
    audio_16k: Float32Array = field(repr=False, compare=False)  # pre-/post-roll
    start_seconds: float  # onset of the speech, in stream seconds
    end_seconds: float  # end of the speech, in stream seconds
    is_truncated: bool = False  # cut at max_utterance_seconds while still speaking


@dataclass(frozen=True, slots=True, kw_only=True)
class UtterancePaused:
    """The utterance so far, for speculative recognition; may still go on."""

    audio_16k: Float32Array = field(repr=False, compare=False)
    start_seconds: float
    end_seconds: float


VoiceEvent: TypeAlias = SpeechStarted | UtterancePaused | UtteranceEnded


class UtteranceDetector:
    """Finds utterances in one call's stream of 8 kHz mu-law frames.

    Not thread-safe: one instance per call, fed in arrival order.
    """

    def __init__(self, settings: SegmenterSettings | None = None) -> None:
        self.settings = settings if settings is not None else SegmenterSettings()
        self._upsampler = HalfBandUpsampler()
        self._detector = SileroSpeechDetector()
        self._segmenter = Segmenter(self.settings)
        self._was_speech = False  # the last window's verdict, for the hysteresis
        self._quiet_windows = 0  # windows in a row under quiet_probability
        # Enough 16 kHz audio for the longest utterance, its pre-roll and the
        # silence that ends it, plus a second of slack for frame granularity.
        ring_seconds = (
            self.settings.pre_roll_seconds
            + self.settings.blip_gap_seconds
            + self.settings.start_seconds
            + self.settings.max_utterance_seconds
            + self.settings.end_silence_seconds
            + 1.0
        )
        self._ring = np.zeros(math.ceil(ring_seconds * MODEL_RATE_HZ), np.float32)
        self._written_samples = 0

    def reset(self) -> None:
        """Start over, as for a new call."""
        self._upsampler.reset()
        self._detector.reset()
        self._segmenter.reset()
        self._was_speech = False
        self._quiet_windows = 0
        self._written_samples = 0

    @property
    def is_speaking(self) -> bool:
        """True while the caller is in an utterance (e.g. to hold back a prompt)."""
        return self._segmenter.is_speaking

    def feed_mulaw(self, frame: bytes) -> list[VoiceEvent]:
        """Take the next mu-law bytes (any length, usually 160); return new events."""
        samples_16k = self._upsampler.process(to_float(decode_mulaw(frame)))
        self._write(samples_16k)
        events: list[VoiceEvent] = []
        for probability in self._detector.feed(samples_16k):
            threshold = (
                self.settings.release_threshold
                if self._was_speech
                else self.settings.speech_threshold
            )
            self._was_speech = probability >= threshold
            self._forget_after_quiet(probability)
            event = self._segmenter.process(self._was_speech, WINDOW_SECONDS)
            if isinstance(event, SpeechStarted):
                events.append(event)
            elif isinstance(event, SpeechPaused):
                # The same span and clip the SpeechEnded will give if no more
                # speech comes, so a speculative transcript can be reused as is.
                ended = SpeechEnded(
                    start_seconds=event.start_seconds,
                    end_seconds=event.end_seconds,
                    is_truncated=False,
                )
                clip = self._utterance(ended)
                events.append(
                    UtterancePaused(
                        audio_16k=clip.audio_16k,
                        start_seconds=clip.start_seconds,
                        end_seconds=clip.end_seconds,
                    )
                )
            elif isinstance(event, SpeechEnded):
                events.append(self._utterance(event))
        return events

    def _forget_after_quiet(self, probability: float) -> None:
        if probability >= self.settings.quiet_probability:
            self._quiet_windows = 0
            return
        self._quiet_windows += 1
        if (
            self._quiet_windows * WINDOW_SECONDS
            >= self.settings.state_reset_quiet_seconds
        ):
            self._detector.forget_recurrent_state()
            self._quiet_windows = 0

    def _utterance(self, ended: SpeechEnded) -> UtteranceEnded:
        start_seconds, end_seconds = self._segmenter.audio_span_seconds(ended)
        oldest_sample = max(0, self._written_samples - len(self._ring))
        start_sample = max(oldest_sample, round(start_seconds * MODEL_RATE_HZ))
        end_sample = min(self._written_samples, round(end_seconds * MODEL_RATE_HZ))
        audio = np.take(self._ring, np.arange(start_sample, end_sample), mode="wrap")
        return UtteranceEnded(
            audio_16k=audio,
            start_seconds=ended.start_seconds,
            end_seconds=ended.end_seconds,
            is_truncated=ended.is_truncated,
        )

    def _write(self, samples: Float32Array) -> None:
        capacity = len(self._ring)
        self._written_samples += len(samples)
        # Only the newest `capacity` samples can be kept; place them by their
        # absolute index so that sample i always lives at i % capacity.
        samples = samples[-capacity:]
        position = (self._written_samples - len(samples)) % capacity
        head = min(len(samples), capacity - position)
        self._ring[position : position + head] = samples[:head]
        self._ring[: len(samples) - head] = samples[head:]
