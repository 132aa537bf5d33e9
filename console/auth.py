"""Passwords, session tokens and the sign-in rate limit for the console."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from workorders import accounts

# argon2id with the library's defaults (RFC 9106 "low memory" profile).
_HASHER = PasswordHasher()
# Verified against when the name is unknown, so a wrong name takes as long as a
# wrong password and names cannot be probed by timing.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when password matches; always does the work of one verification."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and (
            stored_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)


def new_token() -> str:
    """A random, URL-safe token: 256 bits."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a session cookie: a leaked table signs no one in."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def tokens_match(given: str | None, expected: str) -> bool:
    return given is not None and secrets.compare_digest(given, expected)


class LoginLimiter:
    """At most max_failures wrong passwords per name and per address in a window.

    The failures are kept in the database, so a line scaled out over several
    processes still allows five tries in all, not five per process.
    """

    def __init__(self, *, max_failures: int = 5, window_seconds: float = 900.0) -> None:
        self._max = max_failures
        self._window = timedelta(seconds=window_seconds)

    def retry_after_seconds(
        self, session: Session, *keys: str, now: datetime | None = None
    ) -> float:
        """0 when a try is allowed; otherwise how long until one is."""
        moment = now or datetime.now(UTC)
        waits = [0.0]
        for key in keys:
            times = accounts.login_failure_times(
                session, key=key, since=moment - self._window
            )
            if len(times) >= self._max:
                # Allowed again once enough of them have aged out of the window.
                freed_at = times[len(times) - self._max] + self._window
                waits.append((freed_at - moment).total_seconds())
        return max(waits)

    def failed(self, session: Session, *keys: str, now: datetime | None = None) -> None:
        moment = now or datetime.now(UTC)
        accounts.record_login_failure(
            session, keys=keys, now=moment, forget_before=moment - self._window
        )

    def succeeded(self, session: Session, *keys: str) -> None:
        accounts.clear_login_failures(session, keys=keys)
