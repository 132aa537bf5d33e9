"""Shared fixtures: real databases (SQLite file and this machine's PostgreSQL), and
one real runtime (models, prompts, database) for the app's tests."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from telephony.app import create_app
from telephony.runtime import Runtime, build_runtime
from telephony.settings import Settings
from workorders import store
from workorders.database import (
    create_schema,
    drop_schema,
    make_engine,
    make_session_factory,
)

AUTH_TOKEN = "test-auth-token-12345"
API_TOKEN = "test-api-token-67890"

# The machine's PostgreSQL (trust auth); CI starts it before the tests.
POSTGRES_ADMIN_URL = os.environ.get(
    "CITYLINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    name = f"cityline_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """An empty Cityline schema on each real database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'cityline.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    drop_schema(engine)
    create_schema(engine)
    yield engine
    drop_schema(engine)
    engine.dispose()


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
    built = build_runtime(settings, migrate=True)
    yield built
    built.close()


def _with_database(runtime: Runtime, url: str) -> Runtime:
    engine = make_engine(url)
    drop_schema(engine)
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
