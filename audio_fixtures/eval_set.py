"""Render labeled corpus utterances as noisy phone audio: the audio eval set."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from audio_fixtures.generate import (
    FIXTURE_DIR,
    band_pass,
    phone_channel,
    read_wav,
    speak,
    write_wav,
)
from cities import EXAMPLE_CITY_DIR
from nlu.city import Urgency
from telephony.accuracy import CorpusRow, load_corpus
from voice.mulaw import (
    PHONE_RATE_HZ,
    Float32Array,
    Int16Array,
    decode_mulaw,
    resample,
)

EVAL_DIR = FIXTURE_DIR / "eval"
MANIFEST_NAME = "manifest.json"
CORPUS_PATH = EXAMPLE_CITY_DIR / "eval" / "utterances.jsonl"

EVAL_SIZE = 64
VOICES = ("en-us+m3", "en-us+f3", "en-us", "en-us+m1", "en+klatt4")
NOISE_KINDS = ("pink", "brown", "babble")
MIN_RATE_WPM, MAX_RATE_WPM = 130, 160
MIN_PITCH, MAX_PITCH = 35, 65
MIN_SNR_DB, MAX_SNR_DB = 10.0, 20.0
# Fixed so that the set can be rebuilt byte for byte; change it only on purpose.
_SEED = 311

# A phone segmenter hands whisper some line noise before and after the words.
_LEAD_SECONDS = 0.3
_TRAIL_SECONDS = 0.4
# Speech level is measured over 20 ms frames within 30 dB of the loudest one
# (a simplified ITU-T P.56 active level), so pauses do not lower it.
_FRAME_SAMPLES = PHONE_RATE_HZ // 50
_ACTIVE_FRAME_DB = 30.0
# Babble: this many background talkers, each saying other corpus sentences.
_BABBLE_TALKERS = 6
_BABBLE_BED_SECONDS = 45.0


class EvalSetError(Exception):
    """The eval set's manifest is missing or malformed."""


class EvalItem(BaseModel):
    """One rendered utterance: how it was spoken, the noise, and its corpus labels."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str  # file stem: audio_fixtures/eval/<id>.wav
    text: str  # what the voice says: the corpus row's text
    voice: str  # espeak-ng voice, e.g. "en-us+m3"
    rate_wpm: int
    pitch: int  # espeak-ng pitch, 0..99
    noise: str  # one of NOISE_KINDS
    snr_db: float  # active speech level over noise level, both in the phone band
    corpus_line: int  # the row's line in the corpus when the set was built
    category: str | None  # service code; None: no service fits
    address: str | None  # as AddressMatch.spoken renders it
    urgency: Urgency | None
    seconds: float = Field(ge=0.0)  # length of the WAV


_MANIFEST = TypeAdapter(list[EvalItem])


def load_manifest(eval_dir: Path = EVAL_DIR) -> list[EvalItem]:
    """The eval set's rows, in manifest order.

    Raises:
        EvalSetError: the manifest is missing or not a list of eval items.
    """
    path = eval_dir / MANIFEST_NAME
    try:
        return _MANIFEST.validate_json(path.read_bytes())
    except FileNotFoundError as exc:
        raise EvalSetError(
            f"{path}: no eval manifest (run python -m audio_fixtures.eval_set)"
        ) from exc
    except ValidationError as exc:
        raise EvalSetError(f"{path}: {exc}") from exc


def wav_path(item: EvalItem, eval_dir: Path = EVAL_DIR) -> Path:
    return eval_dir / f"{item.id}.wav"


def select_rows(rows: Sequence[CorpusRow], count: int = EVAL_SIZE) -> list[CorpusRow]:
    """Every (len/count)-th row, so each part of the corpus is represented.

    The corpus is grouped roughly by service, with the rows that name no service
    near the end, so an even stride covers every service and a few of those.
    """
    if count > len(rows):
        raise ValueError(f"cannot pick {count} rows from {len(rows)}")
    return [rows[index * len(rows) // count] for index in range(count)]


def _item_id(number: int, row: CorpusRow) -> str:
    code = "none" if row.category is None else row.category.lower()
    return f"e{number:02d}_{code}"


def plan(rows: Sequence[CorpusRow]) -> list[EvalItem]:
    """Assign a voice, speaking rate, pitch, noise and SNR to each chosen row."""
    items = []
    for number, row in enumerate(rows):
        rng = np.random.default_rng([_SEED, number])
        items.append(
            EvalItem(
                id=_item_id(number, row),
                text=row.text,
                # 5 voices and 3 noises are coprime: every pairing occurs.
                voice=VOICES[number % len(VOICES)],
                rate_wpm=int(rng.integers(MIN_RATE_WPM, MAX_RATE_WPM + 1)),
                pitch=int(rng.integers(MIN_PITCH, MAX_PITCH + 1)),
                noise=NOISE_KINDS[number % len(NOISE_KINDS)],
                snr_db=round(float(rng.uniform(MIN_SNR_DB, MAX_SNR_DB)), 1),
                corpus_line=row.line,
                category=row.category,
                address=row.address,
                urgency=row.urgency,
                seconds=0.0,
            )
        )
    return items


def _colored_noise(
    sample_count: int, exponent: float, rng: np.random.Generator
) -> Float32Array:
    """Noise whose power falls as 1/f**exponent (1: pink, 2: brown)."""
    white = rng.standard_normal(sample_count)
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(sample_count, d=1.0 / PHONE_RATE_HZ)
    shaping = np.zeros_like(freqs)
    shaping[1:] = freqs[1:] ** (-exponent / 2.0)
    noise = np.fft.irfft(spectrum * shaping, n=sample_count)
    return (noise / (np.std(noise) or 1.0)).astype(np.float32)


def _speech_8k(text: str, *, voice: str, rate_wpm: int, pitch: int) -> Float32Array:
    samples, sample_rate_hz = speak(text, voice=voice, rate_wpm=rate_wpm, pitch=pitch)
    return resample(samples, sample_rate_hz, PHONE_RATE_HZ)


def babble_bed(sentences: Sequence[str]) -> Float32Array:
    """A loop of several espeak-ng talkers at once, each at the same level.

    Each talker says the sentences from a different starting point, so no two
    say the same words together.
    """
    bed_samples = int(_BABBLE_BED_SECONDS * PHONE_RATE_HZ)
    bed = np.zeros(bed_samples, dtype=np.float64)
    for talker in range(_BABBLE_TALKERS):
        voice = VOICES[talker % len(VOICES)]
        pieces: list[Float32Array] = []
        length = 0
        index = talker * len(sentences) // _BABBLE_TALKERS
        while length < bed_samples:
            speech = _speech_8k(
                sentences[index % len(sentences)],
                voice=voice,
                rate_wpm=150 + 5 * talker,
                pitch=40 + 4 * talker,
            )
            pieces.append(speech)
            length += speech.size
            index += 1
        stream = np.concatenate(pieces)[:bed_samples].astype(np.float64)
        bed += stream / (np.std(stream) or 1.0)
    return (bed / (np.std(bed) or 1.0)).astype(np.float32)


def make_noise(
    kind: str, sample_count: int, rng: np.random.Generator, bed: Float32Array
) -> Float32Array:
    """Unit-RMS background noise of one of NOISE_KINDS."""
    if kind == "pink":
        return _colored_noise(sample_count, 1.0, rng)
    if kind == "brown":
        return _colored_noise(sample_count, 2.0, rng)
    if kind == "babble":
        start = int(rng.integers(0, bed.size))
        return np.resize(np.roll(bed, -start), sample_count)
    raise ValueError(f"unknown noise kind {kind!r}")


def active_level(samples: Float32Array) -> float:
    """RMS over the 20 ms frames within 30 dB of the loudest frame."""
    frame_count = samples.size // _FRAME_SAMPLES
    if frame_count == 0:
        return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    frames = samples[: frame_count * _FRAME_SAMPLES].astype(np.float64)
    power = np.mean(np.square(frames.reshape(frame_count, _FRAME_SAMPLES)), axis=1)
    active = power >= power.max() * 10.0 ** (-_ACTIVE_FRAME_DB / 10.0)
    return float(np.sqrt(np.mean(power[active])))


def mix_at_snr(
    speech: Float32Array, noise: Float32Array, snr_db: float
) -> Float32Array:
    """Speech plus noise scaled so that, in the phone band, speech is snr_db louder.

    Both levels are taken after the channel's band-pass: low rumble that the
    line removes anyway must not count as noise the caller is heard through.
    """
    speech_level = active_level(band_pass(speech, PHONE_RATE_HZ))
    narrow_noise = band_pass(noise, PHONE_RATE_HZ).astype(np.float64)
    noise_level = float(np.sqrt(np.mean(np.square(narrow_noise))))
    if noise_level == 0.0:
        return speech.astype(np.float32)
    gain = speech_level / (noise_level * 10.0 ** (snr_db / 20.0))
    mixed: Float32Array = (speech + gain * noise).astype(np.float32)
    return mixed


def render(item: EvalItem, bed: Float32Array) -> Int16Array:
    """The 8 kHz samples Twilio would deliver: voice plus noise, then the line."""
    speech = _speech_8k(
        item.text, voice=item.voice, rate_wpm=item.rate_wpm, pitch=item.pitch
    )
    padded = np.concatenate(
        [
            np.zeros(int(_LEAD_SECONDS * PHONE_RATE_HZ), dtype=np.float32),
            speech,
            np.zeros(int(_TRAIL_SECONDS * PHONE_RATE_HZ), dtype=np.float32),
        ]
    )
    # Seeded by the id, so one item's noise does not depend on the others.
    rng = np.random.default_rng([_SEED, zlib.crc32(item.id.encode("utf-8"))])
    noise = make_noise(item.noise, padded.size, rng, bed)
    mixed = mix_at_snr(padded, noise, item.snr_db)
    return decode_mulaw(phone_channel(mixed, PHONE_RATE_HZ))


def build(
    corpus: Path = CORPUS_PATH, eval_dir: Path = EVAL_DIR, count: int = EVAL_SIZE
) -> list[EvalItem]:
    """Write every eval WAV and the manifest; remove WAVs no longer listed."""
    rows = load_corpus(corpus)
    chosen = select_rows(rows, count)
    chosen_lines = {row.line for row in chosen}
    # The babble talkers say the sentences that are not in the set.
    bed = babble_bed([row.text for row in rows if row.line not in chosen_lines])
    eval_dir.mkdir(parents=True, exist_ok=True)
    items = []
    for planned in plan(chosen):
        samples = render(planned, bed)
        write_wav(wav_path(planned, eval_dir), samples, PHONE_RATE_HZ)
        item = planned.model_copy(
            update={"seconds": round(samples.size / PHONE_RATE_HZ, 2)}
        )
        items.append(item)
        print(
            f"{item.id}.wav  {item.voice:<9} {item.rate_wpm} wpm  pitch {item.pitch}"
            f"  {item.noise:<6} {item.snr_db:4.1f} dB  {item.seconds:4.1f} s"
        )
    listed = {f"{item.id}.wav" for item in items}
    for stale in eval_dir.glob("*.wav"):
        if stale.name not in listed:
            stale.unlink()
    manifest = [item.model_dump(mode="json") for item in items]
    (eval_dir / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
    )
    return items


def load_audio(item: EvalItem, eval_dir: Path = EVAL_DIR) -> Int16Array:
    """One item's 8 kHz samples.

    Raises:
        EvalSetError: the WAV is missing or not 8 kHz 16-bit mono.
    """
    path = wav_path(item, eval_dir)
    try:
        samples, sample_rate_hz = read_wav(path)
    except (OSError, ValueError) as exc:
        raise EvalSetError(f"{path}: {exc}") from exc
    if sample_rate_hz != PHONE_RATE_HZ:
        raise EvalSetError(f"{path}: {sample_rate_hz} Hz, expected {PHONE_RATE_HZ}")
    return samples


def main() -> None:
    """Rebuild audio_fixtures/eval/ from the example city's corpus."""
    items = build()
    total_bytes = sum(wav_path(item).stat().st_size for item in items)
    print(f"{len(items)} utterances, {total_bytes / 1e6:.1f} MB in {EVAL_DIR}")


if __name__ == "__main__":
    main()
