"""Speech segmentation as a spec, then Silero and the utterance detector on audio."""

from __future__ import annotations

import io
import shutil
import subprocess
import threading
import wave
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pytest

from voice import vad
from voice.mulaw import (
    decode_mulaw,
    encode_mulaw,
    resample,
    split_frames,
    to_float,
    to_int16,
)
from voice.vad import (
    HalfBandUpsampler,
    Segmenter,
    SegmenterSettings,
    SegmentEvent,
    SileroSpeechDetector,
    SpeechEnded,
    SpeechPaused,
    SpeechStarted,
    UtteranceDetector,
    UtteranceEnded,
    UtterancePaused,
    VoiceEvent,
)

# ---------------------------------------------------------------------------
# Segmenter: plain arithmetic over seconds, no audio.

CHUNK_SECONDS = 0.05
# pause_seconds equal to end_silence_seconds: no SpeechPaused, so these tests
# read as the plain start/end spec; the pause has tests of its own below.
SETTINGS = SegmenterSettings(
    start_seconds=0.15,
    end_silence_seconds=0.6,
    pause_seconds=0.6,
    max_utterance_seconds=15.0,
    pre_roll_seconds=0.3,
    post_roll_seconds=0.2,
)


def speech(seconds: float) -> list[bool]:
    return [True] * round(seconds / CHUNK_SECONDS)


def silence(seconds: float) -> list[bool]:
    return [False] * round(seconds / CHUNK_SECONDS)


def run(segmenter: Segmenter, *parts: list[bool]) -> list[tuple[float, SegmentEvent]]:
    """Feed the chunks; return each event with the stream time it was emitted."""
    emitted: list[tuple[float, SegmentEvent]] = []
    for is_speech in (chunk for part in parts for chunk in part):
        event = segmenter.process(is_speech, CHUNK_SECONDS)
        if event is not None:
            emitted.append((round(segmenter.now_seconds, 6), rounded(event)))
    return emitted


def rounded(event: SegmentEvent) -> SegmentEvent:
    """The event with its times rounded to the microsecond, for exact comparison."""
    match event:
        case SpeechStarted(at_seconds=at_seconds):
            return replace(event, at_seconds=round(at_seconds, 6))
        case SpeechEnded(start_seconds=start_seconds, end_seconds=end_seconds):
            return replace(
                event,
                start_seconds=round(start_seconds, 6),
                end_seconds=round(end_seconds, 6),
            )
        case SpeechPaused(start_seconds=start_seconds, end_seconds=end_seconds):
            return replace(
                event,
                start_seconds=round(start_seconds, 6),
                end_seconds=round(end_seconds, 6),
            )


def test_blip_shorter_than_start_seconds_is_ignored() -> None:
    segmenter = Segmenter(SETTINGS)

    events = run(segmenter, silence(1.0), speech(0.1), silence(1.0))

    assert events == []
    assert not segmenter.is_speaking


def test_speech_start_is_declared_after_start_seconds_and_dated_at_onset() -> None:
    segmenter = Segmenter(SETTINGS)

    events = run(segmenter, silence(1.0), speech(0.5))

    assert events == [(1.15, SpeechStarted(at_seconds=1.0))]
    assert segmenter.is_speaking


def test_speech_run_broken_by_silence_starts_counting_again() -> None:
    segmenter = Segmenter(SETTINGS)

    events = run(segmenter, speech(0.1), silence(0.05), speech(0.1), silence(0.05))
    assert events == []

    # Counting restarts (the start comes 0.15 s into the third run), but the
    # onset reaches back through the blips just before it.
    events = run(segmenter, speech(0.15))
    assert events == [(0.45, SpeechStarted(at_seconds=0.0))]


def test_utterance_ends_after_end_silence_seconds() -> None:
    segmenter = Segmenter(SETTINGS)

    events = run(segmenter, silence(0.5), speech(1.0), silence(1.0))

    assert events == [
        (0.65, SpeechStarted(at_seconds=0.5)),
        (2.1, SpeechEnded(start_seconds=0.5, end_seconds=1.5, is_truncated=False)),
    ]
    assert not segmenter.is_speaking


def test_pause_shorter_than_end_silence_stays_within_the_utterance() -> None:
    segmenter = Segmenter(SETTINGS)

    events = run(segmenter, speech(1.0), silence(0.55), speech(1.0), silence(1.0))

    assert [event for _, event in events] == [
        SpeechStarted(at_seconds=0.0),
        SpeechEnded(start_seconds=0.0, end_seconds=2.55, is_truncated=False),
    ]


def test_short_first_word_joins_the_speech_after_it() -> None:
    segmenter = Segmenter(SETTINGS)

    # "Yes," scored as speech for only 0.1 s, a 0.3 s pause, then "that's right".
    events = run(segmenter, silence(1.0), speech(0.1), silence(0.3), speech(1.0))

    assert events[0] == (1.55, SpeechStarted(at_seconds=1.0))


def test_blip_long_before_speech_does_not_join_it() -> None:
    segmenter = Segmenter(SETTINGS)

    events = run(segmenter, speech(0.1), silence(2.0), speech(1.0))

    assert events[0] == (2.25, SpeechStarted(at_seconds=2.1))


def test_pause_is_reported_once_before_the_end() -> None:
    segmenter = Segmenter(SegmenterSettings(pause_seconds=0.3, end_silence_seconds=0.6))

    events = run(segmenter, speech(1.0), silence(1.0))

    assert events == [
        (0.15, SpeechStarted(at_seconds=0.0)),
        (1.3, SpeechPaused(start_seconds=0.0, end_seconds=1.0)),
        (1.6, SpeechEnded(start_seconds=0.0, end_seconds=1.0, is_truncated=False)),
    ]


def test_speech_after_a_pause_continues_the_utterance() -> None:
    segmenter = Segmenter(SegmenterSettings(pause_seconds=0.3, end_silence_seconds=0.6))

    events = run(segmenter, speech(1.0), silence(0.4), speech(1.0), silence(1.0))

    assert [event for _, event in events] == [
        SpeechStarted(at_seconds=0.0),
        SpeechPaused(start_seconds=0.0, end_seconds=1.0),
        SpeechPaused(start_seconds=0.0, end_seconds=2.4),
        SpeechEnded(start_seconds=0.0, end_seconds=2.4, is_truncated=False),
    ]


def test_end_silence_is_configurable() -> None:
    segmenter = Segmenter(SegmenterSettings(end_silence_seconds=0.3))

    events = run(segmenter, speech(1.0), silence(1.0))

    assert events[-1] == (
        1.3,
        SpeechEnded(start_seconds=0.0, end_seconds=1.0, is_truncated=False),
    )


def test_long_speech_is_truncated_at_max_utterance_seconds() -> None:
    segmenter = Segmenter(
        SegmenterSettings(max_utterance_seconds=3.0, pause_seconds=0.6)
    )

    events = run(segmenter, speech(5.0), silence(1.0))

    assert events == [
        (0.15, SpeechStarted(at_seconds=0.0)),
        (3.0, SpeechEnded(start_seconds=0.0, end_seconds=3.0, is_truncated=True)),
        # Still talking: the rest becomes the next utterance.
        (3.15, SpeechStarted(at_seconds=3.0)),
        (5.6, SpeechEnded(start_seconds=3.0, end_seconds=5.0, is_truncated=False)),
    ]


def test_audio_span_adds_pre_roll_and_post_roll() -> None:
    segmenter = Segmenter(SETTINGS)

    span = segmenter.audio_span_seconds(
        SpeechEnded(start_seconds=2.0, end_seconds=3.0, is_truncated=False)
    )

    assert span == pytest.approx((1.7, 3.2))


def test_audio_span_of_truncated_utterance_has_no_post_roll() -> None:
    segmenter = Segmenter(SETTINGS)

    span = segmenter.audio_span_seconds(
        SpeechEnded(start_seconds=2.0, end_seconds=17.0, is_truncated=True)
    )

    assert span == pytest.approx((1.7, 17.0))


def test_pre_roll_stops_at_the_start_of_the_stream() -> None:
    segmenter = Segmenter(SETTINGS)

    span = segmenter.audio_span_seconds(
        SpeechEnded(start_seconds=0.1, end_seconds=1.0, is_truncated=False)
    )

    assert span == pytest.approx((0.0, 1.2))


def test_reset_returns_to_silence_at_time_zero() -> None:
    segmenter = Segmenter(SETTINGS)
    run(segmenter, silence(1.0), speech(1.0))

    segmenter.reset()

    assert not segmenter.is_speaking
    assert segmenter.now_seconds == 0.0
    assert run(segmenter, speech(0.15)) == [(0.15, SpeechStarted(at_seconds=0.0))]


@pytest.mark.parametrize(
    "overrides",
    [
        {"speech_threshold": 1.5},
        {"release_threshold": 0.6},
        {"quiet_probability": 0.4},
        {"state_reset_quiet_seconds": 0.0},
        {"end_silence_seconds": 0.0},
        {"max_utterance_seconds": 0.1},
        {"pre_roll_seconds": -0.1},
        {"end_silence_seconds": 0.3, "post_roll_seconds": 0.5},
    ],
)
def test_settings_reject_impossible_values(overrides: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        SegmenterSettings(**overrides)


# ---------------------------------------------------------------------------
# Audio helpers.

PHONE_RATE_HZ = 8000
FRAME_SECONDS = 0.02
SENTENCE = "I would like to report a pothole on Main Street near the library."
# How far a detected boundary may be from the true one: Silero scores 32 ms
# windows, and espeak's soft consonants sit near the threshold.
BOUNDARY_TOLERANCE_SECONDS = 0.3

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"
)

Samples = npt.NDArray[np.float32]


def espeak_8k(text: str) -> Samples:
    """Synthesize text with espeak-ng, at the phone rate."""
    wav_bytes = subprocess.run(
        ["espeak-ng", "-v", "en-us", "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        rate_hz = wav.getframerate()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    return resample(to_float(pcm), rate_hz, PHONE_RATE_HZ)


def speech_bounds_seconds(audio: Samples) -> tuple[float, float]:
    """First and last 10 ms block louder than -40 dBFS: the true speech span."""
    block = PHONE_RATE_HZ // 100
    blocks = audio[: len(audio) // block * block].reshape(-1, block)
    loud = np.flatnonzero(np.sqrt(np.mean(blocks**2, axis=1)) > 0.01)
    return loud[0] * 0.01, (loud[-1] + 1) * 0.01


def phone_stream(audio: Samples) -> bytes:
    """The audio as a caller's mu-law stream."""
    return encode_mulaw(to_int16(audio))


def feed(
    detector: UtteranceDetector, stream: bytes, *, with_pauses: bool = False
) -> list[tuple[float, VoiceEvent]]:
    """Feed 20 ms frames; return each event with the stream time it was emitted."""
    emitted: list[tuple[float, VoiceEvent]] = []
    for index, frame in enumerate(split_frames(stream)):
        for event in detector.feed_mulaw(frame):
            if with_pauses or not isinstance(event, UtterancePaused):
                emitted.append(((index + 1) * FRAME_SECONDS, event))
    return emitted


def test_pause_clip_is_the_final_clip_when_speech_does_not_resume(
    sentence_8k: Samples,
) -> None:
    stream = phone_stream(with_silence(sentence_8k))
    events = feed(UtteranceDetector(), stream, with_pauses=True)
    paused = [e for _, e in events if isinstance(e, UtterancePaused)]
    ended = [e for _, e in events if isinstance(e, UtteranceEnded)]
    assert len(paused) >= 1 and len(ended) == 1
    last_pause = paused[-1]
    assert last_pause.start_seconds == ended[0].start_seconds
    assert last_pause.end_seconds == ended[0].end_seconds
    assert np.array_equal(last_pause.audio_16k, ended[0].audio_16k)


def kinds(events: Iterable[tuple[float, VoiceEvent]]) -> list[str]:
    return [type(event).__name__ for _, event in events]


@pytest.fixture(scope="module")
def sentence_8k() -> Samples:
    return espeak_8k(SENTENCE)


def with_silence(audio: Samples, seconds: float = 1.0) -> Samples:
    pad = np.zeros(round(seconds * PHONE_RATE_HZ), dtype=np.float32)
    return np.concatenate([pad, audio, pad])


# ---------------------------------------------------------------------------
# Silero detector and the 2x upsampler.


def test_detector_scores_each_complete_512_sample_window() -> None:
    detector = SileroSpeechDetector()

    first = detector.feed(np.zeros(1000, dtype=np.float32))
    second = detector.feed(np.zeros(23, dtype=np.float32))
    third = detector.feed(np.zeros(1, dtype=np.float32))

    assert len(first) == 1  # 488 samples wait for the next call
    assert second == []
    assert len(third) == 1
    assert all(0.0 <= p <= 1.0 for p in first + third)


@needs_espeak
def test_detector_result_does_not_depend_on_chunk_sizes(sentence_8k: Samples) -> None:
    audio_16k = resample(sentence_8k, PHONE_RATE_HZ, 16000)

    whole = SileroSpeechDetector().feed(audio_16k)
    chunked_detector = SileroSpeechDetector()
    chunked = [
        p
        for start in range(0, len(audio_16k), 320)
        for p in chunked_detector.feed(audio_16k[start : start + 320])
    ]

    assert len(whole) == len(audio_16k) // 512
    np.testing.assert_allclose(chunked, whole, atol=1e-5)
    assert max(whole) > 0.9


@needs_espeak
def test_detectors_keep_separate_state(sentence_8k: Samples) -> None:
    audio_16k = resample(sentence_8k, PHONE_RATE_HZ, 16000)
    alone = SileroSpeechDetector().feed(audio_16k)

    # Two calls at once: one caller talking, the other silent, interleaved.
    talking, silent = SileroSpeechDetector(), SileroSpeechDetector()
    interleaved: list[float] = []
    for start in range(0, len(audio_16k), 512):
        interleaved += talking.feed(audio_16k[start : start + 512])
        silent.feed(np.zeros(512, dtype=np.float32))

    np.testing.assert_allclose(interleaved, alone, atol=1e-5)


def test_detector_reset_forgets_the_past() -> None:
    rng = np.random.default_rng(0)
    noise = (rng.standard_normal(5120) * 0.1).astype(np.float32)
    fresh = SileroSpeechDetector().feed(noise)
    detector = SileroSpeechDetector()
    detector.feed((rng.standard_normal(5000) * 0.5).astype(np.float32))

    detector.reset()

    np.testing.assert_allclose(detector.feed(noise), fresh, atol=1e-6)


def test_model_session_is_loaded_once_for_all_threads() -> None:
    sessions: list[object] = []
    threads = [
        threading.Thread(target=lambda: sessions.append(vad._silero_session()))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(sessions) == 4
    assert all(session is sessions[0] for session in sessions)


def test_upsampler_output_has_no_frame_edges() -> None:
    t_seconds = np.arange(PHONE_RATE_HZ) / PHONE_RATE_HZ
    tone_8k = (0.5 * np.sin(2 * np.pi * 1000 * t_seconds)).astype(np.float32)
    upsampler = HalfBandUpsampler()

    out = np.concatenate(
        [upsampler.process(tone_8k[i : i + 160]) for i in range(0, len(tone_8k), 160)]
    )

    # Output sample i is input time i / 16 kHz; the last 2 ms wait for look-ahead.
    assert len(out) == 2 * len(tone_8k) - 32
    ideal = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(len(out)) / 16000)
    settled = slice(32, None)  # the start is preceded by silence, not by the tone
    assert np.max(np.abs(out[settled] - ideal[settled])) < 1e-3


# ---------------------------------------------------------------------------
# Utterance detector on mu-law phone audio.


@needs_espeak
def test_spoken_sentence_gives_one_start_and_one_utterance(
    sentence_8k: Samples,
) -> None:
    start_seconds, end_seconds = speech_bounds_seconds(with_silence(sentence_8k))
    detector = UtteranceDetector()

    events = feed(detector, phone_stream(with_silence(sentence_8k)))

    assert kinds(events) == ["SpeechStarted", "UtteranceEnded"]
    (started_at, started), (ended_at, ended) = events
    assert isinstance(started, SpeechStarted)
    assert isinstance(ended, UtteranceEnded)
    assert started.at_seconds == pytest.approx(
        start_seconds, abs=BOUNDARY_TOLERANCE_SECONDS
    )
    assert ended.start_seconds == started.at_seconds
    assert ended.end_seconds == pytest.approx(
        end_seconds, abs=BOUNDARY_TOLERANCE_SECONDS
    )
    assert not ended.is_truncated
    # Stream-time latency: barge-in within start_seconds plus a window or two,
    # the end within end_silence_seconds plus a window or two.
    settings = detector.settings
    assert started_at - started.at_seconds <= settings.start_seconds + 0.1
    assert ended_at - ended.end_seconds <= settings.end_silence_seconds + 0.1
    assert not detector.is_speaking


@needs_espeak
def test_is_speaking_holds_between_start_and_end(sentence_8k: Samples) -> None:
    detector = UtteranceDetector()
    speaking: list[bool] = []
    kinds_seen: list[str] = []

    for frame in split_frames(phone_stream(with_silence(sentence_8k))):
        kinds_seen += [type(event).__name__ for event in detector.feed_mulaw(frame)]
        speaking.append(detector.is_speaking)

    # False, then True from the start to the end, then False: one block of True.
    changes = np.flatnonzero(np.diff(np.array(speaking, dtype=np.int8)))
    assert len(changes) == 2
    assert kinds_seen[0] == "SpeechStarted"
    assert kinds_seen[-1] == "UtteranceEnded"
    assert set(kinds_seen[1:-1]) <= {"UtterancePaused"}


@needs_espeak
def test_utterance_audio_is_the_call_audio_with_pre_and_post_roll(
    sentence_8k: Samples,
) -> None:
    stream = phone_stream(with_silence(sentence_8k))
    detector = UtteranceDetector()

    [ended] = [e for _, e in feed(detector, stream) if isinstance(e, UtteranceEnded)]

    settings = detector.settings
    first = round((ended.start_seconds - settings.pre_roll_seconds) * 16000)
    last = round((ended.end_seconds + settings.post_roll_seconds) * 16000)
    assert ended.audio_16k.dtype == np.float32
    assert len(ended.audio_16k) == last - first
    # Same samples as resampling the whole call at once: proves the clip is cut
    # at the right instant (one sample off gives errors over 0.4 on this voice).
    reference = resample(to_float(decode_mulaw(stream)), PHONE_RATE_HZ, 16000)
    assert np.max(np.abs(ended.audio_16k - reference[first:last])) < 0.02


@needs_espeak
def test_speech_in_moderate_noise_is_still_one_utterance(
    sentence_8k: Samples,
) -> None:
    audio = with_silence(sentence_8k)
    start_seconds, end_seconds = speech_bounds_seconds(audio)
    speech_rms = np.sqrt(np.mean(sentence_8k**2))
    # 10 dB signal-to-noise: a poor phone line.
    noise = np.random.default_rng(1).standard_normal(len(audio)) * speech_rms / 3.16
    detector = UtteranceDetector()

    events = feed(detector, phone_stream((audio + noise).astype(np.float32)))

    assert kinds(events) == ["SpeechStarted", "UtteranceEnded"]
    ended = events[-1][1]
    assert isinstance(ended, UtteranceEnded)
    assert ended.start_seconds == pytest.approx(
        start_seconds, abs=BOUNDARY_TOLERANCE_SECONDS
    )
    assert ended.end_seconds == pytest.approx(
        end_seconds, abs=BOUNDARY_TOLERANCE_SECONDS
    )


@needs_espeak
def test_long_speech_is_cut_at_max_utterance_seconds(sentence_8k: Samples) -> None:
    settings = SegmenterSettings(max_utterance_seconds=2.0)
    detector = UtteranceDetector(settings)

    events = feed(detector, phone_stream(with_silence(sentence_8k)))

    utterances = [e for _, e in events if isinstance(e, UtteranceEnded)]
    first = utterances[0]
    assert first.is_truncated
    assert first.end_seconds - first.start_seconds == pytest.approx(2.0, abs=0.04)
    # Pre-roll, then the speech; no post-roll after a cut.
    assert len(first.audio_16k) == pytest.approx(2.3 * 16000, abs=0.04 * 16000)
    assert not utterances[-1].is_truncated


def test_digital_silence_gives_no_events() -> None:
    detector = UtteranceDetector()

    events = feed(detector, bytes([0xFF]) * (10 * PHONE_RATE_HZ))

    assert events == []
    assert not detector.is_speaking


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_white_noise_is_not_speech(seed: int) -> None:
    # -20 dBFS white noise, 10 s: a loud hiss on the line.
    noise = np.random.default_rng(seed).standard_normal(10 * PHONE_RATE_HZ) * 0.1
    stream = phone_stream(noise.astype(np.float32))

    events = feed(UtteranceDetector(), stream)
    probabilities = SileroSpeechDetector().feed(
        HalfBandUpsampler().process(to_float(decode_mulaw(stream)))
    )

    assert events == []
    # Silero is trained to reject stationary noise: measured maxima are
    # 0.009-0.09 from -50 to -10 dBFS, far below the 0.5 threshold, so a rise
    # above 0.2 would mean the audio path (scaling, resampling) broke.
    assert max(probabilities) < 0.2


@needs_espeak
def test_reset_starts_a_new_stream(sentence_8k: Samples) -> None:
    stream = phone_stream(with_silence(sentence_8k))
    detector = UtteranceDetector()
    first = feed(detector, stream[: len(stream) // 2])
    assert kinds(first) == ["SpeechStarted"]

    detector.reset()

    assert not detector.is_speaking
    again = feed(detector, stream)
    assert kinds(again) == ["SpeechStarted", "UtteranceEnded"]
    assert again[0][1] == first[0][1]  # same onset: the clock restarted at zero


@needs_espeak
@pytest.mark.parametrize(
    ("voice", "answer"),
    [("en-us+m1", "Yes."), ("en-us+m3", "No."), ("en-us+f3", "No.")],
)
def test_lone_short_answer_after_a_long_silence_is_an_utterance(
    voice: str, answer: str
) -> None:
    # These thin voices score 0.4-0.6 a window after the caller listened for
    # seconds; without the release threshold the answer never started speech.
    from audio_fixtures import generate as fixtures

    samples, rate_hz = fixtures.speak(answer, voice=voice, rate_wpm=150, pitch=50)
    silence = bytes([0xFF]) * PHONE_RATE_HZ  # one second of mu-law zero
    stream = silence * 8 + fixtures.phone_channel(samples, rate_hz) + silence * 2

    events = feed(UtteranceDetector(), stream)

    assert kinds(events) == ["SpeechStarted", "UtteranceEnded"]


@needs_espeak
@pytest.mark.parametrize("voice", ["en-us+m3", "en-us+f3"])
def test_answer_after_fifteen_seconds_of_silence_is_an_utterance(voice: str) -> None:
    # Silero's state drifts over line silence; kept for 15 s, these "No."s are
    # lost even with the release threshold.
    from audio_fixtures import generate as fixtures

    samples, rate_hz = fixtures.speak("No.", voice=voice, rate_wpm=130, pitch=50)
    silence = bytes([0xFF]) * PHONE_RATE_HZ
    stream = silence * 15 + fixtures.phone_channel(samples, rate_hz) + silence * 2

    kept = UtteranceDetector(SegmenterSettings(state_reset_quiet_seconds=1e9))
    assert kinds(feed(kept, stream)) == []
    events = feed(UtteranceDetector(), stream)

    assert kinds(events) == ["SpeechStarted", "UtteranceEnded"]
