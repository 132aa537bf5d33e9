"""Caller scripts for the demo, the benchmark and the end-to-end tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from audio_fixtures import generate as fixtures
from telephony.local_call import HangUp, Pause, Press, Speak, Step, load_wav_as_mulaw
from voice.mulaw import encode_mulaw

FIXTURE_DIR = Path(fixtures.__file__).resolve().parent
# The caller's voice for typed lines.
_CALLER_VOICE = fixtures.Utterance(
    id="typed", text="", voice="en-us+m3", rate_wpm=140, pitch=50
)

DEMO_SCRIPT = ("wav:report_pothole", "wav:yes", "wav:no_thanks")
BENCH_SCRIPT = DEMO_SCRIPT


def parse_script_line(line: str) -> Step | None:
    """Read a script line: text, `dtmf:1234#`, `wav:NAME`, `wait:3` or `hangup`."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    if line.startswith("dtmf:"):
        return Press(digits=line.removeprefix("dtmf:").strip())
    if line.startswith("wait:"):
        return Pause(seconds=float(line.removeprefix("wait:")))
    if line.startswith("noise:"):
        return Pause(
            seconds=float(line.removeprefix("noise:")),
            audio=white_noise(float(line.removeprefix("noise:"))),
        )
    if line == "hangup":
        return HangUp()
    if line.startswith("wav:"):
        name = line.removeprefix("wav:").strip()
        path = Path(name) if name.endswith(".wav") else FIXTURE_DIR / f"{name}.wav"
        return Speak(audio=load_wav_as_mulaw(path), label=_fixture_text(path))
    if line.startswith("bargein:"):
        spoken = parse_script_line(line.removeprefix("bargein:"))
        if not isinstance(spoken, Speak):
            raise ValueError(f"bargein: needs speech, not {line!r}")
        return Speak(audio=spoken.audio, label=spoken.label, barge_in=True)
    samples, rate_hz = fixtures.speak(
        line,
        voice=_CALLER_VOICE.voice,
        rate_wpm=_CALLER_VOICE.rate_wpm,
        pitch=_CALLER_VOICE.pitch,
    )
    return Speak(audio=fixtures.phone_channel(samples, rate_hz), label=line)


def steps_for(lines: Sequence[str]) -> list[Step]:
    steps = [parse_script_line(line) for line in lines]
    return [step for step in steps if step is not None]


def white_noise(seconds: float, level: float = 0.1, seed: int = 7) -> bytes:
    """Street-noise stand-in: seeded white noise as 8 kHz mu-law."""
    rng = np.random.default_rng(seed)
    samples = rng.normal(0.0, level, round(seconds * 8000)).clip(-1, 1)
    return encode_mulaw((samples * 32767).astype(np.int16))


def _fixture_text(path: Path) -> str:
    for utterance in fixtures.UTTERANCES:
        if utterance.id == path.stem:
            return utterance.text
    return path.name
