"""No street or service name is written into nlu/: it all comes from the City."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import nlu
from cities import EXAMPLE_CITY_DIR
from nlu.city import Service, Street, load_city

NLU_DIR = Path(nlu.__file__).parent


def _code_strings(path: Path) -> list[str]:
    """String literals of a module, docstrings excepted: they only explain."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        " ".join(re.findall(r"[a-z0-9]+", node.value.lower()))
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _names(streets: tuple[Street, ...], services: tuple[Service, ...]) -> set[str]:
    """Full street names and service names, less those made of suffix words only.

    "Court Place" is both a street and two words of any list of suffixes.
    """
    suffixes = {_words(street.suffix) for street in streets}
    streets_said = {_words(street.full_name) for street in streets}
    names = {name for name in streets_said if not set(name.split()) <= suffixes}
    names |= {_words(service.name) for service in services}
    names |= {_words(service.spoken_name) for service in services}
    return names


@pytest.mark.parametrize("path", sorted(NLU_DIR.glob("*.py")), ids=lambda p: p.name)
def test_nlu_module_names_no_street_or_service(
    path: Path,
    test_streets: tuple[Street, ...],
    test_services: tuple[Service, ...],
) -> None:
    example = load_city(EXAMPLE_CITY_DIR)
    names = _names(test_streets, test_services)
    names |= _names(example.streets, example.services)
    written = " | ".join(_code_strings(path))
    found = sorted(n for n in names if re.search(rf"\b{re.escape(n)}\b", written))
    assert found == []
