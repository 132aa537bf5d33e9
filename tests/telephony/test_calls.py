"""Whole calls over the real websocket protocol: real audio, real whisper, real DB."""

from __future__ import annotations

import logging
import wave
from pathlib import Path

import pytest

from telephony.call_scripts import white_noise
from telephony.local_call import HangUp, Pause, SendRaw
from telephony.runtime import Runtime
from telephony.settings import Settings
from tests.telephony.conftest import call, call_many
from workorders import case_numbers, store
from workorders.models import WorkOrderStatus


def test_report_call_creates_routed_work_order_and_reads_case_number(
    settings: Settings, runtime: Runtime
) -> None:
    placed = call(settings, runtime, ["wav:report_pothole", "wav:yes", "wav:no_thanks"])
    order = placed.order
    assert order is not None
    assert order.service_code == "REQPOTHL"
    assert order.department_name == "Public Works"
    assert order.address == "1420 Elm Street"
    assert order.urgency == "normal"
    assert [h.status for h in order.history] == ["received"]
    assert case_numbers.is_valid(order.case_number)
    text = placed.agent_text
    assert "A pothole at 1420 Elm Street, normal urgency. Is that right?" in text
    assert " ".join(order.case_number) in text
    assert placed.agent_lines[-1] == "Thank you for calling. Goodbye."
    assert placed.call.outcome == "work_order_created"
    # Every prompt, the goodbye included, was heard before the stream closed.
    assert placed.report.marks_echoed == len(placed.agent_lines)
    assert placed.report.after_stream_twiml is not None
    assert "<Hangup" in placed.report.after_stream_twiml
    assert placed.report.dialed_number is None


def test_report_and_status_calls_store_in_postgresql(
    settings: Settings, postgres_runtime: Runtime
) -> None:
    report = call(
        settings, postgres_runtime, ["wav:report_pothole", "wav:yes", "wav:no_thanks"]
    )
    assert report.order is not None
    assert report.order.department_name == "Public Works"
    assert report.call.outcome == "work_order_created"
    assert len(report.call.turns) >= 6
    case_number = report.order.case_number
    status = call(
        settings, postgres_runtime, ["dtmf:1", f"dtmf:{case_number}#", "hangup"]
    )
    assert f"Case {' '.join(case_number)} is received" in status.agent_text
    assert status.call.outcome == "status_read"


def test_report_call_records_turns_and_audio(
    settings: Settings, runtime: Runtime
) -> None:
    placed = call(settings, runtime, ["wav:report_pothole", "wav:yes", "wav:no_thanks"])
    turns = placed.call.turns
    speakers = [turn.speaker for turn in turns]
    assert speakers[0] == "agent"
    assert speakers.count("caller") == 3
    caller_turns = [turn for turn in turns if turn.speaker == "caller"]
    for turn in caller_turns:
        assert turn.audio_path is not None and Path(turn.audio_path).is_file()
        assert turn.confidence is not None and 0.0 < turn.confidence <= 1.0
        assert turn.recognition_seconds is not None
    assert "pothole" in caller_turns[0].text.lower()
    assert (
        caller_turns[0].slots_json is not None
        and "REQPOTHL" in caller_turns[0].slots_json
    )
    assert placed.call.recording_path is not None
    with wave.open(placed.call.recording_path, "rb") as recording:
        assert recording.getnchannels() == 2
        assert recording.getframerate() == 8000
        assert recording.getnframes() / 8000 > 10


def test_status_call_reads_status_department_and_date(
    settings: Settings, runtime: Runtime
) -> None:
    report = call(settings, runtime, ["wav:report_pothole", "wav:yes", "wav:no_thanks"])
    assert report.order is not None
    case_number = report.order.case_number
    with runtime.sessions() as session:
        store.set_status(
            session,
            case_number=case_number,
            status=WorkOrderStatus.IN_PROGRESS,
            note="Crew scheduled",
            changed_by="dispatcher",
        )
    placed = call(settings, runtime, ["dtmf:1", f"dtmf:{case_number}#", "wav:no"])
    text = placed.agent_text
    assert "Please enter your case number on the keypad, then press pound." in text
    assert f"Case {' '.join(case_number)} is in progress, with Public Works" in text
    assert "last updated on" in text
    assert placed.call.outcome == "status_read"
    assert placed.order is None


def test_spoken_status_request_then_wrong_number_gets_retry(
    settings: Settings, runtime: Runtime
) -> None:
    placed = call(
        settings,
        runtime,
        ["wav:check_case", "dtmf:1234567#", "dtmf:1000007#", "hangup"],
    )
    text = placed.agent_text
    assert "enter your case number" in text
    assert "doesn't look right" in text
    assert "couldn't find case" in text or not case_numbers.is_valid("1000007")


def test_emergency_call_says_911_and_creates_no_ticket(
    settings: Settings, runtime: Runtime
) -> None:
    placed = call(settings, runtime, ["wav:gas_leak"])
    assert "dial 9 1 1" in placed.agent_text
    assert placed.order is None
    assert placed.call.outcome == "emergency"


def test_operator_request_dials_the_operator_after_the_stream(
    settings: Settings, runtime: Runtime
) -> None:
    placed = call(settings, runtime, ["wav:operator"])
    assert placed.call.outcome == "transferred"
    assert placed.report.dialed_number == runtime.operator_number


def test_pressing_zero_dials_the_operator(settings: Settings, runtime: Runtime) -> None:
    placed = call(settings, runtime, ["dtmf:0"])
    assert placed.report.dialed_number == runtime.operator_number


def test_silent_call_is_reprompted_then_ended_politely(
    settings: Settings, runtime: Runtime
) -> None:
    placed = call(settings, runtime, [Pause(seconds=20)])
    text = placed.agent_text
    assert "Are you still there?" in text
    assert "press 0" in text
    assert placed.agent_lines[-1].endswith("Goodbye.")
    assert placed.call.outcome == "no_input"


def test_sixty_seconds_of_noise_is_not_a_report(
    settings: Settings, runtime: Runtime
) -> None:
    placed = call(
        settings,
        runtime,
        [Pause(seconds=60, audio=white_noise(60, level=0.05)), HangUp()],
    )
    assert placed.order is None
    assert placed.call.outcome in {"no_input", "abandoned", "transferred"}


def test_caller_hanging_up_mid_report_is_saved_as_abandoned(
    settings: Settings, runtime: Runtime
) -> None:
    placed = call(settings, runtime, ["wav:report_streetlight", HangUp()])
    assert placed.call.outcome == "abandoned"
    assert placed.order is None
    assert any("streetlight" in line.lower() for line in placed.caller_lines)
    assert placed.call.ended_at is not None


def test_barge_in_clears_the_prompt_and_listens(
    settings: Settings, runtime: Runtime
) -> None:
    placed = call(
        settings,
        runtime,
        ["bargein:wav:report_pothole", "wav:yes", "wav:no_thanks"],
    )
    assert placed.report.clears >= 1
    assert placed.order is not None
    assert placed.order.address == "1420 Elm Street"


def test_two_calls_at_once_do_not_disturb_each_other(
    settings: Settings, runtime: Runtime
) -> None:
    first, second, broken = call_many(
        settings,
        runtime,
        [
            ["wav:report_pothole", "wav:yes", "wav:no_thanks"],
            ["wav:report_streetlight", "wav:address_maple", "wav:yes", "wav:no_thanks"],
            # A third caller sends garbage mid-report and drops off.
            [
                "wav:report_streetlight",
                SendRaw(text="\x00\x01 garbage"),
                SendRaw(text='{"event": "media", "media": {"payload": 12}}'),
                HangUp(),
            ],
        ],
    )
    assert broken.call.outcome == "abandoned"
    assert broken.order is None
    assert first.order is not None, first
    assert second.order is not None, second
    assert first.order.service_code == "REQPOTHL"
    assert second.order.service_code == "STRLGTOUT"
    assert second.order.address == "412 Maple Avenue"
    assert first.order.case_number != second.order.case_number


def test_malformed_websocket_messages_are_skipped_and_the_call_goes_on(
    settings: Settings, runtime: Runtime
) -> None:
    placed = call(
        settings,
        runtime,
        [
            SendRaw(text="this is not json"),
            SendRaw(text='{"event": "dance", "streamSid": "MZ1"}'),
            SendRaw(
                text='{"event": "media", "media": {"payload": "%%%not-base64%%%"}}'
            ),
            SendRaw(text='{"event": "dtmf", "dtmf": {"digit": "twelve"}}'),
            "wav:report_pothole",
            "wav:yes",
            "wav:no_thanks",
        ],
    )
    assert placed.order is not None
    assert placed.call.outcome == "work_order_created"


def test_logs_mask_the_callers_number(
    settings: Settings, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    placed = call(settings, runtime, ["dtmf:0"])
    assert placed.call.outcome == "transferred"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "***0123" in logged  # the local caller's number is +15555550123
    assert "5555550123" not in logged


def test_second_report_of_the_same_pothole_joins_the_first(
    settings: Settings, runtime: Runtime
) -> None:
    script = ["wav:report_pothole", "wav:yes", "wav:no_thanks"]
    first = call(settings, runtime, script)
    second = call(settings, runtime, script)
    assert first.order is not None and second.order is not None
    assert second.order.case_number == first.order.case_number
    spoken = " ".join(first.order.case_number)
    assert f"That's already been reported, as case {spoken}" in second.agent_text
    assert "I've added your report to it." in second.agent_text
    assert second.call.outcome == "work_order_created"
    notes = [h.note for h in second.order.history]
    assert notes[-1].startswith("Reported again by phone")
