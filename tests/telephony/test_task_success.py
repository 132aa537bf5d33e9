"""The whole-call benchmark: its call set, its judge, and real calls through it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from cities import EXAMPLE_CITY_DIR
from dialog.machine import Dialog
from nlu.city import load_city
from telephony.runtime import Runtime
from telephony.settings import Settings
from telephony.task_success import (
    CallSetError,
    ScriptedCall,
    dry_run,
    load_calls,
    place_calls,
)

CALLS = load_calls(EXAMPLE_CITY_DIR / "eval" / "calls.jsonl")
# What the issue asks the benchmark to cover.
REQUIRED_KINDS = {
    "slots in one sentence",
    "slots over several turns",
    "correction at confirmation",
    "intersection",
    "landmark",
    "FAQ",
    "emergency",
    "operator request",
    "duplicate",
    "case status",
    "keypad address fallback",
    "described place",
}


@pytest.fixture(scope="module")
def dialog() -> Dialog:
    return Dialog(load_city(EXAMPLE_CITY_DIR))


def _by_id(*ids: str) -> list[ScriptedCall]:
    return [call for call in CALLS if call.id in ids]


def test_call_set_has_25_calls_of_every_required_kind() -> None:
    assert len(CALLS) >= 25
    assert {call.kind for call in CALLS} >= REQUIRED_KINDS


@pytest.mark.parametrize("call", CALLS, ids=[call.id for call in CALLS])
def test_every_scripted_call_succeeds_on_its_own_words(
    dialog: Dialog, call: ScriptedCall
) -> None:
    # Recognition aside, the dialog must carry each call to its expected end.
    assert dry_run(dialog, call) == []


def test_wrong_expectation_is_reported(dialog: Dialog, tmp_path: Path) -> None:
    row = {
        "id": "wrong",
        "kind": "slots in one sentence",
        "lines": ["There's a pothole at 1420 Elm Street.", "Yes.", "No."],
        "expect": {"outcome": "work_order_created", "service_code": "STRLGTOUT"},
    }
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    [call] = load_calls(path)
    problems = dry_run(dialog, call)
    assert problems == ["service 'REQPOTHL', expected 'STRLGTOUT'"]


@pytest.mark.parametrize("answered", [True, False])
def test_caller_answers_what_the_agent_asks_for(
    dialog: Dialog, tmp_path: Path, answered: bool
) -> None:
    # The first line gives no house number: only a caller who answers the
    # agent's question gets the right address filed.
    row = {
        "id": "number_asked",
        "kind": "slots over several turns",
        "lines": ["There's a pothole on Maple Avenue.", "Yes.", "No."],
        "answers": {"What is the house number": "Four twelve."} if answered else {},
        "expect": {
            "outcome": "work_order_created",
            "service_code": "REQPOTHL",
            "address": "412 Maple Avenue",
        },
    }
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    [call] = load_calls(path)
    assert call.answers == (
        (("What is the house number", "Four twelve."),) if answered else ()
    )
    assert (dry_run(dialog, call) == []) is answered


def test_case_of_a_later_call_is_refused(tmp_path: Path) -> None:
    rows = [
        {
            "id": "status",
            "kind": "case status",
            "lines": ["dtmf:1", "dtmf:{case:report}#"],
            "expect": {"outcome": "status_read"},
        },
        {"id": "report", "kind": "x", "lines": [], "expect": {"outcome": "ended"}},
    ]
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    with pytest.raises(CallSetError, match=r"calls\.jsonl:1: 'report' must come"):
        load_calls(path)


def test_report_duplicate_and_status_calls_succeed_over_the_websocket(
    settings: Settings, runtime: Runtime
) -> None:
    calls = _by_id(
        "pothole_one_sentence", "duplicate_pothole", "status_wrong_then_right"
    )
    results = asyncio.run(place_calls(settings, runtime, calls, verbose=False))
    assert [r.problems for r in results] == [(), (), ()], results
    first, duplicate, status = results
    assert first.order is not None and duplicate.order is not None
    assert duplicate.stored.case_number == first.stored.case_number
    assert status.stored.outcome == "status_read"
