"""Placing real calls against the shared runtime (see tests/conftest.py)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence

from telephony.call_scripts import steps_for
from telephony.local_call import CallReport, Step, place_call
from telephony.runtime import Runtime
from telephony.server import running_server
from telephony.settings import Settings
from tests.conftest import API_TOKEN, AUTH_TOKEN
from workorders import store
from workorders.models import WorkOrderStatus
from workorders.schemas import CallOut, NewWorkOrder, WorkOrderOut

__all__ = ["API_TOKEN", "AUTH_TOKEN", "call", "call_many"]


class Placed:
    """A finished call: what the caller heard and what the server stored."""

    def __init__(self, report: CallReport, call: CallOut, order: WorkOrderOut | None):
        self.report = report
        self.call = call
        self.order = order

    @property
    def agent_lines(self) -> list[str]:
        return [turn.text for turn in self.call.turns if turn.speaker == "agent"]

    @property
    def caller_lines(self) -> list[str]:
        return [turn.text for turn in self.call.turns if turn.speaker == "caller"]

    def __repr__(self) -> str:
        # Shown by a failing assert: the conversation as it was stored.
        lines = [
            f"{t.speaker}@{t.started_seconds:.2f}: {t.text}" for t in self.call.turns
        ]
        return f"<call {self.call.outcome}\n" + "\n".join(lines) + ">"

    @property
    def agent_text(self) -> str:
        return " ".join(self.agent_lines)


def _stored(runtime: Runtime, report: CallReport) -> Placed:
    with runtime.sessions() as session:
        call = store.get_call(session, call_sid=report.call_sid)
        order = (
            store.get_work_order(session, case_number=call.case_number)
            if call.case_number
            else None
        )
    return Placed(report, call, order)


def call_many(
    settings: Settings, runtime: Runtime, scripts: Sequence[Sequence[str | Step]]
) -> list[Placed]:
    """Place calls at once over the real websocket protocol against a live server."""

    async def scenario() -> list[CallReport]:
        async with running_server(settings, runtime) as base_url:
            return list(
                await asyncio.gather(
                    *(
                        place_call(
                            base_url=base_url,
                            auth_token=AUTH_TOKEN,
                            script=[
                                s
                                for line in script
                                for s in (
                                    steps_for([line])
                                    if isinstance(line, str)
                                    else [line]
                                )
                            ],
                            pace=0.25,
                        )
                        for script in scripts
                    )
                )
            )

    reports = asyncio.run(scenario())
    return [_stored(runtime, report) for report in reports]


def call(settings: Settings, runtime: Runtime, script: Sequence[str | Step]) -> Placed:
    return call_many(settings, runtime, [script])[0]


def report_pothole(
    runtime: Runtime, address: str, *, caller_number: str = "+16175550123"
) -> str:
    """File a pothole report straight into the store; returns its case number."""
    with runtime.sessions() as session:
        return store.create_work_order(
            session,
            router=runtime.router,
            new=NewWorkOrder(
                service_code="REQPOTHL",
                address=address,
                house_number=None,
                street=None,
                cross_street=None,
                description="pothole",
                urgency="normal",
                caller_number=caller_number,
            ),
        ).case_number


def move_case(runtime: Runtime, case: str, status: WorkOrderStatus) -> None:
    """A crew moves the case, as the console or the department API would."""
    with runtime.sessions() as session:
        store.set_status(
            session, case_number=case, status=status, note="", changed_by="crew"
        )


def run_at_once(work: Callable[[], None], *, workers: int = 2) -> None:
    """Run work on several threads released at the same moment, as the
    processes of a scaled-out line would; re-raises the first failure."""
    start = threading.Barrier(workers)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            work()
        except BaseException as failure:
            failures.append(failure)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if failures:
        raise failures[0]
