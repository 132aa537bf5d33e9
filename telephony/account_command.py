"""`cityline add-account`: create a console account (the first supervisor, too)."""

from __future__ import annotations

import getpass
import sys

from console.auth import MIN_PASSWORD_LENGTH, hash_password
from telephony.runtime import admin_database
from telephony.settings import Settings
from workorders import accounts
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
    """A supervisor, or with department_code a dispatcher; returns the exit status.

    Raises: DatabaseNotReady.
    """
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
        with admin_database(settings) as sessions, sessions() as session:
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
    where = f" of {account.department_code}" if account.department_code else ""
    print(f"created {account.role.value}{where} {account.username!r}")
    return 0
