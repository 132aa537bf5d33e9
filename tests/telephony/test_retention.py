"""Call audio past the city's retention is deleted; words and work orders stay."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from telephony.call_scripts import DEMO_SCRIPT
from telephony.retention import delete_old_audio
from telephony.runtime import Runtime
from telephony.settings import Settings
from tests.telephony.conftest import call
from workorders import store


def test_old_call_loses_its_audio_and_keeps_its_transcript(
    settings: Settings, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    placed = call(settings, runtime, list(DEMO_SCRIPT))
    files = [Path(t.audio_path) for t in placed.call.turns if t.audio_path]
    assert placed.call.recording_path is not None
    files.append(Path(placed.call.recording_path))
    assert len(files) >= 3 and all(f.is_file() for f in files)
    now = datetime.now(UTC)

    # Within the window: nothing happens.
    kept = delete_old_audio(
        runtime.sessions,
        recordings_dir=settings.recordings_dir,
        keep_days=30,
        now=now + timedelta(days=29),
    )
    assert kept == 0 and all(f.is_file() for f in files)

    # Another process of a scaled-out line got to one of the files first.
    files[0].unlink()
    with caplog.at_level(logging.INFO, logger="telephony.retention"):
        deleted = delete_old_audio(
            runtime.sessions,
            recordings_dir=settings.recordings_dir,
            keep_days=30,
            now=now + timedelta(days=31),
        )
    assert deleted == 1
    assert not any(f.exists() for f in files)
    assert not files[0].parent.exists()  # the call's folder is tidied away
    with runtime.sessions() as session:
        after = store.get_call(session, call_sid=placed.call.call_sid)
        order = store.get_work_order(session, case_number=placed.order.case_number)  # type: ignore[union-attr]
    assert after.recording_path is None
    assert all(t.audio_path is None for t in after.turns)
    assert [t.text for t in after.turns] == [t.text for t in placed.call.turns]
    assert order.case_number == after.case_number
    logged = caplog.text
    assert placed.call.call_sid in logged
    assert placed.call.caller_number and placed.call.caller_number not in logged
