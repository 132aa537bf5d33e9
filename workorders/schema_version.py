"""The database schema is Alembic's migrations; this applies and checks them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The first revision: the tables as they stood before migrations existed.
BASELINE = "0001"


class SchemaError(Exception):
    """The database cannot be brought to, or is not at, the code's schema."""


def alembic_config(connection: object | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def pending_revisions(engine: Engine) -> list[str]:
    """Revisions not yet applied, oldest first; empty when up to date."""
    script = ScriptDirectory.from_config(alembic_config())
    current = current_revision(engine)
    pending = [
        rev.revision
        for rev in script.iterate_revisions(script.get_current_head(), current)
    ]
    return list(reversed(pending))


def upgrade(engine: Engine) -> list[str]:
    """Apply every pending migration; returns the revisions applied.

    A database made before migrations existed (its tables, no version) is
    marked as at the baseline first, if it has every baseline table.
    Raises: SchemaError.
    """
    pending = pending_revisions(engine)
    if not pending:
        return []
    tables = set(inspect(engine).get_table_names())
    if current_revision(engine) is None and tables - {"alembic_version"}:
        missing = _baseline_tables() - tables
        if missing:
            raise SchemaError(
                "the database has tables but no migration version, and lacks "
                f"{', '.join(sorted(missing))}: it is not a Cityline database"
            )
        with engine.begin() as connection:
            command.stamp(alembic_config(connection), BASELINE)
        pending = pending_revisions(engine)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    return pending


def _baseline_tables() -> set[str]:
    return {
        "departments",
        "work_orders",
        "status_changes",
        "corrections",
        "calls",
        "call_turns",
        "accounts",
        "console_sessions",
    }
