"""Shared fixtures: real databases (SQLite file and this machine's PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine

from workorders.database import create_schema, make_engine

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
    from workorders.models import Base

    Base.metadata.drop_all(engine)
    create_schema(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()
