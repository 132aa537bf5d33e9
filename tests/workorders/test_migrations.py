"""The schema is the migrations: upward on SQLite and PostgreSQL, to the models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from telephony.runtime import DatabaseNotReady, check_database
from telephony.settings import Settings
from workorders import schema_version
from workorders.database import drop_schema, make_engine
from workorders.models import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'empty.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    drop_schema(engine)
    yield engine
    drop_schema(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS somebody_elses"))
    engine.dispose()


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return list(
            compare_metadata(MigrationContext.configure(connection), Base.metadata)
        )


def test_every_migration_applies_upward_one_by_one_to_the_models(empty: Engine) -> None:
    script = ScriptDirectory.from_config(schema_version.alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert revisions[0] == schema_version.BASELINE
    for revision in revisions:
        with empty.begin() as connection:
            command.upgrade(schema_version.alembic_config(connection), revision)
        assert schema_version.current_revision(empty) == revision
    assert schema_version.pending_revisions(empty) == []
    # What the migrations built is exactly what the models declare.
    assert _differences(empty) == []


def test_upgrade_reports_what_it_applied_then_nothing(empty: Engine) -> None:
    head = schema_version.head_revision()
    applied = schema_version.upgrade(empty)
    assert applied[-1] == head and applied[0] == schema_version.BASELINE
    assert schema_version.upgrade(empty) == []


def test_database_from_before_migrations_is_adopted(empty: Engine) -> None:
    # The baseline's tables with no version: how create_all left a database.
    with empty.begin() as connection:
        command.upgrade(
            schema_version.alembic_config(connection), schema_version.BASELINE
        )
        connection.execute(text("DROP TABLE alembic_version"))
    assert schema_version.current_revision(empty) is None

    schema_version.upgrade(empty)

    assert schema_version.pending_revisions(empty) == []
    assert _differences(empty) == []


def test_somebody_elses_database_is_refused(empty: Engine) -> None:
    with empty.begin() as connection:
        connection.execute(text("CREATE TABLE somebody_elses (id INTEGER PRIMARY KEY)"))
    with pytest.raises(schema_version.SchemaError, match="not a Cityline database"):
        schema_version.upgrade(empty)
    assert "work_orders" not in inspect(empty).get_table_names()


def test_app_refuses_a_database_with_pending_migrations(empty: Engine) -> None:
    settings = Settings(database_url=empty.url.render_as_string(hide_password=False))
    with pytest.raises(DatabaseNotReady, match="cityline migrate"):
        check_database(settings)
    schema_version.upgrade(empty)
    check_database(settings)  # up to date: no complaint


def test_postgresql_uses_the_indexes_for_the_lines_queries(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url)
    drop_schema(engine)
    schema_version.upgrade(engine)
    queries = {
        "work_orders_case_number_key": (
            "SELECT * FROM work_orders WHERE case_number = '1000015'"
        ),
        "ix_work_orders_status_department": (
            "SELECT * FROM work_orders WHERE status = 'received' "
            "AND department_code = 'PUBLIC_WORKS' ORDER BY created_at DESC"
        ),
        "ix_work_orders_created_at": (
            "SELECT * FROM work_orders WHERE created_at >= now() - interval '90 days' "
            "ORDER BY created_at DESC LIMIT 1000"
        ),
        "ix_work_orders_service_status": (
            "SELECT * FROM work_orders WHERE service_code = 'REQPOTHL' "
            "AND status IN ('received', 'in_progress')"
        ),
        "ix_calls_started_at": "SELECT * FROM calls ORDER BY started_at DESC LIMIT 25",
        "ix_call_turns_call_id": "SELECT * FROM call_turns WHERE call_id = 7",
    }
    try:
        with engine.connect() as connection:
            # An empty table is read whole whatever the indexes; with sequential
            # scans priced out, the plan shows which index the query can use.
            connection.execute(text("SET enable_seqscan = off"))
            for index, query in queries.items():
                plan = "\n".join(
                    row[0] for row in connection.execute(text(f"EXPLAIN {query}"))
                )
                assert index in plan, (query, plan)
    finally:
        drop_schema(engine)
        engine.dispose()
