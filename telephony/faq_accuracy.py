"""`cityline faq-accuracy`: how well the FAQ matcher answers labeled questions."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from nlu.city import CityConfigError, load_city
from nlu.faq import FaqMatcher
from telephony.accuracy import CorpusError, read_rows

_FIELDS = ("text", "faq")
_NONE = "none"  # how a missing label or an empty answer is printed


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqRow:
    """One thing a caller says, and the FAQ entry it asks about."""

    line: int  # 1-based line number in the corpus file
    text: str
    faq: str | None  # FaqEntry.id; None: a report or a question the FAQ lacks


def parse_faq_row(text: str, line: int) -> FaqRow:
    """One corpus line as a row.

    Raises:
        CorpusError: the line is not a JSON object with exactly "text" and "faq".
    """
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"line {line}: not valid JSON ({exc.msg})") from exc
    if not isinstance(raw, dict) or set(raw) != set(_FIELDS):
        raise CorpusError(f"line {line}: expected an object with 'text' and 'faq'")
    utterance, label = raw["text"], raw["faq"]
    if not isinstance(utterance, str) or not utterance.strip():
        raise CorpusError(f"line {line}: 'text' must be a non-empty string")
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise CorpusError(f"line {line}: 'faq' must be a non-empty string or null")
    return FaqRow(line=line, text=utterance, faq=label)


def load_faq_corpus(path: Path) -> list[FaqRow]:
    """Every row of a JSON-lines FAQ corpus; blank lines are skipped."""
    return read_rows(path, parse_faq_row)


def _percent(hits: int, total: int) -> str:
    if total == 0:
        return "n/a (no rows)"
    return f"{100 * hits / total:.1f}% ({hits}/{total})"


def run_faq_accuracy(city_dir: Path, corpus: Path) -> int:
    """Match every corpus row against the city's FAQ and print the figures.

    Returns the exit status: 0, or 1 when the city or the corpus is invalid.
    """
    try:
        city = load_city(city_dir)
        rows = load_faq_corpus(corpus)
    except (CityConfigError, CorpusError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    ids = {entry.id for entry in city.faq}
    unknown = [row for row in rows if row.faq is not None and row.faq not in ids]
    if unknown:
        row = unknown[0]
        print(
            f"error: line {row.line}: {row.faq!r} is not a FAQ entry of {city.name}",
            file=sys.stderr,
        )
        return 1
    matcher = FaqMatcher(city.faq)
    questions = [row for row in rows if row.faq is not None]
    others = [row for row in rows if row.faq is None]
    misses: list[str] = []
    correct = false_positives = 0
    for row in rows:
        match = matcher.match(row.text)
        got = None if match is None else match.entry.id
        if got == row.faq:
            correct += row.faq is not None
            continue
        false_positives += row.faq is None
        score = "" if match is None else f" ({match.score:.2f})"
        misses.append(
            f"  {row.line:>4} expected {row.faq or _NONE}, "
            f"got {got or _NONE}{score}: {row.text!r}"
        )
    print(f"{city.name}: {len(city.faq)} FAQ entries, {len(rows)} rows from {corpus}")
    print(f"questions answered correctly: {_percent(correct, len(questions))}")
    print(
        "false positives on reports and other talk: "
        f"{_percent(false_positives, len(others))}"
    )
    print(f"\nmisses (line, expected, got, text), {len(misses)}:")
    for line in misses:
        print(line)
    return 0
