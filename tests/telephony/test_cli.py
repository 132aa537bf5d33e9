"""The `cityline` command's quick subcommands."""

from __future__ import annotations

from pathlib import Path

import pytest

from cities import EXAMPLE_CITY_DIR
from telephony.cli import main


def test_check_city_summarises_a_valid_city(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-city", str(EXAMPLE_CITY_DIR)]) == 0
    assert (
        "Example City: 28 services, 8 departments, 327 streets"
        in capsys.readouterr().out
    )


def test_check_city_explains_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-city", str(tmp_path)]) == 1
    assert "city.toml is missing" in capsys.readouterr().err


def test_faq_accuracy_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faq-accuracy"]) == 0
    out = capsys.readouterr().out
    assert "false positives" in out
