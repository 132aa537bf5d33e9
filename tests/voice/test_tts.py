"""Piper and espeak-ng voices rendered as 8 kHz mu-law for the phone."""

from __future__ import annotations

import numpy as np
import pytest

from voice.mulaw import PHONE_RATE_HZ, Float32Array, decode_mulaw, to_float
from voice.tts import (
    EspeakSynthesizer,
    PhoneRenderer,
    PiperSynthesizer,
    SpeechSynthesizer,
    TextToSpeechError,
    duration_seconds,
    make_synthesizer,
    split_digit_runs,
)

CASE_NUMBER_SENTENCE = "Your case number is 4 1 7 2 9 3 5."
# Below this a mu-law sample is silence for our purposes (-50 dBFS).
QUIET_LEVEL = 10 ** (-50 / 20)


class CountingSynthesizer:
    """A real synthesizer that also records the texts it was asked to speak."""

    def __init__(self, inner: SpeechSynthesizer) -> None:
        self.inner = inner
        self.sample_rate_hz = inner.sample_rate_hz
        self.texts: list[str] = []

    def synthesize(self, text: str) -> Float32Array:
        self.texts.append(text)
        return self.inner.synthesize(text)


@pytest.fixture(scope="module")
def piper() -> PiperSynthesizer:
    return PiperSynthesizer()


def _samples(data: bytes) -> Float32Array:
    return to_float(decode_mulaw(data))


def _silent_gaps_seconds(data: bytes, *, min_seconds: float) -> list[float]:
    """Lengths of the quiet stretches inside the speech, trailing silence excluded."""
    is_quiet = np.abs(_samples(data)) < QUIET_LEVEL
    gaps: list[float] = []
    run = 0
    for quiet in is_quiet:
        if quiet:
            run += 1
            continue
        if run / PHONE_RATE_HZ >= min_seconds:
            gaps.append(run / PHONE_RATE_HZ)
        run = 0
    return gaps


def test_piper_renders_mulaw_of_plausible_duration(piper: PiperSynthesizer) -> None:
    data = PhoneRenderer(piper).render("Thank you for calling the city.")

    samples = _samples(data)
    assert 0.8 < duration_seconds(data) < 4.0
    # Peak-normalized to about -3 dBFS, through mu-law quantization.
    assert 0.6 < float(np.max(np.abs(samples))) < 0.75
    # Ends in ~100 ms of silence and starts with a fade, not a click.
    assert np.all(np.abs(samples[-800:]) < QUIET_LEVEL)
    assert abs(float(samples[0])) < QUIET_LEVEL


def test_digit_run_is_spoken_one_digit_at_a_time_with_pauses(
    piper: PiperSynthesizer,
) -> None:
    renderer = PhoneRenderer(piper)

    spaced = renderer.render(CASE_NUMBER_SENTENCE)
    one_run = piper.synthesize(CASE_NUMBER_SENTENCE)

    one_run_seconds = one_run.size / piper.sample_rate_hz
    # Six 0.3 s pauses between seven digits, minus the natural gaps they replace.
    assert duration_seconds(spaced) > one_run_seconds + 1.0
    gaps = _silent_gaps_seconds(spaced, min_seconds=0.25)
    # One pause before the digits and one between each pair of them.
    assert len(gaps) >= 7
    assert all(gap < 0.6 for gap in gaps)


def test_each_digit_is_synthesized_once(piper: PiperSynthesizer) -> None:
    counting = CountingSynthesizer(piper)
    renderer = PhoneRenderer(counting)

    renderer.render("Your case number is 4 1 7 4 1 7.")
    renderer.render("Call 3 1 1.")

    assert counting.texts == ["Your case number is", "4", "1", "7", "Call", "3"]


def test_render_cached_returns_identical_bytes_without_resynthesizing(
    piper: PiperSynthesizer,
) -> None:
    counting = CountingSynthesizer(piper)
    renderer = PhoneRenderer(counting)

    first = renderer.render_cached("How can I help you today?")
    second = renderer.render_cached("How can I help you today?")

    assert first == second
    assert counting.texts == ["How can I help you today?"]


def test_espeak_engine_renders() -> None:
    renderer = PhoneRenderer(make_synthesizer("espeak"))

    data = renderer.render("Thank you for calling the city.")

    assert 0.8 < duration_seconds(data) < 4.0
    assert float(np.max(np.abs(_samples(data)))) > 0.6


def test_espeak_gives_the_same_audio_for_the_same_text_every_time() -> None:
    synthesizer = EspeakSynthesizer("en-us", rate_wpm=150)

    first = synthesizer.synthesize("Your report has been filed.")
    synthesizer.synthesize("Something else in between.")
    again = synthesizer.synthesize("Your report has been filed.")

    assert synthesizer.sample_rate_hz == 22050
    assert np.array_equal(first, again)


def test_espeak_text_starting_with_a_dash_is_spoken_not_parsed() -> None:
    audio = EspeakSynthesizer().synthesize("-v is not an option here")

    assert audio.size > 22050 // 2


def test_unknown_espeak_voice_raises() -> None:
    # Not "no-such-voice": espeak-ng reads that as Norwegian plus a variant.
    with pytest.raises(TextToSpeechError, match="nosuchvoice"):
        EspeakSynthesizer("nosuchvoice")


def test_unknown_engine_raises() -> None:
    with pytest.raises(TextToSpeechError, match="unknown speech engine"):
        make_synthesizer("festival")


def test_text_without_words_renders_only_trailing_silence(
    piper: PiperSynthesizer,
) -> None:
    data = PhoneRenderer(piper).render(" . ")

    assert duration_seconds(data) == pytest.approx(0.1)
    assert np.all(_samples(data) == 0.0)


@pytest.mark.parametrize(
    ("data", "seconds"),
    [(b"", 0.0), (b"\xff" * 8000, 1.0), (b"\xff" * 160, 0.02)],
)
def test_duration_counts_8000_bytes_a_second(data: bytes, seconds: float) -> None:
    assert duration_seconds(data) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        (
            CASE_NUMBER_SENTENCE,
            [("Your case number is ", False), ("4 1 7 2 9 3 5", True), (".", False)],
        ),
        (
            "Call 3 1 1, please.",
            [("Call ", False), ("3 1 1", True), (", please.", False)],
        ),
        ("Press 1 or 2.", [("Press 1 or 2.", False)]),
        ("It is 1420 Elm Street.", [("It is 1420 Elm Street.", False)]),
        ("Version 4.5 is out.", [("Version 4.5 is out.", False)]),
        ("7 7", [("7 7", True)]),
        ("", []),
    ],
)
def test_only_runs_of_lone_digits_are_split_out(
    text: str, pieces: list[tuple[str, bool]]
) -> None:
    assert split_digit_runs(text) == pieces


def test_pyttsx3_engine_renders_speech_for_the_phone() -> None:
    synthesizer = make_synthesizer("pyttsx3")
    samples = synthesizer.synthesize("Please enter your case number.")
    seconds = len(samples) / synthesizer.sample_rate_hz
    assert seconds > 1.0
    assert seconds < 5.0
    assert float(np.max(np.abs(samples))) > 0.1
    phone = PhoneRenderer(synthesizer).render("Thank you for calling.")
    assert 0.8 < duration_seconds(phone) < 5.0
