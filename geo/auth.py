"""Sign-in: local accounts with argon2id password hashes, and OpenID Connect users.

Local accounts serve the embedded default; where the municipality has an identity provider,
Streamlit's ``st.login`` signs people in and :func:`actor_for_identity` maps the verified
e-mail address to an account (and so to a role) that an admin created.  Failed local sign-ins
are slowed down: after :data:`FREE_ATTEMPTS` wrong passwords an account waits 2, 4, 8 … up
to :data:`MAX_WAIT_S` seconds before the next try is even checked.  The messages never tell
whether a user name exists.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .errors import Refused
from .model import Actor, Role
from .store import Invalid, Store

MIN_PASSWORD_LENGTH = 10
FREE_ATTEMPTS = 3
MAX_WAIT_S = 300

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not a real password, used to spend the same time")


class SignInRefused(Refused):
    """``key`` is a string-catalogue key; ``values`` fills it (e.g. seconds to wait)."""


def hash_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid({"password": "auth.password_too_short"}, min=MIN_PASSWORD_LENGTH)
    return _hasher.hash(password)


def wait_after(failed_attempts: int) -> int:
    """Seconds an account waits after ``failed_attempts`` wrong passwords in a row."""
    if failed_attempts < FREE_ATTEMPTS:
        return 0
    return min(int(2 ** (failed_attempts - FREE_ATTEMPTS + 1)), MAX_WAIT_S)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def sign_in(store: Store, username: str, password: str, now: datetime | None = None) -> Actor:
    """The Actor for a right user name and password; :class:`SignInRefused` otherwise."""
    now = now or datetime.now(UTC)
    row = store.credentials(username=username or "")
    if row and row["locked_until"] and row["locked_until"] > now:
        raise SignInRefused("auth.wait", seconds=math.ceil((row["locked_until"] - now).total_seconds()))
    ok = _verify(row["password_hash"] if row else None, password or "")
    if row is None:
        raise SignInRefused("auth.wrong")
    if not ok:
        failed = row["failed_attempts"] + 1
        wait = wait_after(failed)
        store.record_sign_in(row["id"], False, now, now + timedelta(seconds=wait) if wait else None)
        raise SignInRefused("auth.wait", seconds=wait) if wait else SignInRefused("auth.wrong")
    if row["disabled"]:
        raise SignInRefused("auth.disabled")
    store.record_sign_in(row["id"], True, now)
    return Actor(role=Role(row["role"]), name=row["display_name"] or row["username"],
                 user_id=row["id"])


def actor_for_identity(store: Store, email: str | None) -> Actor | None:
    """The Actor for a user signed in by the identity provider, by verified e-mail; None when
    no enabled account has that address (an admin must add it first)."""
    if not email:
        return None
    row = store.credentials(email=email)
    if row is None or row["disabled"]:
        return None
    return Actor(role=Role(row["role"]), name=row["display_name"] or row["username"],
                 user_id=row["id"])


class Throttle:
    """Slows down guessing where there is no account to lock: join codes.

    Wrong tries are counted per key (the connection's IP address, else the browser session)
    and each key waits :func:`wait_after` its count, as a local account does: one person
    mistyping a code is barely slowed, while a script trying codes from one address waits
    minutes between tries within a few tries.  Counts are kept in memory for :data:`WINDOW_S`; a right code clears
    its key.
    Thread safe: Streamlit serves every session on a thread of one process.
    """

    WINDOW_S = 15 * 60

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._fails: dict[str, tuple[int, datetime]] = {}

    def wait_s(self, key: str, now: datetime | None = None) -> int:
        """Seconds ``key`` must still wait before its next try is checked (0: go ahead)."""
        now = now or datetime.now(UTC)
        with self._lock:
            count, last = self._fails.get(key, (0, now))
            if (now - last).total_seconds() > self.WINDOW_S:
                self._fails.pop(key, None)
                return 0
            left = wait_after(count) - (now - last).total_seconds()
            return max(0, math.ceil(left))

    def failed(self, key: str, now: datetime | None = None) -> int:
        """Record a wrong try; returns the seconds ``key`` now waits."""
        now = now or datetime.now(UTC)
        with self._lock:
            count, last = self._fails.get(key, (0, now))
            if (now - last).total_seconds() > self.WINDOW_S:
                count = 0
            self._fails[key] = (count + 1, now)
            if len(self._fails) > 10_000:  # forget the oldest keys rather than grow forever
                for old in sorted(self._fails, key=lambda k: self._fails[k][1])[:5_000]:
                    del self._fails[old]
            return wait_after(count + 1)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)
