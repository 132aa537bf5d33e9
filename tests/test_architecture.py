"""Imports point one way: telephony -> voice, dialog, workorders, console;
dialog -> nlu; console -> workorders."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "voice",
    "dialog",
    "nlu",
    "workorders",
    "telephony",
    "cities",
    "console",
    "open311",
)
ALLOWED: dict[str, set[str]] = {
    "voice": set(),
    "nlu": set(),
    "workorders": set(),
    "dialog": {"nlu"},
    "cities": {"nlu"},
    # The console shows what workorders stores; it knows nothing of calls' audio
    # processing, the dialog or Twilio.
    "console": {"workorders"},
    "open311": {"workorders"},
    "telephony": {
        "voice",
        "dialog",
        "nlu",
        "workorders",
        "cities",
        "audio_fixtures",
        "console",
        "open311",
    },
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_what_it_may(package: str) -> None:
    project = set(PACKAGES) | {"audio_fixtures"}
    for path in (ROOT / package).rglob("*.py"):
        wrong = (_imported_packages(path) & project) - ALLOWED[package] - {package}
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def _city_words() -> set[str]:
    from cities import EXAMPLE_CITY_DIR
    from nlu.city import load_city

    city = load_city(EXAMPLE_CITY_DIR)
    words = {street.full_name.lower() for street in city.streets}
    words |= {service.spoken_name.lower() for service in city.services}
    words |= {service.code.lower() for service in city.services}
    return words


@pytest.mark.parametrize("package", ["nlu", "dialog"])
def test_no_category_or_street_is_written_in_code(package: str) -> None:
    words = _city_words()
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        strings = {
            node.value.lower()
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        leaked = {word for word in words for s in strings if word in s}
        assert not leaked, f"{path.relative_to(ROOT)} names {sorted(leaked)}"
