"""`cityline add-account`: create a console account (the first supervisor, too)."""

from __future__ import annotations

import getpass
import sys

from console.auth import MIN_PASSWORD_LENGTH, hash_password
from nlu.city import load_city
from telephony.runtime import DatabaseNotReady, check_database, router_for
from telephony.settings import Settings
from workorders import accounts, store
from workorders.database import make_engine, make_session_factory
from workorders.models import Role


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        print("error: the passwords differ", file=sys.stderr)
        return None
    return first


def add_account(
    settings: Settings,
    *,
    username: str,
    department_code: str | None,
    password_from_stdin: bool,
) -> int:
    """A supervisor, or with department_code a dispatcher; returns the exit status."""
    password = _read_password(password_from_stdin)
    if password is None:
        return 1
    if len(password) < MIN_PASSWORD_LENGTH:
        print(
            f"error: a password needs at least {MIN_PASSWORD_LENGTH} characters",
            file=sys.stderr,
        )
        return 1
    try:
        check_database(settings)
    except DatabaseNotReady as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    engine = make_engine(settings.database_url)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session:
            store.sync_departments(
                session, router=router_for(load_city(settings.city_dir))
            )
            account = accounts.create_account(
                session,
                username=username,
                password_hash=hash_password(password),
                role=Role.DISPATCHER if department_code else Role.SUPERVISOR,
                department_code=department_code,
            )
    except accounts.AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    where = f" of {account.department_code}" if account.department_code else ""
    print(f"created {account.role.value}{where} {account.username!r}")
    return 0
