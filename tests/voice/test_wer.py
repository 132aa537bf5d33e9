"""Word error rate and the normalization both transcripts go through."""

from __future__ import annotations

import pytest

from voice.wer import align_words, edit_distance, normalize_words, word_error_rate


@pytest.mark.parametrize(
    ("reference", "hypothesis", "rate"),
    [
        ("Yes, that's right.", "yes thats right", 0.0),
        ("No.", "No.", 0.0),
        ("No, thank you.", "Thank you.", 1 / 3),
        ("No.", "Yes.", 1.0),
        ("I smell gas in my kitchen.", "I smell gas in the kitchen", 1 / 6),
        ("The urgency.", "Mayor James Lee.", 1.5),
        ("Can I talk to a real person?", "", 1.0),
        ("", "", 0.0),
        ("", "Thank you.", 1.0),
        # Numbers: every spelling of 1420 becomes "one four two zero".
        ("1420 Elm Street.", "1,420 Elm Street", 0.0),
        ("1420 Elm Street.", "14 20 Elm Street", 0.0),
        ("1420 Elm Street.", "fourteen twenty Elm Street", 0.0),
        ("1420 Elm Street.", "one thousand four hundred twenty Elm Street", 0.0),
        ("1420 Elm Street.", "1,429 Elm Street", 1 / 6),
        ("412 Maple Avenue.", "four hundred and twelve Maple Avenue", 0.0),
        ("412 Maple Avenue.", "400-12 Maple Avenue.", 0.4),
        ("Press 1.", "Press one.", 0.0),
        ("27 Chestnut Street", "twenty-seven Chestnut Street", 0.0),
        ("27th Street", "twenty seventh street", 0.5),
    ],
)
def test_word_error_rate(reference: str, hypothesis: str, rate: float) -> None:
    assert word_error_rate(reference, hypothesis) == pytest.approx(rate)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("There's a big pothole!", ["theres", "a", "big", "pothole"]),
        ("Main St./Oak Ave.", ["main", "st", "oak", "ave"]),
        ("1,420", ["one", "four", "two", "zero"]),
        ("88", ["eight", "eight"]),
        ("eighty-eight", ["eight", "eight"]),
        ("one two three", ["one", "two", "three"]),
        ("twenty one thousand", ["two", "one", "zero", "zero", "zero"]),
        ("two thousand and five", ["two", "zero", "zero", "five"]),
        ("rock and roll", ["rock", "and", "roll"]),
        ("no one", ["no", "one"]),
        ("someone", ["someone"]),
        ("27th", ["two", "seven", "th"]),
        ("", []),
    ],
)
def test_normalize_words(text: str, words: list[str]) -> None:
    assert normalize_words(text) == words


@pytest.mark.parametrize(
    ("reference", "hypothesis", "expected"),
    [
        ("a pothole on Elm Street", "a pot hole on Elm Street", 0.0),
        ("call back any time", "call back anytime", 0.5),  # only splits are forgiven
        ("a pothole", "a pot", 0.5),
    ],
)
def test_split_compounds_count_as_the_reference_word(
    reference: str, hypothesis: str, expected: float
) -> None:
    assert word_error_rate(reference, hypothesis) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("reference", "hypothesis", "pairs"),
    [
        ("a b c", "a b c", [("a", "a"), ("b", "b"), ("c", "c")]),
        ("a b c", "a x c", [("a", "a"), ("b", "x"), ("c", "c")]),
        ("a b c", "a c", [("a", "a"), ("b", None), ("c", "c")]),
        ("a c", "a b c", [("a", "a"), (None, "b"), ("c", "c")]),
        ("", "a", [(None, "a")]),
        ("a", "", [("a", None)]),
    ],
)
def test_align_words_pairs_each_word_with_its_counterpart(
    reference: str,
    hypothesis: str,
    pairs: list[tuple[str | None, str | None]],
) -> None:
    assert align_words(reference.split(), hypothesis.split()) == pairs


@pytest.mark.parametrize(
    ("reference", "hypothesis"),
    [
        ("one four two zero elm street", "one four two zero l three"),
        ("theres a big pothole", "the big pot hole there"),
        ("call back any time", ""),
    ],
)
def test_align_words_differs_exactly_edit_distance_times(
    reference: str, hypothesis: str
) -> None:
    ref, hyp = reference.split(), hypothesis.split()
    differing = sum(r != h for r, h in align_words(ref, hyp))
    assert differing == edit_distance(ref, hyp)
