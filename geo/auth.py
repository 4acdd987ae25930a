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
time: every try, refused or not, checks one password hash (a dummy one for an unknown name
or a try refused while locked).  The wrong try that sets a lock already says how long to
wait.  Counts are forgotten :data:`WINDOW_S` after the last failure; a right password
forgets the name's count and takes back its own try from the address's (so a right try
never lifts a wait that someone else's wrong try set).

Join codes are slowed down per source address the same way (:func:`claim_join`): a right
code takes back only its own try, so neither a new session nor a right code in between
resets the count.  The source address is :func:`geo.source.source_address`'s key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .errors import Refused
from .model import Actor, Role
from .store import Claim, Invalid, Store

MIN_PASSWORD_LENGTH = 10
FREE_ATTEMPTS = 3
SOURCE_FREE = 10
MAX_WAIT_S = 300
ACCOUNT_MAX_WAIT_S = 30
WINDOW_S = 15 * 60
JOIN_FREE = 5  # join codes: a group at one address mistypes now and then

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    """A hash to check when there is no account's (made once: about 0.2 s)."""
    return _hasher.hash("not a real password, used to spend the same time")


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
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


Rule = Callable[[int], int]


def _claim(store: Store, keys: Sequence[tuple[str, Rule]], now: datetime) -> tuple[int, list[Claim]]:
    """Claim a try on every key in turn (see the module's doc): the seconds to wait when one
    is locked (0: go ahead, every key counted this try), and the claims made."""
    claims: list[Claim] = []
    for key, rule in keys:
        claim = store.claim_attempt(key, rule, window_s=WINDOW_S, now=now)
        if claim.wait_s:
            return claim.wait_s, claims
        claims.append(claim)
    return 0, claims


def _lock_set(keys: Sequence[tuple[str, Rule]], claims: Sequence[Claim]) -> int:
    """The longest wait the claims' own (wrong) tries set on their keys."""
    return max((rule(claim.failures) for (_, rule), claim in zip(keys, claims)), default=0)


def source_key(source: str) -> str:
    return f"source:{source or '-'}"


def account_key(username: str) -> str:
    return f"account:{(username or '').strip().lower()[:200]}"


def join_key(source: str) -> str:
    return f"join:{source or '-'}"


def sign_in(store: Store, username: str, password: str, *, source: str = "",
            now: datetime | None = None) -> Actor:
    """The Actor for a right user name and password; :class:`SignInRefused` otherwise.
    ``source`` is the address the try came from (:func:`ui.client.source_address`)."""
    now = now or datetime.now(UTC)
    name = (username or "").strip().lower()[:200]
    password = password if isinstance(password, str) else ""
    keys = [(source_key(source), _source_wait), (account_key(name), _account_wait)]
    wait, claims = _claim(store, keys, now)
    if wait:
        _verify(None, password)  # the same time as a checked try
        raise SignInRefused("auth.wait", seconds=wait)
    row = store.credentials(username=name)
    if not _verify(row["password_hash"] if row else None, password) or row is None:
        if lock := _lock_set(keys, claims):  # this wrong try made the next ones wait
            raise SignInRefused("auth.wait", seconds=lock)
        raise SignInRefused("auth.wrong")
    store.clear_attempts(account_key(name))
    store.release_attempt(source_key(source), claims[0])
    if row["disabled"]:
        raise SignInRefused("auth.disabled")
    store.record_sign_in(row["id"], now)
    return Actor(role=Role(row["role"]), name=row["display_name"] or row["username"],
                 user_id=row["id"])


def claim_join(store: Store, source: str, now: datetime | None = None) -> Claim:
    """Claim a try at a join code from ``source``: ``wait_s`` > 0 is the seconds it must
    wait first (nothing may be checked).  Otherwise the try is counted as a wrong code until
    :func:`joined` takes it back, so a wrong one stays counted until :data:`WINDOW_S` has
    passed, whichever session or browser tries next."""
    return store.claim_attempt(join_key(source), _join_wait, window_s=WINDOW_S,
                               now=now or datetime.now(UTC))


def wrong_code_wait(claim: Claim) -> int:
    """The seconds the address waits after the wrong code ``claim`` counted (0: none yet)."""
    return _join_wait(claim.failures)


def joined(store: Store, source: str, claim: Claim | None = None) -> None:
    """The code of the try ``claim`` counted was right: that try is taken back (only that
    one), so a group joining from one address is never slowed by its right codes."""
    store.release_attempt(join_key(source), claim)


def actor_for_identity(store: Store, email: str | None, verified: object) -> Actor | None:
    """The Actor for a user signed in by the identity provider, by e-mail; None unless the
    provider says the address is verified (its ``email_verified`` claim is exactly ``True``:
    an unverified address may belong to anyone) and an enabled account has that address (an
    admin must add it first)."""
    if not email or verified is not True:
        return None
    row = store.credentials(email=email)
    if row is None or row["disabled"]:
        return None
    return Actor(role=Role(row["role"]), name=row["display_name"] or row["username"],
                 user_id=row["id"])
