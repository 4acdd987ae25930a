"""Sign-in: local accounts with argon2id password hashes, and OpenID Connect users.

Local accounts serve the embedded default; where the municipality has an identity provider,
Streamlit's ``st.login`` signs people in and :func:`actor_for_identity` maps the verified
e-mail address to an account (and so to a role) that an admin created.

Guessing is slowed down in the database (:meth:`geo.store.Store.claim_attempt`), so that
every server process and every parallel try sees the same count:

- **per source address first**: after :data:`SOURCE_FREE` wrong tries from one address, it
  waits 2, 4, 8 … up to :data:`MAX_WAIT_S` seconds, whatever names it tries;
- **per user name**, known or not: after :data:`FREE_ATTEMPTS` wrong tries the name waits 2,
  4 … but never more than :data:`ACCOUNT_MAX_WAIT_S`, so that no one can keep someone
  else's account locked for long from a few addresses.

A try is counted before its password is checked, so parallel tries cannot all be checked
before a lock is set.  A known and an unknown name get the same answers and spend the same
time (a password hash is always checked).  Counts are forgotten :data:`WINDOW_S` after the
last failure; a right password forgets the name's count and takes back the try from the
address's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .errors import Refused
from .model import Actor, Role
from .store import Invalid, Store

MIN_PASSWORD_LENGTH = 10
FREE_ATTEMPTS = 3
SOURCE_FREE = 10
MAX_WAIT_S = 300
ACCOUNT_MAX_WAIT_S = 30
WINDOW_S = 15 * 60
JOIN_FREE = 5  # join codes: a group at one address mistypes now and then

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not a real password, used to spend the same time")


class SignInRefused(Refused):
    """``key`` is a string-catalogue key; ``values`` fills it (e.g. seconds to wait)."""


def hash_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid({"password": "auth.password_too_short"}, min=MIN_PASSWORD_LENGTH)
    return _hasher.hash(password)


def wait_after(failures: int, free: int = FREE_ATTEMPTS, cap: int = MAX_WAIT_S) -> int:
    """Seconds a key waits after ``failures`` wrong tries in a row (``free`` cost nothing)."""
    if failures < free:
        return 0
    return min(int(2 ** (failures - free + 1)), cap)


def _source_wait(failures: int) -> int:
    return wait_after(failures, SOURCE_FREE)


def _account_wait(failures: int) -> int:
    return wait_after(failures, FREE_ATTEMPTS, ACCOUNT_MAX_WAIT_S)


def _join_wait(failures: int) -> int:
    return wait_after(failures, JOIN_FREE)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _claim(store: Store, keys: list[tuple[str, Callable[[int], int]]], now: datetime) -> int:
    """Claim a try on every key in turn (see the module's doc); the seconds to wait when one
    is locked (nothing checked), else 0."""
    for key, rule in keys:
        claim = store.claim_attempt(key, rule, window_s=WINDOW_S, now=now)
        if claim.wait_s:
            return claim.wait_s
    return 0


def sign_in(store: Store, username: str, password: str, *, source: str = "",
            now: datetime | None = None) -> Actor:
    """The Actor for a right user name and password; :class:`SignInRefused` otherwise.
    ``source`` is the address the try came from (:func:`ui.client.source_address`)."""
    now = now or datetime.now(UTC)
    name = (username or "").strip().lower()[:200]
    source_key, account_key = f"source:{source or '-'}", f"account:{name}"
    if wait := _claim(store, [(source_key, _source_wait), (account_key, _account_wait)], now):
        _verify(None, password or "")  # the same time as a checked try
        raise SignInRefused("auth.wait", seconds=wait)
    row = store.credentials(username=name)
    if not _verify(row["password_hash"] if row else None, password or "") or row is None:
        raise SignInRefused("auth.wrong")
    store.clear_attempts(account_key)
    store.release_attempt(source_key)
    if row["disabled"]:
        raise SignInRefused("auth.disabled")
    store.record_sign_in(row["id"], now)
    return Actor(role=Role(row["role"]), name=row["display_name"] or row["username"],
                 user_id=row["id"])


def join_wait(store: Store, source: str, now: datetime | None = None) -> int:
    """Claim a try at a join code from ``source``: the seconds it must wait first (0: go
    ahead).  A right code takes the try back (:func:`joined`), so a group joining from one
    address is never slowed; a wrong one stays counted until :data:`WINDOW_S` has passed."""
    return _claim(store, [(f"join:{source or '-'}", _join_wait)], now or datetime.now(UTC))


def joined(store: Store, source: str) -> None:
    store.release_attempt(f"join:{source or '-'}")


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
