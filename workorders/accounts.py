"""Console accounts and their sign-in sessions; password hashing is the caller's."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workorders.models import (
    Account,
    ConsoleSession,
    Department,
    LoginFailure,
    Role,
    as_utc,
)
from workorders.schemas import AccountOut


class AccountError(Exception):
    """An account cannot be created as asked (taken name, unknown department)."""


def _account_out(account: Account) -> AccountOut:
    return AccountOut(
        id=account.id,
        username=account.username,
        role=Role(account.role),
        department_code=account.department_code,
    )


def create_account(
    session: Session,
    *,
    username: str,
    password_hash: str,
    role: Role,
    department_code: str | None = None,
) -> AccountOut:
    """Raises: AccountError."""
    if role is Role.DISPATCHER and department_code is None:
        raise AccountError("a dispatcher belongs to a department")
    if department_code is not None and session.get(Department, department_code) is None:
        raise AccountError(f"no department {department_code!r}")
    account = Account(
        username=username,
        password_hash=password_hash,
        role=role.value,
        department_code=department_code if role is Role.DISPATCHER else None,
    )
    session.add(account)
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise AccountError(f"the name {username!r} is taken") from error
    return _account_out(account)


def password_hash_for(session: Session, *, username: str) -> tuple[int, str] | None:
    """(account id, stored hash) for a name, or None when there is no such account."""
    account = session.scalar(select(Account).where(Account.username == username))
    return None if account is None else (account.id, account.password_hash)


def set_password_hash(session: Session, *, account_id: int, password_hash: str) -> None:
    """Store a rehashed password (argon2 parameters raised since it was set)."""
    account = session.get(Account, account_id)
    if account is not None:
        account.password_hash = password_hash
        session.commit()


def start_session(
    session: Session,
    *,
    account_id: int,
    token_hash: str,
    csrf_token: str,
    expires_at: datetime,
) -> None:
    session.add(
        ConsoleSession(
            token_hash=token_hash,
            account_id=account_id,
            csrf_token=csrf_token,
            expires_at=expires_at,
        )
    )
    session.commit()


def session_account(
    session: Session, *, token_hash: str, now: datetime
) -> tuple[AccountOut, str] | None:
    """The signed-in account and its CSRF token, or None if unknown or expired."""
    row = session.get(ConsoleSession, token_hash)
    if row is None:
        return None
    if as_utc(row.expires_at) <= now:
        session.delete(row)
        session.commit()
        return None
    return _account_out(row.account), row.csrf_token


def end_session(session: Session, *, token_hash: str) -> None:
    session.execute(
        delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash)
    )
    session.commit()


def count_accounts(session: Session) -> int:
    return len(session.scalars(select(Account.id)).all())


_MAX_KEY_CHARS = 200  # LoginFailure.key's width


def _failure_key(key: str) -> str:
    """The key as stored: one longer than the column (a pasted novel as the
    sign-in name) is kept as its hash, so it still counts and still fits."""
    if len(key) <= _MAX_KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def login_failure_times(
    session: Session, *, key: str, since: datetime
) -> list[datetime]:
    """When key's wrong passwords since `since` were given, oldest first."""
    times = session.scalars(
        select(LoginFailure.failed_at)
        .where(LoginFailure.key == _failure_key(key), LoginFailure.failed_at > since)
        .order_by(LoginFailure.failed_at)
    )
    return [as_utc(moment) for moment in times]


def record_login_failure(
    session: Session, *, keys: Sequence[str], now: datetime, forget_before: datetime
) -> None:
    """Count a wrong password against each key; failures older than
    forget_before no longer count for anyone and are deleted."""
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= forget_before))
    session.add_all(LoginFailure(key=_failure_key(key), failed_at=now) for key in keys)
    session.commit()


def clear_login_failures(session: Session, *, keys: Sequence[str]) -> None:
    stored = [_failure_key(key) for key in keys]
    session.execute(delete(LoginFailure).where(LoginFailure.key.in_(stored)))
    session.commit()
