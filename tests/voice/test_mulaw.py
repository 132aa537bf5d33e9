"""G.711 mu-law codec, sample scaling, resampling and framing."""

from __future__ import annotations

import numpy as np
import pytest

from voice.mulaw import (
    FRAME_BYTES,
    decode_mulaw,
    encode_mulaw,
    resample,
    split_frames,
    to_float,
    to_int16,
)

MULAW_SILENCE = 0xFF
NEGATIVE_ZERO = 0x7F


def _g711_reference_encode(sample: int) -> int:
    """One sample through the classic G.711 (Sun/CCITT) 16-bit mu-law encoder."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), clip) + bias
    exponent = 7
    while exponent > 0 and not magnitude & (0x4000 >> (7 - exponent)):
        exponent -= 1
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def test_every_code_survives_decode_then_encode() -> None:
    codes = bytes(range(256))

    reencoded = encode_mulaw(decode_mulaw(codes))

    # 0x7F is "negative zero": it decodes to 0, which encodes as positive zero.
    expected = bytes(MULAW_SILENCE if c == NEGATIVE_ZERO else c for c in codes)
    assert reencoded == expected


@pytest.mark.parametrize(
    ("code", "sample"),
    [(0xFF, 0), (0x7F, 0), (0x00, -32124), (0x80, 32124), (0xFE, 8), (0x7E, -8)],
)
def test_known_codes_decode_to_g711_values(code: int, sample: int) -> None:
    assert decode_mulaw(bytes([code]))[0] == sample


def test_encoder_matches_g711_reference_for_every_16_bit_sample() -> None:
    samples = np.arange(-32768, 32768).astype(np.int16)

    codes = np.frombuffer(encode_mulaw(samples), dtype=np.uint8)

    expected = [_g711_reference_encode(int(s)) for s in samples]
    assert codes.tolist() == expected


def test_sine_wave_survives_encoding_within_three_percent() -> None:
    t_seconds = np.arange(8000) / 8000
    sine = to_int16((0.3 * np.sin(2 * np.pi * 440 * t_seconds)).astype(np.float32))

    error = decode_mulaw(encode_mulaw(sine)).astype(np.float64) - sine

    # mu-law steps grow with the magnitude (about 3% of it); near zero the
    # smallest step is 8, so the error there is up to 4.
    assert np.all(np.abs(error) <= 0.03 * np.abs(sine) + 4)
    rms_ratio = np.sqrt(np.mean(error**2) / np.mean(sine.astype(np.float64) ** 2))
    assert rms_ratio < 0.03


def test_decoded_samples_are_int16() -> None:
    assert decode_mulaw(b"\x00\xff").dtype == np.int16


def test_int16_to_float_and_back_is_lossless() -> None:
    samples = np.arange(-32768, 32768).astype(np.int16)

    floats = to_float(samples)

    assert floats.dtype == np.float32
    assert floats.min() == -1.0 and floats.max() < 1.0
    np.testing.assert_array_equal(to_int16(floats), samples)


def test_to_int16_clips_out_of_range_floats() -> None:
    floats = np.array([-2.0, -1.0, 1.0, 2.0], dtype=np.float32)

    assert to_int16(floats).tolist() == [-32768, -32768, 32767, 32767]


def test_resample_doubles_the_rate_and_keeps_the_tone() -> None:
    t_seconds = np.arange(8000) / 8000
    tone = np.sin(2 * np.pi * 1000 * t_seconds).astype(np.float32)

    resampled = resample(tone, 8000, 16000)

    assert resampled.dtype == np.float32
    assert len(resampled) == 16000
    spectrum = np.abs(np.fft.rfft(resampled))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins over one second


def test_resample_to_the_same_rate_returns_the_samples() -> None:
    samples = np.linspace(-1, 1, 100, dtype=np.float32)

    np.testing.assert_array_equal(resample(samples, 8000, 8000), samples)


def test_split_frames_pads_the_last_frame_with_mulaw_silence() -> None:
    data = bytes(range(100)) * 4  # 400 bytes: two whole frames and 80 bytes

    frames = list(split_frames(data))

    assert [len(f) for f in frames] == [FRAME_BYTES] * 3
    assert b"".join(frames)[:400] == data
    assert frames[-1][80:] == bytes([MULAW_SILENCE]) * 80


def test_split_frames_of_whole_frames_adds_nothing() -> None:
    data = bytes(2 * FRAME_BYTES)

    assert b"".join(split_frames(data)) == data
