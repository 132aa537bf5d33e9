"""The `cityline` command's quick subcommands."""

from __future__ import annotations

import io
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


def test_add_account_creates_the_first_supervisor_and_a_dispatcher(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from console.auth import verify_password
    from workorders import accounts
    from workorders.database import make_engine, make_session_factory

    url = f"sqlite:///{tmp_path / 'cityline.db'}"
    monkeypatch.setenv("DATABASE_URL", url)

    def add(*args: str, password: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
        return main(["add-account", *args, "--password-stdin"])

    # An unmigrated database is refused, and says which command fixes it.
    assert add("sam", password="a long enough secret") == 1
    assert "cityline migrate" in capsys.readouterr().err
    assert main(["migrate"]) == 0
    assert "applied 0001" in capsys.readouterr().out
    assert add("sam", password="a long enough secret") == 0
    assert "created supervisor 'sam'" in capsys.readouterr().out
    assert (
        add("dana", "--dispatcher-of", "PUBLIC_WORKS", password="another long secret")
        == 0
    )
    assert add("sam", password="a long enough secret") == 1
    assert "taken" in capsys.readouterr().err
    assert add("kim", password="short") == 1
    assert add("lee", "--dispatcher-of", "NOPE", password="long enough secret") == 1

    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        found = accounts.password_hash_for(session, username="sam")
    engine.dispose()
    assert found is not None
    assert verify_password(found[1], "a long enough secret")
    assert not verify_password(found[1], "a wrong secret")
