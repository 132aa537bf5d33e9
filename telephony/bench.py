"""`cityline bench`: voice-to-voice latency of real calls streamed in real time."""

from __future__ import annotations

import asyncio
import statistics
import time

from sqlalchemy import select

from telephony.call_scripts import BENCH_SCRIPT, steps_for
from telephony.local_call import CallReport, place_call
from telephony.runtime import build_runtime
from telephony.server import running_server
from telephony.settings import Settings
from workorders.models import CallTurn


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _describe(label: str, values: list[float]) -> str:
    if not values:
        return f"{label}: no samples"
    return (
        f"{label}: p50 {statistics.median(values):.2f} s, "
        f"p95 {_percentile(values, 0.95):.2f} s, "
        f"max {max(values):.2f} s (n={len(values)})"
    )


async def run_bench(settings: Settings, calls: int, concurrent: int) -> int:
    """Run fixture calls one by one, then several at once; print the figures."""
    import secrets

    settings = settings.model_copy(
        update={
            "twilio_auth_token": settings.twilio_auth_token or secrets.token_hex(16)
        }
    )
    began = time.perf_counter()
    runtime = await asyncio.to_thread(build_runtime, settings)
    print(f"start-up (models, prompts, database): {time.perf_counter() - began:.1f} s")
    print(f"model {settings.stt_model}, voice {settings.tts_engine}")
    steps = steps_for(BENCH_SCRIPT)

    async def one() -> CallReport:
        return await place_call(
            base_url=base_url,
            auth_token=settings.twilio_auth_token,
            script=steps,
            pace=1.0,
        )

    async with running_server(settings, runtime) as base_url:
        sequential: list[CallReport] = []
        for _ in range(calls):
            sequential.append(await one())
        together = list(await asyncio.gather(*(one() for _ in range(concurrent))))

    with runtime.sessions() as session:
        recognition = [
            value
            for value in session.scalars(
                select(CallTurn.recognition_seconds).where(
                    CallTurn.recognition_seconds.is_not(None)
                )
            )
            if value is not None
        ]
    runtime.close()
    print(
        _describe(
            f"voice-to-voice, {calls} calls one at a time",
            [x for r in sequential for x in r.latencies_seconds],
        )
    )
    print(
        _describe(
            f"voice-to-voice, {concurrent} calls at once",
            [x for r in together for x in r.latencies_seconds],
        )
    )
    print(
        _describe("recognition per utterance (all calls in this database)", recognition)
    )
    print(
        "voice-to-voice = caller's last speech frame to the agent's first reply frame, "
        f"including {settings.end_of_utterance_seconds:.2f} s end-of-utterance silence"
    )
    return 0
