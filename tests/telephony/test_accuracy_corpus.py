"""The labeled utterance corpus is well formed; `cityline accuracy` reports on it."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from cities import EXAMPLE_CITY_DIR
from nlu.city import City, Urgency, load_city
from telephony.accuracy import (
    CorpusError,
    CorpusRow,
    is_held_out,
    load_corpus,
    run_accuracy,
)
from telephony.cli import main

CORPUS = EXAMPLE_CITY_DIR / "eval" / "utterances.jsonl"
MIN_ROWS = 320
MIN_ROWS_PER_SERVICE = 8
MIN_ROWS_WITHOUT_SERVICE = 25
_HOUSE_NUMBER = re.compile(r"(\d+) (.+)")


@pytest.fixture(scope="module")
def city() -> City:
    return load_city(EXAMPLE_CITY_DIR)


@pytest.fixture(scope="module")
def rows() -> list[CorpusRow]:
    return load_corpus(CORPUS)


def _street_names(label: str) -> list[str]:
    """The streets an address label names, as AddressMatch.spoken renders them."""
    found = _HOUSE_NUMBER.fullmatch(label)
    rest = found.group(2) if found else label
    return [part for near in rest.split(", near ") for part in near.split(" and ")]


def _write(path: Path, rows: list[dict[str, str | None]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


# -- the example city's corpus ----------------------------------------------


def test_corpus_parses_into_enough_rows() -> None:
    assert len(load_corpus(CORPUS)) >= MIN_ROWS


def test_every_category_label_is_a_service_of_the_example_city(
    rows: list[CorpusRow], city: City
) -> None:
    codes = {service.code for service in city.services}
    unknown = {row.category for row in rows if row.category is not None} - codes
    assert not unknown


def test_every_service_has_enough_rows(rows: list[CorpusRow], city: City) -> None:
    counts = Counter(row.category for row in rows)
    thin = {
        service.code: counts[service.code]
        for service in city.services
        if counts[service.code] < MIN_ROWS_PER_SERVICE
    }
    assert not thin


def test_corpus_has_rows_that_name_no_service(rows: list[CorpusRow]) -> None:
    assert sum(row.category is None for row in rows) >= MIN_ROWS_WITHOUT_SERVICE


def test_every_address_label_names_streets_of_the_city(
    rows: list[CorpusRow], city: City
) -> None:
    streets = {street.full_name for street in city.streets}
    wrong = [
        (row.line, row.address)
        for row in rows
        if row.address is not None and not set(_street_names(row.address)) <= streets
    ]
    assert not wrong


def test_urgency_is_labelled_only_high_or_low(rows: list[CorpusRow]) -> None:
    assert {row.urgency for row in rows} <= {Urgency.HIGH, Urgency.LOW, None}


def test_texts_are_not_repeated(rows: list[CorpusRow]) -> None:
    repeated = [text for text, n in Counter(r.text for r in rows).items() if n > 1]
    assert not repeated


def test_about_a_third_of_the_corpus_is_held_out(rows: list[CorpusRow]) -> None:
    share = sum(is_held_out(row.text) for row in rows) / len(rows)
    assert 0.2 <= share <= 0.4


def test_held_out_split_depends_on_the_text_alone() -> None:
    text = "There's a big pothole in front of 1420 Elm Street."
    assert is_held_out(text) is is_held_out(f"  {text.replace(' ', '  ')} ")
    assert is_held_out(text)
    assert not is_held_out("Thank you for watching.")


# -- parsing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"text": "pothole", "category": null, "address": null}', "urgency"),
        (
            '{"text": "x", "category": null, "address": null, "urgency": null, '
            '"extra": 1}',
            "unknown field(s) extra",
        ),
        ('{"text": "", "category": null, "address": null, "urgency": null}', "text"),
        (
            '{"text": "x", "category": 7, "address": null, "urgency": null}',
            "category",
        ),
        (
            '{"text": "x", "category": null, "address": null, "urgency": "soon"}',
            "unknown urgency 'soon'",
        ),
    ],
)
def test_malformed_line_is_an_error_naming_its_line(
    tmp_path: Path, line: str, message: str
) -> None:
    good = '{"text": "hello", "category": null, "address": null, "urgency": null}'
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(f"{good}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="line 3") as raised:
        load_corpus(corpus)
    assert message in str(raised.value)


# -- the benchmark, end to end -------------------------------------------------


def test_benchmark_prints_figures_for_a_small_corpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _write(
        tmp_path / "corpus.jsonl",
        [
            {
                "text": "There's a big pothole in front of 1420 Elm Street, "
                "it's dangerous.",
                "category": "REQPOTHL",
                "address": "1420 Elm Street",
                "urgency": "high",
            },
            {
                "text": "The streetlight is not working at Main Street and Oak Avenue.",
                "category": "STRLGTOUT",
                "address": "Main Street and Oak Avenue",
                "urgency": None,
            },
            {
                "text": "Thank you for watching.",
                "category": None,
                "address": None,
                "urgency": None,
            },
        ],
    )

    assert run_accuracy(EXAMPLE_CITY_DIR, corpus) == 0

    printed = capsys.readouterr().out
    assert "3 utterances" in printed
    assert "category accuracy: 100.0% (3/3)" in printed
    assert "on rows with a category: 100.0% (2/2)" in printed
    assert "false positives on rows without one: 0.0% (0/1)" in printed
    assert "address accuracy: 100.0% (2/2)" in printed
    assert "urgency accuracy: 100.0% (1/1)" in printed
    assert "time per utterance:" in printed
    assert "0 of 0" in printed


def test_benchmark_lists_confusions_and_misses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _write(
        tmp_path / "corpus.jsonl",
        [
            {
                "text": "Thank you for watching.",
                "category": "REQPOTHL",
                "address": "1420 Elm Street",
                "urgency": None,
            },
            {
                "text": "There's a big pothole in front of 1420 Elm Street.",
                "category": "REQPOTHL",
                "address": "1420 Elm Street",
                "urgency": None,
            },
        ],
    )

    assert run_accuracy(EXAMPLE_CITY_DIR, corpus) == 0

    printed = capsys.readouterr().out
    assert "category accuracy: 50.0% (1/2)" in printed
    assert "address accuracy: 50.0% (1/2)" in printed
    assert "urgency accuracy: n/a" in printed
    assert "1  REQPOTHL -> none" in printed
    assert "2 of 2" in printed
    assert "expected REQPOTHL, got none: 'Thank you for watching.'" in printed
    assert "expected 1420 Elm Street, got none: 'Thank you for watching.'" in printed


def test_benchmark_prints_dev_and_held_out_figures_but_no_held_out_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    held_out = "There's a big pothole in front of 1420 Elm Street."
    corpus = _write(
        tmp_path / "corpus.jsonl",
        [
            {
                "text": "Thank you for watching.",
                "category": "REQPOTHL",
                "address": None,
                "urgency": None,
            },
            {
                "text": held_out,
                "category": "STRLGTOUT",
                "address": None,
                "urgency": None,
            },
        ],
    )

    assert run_accuracy(EXAMPLE_CITY_DIR, corpus) == 0

    printed = capsys.readouterr().out
    assert "  dev: 0.0% (0/1)" in printed
    assert "  held-out test: 0.0% (0/1)" in printed
    assert "1  REQPOTHL -> none" in printed
    assert "STRLGTOUT" not in printed
    assert held_out not in printed


def test_unknown_service_code_is_an_error_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _write(
        tmp_path / "corpus.jsonl",
        [
            {
                "text": "a pothole",
                "category": "REQPOTHL",
                "address": None,
                "urgency": None,
            },
            {
                "text": "a pothole",
                "category": "POTHOLE",
                "address": None,
                "urgency": None,
            },
        ],
    )

    assert run_accuracy(EXAMPLE_CITY_DIR, corpus) == 1

    captured = capsys.readouterr()
    assert "line 2" in captured.err
    assert "'POTHOLE'" in captured.err
    assert captured.out == ""


def test_accuracy_command_reads_the_corpus_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _write(
        tmp_path / "corpus.jsonl",
        [{"text": "Hello?", "category": None, "address": None, "urgency": None}],
    )

    status = main(
        ["accuracy", "--city", str(EXAMPLE_CITY_DIR), "--corpus", str(corpus)]
    )

    assert status == 0
    assert "category accuracy: 100.0% (1/1)" in capsys.readouterr().out
