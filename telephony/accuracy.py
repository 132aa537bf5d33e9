"""`cityline accuracy`: how well the NLU understands a labeled corpus of utterances."""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from nlu.address import StreetIndex
from nlu.category import CategoryMatcher
from nlu.city import City, CityConfigError, Urgency, load_city
from nlu.urgency import detect_urgency

_FIELDS = ("text", "category", "address", "urgency")
_TOP_CONFUSIONS = 15
_MAX_MISS_LINES = 40
_MAX_TEXT_CHARS = 100
_NONE = "none"  # how a missing label or an empty answer is printed
# The held-out split: a row is a test row when the first 8 hex digits of the
# SHA-256 of its text (whitespace collapsed, UTF-8) modulo 10 fall below 3, about
# 30% of rows. The rule depends on the text alone, so a row keeps its side when
# rows are added, reordered or relabelled.
_SPLIT_BUCKETS = 10
_TEST_BUCKETS = 3


class CorpusError(Exception):
    """A corpus file is missing, or one of its lines is not a valid labeled row."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CorpusRow:
    """One resident utterance and what the NLU should make of it."""

    line: int  # 1-based line number in the corpus file, for error messages
    text: str
    category: str | None  # service code; None: no service fits
    address: str | None  # as AddressMatch.spoken renders it; None: no place said
    urgency: Urgency | None  # None: the words say nothing about urgency


@dataclass(frozen=True, slots=True, kw_only=True)
class _Outcome:
    """What the NLU made of one row."""

    row: CorpusRow
    category: str | None
    address: str | None
    urgency: Urgency | None
    asked: tuple[str, ...] = ()  # the two services the agent would ask between


def is_held_out(text: str) -> bool:
    """Whether a corpus row belongs to the held-out test split, by its text alone.

    Tune on dev rows only; test rows' texts are never printed, and the test
    figure is the honest one.
    """
    digest = hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % _SPLIT_BUCKETS < _TEST_BUCKETS


def _optional_str(raw: dict[str, object], key: str, line: int) -> str | None:
    value = raw[key]
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CorpusError(f"line {line}: {key!r} must be a non-empty string or null")
    return value


def parse_row(text: str, line: int) -> CorpusRow:
    """One corpus line as a row.

    Raises:
        CorpusError: the line is not a JSON object with exactly the four fields.
    """
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"line {line}: not valid JSON ({exc.msg})") from exc
    if not isinstance(raw, dict):
        raise CorpusError(f"line {line}: expected a JSON object")
    missing = [key for key in _FIELDS if key not in raw]
    if missing:
        raise CorpusError(f"line {line}: missing field(s) {', '.join(missing)}")
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise CorpusError(f"line {line}: unknown field(s) {', '.join(unknown)}")
    utterance = raw["text"]
    if not isinstance(utterance, str) or not utterance.strip():
        raise CorpusError(f"line {line}: 'text' must be a non-empty string")
    urgency_label = _optional_str(raw, "urgency", line)
    try:
        urgency = None if urgency_label is None else Urgency(urgency_label)
    except ValueError as exc:
        choices = ", ".join(u.value for u in Urgency)
        raise CorpusError(
            f"line {line}: unknown urgency {urgency_label!r} (expected {choices})"
        ) from exc
    return CorpusRow(
        line=line,
        text=utterance,
        category=_optional_str(raw, "category", line),
        address=_optional_str(raw, "address", line),
        urgency=urgency,
    )


Row = TypeVar("Row")


def read_rows(path: Path, parse: Callable[[str, int], Row]) -> list[Row]:
    """Every row of a JSON-lines file, parsed with its line number.

    Raises:
        CorpusError: the file is missing or a line is malformed.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise CorpusError(f"{path}: no such corpus file") from exc
    return [
        parse(text, number)
        for number, text in enumerate(lines, start=1)
        if text.strip()
    ]


def load_corpus(path: Path) -> list[CorpusRow]:
    """Every row of a JSON-lines corpus; blank lines are skipped."""
    return read_rows(path, parse_row)


def _check_labels(rows: Sequence[CorpusRow], city: City) -> None:
    # A mistyped code would otherwise count silently as a miss.
    codes = {service.code for service in city.services}
    for row in rows:
        if row.category is not None and row.category not in codes:
            raise CorpusError(
                f"line {row.line}: {row.category!r} is not a service of {city.name}"
            )


def _percent(hits: int, total: int) -> str:
    if total == 0:
        return "n/a (no rows)"
    return f"{100 * hits / total:.1f}% ({hits}/{total})"


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _MAX_TEXT_CHARS:
        return text
    return text[: _MAX_TEXT_CHARS - 3] + "..."


def _label(value: str | None) -> str:
    return _NONE if value is None else value


def _misses(outcomes: Sequence[_Outcome]) -> list[tuple[int, str, str]]:
    """Each wrong answer as (line, field, printed line), in corpus order."""
    misses: list[tuple[int, str, str]] = []
    for outcome in outcomes:
        row = outcome.row
        pairs: list[tuple[str, str | None, str | None]] = [
            ("category", row.category, outcome.category)
        ]
        if row.address is not None:
            pairs.append(("address", row.address, outcome.address))
        if row.urgency is not None:
            got = None if outcome.urgency is None else outcome.urgency.value
            pairs.append(("urgency", row.urgency.value, got))
        for kind, expected, got in pairs:
            if expected != got:
                printed = (
                    f"  {row.line:>4} {kind:<8} expected {_label(expected)}, "
                    f"got {_label(got)}: {_shorten(row.text)!r}"
                )
                misses.append((row.line, kind, printed))
    return misses


def _sample(misses: Sequence[tuple[int, str, str]], limit: int) -> list[str]:
    """At most `limit` misses, shared fairly between the fields, in corpus order.

    Category misses are the most numerous; taken in order they would hide every
    address and urgency miss.
    """
    by_field: dict[str, list[tuple[int, str, str]]] = {}
    for miss in misses:
        by_field.setdefault(miss[1], []).append(miss)
    queues = list(by_field.values())
    chosen: list[tuple[int, str, str]] = []
    depth = 0
    while len(chosen) < limit and any(depth < len(queue) for queue in queues):
        for queue in queues:
            if depth < len(queue) and len(chosen) < limit:
                chosen.append(queue[depth])
        depth += 1
    return [printed for _, _, printed in sorted(chosen)]


def _category_lines(outcomes: Sequence[_Outcome]) -> list[str]:
    """Category accuracy overall, on rows with a service, and on rows without one."""
    labelled = [o for o in outcomes if o.row.category is not None]
    unlabelled = [o for o in outcomes if o.row.category is None]
    hits = sum(o.category == o.row.category for o in outcomes)
    labelled_hits = sum(o.category == o.row.category for o in labelled)
    false_positives = sum(o.category is not None for o in unlabelled)
    return [
        _percent(hits, len(outcomes)),
        f"on rows with a category: {_percent(labelled_hits, len(labelled))}",
        "false positives on rows without one: "
        f"{_percent(false_positives, len(unlabelled))}",
    ]


def _report(outcomes: Sequence[_Outcome], seconds: Sequence[float]) -> None:
    dev = [o for o in outcomes if not is_held_out(o.row.text)]
    test = [o for o in outcomes if is_held_out(o.row.text)]
    with_address = [o for o in outcomes if o.row.address is not None]
    with_urgency = [o for o in outcomes if o.row.urgency is not None]
    address_hits = sum(o.address == o.row.address for o in with_address)
    urgency_hits = sum(o.urgency == o.row.urgency for o in with_urgency)
    overall, *details = _category_lines(outcomes)
    print(f"category accuracy: {overall}")
    for line in details:
        print(f"  {line}")
    for name, part in (("dev", dev), ("held-out test", test)):
        overall, *details = _category_lines(part)
        print(f"  {name}: {overall}")
        for line in details:
            print(f"    {line}")
    for name, part in (("dev", dev), ("held-out test", test)):
        asked = [o for o in part if o.asked]
        among = sum(o.row.category in o.asked for o in asked)
        print(
            f"  {name}: the agent asks between two services on {len(asked)} "
            f"of {len(part)} rows; the right one is among them on {among}"
        )
    print(f"address accuracy: {_percent(address_hits, len(with_address))}")
    print(f"urgency accuracy: {_percent(urgency_hits, len(with_urgency))}")
    if seconds:
        print(
            f"time per utterance: mean {1000 * statistics.fmean(seconds):.2f} ms, "
            f"max {1000 * max(seconds):.2f} ms (category, address and urgency)"
        )
    # Only dev rows are itemised: reading the held-out rows would tune to them.
    confusions = Counter(
        (_label(o.row.category), _label(o.category))
        for o in dev
        if o.category != o.row.category
    )
    print(
        f"\ntop confusions on dev rows (expected -> got), {confusions.total()} in all:"
    )
    ranked = sorted(confusions.items(), key=lambda item: (-item[1], item[0]))
    for (expected, got), count in ranked[:_TOP_CONFUSIONS]:
        print(f"  {count:>4}  {expected} -> {got}")
    misses = _misses(dev)
    shown = _sample(misses, _MAX_MISS_LINES)
    print(
        "\nmisses on dev rows (line, field, expected, got, text), "
        f"{len(shown)} of {len(misses)}:"
    )
    for line in shown:
        print(line)


def run_accuracy(city_dir: Path, corpus: Path) -> int:
    """Run the city's NLU over every row of the corpus and print the figures.

    Returns the exit status: 0, or 1 when the city or the corpus is invalid.
    """
    try:
        city = load_city(city_dir)
        rows = load_corpus(corpus)
        _check_labels(rows, city)
    except (CityConfigError, CorpusError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    began = time.perf_counter()
    matcher = CategoryMatcher(city.services, city.examples)
    streets = StreetIndex(city.streets)
    setup_seconds = time.perf_counter() - began
    outcomes: list[_Outcome] = []
    seconds: list[float] = []
    for row in rows:
        began = time.perf_counter()
        category = matcher.match(row.text)
        pair = matcher.contenders(row.text)
        address = streets.find(row.text)
        urgency = detect_urgency(row.text)
        seconds.append(time.perf_counter() - began)
        outcomes.append(
            _Outcome(
                row=row,
                category=None if category is None else category.service.code,
                address=None if address is None else address.spoken,
                urgency=urgency,
                asked=() if pair is None else (pair[0].code, pair[1].code),
            )
        )
    print(
        f"{city.name}: {len(rows)} utterances from {corpus} "
        f"(matchers built in {1000 * setup_seconds:.0f} ms)"
    )
    _report(outcomes, seconds)
    return 0
