"""Measure whisper models on the audio fixtures: transcripts, word error rate, time."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from audio_fixtures.generate import FIXTURE_DIR, MANIFEST_PATH, read_wav
from voice.mulaw import Float32Array, resample, to_float
from voice.stt import WHISPER_RATE_HZ, SpeechToText, resolve_model_path
from voice.wer import word_error_rate

# The words a caller reporting a problem is likely to use; a dialog would pass
# something like this while asking for a category or an address.
BIAS_PROMPT = (
    "Pothole, streetlight out, graffiti, illegal dumping, missed trash pickup, "
    "abandoned vehicle. Elm Street, Maple Avenue, Main Street, Oak Avenue, "
    "Washington Street, Chestnut Street."
)
# A biased prompt turned "Yes, that's right" into nonsense, so answers to a
# yes/no question are always recognized without one.
YES_NO_IDS = frozenset({"yes", "no", "no_thanks"})
DEFAULT_MODELS = ("tiny.en", "base")
# "prompt" passes BIAS_PROMPT as whisper's initial_prompt. Passing it as
# faster-whisper's hotwords instead was measured too: for one utterance without
# earlier context both land in the same place of the decoder prompt, and every
# transcript came out identical, so that mode was dropped.
MODES = ("plain", "prompt")


@dataclass(frozen=True, slots=True, kw_only=True)
class Fixture:
    """A committed utterance and the text it should be recognized as."""

    id: str
    text: str
    voice: str
    rate_wpm: int
    audio_16k: Float32Array


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    """One fixture recognized by one model in one mode."""

    fixture_id: str
    model: str
    mode: str
    text: str
    word_error_rate: float
    seconds: float
    confidence: float


def load_fixtures(fixture_dir: Path = FIXTURE_DIR) -> list[Fixture]:
    """Read the manifest and each fixture's audio, resampled for whisper."""
    manifest = fixture_dir / MANIFEST_PATH.name
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    fixtures = []
    for entry in entries:
        samples, sample_rate_hz = read_wav(fixture_dir / f"{entry['id']}.wav")
        fixtures.append(
            Fixture(
                id=str(entry["id"]),
                text=str(entry["text"]),
                voice=str(entry["voice"]),
                rate_wpm=int(entry["rate_wpm"]),
                audio_16k=resample(to_float(samples), sample_rate_hz, WHISPER_RATE_HZ),
            )
        )
    return fixtures


def prompt_for(fixture_id: str, mode: str) -> str | None:
    """The initial prompt a fixture gets in a mode (none for yes/no answers)."""
    if mode == "plain" or fixture_id in YES_NO_IDS:
        return None
    return BIAS_PROMPT


def measure(
    fixtures: list[Fixture], model_names: tuple[str, ...], cache_dir: Path
) -> list[Result]:
    """Recognize every fixture with every model and mode."""
    results = []
    for model_name in model_names:
        stt = SpeechToText(resolve_model_path(model_name, cache_dir))
        stt.warm_up()
        for fixture in fixtures:
            for mode in MODES:
                transcript = stt.transcribe(
                    fixture.audio_16k, prompt=prompt_for(fixture.id, mode)
                )
                results.append(
                    Result(
                        fixture_id=fixture.id,
                        model=model_name,
                        mode=mode,
                        text=transcript.text,
                        word_error_rate=word_error_rate(fixture.text, transcript.text),
                        seconds=transcript.seconds,
                        confidence=transcript.confidence,
                    )
                )
    return results


def print_report(fixtures: list[Fixture], results: list[Result]) -> None:
    """Print each fixture's hypotheses, then mean WER and time per model and mode."""
    for fixture in fixtures:
        print(
            f"\n[{fixture.id}] {fixture.voice} {fixture.rate_wpm} wpm: {fixture.text}"
        )
        for result in results:
            if result.fixture_id == fixture.id:
                label = f"{result.model}/{result.mode}"
                print(
                    f"  {label:<16} {result.seconds:5.2f} s  "
                    f"WER {result.word_error_rate:4.2f}  "
                    f"conf {result.confidence:4.2f}  {result.text!r}"
                )
    print(f"\n{'model/mode':<16} {'mean WER':>8} {'mean s':>7} {'max s':>6}")
    for model_name in dict.fromkeys(result.model for result in results):
        for mode in MODES:
            chosen = [r for r in results if r.model == model_name and r.mode == mode]
            mean_wer = sum(r.word_error_rate for r in chosen) / len(chosen)
            mean_seconds = sum(r.seconds for r in chosen) / len(chosen)
            max_seconds = max(r.seconds for r in chosen)
            label = f"{model_name}/{mode}"
            print(f"{label:<16} {mean_wer:8.3f} {mean_seconds:7.2f} {max_seconds:6.2f}")


def main() -> None:
    """Print the measurement table for the models named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--models", nargs="+", default=list(DEFAULT_MODELS), help="model names or dirs"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path("var/models"),
        help="where the base model's parts are joined",
    )
    args = parser.parse_args()
    fixtures = load_fixtures()
    results = measure(fixtures, tuple(args.models), args.cache_dir)
    print_report(fixtures, results)


if __name__ == "__main__":
    main()
