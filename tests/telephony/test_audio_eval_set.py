"""The audio eval set is well formed; `cityline audio-accuracy` reports on it."""

from __future__ import annotations

import re
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from audio_fixtures.eval_set import (
    CORPUS_PATH,
    EVAL_DIR,
    MANIFEST_NAME,
    MAX_SNR_DB,
    MIN_SNR_DB,
    EvalItem,
    active_level,
    load_manifest,
    mix_at_snr,
    wav_path,
)
from audio_fixtures.generate import band_pass
from cities import EXAMPLE_CITY_DIR
from nlu.city import Street, load_city
from telephony.accuracy import load_corpus
from telephony.audio_accuracy import (
    address_tokens,
    address_word_errors,
    address_word_positions,
    run_audio_accuracy,
    spell_ordinals_as_digits,
)
from telephony.cli import main
from voice.mulaw import PHONE_RATE_HZ

MIN_ITEMS = 64
MIN_VOICES = 4
MIN_SERVICES = 20
MIN_WITH_ADDRESS = 30
MIN_WITHOUT_CATEGORY = 3


@pytest.fixture(scope="module")
def items() -> list[EvalItem]:
    return load_manifest()


@pytest.fixture(scope="module")
def streets() -> dict[str, Street]:
    city = load_city(EXAMPLE_CITY_DIR)
    return {street.full_name.lower(): street for street in city.streets}


# -- the committed eval set ---------------------------------------------------


def test_manifest_lists_enough_utterances(items: list[EvalItem]) -> None:
    assert len(items) >= MIN_ITEMS
    assert len({item.id for item in items}) == len(items)


def test_utterances_are_spoken_in_several_voices(items: list[EvalItem]) -> None:
    assert len({item.voice for item in items}) >= MIN_VOICES


def test_every_snr_is_within_the_phone_noise_range(items: list[EvalItem]) -> None:
    assert all(MIN_SNR_DB <= item.snr_db <= MAX_SNR_DB for item in items)


def test_set_covers_services_addresses_and_rows_without_a_service(
    items: list[EvalItem],
) -> None:
    categories = {item.category for item in items if item.category is not None}
    assert len(categories) >= MIN_SERVICES
    assert sum(item.address is not None for item in items) >= MIN_WITH_ADDRESS
    assert sum(item.category is None for item in items) >= MIN_WITHOUT_CATEGORY


def test_every_wav_exists_as_8khz_16bit_mono(items: list[EvalItem]) -> None:
    for item in items:
        with wave.open(str(wav_path(item)), "rb") as wav:
            assert wav.getframerate() == PHONE_RATE_HZ, item.id
            assert wav.getnchannels() == 1, item.id
            assert wav.getsampwidth() == 2, item.id
            assert wav.getnframes() / PHONE_RATE_HZ == pytest.approx(
                item.seconds, abs=0.01
            )


def test_no_wav_is_left_over_from_an_earlier_set(items: list[EvalItem]) -> None:
    listed = {f"{item.id}.wav" for item in items}
    assert {path.name for path in EVAL_DIR.glob("*.wav")} == listed


def test_labels_agree_with_the_corpus_rows(items: list[EvalItem]) -> None:
    # Matched by text, so rows added or moved in the corpus do not matter;
    # a relabelled row means the set must be rebuilt.
    by_text = {row.text: row for row in load_corpus(CORPUS_PATH)}
    for item in items:
        row = by_text.get(item.text)
        assert row is not None, f"{item.id}: text no longer in the corpus"
        assert (item.category, item.address, item.urgency) == (
            row.category,
            row.address,
            row.urgency,
        ), item.id


def test_noise_is_mixed_at_the_requested_snr_in_the_phone_band() -> None:
    rng = np.random.default_rng(7)
    seconds = np.arange(2 * PHONE_RATE_HZ) / PHONE_RATE_HZ
    tone = (0.3 * np.sin(2 * np.pi * 1000 * seconds)).astype(np.float32)
    # Half a second of silence must not lower the speech level.
    speech = np.concatenate([np.zeros(PHONE_RATE_HZ // 2, np.float32), tone])
    noise = rng.standard_normal(speech.size).astype(np.float32)
    mixed = mix_at_snr(speech, noise, 12.0)
    added = band_pass(mixed - speech, PHONE_RATE_HZ).astype(np.float64)
    speech_level = active_level(band_pass(speech, PHONE_RATE_HZ))
    noise_level = float(np.sqrt(np.mean(np.square(added))))
    assert 20 * np.log10(speech_level / noise_level) == pytest.approx(12.0, abs=0.1)


# -- the address-word definition ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("on fifth avenue", "on 5th avenue"),
        ("Twenty-First Street", "21st Street"),
        ("thirty second place", "32nd place"),
        ("the eleventh", "the 11th"),
        ("first of all", "1st of all"),
        ("twenty bags", "twenty bags"),
    ],
)
def test_spoken_ordinals_are_written_as_digits(text: str, written: str) -> None:
    assert spell_ordinals_as_digits(text) == written


@pytest.mark.parametrize(
    ("text", "address", "words"),
    [
        (
            "there's a pothole at 1420 Elm Street, I blew one tire",
            "1420 Elm Street",
            "one four two zero elm street",
        ),
        ("graffiti at elm and cedar", "Elm Street and Cedar Street", "elm cedar"),
        (
            "the side of the school on School Street",
            "School Street",
            "school street",
        ),
        ("some car is on my street, Monroe Street", "Monroe Street", "monroe street"),
        ("the road on fifth avenue near the school", "5th Avenue", "five th avenue"),
        (
            "a bin, there isn't one, 412 Maple Avenue",
            "412 Maple Avenue",
            "four one two maple avenue",
        ),
    ],
)
def test_address_words_are_the_reference_words_that_say_the_address(
    text: str, address: str, words: str, streets: dict[str, Street]
) -> None:
    tokens = address_tokens(text)
    positions = address_word_positions(text, address, streets)
    tagged = " ".join(
        t for t, p in zip(tokens, positions, strict=True) if p is not None
    )
    assert tagged == words


@pytest.mark.parametrize(
    ("heard", "errors"),
    [
        ("A pothole at 1,420 Elm Street.", 0),
        ("A pot hole at fourteen twenty Elm Street.", 0),
        ("A pothole at 1,420 L3.", 2),  # "l three" for "elm street"
        ("A pothole at 1,420 L3 Street.", 2),  # "l three" for "elm": one inserted
        ("A pothole at 1429 Elm Street.", 1),
        ("A big pothole at 1420 Elm Street.", 0),  # not an address word
        ("", 6),
    ],
)
def test_address_word_errors_count_only_the_address(
    heard: str, errors: int, streets: dict[str, Street]
) -> None:
    said = "A pothole at 1420 Elm Street."
    positions = address_word_positions(said, "1420 Elm Street", streets)
    assert address_word_errors(said, heard, positions) == errors


# -- the benchmark ----------------------------------------------------------------


def _two_item_set(items: list[EvalItem], target: Path) -> Path:
    """A copy of the eval set holding one report with an address and one without."""
    chosen = [
        next(item for item in items if item.address and item.category),
        next(item for item in items if item.category is None),
    ]
    for item in chosen:
        shutil.copy(wav_path(item), target / f"{item.id}.wav")
    manifest = "[" + ",".join(item.model_dump_json() for item in chosen) + "]"
    (target / MANIFEST_NAME).write_text(manifest, encoding="utf-8")
    return target


# A percentage with its count, or no rows at all.
_SHARE = r"(?:\d+\.\d% \(\d+/\d+\)|n/a \(no rows\))"
_FIGURE_LINES = {
    "word error rate": re.compile(
        r"word error rate: \d+\.\d{3} \(\d+ errors / \d+ words\); "
        r"mean per utterance \d+\.\d{3}"
    ),
    "address-word error rate": re.compile(
        r"address-word error rate: \d+\.\d{3} \(\d+ errors / \d+ words\) "
        r"\(house-number digits and street words of the labeled address\)"
    ),
    "address accuracy": re.compile(
        r"address accuracy: \d+\.\d% \([01]/1\); "
        r"from the reference text: \d+\.\d% \([01]/1\)"
    ),
    "category accuracy": re.compile(
        r"category accuracy on rows with a category: \d+\.\d% \([01]/1\); "
        r"from the reference text: \d+\.\d% \([01]/1\)"
    ),
    "category false positives": re.compile(
        r"category false positives on rows without one: \d+\.\d% \([01]/1\); "
        r"from the reference text: \d+\.\d% \([01]/1\)"
    ),
    "recognition time": re.compile(
        r"recognition time: mean \d+\.\d\d s, p95 \d+\.\d\d s, max \d+\.\d\d s "
        r"\(audio mean \d+\.\d s\)"
    ),
    "urgency accuracy": re.compile(
        rf"urgency accuracy: {_SHARE}; from the reference text: {_SHARE}"
    ),
    "worst": re.compile(r"worst 2 by word error rate:"),
}


@pytest.mark.parametrize("use_bias", [True, False])
def test_audio_accuracy_prints_every_figure(
    items: list[EvalItem],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    use_bias: bool,
) -> None:
    eval_dir = _two_item_set(items, tmp_path)
    status = run_audio_accuracy(
        model="tiny.en",
        cache_dir=tmp_path / "models",
        use_bias=use_bias,
        eval_dir=eval_dir,
    )
    out = capsys.readouterr().out
    assert status == 0
    assert f"2 utterances from {eval_dir}, model tiny.en, beam 5" in out
    assert ("bias: none" in out) != use_bias
    lines = out.splitlines()
    for name, pattern in _FIGURE_LINES.items():
        assert any(pattern.fullmatch(line) for line in lines), f"{name}:\n{out}"
    assert sum(line.startswith("    said:  ") for line in lines) == 2
    assert sum(line.startswith("    heard: ") for line in lines) == 2


def test_audio_accuracy_explains_an_unknown_model(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["audio-accuracy", "--model", "no-such-model", "--no-bias"]) == 1
    assert "no-such-model" in capsys.readouterr().err


def test_audio_accuracy_explains_a_missing_eval_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run_audio_accuracy(model="tiny.en", cache_dir=tmp_path, eval_dir=tmp_path) == 1
    )
    assert "no eval manifest" in capsys.readouterr().err
