"""Two-track call recording (caller left, agent right) written as WAV files."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from voice.mulaw import PHONE_RATE_HZ, Int16Array

_SAMPLE_WIDTH_BYTES = 2


def write_mono_wav(path: Path, samples: Int16Array, sample_rate_hz: int) -> None:
    """Write 16-bit mono samples to a WAV file."""
    _write_wav(path, np.asarray(samples, dtype=np.int16), sample_rate_hz, channels=1)


class CallRecorder:
    """Records what the caller said and what the agent played, time-aligned.

    Times are stream seconds (Twilio's media timestamps); the agent track holds
    only audio that was actually played, so a barge-in shows as a cut.
    """

    def __init__(self, sample_rate_hz: int = PHONE_RATE_HZ) -> None:
        self.sample_rate_hz = sample_rate_hz
        # Chunks are kept as they arrive and joined only when writing, so a long
        # call never copies its whole history per frame.
        self._inbound_chunks: list[Int16Array] = []
        self._inbound_end_sample = 0
        # (start sample, samples), in time order and never overlapping.
        self._outbound_segments: list[tuple[int, Int16Array]] = []
        self._outbound_end_sample = 0

    @property
    def duration_seconds(self) -> float:
        """Length of the recording so far (the longer of the two tracks)."""
        end_sample = max(self._inbound_end_sample, self._outbound_end_sample)
        return end_sample / self.sample_rate_hz

    def add_inbound(self, samples: Int16Array, at_seconds: float) -> None:
        """Add caller audio that started at at_seconds; a gap before it is silence."""
        start_sample = self._to_sample(at_seconds)
        chunk = np.array(samples, dtype=np.int16).reshape(-1)
        if start_sample > self._inbound_end_sample:
            # Lost or late packets: keep the timeline, not the packet count.
            gap_samples = start_sample - self._inbound_end_sample
            self._inbound_chunks.append(np.zeros(gap_samples, dtype=np.int16))
            self._inbound_end_sample = start_sample
        elif start_sample < self._inbound_end_sample:
            # Timestamps that overlap audio already recorded (jitter, a repeated
            # packet): the earlier audio keeps its place, the overlap is dropped.
            chunk = chunk[self._inbound_end_sample - start_sample :]
        if len(chunk):
            self._inbound_chunks.append(chunk)
            self._inbound_end_sample += len(chunk)

    def add_outbound(self, samples: Int16Array, at_seconds: float) -> None:
        """Add agent audio due to start at at_seconds, or when earlier audio ends."""
        chunk = np.array(samples, dtype=np.int16).reshape(-1)
        if not len(chunk):
            return
        # Playback is a queue: audio sent while earlier audio still plays waits.
        start_sample = max(self._to_sample(at_seconds), self._outbound_end_sample)
        self._outbound_segments.append((start_sample, chunk))
        self._outbound_end_sample = start_sample + len(chunk)

    def truncate_outbound(self, at_seconds: float) -> None:
        """Drop agent audio scheduled after at_seconds: the caller barged in."""
        cut_sample = self._to_sample(at_seconds)
        kept: list[tuple[int, Int16Array]] = []
        for start_sample, chunk in self._outbound_segments:
            if start_sample < cut_sample:
                kept.append((start_sample, chunk[: cut_sample - start_sample]))
        self._outbound_segments = kept
        # Audio sent after the barge-in queues behind what was played, not
        # behind what was dropped.
        self._outbound_end_sample = min(self._outbound_end_sample, cut_sample)

    def write_stereo_wav(self, path: Path) -> None:
        """Write both tracks as one 16-bit stereo WAV: caller left, agent right."""
        length = max(self._inbound_end_sample, self._outbound_end_sample)
        stereo = np.zeros((length, 2), dtype=np.int16)
        if self._inbound_chunks:
            inbound = np.concatenate(self._inbound_chunks)
            stereo[: len(inbound), 0] = inbound
        for start_sample, chunk in self._outbound_segments:
            stereo[start_sample : start_sample + len(chunk), 1] = chunk
        _write_wav(path, stereo, self.sample_rate_hz, channels=2)

    def _to_sample(self, at_seconds: float) -> int:
        return max(0, round(at_seconds * self.sample_rate_hz))


def _write_wav(
    path: Path, samples: Int16Array, sample_rate_hz: int, *, channels: int
) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(_SAMPLE_WIDTH_BYTES)
        wav.setframerate(sample_rate_hz)
        # WAV is little-endian whatever the machine is.
        wav.writeframes(samples.astype("<i2").tobytes())
