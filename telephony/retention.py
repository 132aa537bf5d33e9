"""Deleting call audio older than the city keeps it; transcripts and orders stay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from workorders import store

logger = logging.getLogger(__name__)

# How often a running server looks for audio past its time.
CHECK_EVERY_SECONDS = 3600.0


def delete_old_audio(
    sessions: sessionmaker[Session],
    *,
    recordings_dir: Path,
    keep_days: float,
    now: datetime | None = None,
) -> int:
    """Delete the audio of calls that started more than keep_days ago.

    Only files under recordings_dir are touched. Returns the number of calls
    whose audio was deleted; each is logged by CallSid.
    """
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    root = recordings_dir.resolve()
    deleted_calls = 0
    with sessions() as session:
        for call_sid, paths in store.audio_before(session, cutoff=cutoff):
            files = 0
            for name in paths:
                path = Path(name).resolve()
                if not path.is_relative_to(root):
                    logger.warning("retention: %s is outside the recordings", path)
                    continue
                # Every process of a scaled-out line runs this over the same
                # shared recordings: another one may have deleted it just now.
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    files += 1
                _remove_if_empty(path.parent, root)
            store.forget_audio(session, call_sid=call_sid)
            deleted_calls += 1
            logger.info(
                "retention: deleted %d audio files of call %s (older than %g days)",
                files,
                call_sid,
                keep_days,
            )
    return deleted_calls


def _remove_if_empty(folder: Path, root: Path) -> None:
    # Recordings live in DATE/CALLSID/: tidy both once they hold nothing.
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


async def keep_deleting_old_audio(
    sessions: sessionmaker[Session], *, recordings_dir: Path, keep_days: float
) -> None:
    """Run delete_old_audio now and every CHECK_EVERY_SECONDS, until cancelled."""
    while True:
        try:
            await asyncio.to_thread(
                delete_old_audio,
                sessions,
                recordings_dir=recordings_dir,
                keep_days=keep_days,
            )
        except Exception:
            logger.exception("retention: deleting old audio failed")
        await asyncio.sleep(CHECK_EVERY_SECONDS)
