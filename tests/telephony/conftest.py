"""One real runtime (models, prompts, database) shared by the telephony tests."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from telephony.app import create_app
from telephony.call_scripts import steps_for
from telephony.local_call import CallReport, Step, place_call
from telephony.runtime import Runtime, build_runtime
from telephony.server import running_server
from telephony.settings import Settings
from workorders import store
from workorders.database import create_schema, make_engine, make_session_factory
from workorders.models import Base
from workorders.schemas import CallOut, WorkOrderOut

AUTH_TOKEN = "test-auth-token-12345"
API_TOKEN = "test-api-token-67890"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("cityline")
    return Settings(
        database_url=f"sqlite:///{data_dir / 'cityline.db'}",
        twilio_auth_token=AUTH_TOKEN,
        api_token=API_TOKEN,
        public_url="https://cityline.example.org",
        data_dir=data_dir,
        recordings_dir=data_dir / "recordings",
        # Short, so the silence tests do not take half a minute each.
        no_input_seconds=3.0,
    )


@pytest.fixture(scope="session")
def loaded_runtime(settings: Settings) -> Iterator[Runtime]:
    """Models, prompts and dialog, loaded once for the whole session."""
    built = build_runtime(settings)
    yield built
    built.close()


def _with_database(runtime: Runtime, url: str) -> Runtime:
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    create_schema(engine)
    sessions = make_session_factory(engine)
    with sessions() as session:
        store.sync_departments(session, router=runtime.router)
    return dataclasses.replace(runtime, engine=engine, sessions=sessions)


@pytest.fixture
def runtime(loaded_runtime: Runtime, tmp_path: Path) -> Iterator[Runtime]:
    """The loaded runtime over an empty SQLite database of this test's own."""
    fresh = _with_database(loaded_runtime, f"sqlite:///{tmp_path / 'cityline.db'}")
    yield fresh
    fresh.engine.dispose()


@pytest.fixture
def postgres_runtime(loaded_runtime: Runtime, postgres_url: str) -> Iterator[Runtime]:
    """The same models and dialog over an empty schema in this machine's PostgreSQL."""
    fresh = _with_database(loaded_runtime, postgres_url)
    yield fresh
    fresh.engine.dispose()


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(settings, runtime)) as test_client:
        yield test_client


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
