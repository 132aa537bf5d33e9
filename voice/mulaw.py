"""G.711 mu-law <-> 16-bit PCM, resampling and framing for 8 kHz phone audio."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import soxr

PHONE_RATE_HZ = 8000
FRAME_SECONDS = 0.02
# Twilio sends and expects 20 ms frames: 160 mu-law bytes at 8 kHz.
FRAME_BYTES = int(PHONE_RATE_HZ * FRAME_SECONDS)

_BIAS = 0x84
_CLIP = 32635

Int16Array = npt.NDArray[np.int16]
Float32Array = npt.NDArray[np.float32]


def _build_decode_table() -> Int16Array:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


_DECODE_TABLE = _build_decode_table()


def decode_mulaw(data: bytes) -> Int16Array:
    """Expand mu-law bytes into 16-bit linear samples."""
    return _DECODE_TABLE[np.frombuffer(data, dtype=np.uint8)]


def encode_mulaw(samples: Int16Array) -> bytes:
    """Compress 16-bit linear samples into mu-law bytes (ITU-T G.711)."""
    pcm = samples.astype(np.int32)
    sign = np.where(pcm < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(pcm), _CLIP) + _BIAS
    # exponent = position of the highest set bit above bit 7, 0..7
    exponent = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 7, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    code = ~(sign | (exponent << 4) | mantissa) & 0xFF
    return bytes(code.astype(np.uint8).tobytes())


def to_float(samples: Int16Array) -> Float32Array:
    """Scale 16-bit samples to floats in [-1, 1)."""
    return (samples.astype(np.float32) / 32768.0).astype(np.float32)


def to_int16(samples: Float32Array) -> Int16Array:
    """Scale floats in [-1, 1] to 16-bit samples, clipping out-of-range values."""
    # Same factor as to_float, so int16 -> float -> int16 is lossless.
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype(np.int16)


def resample(samples: Float32Array, from_hz: int, to_hz: int) -> Float32Array:
    """Resample float audio with soxr (high quality, no audioop)."""
    if from_hz == to_hz:
        return samples.astype(np.float32, copy=False)
    return np.asarray(soxr.resample(samples, from_hz, to_hz), dtype=np.float32)


def split_frames(data: bytes, frame_bytes: int = FRAME_BYTES) -> Iterator[bytes]:
    """Cut mu-law audio into fixed frames; the last one is padded with silence."""
    silence = encode_mulaw(np.zeros(1, dtype=np.int16))
    for start in range(0, len(data), frame_bytes):
        frame = data[start : start + frame_bytes]
        if len(frame) < frame_bytes:
            frame += silence * (frame_bytes - len(frame))
        yield frame
