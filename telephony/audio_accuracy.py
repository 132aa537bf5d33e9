"""`cityline audio-accuracy`: recognition and understanding on noisy phone audio.

Each utterance of the eval set (`python -m audio_fixtures.eval_set`) is
transcribed the way a call's first sentence is, then the NLU reads the
transcript. Figures printed:

- word error rate: `voice.wer.word_error_rate` per utterance; the headline is
  all word errors over all reference words, then the mean per utterance.
- address-word error rate: the same errors counted only on the words that say
  the labeled address (see `address_word_positions`), out of those words.
- address accuracy: `AddressMatch.spoken` equals the label, on rows with one.
- category accuracy on rows with a category, and false positives (any category
  at all) on rows without one.
- urgency accuracy on rows whose urgency is labeled.
- recognition time per utterance (whisper only; no VAD, no queueing).

Every NLU figure is also given for the reference text, so what the recognizer
loses is told apart from what the NLU misses anyway.
"""

from __future__ import annotations

import re
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio_fixtures.eval_set import (
    EVAL_DIR,
    EvalItem,
    EvalSetError,
    load_audio,
    load_manifest,
)
from cities import EXAMPLE_CITY_DIR
from dialog.actions import Expect
from nlu.address import StreetIndex
from nlu.category import CategoryMatcher
from nlu.city import CityConfigError, Street, Urgency, load_city
from nlu.numbers import ORDINALS, TENS
from nlu.urgency import detect_urgency
from telephony.biasing import build_bias_prompts
from voice.mulaw import PHONE_RATE_HZ, resample, to_float
from voice.stt import (
    DEFAULT_BEAM_SIZE,
    WHISPER_RATE_HZ,
    SpeechToText,
    SpeechToTextError,
    resolve_model_path,
)
from voice.wer import (
    align_words,
    join_split_compounds,
    normalize_words,
    word_error_rate,
)

_WORST_SHOWN = 10
_HOUSE_NUMBER = re.compile(r"(\d+) (.+)")
# How AddressMatch.spoken joins two streets: "A and B", "12 A, near B".
_STREET_SEPARATOR = re.compile(r", near | and ")

_UNIT_ORDINALS = {word: value for word, value in ORDINALS.items() if value < 10}
_OTHER_ORDINALS = {word: value for word, value in ORDINALS.items() if value >= 10}
_ORDINAL_WORDS = re.compile(
    rf"\b(?:({'|'.join(TENS)})[\s-]+)?"
    rf"({'|'.join([*_UNIT_ORDINALS, *_OTHER_ORDINALS])})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Understood:
    """What the NLU made of one text."""

    category: str | None
    address: str | None
    urgency: Urgency | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Outcome:
    """One eval utterance: what was heard and understood, against its labels."""

    item: EvalItem
    heard: str
    seconds: float  # recognition wall time
    audio_seconds: float
    word_error_rate: float
    reference_words: int
    address_errors: int
    address_words: int
    from_audio: _Understood
    from_text: _Understood  # the NLU on the reference text: its ceiling here


def _ordinal_digits(value: int) -> str:
    suffix = "th"
    if value % 100 not in (11, 12, 13):
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{value}{suffix}"


def spell_ordinals_as_digits(text: str) -> str:
    """Write spoken ordinals as digits ("twenty-fifth" -> "25th", "Fifth" -> "5th").

    `normalize_words` reads "twenty fifth" as "2 0 fifth" but "25th" as
    "2 5 th"; street names are where that matters, so the address-word rate
    compares both sides after this step.
    """

    def replace(found: re.Match[str]) -> str:
        tens_word, ordinal_word = found.group(1), found.group(2).lower()
        if ordinal_word in _UNIT_ORDINALS:
            tens = 0 if tens_word is None else TENS[tens_word.lower()]
            return _ordinal_digits(tens + _UNIT_ORDINALS[ordinal_word])
        prefix = "" if tens_word is None else f"{tens_word} "
        return prefix + _ordinal_digits(_OTHER_ORDINALS[ordinal_word])

    return _ORDINAL_WORDS.sub(replace, text)


def address_tokens(text: str) -> list[str]:
    """`normalize_words` after `spell_ordinals_as_digits`: the address-word tokens."""
    return normalize_words(spell_ordinals_as_digits(text))


def _spans(tokens: Sequence[str], allowed: set[str]) -> list[tuple[int, int]]:
    """Maximal runs of allowed words, as (start, end) positions."""
    spans = []
    start = 0
    while start < len(tokens):
        end = start
        while end < len(tokens) and tokens[end] in allowed:
            end += 1
        if end > start:
            spans.append((start, end))
        start = end + 1
    return spans


def _find(words: Sequence[str], part: Sequence[str]) -> int:
    """Where part first occurs in words, -1 if nowhere."""
    for index in range(len(words) - len(part) + 1):
        if list(words[index : index + len(part)]) == list(part):
            return index
    return -1


@dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    start: int
    end: int
    streets: frozenset[int]  # which labeled streets' name words it holds
    is_anchored: bool  # holds the house number or a street suffix


def address_word_positions(
    reference: str, address: str, streets: Mapping[str, Street]
) -> list[int | None]:
    """Which words of the reference (as `address_tokens` reads it) say the address.

    Address words are found in runs of consecutive reference words that are each
    a digit of the labeled house number, a name word of a labeled street (or of
    its alias: "fifth" for 5th Avenue) or a street suffix. A run counts when it
    holds the whole house number, or a street's name word next to a suffix
    ("Monroe Street"); a bare name ("Elm and Cedar") counts only for a street no
    such run names, so "the school on School Street" counts "school street" once.
    Digits before the house number and a suffix opening a run ("my street,
    Monroe Street") are left out; so are "and" between two streets and any
    suffix the caller never said.
    Returns each reference word's run number, None for the other words.
    """
    tokens = address_tokens(reference)
    found = _HOUSE_NUMBER.fullmatch(address)
    number = normalize_words(found.group(1)) if found else []
    rest = found.group(2) if found else address
    street_names: list[set[str]] = []
    suffix_words: set[str] = set()
    for part in _STREET_SEPARATOR.split(rest):
        street = streets.get(part.lower())
        if street is None:
            *name, suffix_word = part.split() or [""]
            street_names.append(set(address_tokens(" ".join(name))))
            suffix_words.update(address_tokens(suffix_word))
            continue
        suffix = set(address_tokens(street.suffix))
        suffix_words |= suffix
        names = set(address_tokens(street.name))
        for alias in street.aliases:
            names |= set(address_tokens(alias)) - suffix
        street_names.append(names)
    name_words = set().union(*street_names)
    runs: list[_Run] = []
    for start, end in _spans(tokens, name_words | suffix_words | set(number)):
        number_at = _find(tokens[start:end], number) if number else -1
        if number_at > 0 and not name_words & set(tokens[start : start + number_at]):
            start += number_at
        while start < end and tokens[start] not in name_words | set(number):
            start += 1
        span = set(tokens[start:end])
        named = frozenset(k for k, names in enumerate(street_names) if names & span)
        has_number = number_at >= 0
        if has_number or named:
            runs.append(
                _Run(
                    start=start,
                    end=end,
                    streets=named,
                    is_anchored=has_number or bool(named and span & suffix_words),
                )
            )
    anchored = frozenset().union(*(run.streets for run in runs if run.is_anchored))
    positions: list[int | None] = [None] * len(tokens)
    kept = [run for run in runs if run.is_anchored or not run.streets <= anchored]
    for number_of_run, run in enumerate(kept):
        positions[run.start : run.end] = [number_of_run] * (run.end - run.start)
    return positions


def address_word_errors(
    reference: str, hypothesis: str, positions: Sequence[int | None]
) -> int:
    """Errors on the address words of a minimum-edit alignment of the utterance.

    A substituted or deleted address word is one error; so is a word inserted
    between two address words of the same run ("L3" for "Elm" is "l three").
    """
    ref_words = address_tokens(reference)
    hyp_words = join_split_compounds(address_tokens(hypothesis), ref_words)
    errors = 0
    index = 0  # position of the next reference word
    for ref_word, hyp_word in align_words(ref_words, hyp_words):
        if ref_word is None:
            before = positions[index - 1] if index > 0 else None
            after = positions[index] if index < len(positions) else None
            errors += int(before is not None and before == after)
            continue
        errors += int(positions[index] is not None and ref_word != hyp_word)
        index += 1
    return errors


def _percent(hits: int, total: int) -> str:
    if total == 0:
        return "n/a (no rows)"
    return f"{100 * hits / total:.1f}% ({hits}/{total})"


def _rate(errors: int, words: int) -> str:
    if words == 0:
        return "n/a (no words)"
    return f"{errors / words:.3f} ({errors} errors / {words} words)"


def _understand(
    text: str, matcher: CategoryMatcher, streets: StreetIndex
) -> _Understood:
    category = matcher.match(text)
    address = streets.find(text)
    return _Understood(
        category=None if category is None else category.service.code,
        address=None if address is None else address.spoken,
        urgency=detect_urgency(text),
    )


def _nlu_lines(outcomes: Sequence[_Outcome]) -> list[str]:
    def both(
        rows: Sequence[_Outcome], hit: Callable[[_Understood, EvalItem], bool]
    ) -> str:
        from_audio = sum(hit(o.from_audio, o.item) for o in rows)
        from_text = sum(hit(o.from_text, o.item) for o in rows)
        return (
            f"{_percent(from_audio, len(rows))}; "
            f"from the reference text: {_percent(from_text, len(rows))}"
        )

    with_address = [o for o in outcomes if o.item.address is not None]
    with_category = [o for o in outcomes if o.item.category is not None]
    without_category = [o for o in outcomes if o.item.category is None]
    with_urgency = [o for o in outcomes if o.item.urgency is not None]
    return [
        "address accuracy: "
        + both(with_address, lambda u, item: u.address == item.address),
        "category accuracy on rows with a category: "
        + both(with_category, lambda u, item: u.category == item.category),
        "category false positives on rows without one: "
        + both(without_category, lambda u, _: u.category is not None),
        "urgency accuracy: "
        + both(with_urgency, lambda u, item: u.urgency == item.urgency),
    ]


def _group_wer(outcomes: Sequence[_Outcome], key: Callable[[EvalItem], str]) -> str:
    groups: dict[str, list[_Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[key(outcome.item)].append(outcome)
    parts = []
    for name in sorted(groups):
        chosen = groups[name]
        errors = sum(o.word_error_rate * o.reference_words for o in chosen)
        words = sum(o.reference_words for o in chosen)
        parts.append(f"{name} {errors / max(words, 1):.3f} ({len(chosen)})")
    return ", ".join(parts)


def _snr_band(item: EvalItem) -> str:
    return "10-15 dB" if item.snr_db < 15.0 else "15-20 dB"


def _report(outcomes: Sequence[_Outcome]) -> None:
    words = sum(o.reference_words for o in outcomes)
    errors = round(sum(o.word_error_rate * o.reference_words for o in outcomes))
    mean_wer = statistics.fmean(o.word_error_rate for o in outcomes)
    print(f"word error rate: {_rate(errors, words)}; mean per utterance {mean_wer:.3f}")
    address_errors = sum(o.address_errors for o in outcomes)
    address_words = sum(o.address_words for o in outcomes)
    print(
        f"address-word error rate: {_rate(address_errors, address_words)} "
        "(house-number digits and street words of the labeled address)"
    )
    for line in _nlu_lines(outcomes):
        print(line)
    seconds = [o.seconds for o in outcomes]
    audio_seconds = statistics.fmean(o.audio_seconds for o in outcomes)
    print(
        f"recognition time: mean {statistics.fmean(seconds):.2f} s, "
        f"p95 {float(np.percentile(seconds, 95)):.2f} s, max {max(seconds):.2f} s "
        f"(audio mean {audio_seconds:.1f} s)"
    )
    print(f"word error rate by voice: {_group_wer(outcomes, lambda i: i.voice)}")
    print(f"word error rate by noise: {_group_wer(outcomes, lambda i: i.noise)}")
    print(f"word error rate by SNR: {_group_wer(outcomes, _snr_band)}")
    worst = sorted(outcomes, key=lambda o: (-o.word_error_rate, o.item.id))
    shown = worst[:_WORST_SHOWN]
    print(f"\nworst {len(shown)} by word error rate:")
    for outcome in shown:
        item = outcome.item
        print(
            f"  {item.id} WER {outcome.word_error_rate:.2f}  {item.voice} "
            f"{item.rate_wpm} wpm, {item.noise} {item.snr_db:.1f} dB"
        )
        print(f"    said:  {item.text!r}")
        print(f"    heard: {outcome.heard!r}")


def run_audio_accuracy(
    *,
    model: str,
    cache_dir: Path,
    use_bias: bool = True,
    eval_dir: Path = EVAL_DIR,
    city_dir: Path = EXAMPLE_CITY_DIR,
    cpu_threads: int = 2,
    beam_size: int = DEFAULT_BEAM_SIZE,
    language: str = "en",
) -> int:
    """Transcribe every eval WAV, run the NLU on each transcript, print the figures.

    model is "base", "tiny.en" or a model directory (see `resolve_model_path`);
    use_bias gives whisper the prompt the dialog gives a caller's first
    sentence (`Expect.OPENING`); without it, no prompt at all.
    Returns the exit status: 0, or 1 when the eval set, city or model is unusable.
    """
    try:
        city = load_city(city_dir)
        items = load_manifest(eval_dir)
        audio = [load_audio(item, eval_dir) for item in items]
        model_path = resolve_model_path(model, cache_dir)
        stt = SpeechToText(
            model_path, cpu_threads=cpu_threads, beam_size=beam_size, language=language
        )
        stt.warm_up()
    except (CityConfigError, EvalSetError, SpeechToTextError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not items:
        print(f"error: {eval_dir} lists no utterances", file=sys.stderr)
        return 1
    prompt = build_bias_prompts(city)[Expect.OPENING] if use_bias else None
    # Built as the dialog builds it, with the city's example sentences.
    matcher = CategoryMatcher(city.services, city.examples)
    street_index = StreetIndex(city.streets)
    streets = {street.full_name.lower(): street for street in city.streets}
    bias = f"the opening prompt ({len(prompt.split())} words)" if prompt else "none"
    print(
        f"{city.name}: {len(items)} utterances from {eval_dir}, model {model}, "
        f"beam {beam_size}, bias: {bias}"
    )
    outcomes: list[_Outcome] = []
    for item, samples in zip(items, audio, strict=True):
        audio_16k = resample(to_float(samples), PHONE_RATE_HZ, WHISPER_RATE_HZ)
        try:
            transcript = stt.transcribe(audio_16k, prompt=prompt)
        except SpeechToTextError as exc:
            print(f"error: {item.id}: {exc}", file=sys.stderr)
            return 1
        positions = (
            address_word_positions(item.text, item.address, streets)
            if item.address is not None
            else []
        )
        outcomes.append(
            _Outcome(
                item=item,
                heard=transcript.text,
                seconds=transcript.seconds,
                audio_seconds=samples.size / PHONE_RATE_HZ,
                word_error_rate=word_error_rate(item.text, transcript.text),
                reference_words=len(normalize_words(item.text)),
                address_errors=(
                    address_word_errors(item.text, transcript.text, positions)
                    if positions
                    else 0
                ),
                address_words=sum(p is not None for p in positions),
                from_audio=_understand(transcript.text, matcher, street_index),
                from_text=_understand(item.text, matcher, street_index),
            )
        )
    _report(outcomes)
    return 0
