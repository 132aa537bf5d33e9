"""Passwords, session tokens and the sign-in rate limit for the console."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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

    Kept in memory: one Cityline process per machine. A scaled-out line would
    keep it in the database.
    """

    def __init__(self, *, max_failures: int = 5, window_seconds: float = 900.0) -> None:
        self._max = max_failures
        self._window = window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        return times

    def retry_after_seconds(self, *keys: str) -> float:
        """0 when a try is allowed; otherwise how long until one is."""
        now = time.monotonic()
        with self._lock:
            waits = [
                times[0] + self._window - now
                for key in keys
                if len(times := self._recent(key, now)) >= self._max
            ]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
