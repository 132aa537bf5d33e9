"""Render caller utterance fixtures with espeak-ng through a simulated phone line."""

from __future__ import annotations

import json
import wave
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from voice.mulaw import (
    PHONE_RATE_HZ,
    Float32Array,
    Int16Array,
    decode_mulaw,
    encode_mulaw,
    resample,
    to_int16,
)
from voice.tts import EspeakSynthesizer

FIXTURE_DIR = Path(__file__).resolve().parent
MANIFEST_PATH = FIXTURE_DIR / "manifest.json"

# A narrowband phone channel passes roughly 300-3400 Hz (ITU-T G.712).
_LOW_CUTOFF_HZ = 300.0
_HIGH_CUTOFF_HZ = 3400.0
_FILTER_ORDER = 4
# Callers arrive well below full scale; -6 dBFS leaves mu-law headroom.
_PEAK_LEVEL = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class Utterance:
    """One caller utterance: what is said and the espeak-ng voice that says it."""

    id: str  # file stem: audio_fixtures/<id>.wav
    text: str
    voice: str  # espeak-ng voice, e.g. "en-us+m3"
    rate_wpm: int
    pitch: int  # espeak-ng pitch, 0..99 (50 is the voice's default)


# Voices were picked per utterance with audio_fixtures.measure. Some were
# hopeless for both models and were replaced: "No, thank you." lost its "No" in
# every voice but en-us+f3, "It's urgent" vanished except in en-us+m3, and
# en-us+m3 at 140 wpm turned "smell gas" into "mail gaff".
UTTERANCES: tuple[Utterance, ...] = (
    Utterance(
        id="report_pothole",
        text="There's a big pothole in front of 1420 Elm Street.",
        voice="en-us+m3",
        rate_wpm=140,
        pitch=50,
    ),
    Utterance(
        id="yes", text="Yes, that's right.", voice="en-us+f3", rate_wpm=145, pitch=55
    ),
    Utterance(
        id="no_thanks", text="No, thank you.", voice="en-us+f3", rate_wpm=140, pitch=55
    ),
    Utterance(id="no", text="No.", voice="en-us+m1", rate_wpm=140, pitch=45),
    Utterance(
        id="report_streetlight",
        text="I need to report a streetlight that is out.",
        voice="en-us+f3",
        rate_wpm=145,
        pitch=55,
    ),
    Utterance(
        id="address_maple",
        # Not the bare "412 ...": on 24 cuts of that clip base read "112" or
        # "400-well" 9 times, and two calls at once failed on it; with "It's at"
        # before the number, 24 of 24 cuts read 412.
        text="It's at 412 Maple Avenue.",
        voice="en-us+m3",
        rate_wpm=140,
        pitch=50,
    ),
    Utterance(
        id="change_urgency", text="The urgency.", voice="en-us", rate_wpm=140, pitch=50
    ),
    Utterance(
        id="urgent",
        text="It's urgent, it's really dangerous.",
        voice="en-us+m3",
        rate_wpm=150,
        pitch=50,
    ),
    Utterance(
        id="check_case",
        text="I want to check on my case.",
        voice="en-us+f3",
        rate_wpm=140,
        pitch=55,
    ),
    Utterance(
        id="gas_leak",
        text="I smell gas in my kitchen.",
        voice="en-us",
        rate_wpm=140,
        pitch=50,
    ),
    Utterance(
        id="operator",
        text="Can I talk to a real person?",
        voice="en-us",
        rate_wpm=145,
        pitch=50,
    ),
    Utterance(
        id="graffiti_chestnut",
        text="There's graffiti on the wall at 27 Chestnut Street.",
        voice="en-us+m1",
        rate_wpm=135,
        pitch=45,
    ),
    Utterance(
        id="intersection",
        text="The corner of Main Street and Oak Avenue.",
        voice="en-us+f3",
        rate_wpm=140,
        pitch=55,
    ),
    Utterance(
        id="dumping",
        text="Someone dumped a mattress at 88 Washington Street.",
        voice="en-us+m3",
        rate_wpm=130,
        pitch=50,
    ),
)


def speak(
    text: str, *, voice: str, rate_wpm: int, pitch: int
) -> tuple[Float32Array, int]:
    """Synthesize text with the espeak-ng program; returns samples and their rate.

    Same audio as `espeak-ng -v VOICE -s RATE -p PITCH --stdout TEXT`.
    """
    synthesizer = EspeakSynthesizer(voice, rate_wpm=rate_wpm, pitch=pitch)
    return synthesizer.synthesize(text), synthesizer.sample_rate_hz


def band_pass(samples: Float32Array, sample_rate_hz: int) -> Float32Array:
    """Shape audio to the telephone band with Butterworth-magnitude responses.

    Applied in the frequency domain (zero phase, no scipy) so the output is the
    same on every run.
    """
    spectrum = np.fft.rfft(samples.astype(np.float64))
    freqs_hz = np.fft.rfftfreq(len(samples), d=1.0 / sample_rate_hz)
    with np.errstate(divide="ignore"):
        high_pass = 1.0 / np.sqrt(
            1.0 + (_LOW_CUTOFF_HZ / freqs_hz) ** (2 * _FILTER_ORDER)
        )
    high_pass[0] = 0.0
    low_pass = 1.0 / np.sqrt(1.0 + (freqs_hz / _HIGH_CUTOFF_HZ) ** (2 * _FILTER_ORDER))
    filtered = np.fft.irfft(spectrum * high_pass * low_pass, n=len(samples))
    return filtered.astype(np.float32)


def phone_channel(samples: Float32Array, sample_rate_hz: int) -> bytes:
    """Pass audio through an 8 kHz mu-law phone line; returns mu-law bytes."""
    narrow = band_pass(resample(samples, sample_rate_hz, PHONE_RATE_HZ), PHONE_RATE_HZ)
    peak = float(np.max(np.abs(narrow))) if narrow.size else 0.0
    if peak > 0.0:
        narrow = (narrow * (_PEAK_LEVEL / peak)).astype(np.float32)
    return encode_mulaw(to_int16(narrow))


def write_wav(path: Path, samples: Int16Array, sample_rate_hz: int) -> None:
    """Write 16-bit mono PCM WAV."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate_hz)
        wav.writeframes(samples.astype("<i2").tobytes())


def read_wav(path: Path) -> tuple[Int16Array, int]:
    """Read a 16-bit mono PCM WAV written by `write_wav`."""
    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise ValueError(f"{path} is not 16-bit mono PCM")
        frames = wav.readframes(wav.getnframes())
        return np.frombuffer(frames, dtype="<i2").astype(np.int16), wav.getframerate()


def render(utterance: Utterance) -> Int16Array:
    """Return the 8 kHz samples Twilio would deliver for one utterance."""
    samples, sample_rate_hz = speak(
        utterance.text,
        voice=utterance.voice,
        rate_wpm=utterance.rate_wpm,
        pitch=utterance.pitch,
    )
    return decode_mulaw(phone_channel(samples, sample_rate_hz))


def main() -> None:
    """Write every fixture WAV and the manifest next to this file."""
    for utterance in UTTERANCES:
        write_wav(FIXTURE_DIR / f"{utterance.id}.wav", render(utterance), PHONE_RATE_HZ)
        print(f"{utterance.id}.wav  {utterance.voice} {utterance.rate_wpm} wpm")
    manifest = [asdict(utterance) for utterance in UTTERANCES]
    MANIFEST_PATH.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
