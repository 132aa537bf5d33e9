"""Two-track call recording: caller left, agent right, aligned on stream time."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voice.recording import CallRecorder, write_mono_wav

RATE_HZ = 8000


def _tone(seconds: float, level: int) -> npt.NDArray[np.int16]:
    """A constant block, so that where it lands in the file is easy to check."""
    return np.full(round(seconds * RATE_HZ), level, dtype=np.int16)


def _read_stereo(path: Path) -> npt.NDArray[np.int16]:
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 2
        assert wav.getframerate() == RATE_HZ
        assert wav.getsampwidth() == 2
        frames = wav.readframes(wav.getnframes())
    return np.frombuffer(frames, dtype="<i2").reshape(-1, 2)


def _at(seconds: float) -> int:
    return round(seconds * RATE_HZ)


def test_stereo_file_is_8khz_16_bit_with_two_channels(tmp_path: Path) -> None:
    recorder = CallRecorder()
    recorder.add_inbound(_tone(0.5, 100), at_seconds=0.0)

    recorder.write_stereo_wav(tmp_path / "call.wav")

    with wave.open(str(tmp_path / "call.wav"), "rb") as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (
            2,
            RATE_HZ,
            2,
        )
        assert wav.getnframes() == _at(0.5)


def test_inbound_audio_is_on_the_left_at_its_time(tmp_path: Path) -> None:
    recorder = CallRecorder()
    recorder.add_inbound(_tone(0.5, 1000), at_seconds=1.0)

    recorder.write_stereo_wav(tmp_path / "call.wav")

    stereo = _read_stereo(tmp_path / "call.wav")
    assert len(stereo) == _at(1.5)
    assert np.all(stereo[: _at(1.0), 0] == 0)
    assert np.all(stereo[_at(1.0) :, 0] == 1000)
    assert np.all(stereo[:, 1] == 0)


def test_gaps_between_inbound_frames_are_silence(tmp_path: Path) -> None:
    recorder = CallRecorder()
    recorder.add_inbound(_tone(0.02, 500), at_seconds=0.0)
    # The frames for 0.02..0.10 s were lost.
    recorder.add_inbound(_tone(0.02, 700), at_seconds=0.1)

    recorder.write_stereo_wav(tmp_path / "call.wav")

    left = _read_stereo(tmp_path / "call.wav")[:, 0]
    assert len(left) == _at(0.12)
    assert np.all(left[: _at(0.02)] == 500)
    assert np.all(left[_at(0.02) : _at(0.1)] == 0)
    assert np.all(left[_at(0.1) :] == 700)


def test_overlapping_inbound_timestamp_keeps_the_timeline(tmp_path: Path) -> None:
    recorder = CallRecorder()
    recorder.add_inbound(_tone(0.02, 500), at_seconds=0.0)
    recorder.add_inbound(_tone(0.02, 700), at_seconds=0.01)

    recorder.write_stereo_wav(tmp_path / "call.wav")

    left = _read_stereo(tmp_path / "call.wav")[:, 0]
    assert len(left) == _at(0.03)
    assert np.all(left[: _at(0.02)] == 500)
    assert np.all(left[_at(0.02) :] == 700)


def test_outbound_audio_is_on_the_right_at_its_scheduled_time(
    tmp_path: Path,
) -> None:
    recorder = CallRecorder()
    recorder.add_inbound(_tone(3.0, 100), at_seconds=0.0)
    recorder.add_outbound(_tone(1.0, 2000), at_seconds=0.5)

    recorder.write_stereo_wav(tmp_path / "call.wav")

    stereo = _read_stereo(tmp_path / "call.wav")
    right = stereo[:, 1]
    assert np.all(stereo[:, 0] == 100)
    assert np.all(right[: _at(0.5)] == 0)
    assert np.all(right[_at(0.5) : _at(1.5)] == 2000)
    assert np.all(right[_at(1.5) :] == 0)


def test_queued_outbound_plays_after_the_previous_outbound(tmp_path: Path) -> None:
    recorder = CallRecorder()
    recorder.add_outbound(_tone(1.0, 2000), at_seconds=0.0)
    # Sent while the first prompt is still playing: it waits its turn.
    recorder.add_outbound(_tone(0.5, 3000), at_seconds=0.4)

    recorder.write_stereo_wav(tmp_path / "call.wav")

    right = _read_stereo(tmp_path / "call.wav")[:, 1]
    assert len(right) == _at(1.5)
    assert np.all(right[: _at(1.0)] == 2000)
    assert np.all(right[_at(1.0) :] == 3000)


def test_outbound_scheduled_after_a_pause_leaves_silence(tmp_path: Path) -> None:
    recorder = CallRecorder()
    recorder.add_outbound(_tone(0.5, 2000), at_seconds=0.0)
    recorder.add_outbound(_tone(0.5, 3000), at_seconds=2.0)

    recorder.write_stereo_wav(tmp_path / "call.wav")

    right = _read_stereo(tmp_path / "call.wav")[:, 1]
    assert np.all(right[_at(0.5) : _at(2.0)] == 0)
    assert np.all(right[_at(2.0) : _at(2.5)] == 3000)


def test_truncation_removes_outbound_audio_after_the_instant(tmp_path: Path) -> None:
    recorder = CallRecorder()
    recorder.add_inbound(_tone(3.0, 100), at_seconds=0.0)
    recorder.add_outbound(_tone(1.0, 2000), at_seconds=0.0)
    recorder.add_outbound(_tone(1.0, 3000), at_seconds=0.0)  # queued until 1.0 s

    recorder.truncate_outbound(at_seconds=0.6)

    recorder.write_stereo_wav(tmp_path / "call.wav")
    right = _read_stereo(tmp_path / "call.wav")[:, 1]
    assert np.all(right[: _at(0.6)] == 2000)
    assert np.all(right[_at(0.6) :] == 0)


def test_outbound_after_barge_in_does_not_wait_for_dropped_audio(
    tmp_path: Path,
) -> None:
    recorder = CallRecorder()
    recorder.add_outbound(_tone(2.0, 2000), at_seconds=0.0)
    recorder.truncate_outbound(at_seconds=0.5)
    recorder.add_outbound(_tone(0.5, 3000), at_seconds=1.0)

    recorder.write_stereo_wav(tmp_path / "call.wav")

    right = _read_stereo(tmp_path / "call.wav")[:, 1]
    assert len(right) == _at(1.5)
    assert np.all(right[_at(0.5) : _at(1.0)] == 0)
    assert np.all(right[_at(1.0) :] == 3000)


def test_tracks_are_padded_to_the_longer_one(tmp_path: Path) -> None:
    recorder = CallRecorder()
    recorder.add_inbound(_tone(1.0, 100), at_seconds=0.0)
    recorder.add_outbound(_tone(1.0, 2000), at_seconds=2.0)

    recorder.write_stereo_wav(tmp_path / "call.wav")

    stereo = _read_stereo(tmp_path / "call.wav")
    assert recorder.duration_seconds == 3.0
    assert len(stereo) == _at(3.0)
    assert np.all(stereo[_at(1.0) :, 0] == 0)


def test_recorder_keeps_its_own_copy_of_the_samples(tmp_path: Path) -> None:
    recorder = CallRecorder()
    buffer = _tone(0.02, 500)
    recorder.add_inbound(buffer, at_seconds=0.0)
    buffer[:] = 0  # a caller reusing its frame buffer

    recorder.write_stereo_wav(tmp_path / "call.wav")

    assert np.all(_read_stereo(tmp_path / "call.wav")[:, 0] == 500)


def test_empty_recording_writes_an_empty_stereo_file(tmp_path: Path) -> None:
    CallRecorder().write_stereo_wav(tmp_path / "call.wav")

    assert len(_read_stereo(tmp_path / "call.wav")) == 0


def test_mono_wav_holds_the_samples_at_the_given_rate(tmp_path: Path) -> None:
    samples = np.array([0, 1, -1, 32767, -32768], dtype=np.int16)

    write_mono_wav(tmp_path / "clip.wav", samples, sample_rate_hz=16000)

    with wave.open(str(tmp_path / "clip.wav"), "rb") as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (
            1,
            16000,
            2,
        )
        read = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    np.testing.assert_array_equal(read, samples)
