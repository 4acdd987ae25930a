"""Security state: sign-in slow-downs counted atomically, and server-side sessions.

**Slow-downs** (:meth:`SecurityMixin.claim_attempt`): a try is claimed *before* it is
checked, in one write transaction that reads the key's row locked (PostgreSQL's ``FOR
UPDATE``; SQLite's ``BEGIN IMMEDIATE`` serialises writers), refuses while the key is locked,
and otherwise counts the try as a failure and sets the lock the count earns.  Parallel tries
therefore cannot all be checked before a lock is set; a try that turns out right takes back its
own count (:meth:`SecurityMixin.release_attempt`), and a right password forgets the account's
(:meth:`SecurityMixin.clear_attempts`).  A key forgets its failures after ``window_s``
without one.

**Sessions** (:meth:`SecurityMixin.new_session`): the browser holds a random secret; the
database keeps its SHA-256 with the account or the participant it signs in, when it was last
used, when it expires and whether it was revoked.  Every page run asks
:meth:`SecurityMixin.session_holder`, so a revocation (sign-out, a disabled account, a changed
password, removed demo accounts, a walk closed longer than its grace period) ends the
session at once in every browser.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from .engine import StoreBase, _now
from .schema import app_state, auth_session, participant, sign_in_throttle, user_account

SESSION_BYTES = 32
WaitRule = Callable[[int], int]  # from a failure count to the seconds the key then waits


def session_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a try: ``wait_s`` > 0 means refused (locked for that long);
    otherwise ``failures`` counts this try among the key's failures."""

    wait_s: int
    failures: int


@dataclass(frozen=True)
class SessionHolder:
    """Whom a valid session signs in: an account (``user_id``) or a participant."""

    user_id: int | None = None
    participant_id: int | None = None


class SecurityMixin(StoreBase):
    """Slow-downs, sessions and the app's own state."""

    # --- slow-downs ----------------------------------------------------------------------
    def claim_attempt(self, key: str, wait_after: WaitRule, *, window_s: int,
                      now: datetime | None = None) -> Claim:
        """Claim one try for ``key`` (see the module's doc): refused with the seconds left
        while locked; else counted as a failure, locked for ``wait_after(failures)``."""
        now = now or _now()
        key = key[:200]
        with self._write() as conn:
            self._lock(conn, f"throttle:{key}")
            row = conn.execute(select(sign_in_throttle).where(sign_in_throttle.c.key == key)
                               .with_for_update()).first()
            if row is not None and row.locked_until is not None and row.locked_until > now:
                return Claim(wait_s=max(1, int((row.locked_until - now).total_seconds() + 0.999)),
                             failures=row.failures)
            fresh = row is None or (now - row.last_failure).total_seconds() > window_s
            failures = 1 if fresh or row is None else row.failures + 1
            wait = wait_after(failures)
            values = {"failures": failures, "last_failure": now,
                      "locked_until": now + timedelta(seconds=wait) if wait else None}
            if row is None:
                conn.execute(insert(sign_in_throttle).values(key=key, **values))
            else:
                conn.execute(update(sign_in_throttle).where(sign_in_throttle.c.key == key).values(**values))
            return Claim(wait_s=0, failures=failures)

    def clear_attempts(self, key: str) -> None:
        """A right password: the key's failures are forgotten."""
        with self._write() as conn:
            conn.execute(delete(sign_in_throttle).where(sign_in_throttle.c.key == key[:200]))

    def release_attempt(self, key: str, claim: Claim | None = None) -> None:
        """A try that turned out right: the failure its ``claim`` counted is taken back (only
        that one, so right tries between wrong ones never wipe the count).  The lock that
        claim set is lifted, but not one a later claim set: a wrong try made while this one
        was being checked keeps its wait.  (Without ``claim`` any lock is lifted.)"""
        key = key[:200]
        with self._write() as conn:
            self._lock(conn, f"throttle:{key}")
            row = conn.execute(select(sign_in_throttle).where(sign_in_throttle.c.key == key)
                               .with_for_update()).first()
            if row is None:
                return
            if row.failures <= 1:
                conn.execute(delete(sign_in_throttle).where(sign_in_throttle.c.key == key))
                return
            values: dict[str, object] = {"failures": row.failures - 1}
            if claim is None or claim.failures == row.failures:  # no claim counted since ours
                values["locked_until"] = None
            conn.execute(update(sign_in_throttle).where(sign_in_throttle.c.key == key).values(**values))

    def forget_old_attempts(self, before: datetime) -> int:
        """Housekeeping: rows whose last failure is older than ``before`` and not locked."""
        with self._write() as conn:
            return conn.execute(delete(sign_in_throttle).where(
                sign_in_throttle.c.last_failure < before,
                or_(sign_in_throttle.c.locked_until.is_(None), sign_in_throttle.c.locked_until < before))).rowcount

    # --- sessions ------------------------------------------------------------------------
    def new_session(self, *, user_id: int | None = None, participant_id: int | None = None,
                    expires_at: datetime | None = None, replace: bool = False) -> str:
        """A new session for an account or a participant; returns the secret (only its hash
        is stored).  ``replace``: the holder's other open sessions end in the same
        transaction (a participant has one link at a time)."""
        if (user_id is None) == (participant_id is None):
            raise ValueError("a session belongs to exactly one account or one participant")
        secret = secrets.token_urlsafe(SESSION_BYTES)
        now = _now()
        with self._write() as conn:
            if replace:
                self._revoke_all(conn, user_id, participant_id, now)
            conn.execute(insert(auth_session).values(
                id=session_hash(secret), user_id=user_id, participant_id=participant_id,
                created_at=now, last_seen=now, expires_at=expires_at))
        return secret

    def session_holder(self, secret: str, *, idle_s: int | None = None,
                       now: datetime | None = None) -> SessionHolder | None:
        """Whom ``secret`` signs in, or None: unknown, revoked, expired, idle longer than
        ``idle_s``, an account disabled (or its password changed since), or a participant
        whose walk closed and whose link's grace period is over (``expires_at``)."""
        if not secret or len(secret) > 100:
            return None
        now = now or _now()
        with self._read() as conn:
            row = conn.execute(
                select(auth_session, user_account.c.disabled, user_account.c.password_changed_at)
                .select_from(auth_session.outerjoin(user_account, user_account.c.id == auth_session.c.user_id))
                .where(auth_session.c.id == session_hash(secret))).first()
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at is not None and row.expires_at <= now:
            return None
        if idle_s is not None and (now - row.last_seen).total_seconds() > idle_s:
            return None
        if row.user_id is not None and (row.disabled or (
                row.password_changed_at is not None and row.password_changed_at > row.created_at)):
            return None
        if (now - row.last_seen).total_seconds() > 300:  # seen: at most one write per 5 minutes
            with self._write() as conn:
                conn.execute(update(auth_session).where(auth_session.c.id == row.id).values(last_seen=now))
        return SessionHolder(user_id=row.user_id, participant_id=row.participant_id)

    def revoke_session(self, secret: str) -> None:
        with self._write() as conn:
            conn.execute(update(auth_session).where(auth_session.c.id == session_hash(secret),
                                                    auth_session.c.revoked_at.is_(None)).values(revoked_at=_now()))

    @staticmethod
    def _revoke_all(conn: Connection, user_id: int | None, participant_id: int | None, now: datetime) -> int:
        holder = (auth_session.c.user_id == user_id if user_id is not None
                  else auth_session.c.participant_id == participant_id)
        return conn.execute(update(auth_session).where(holder, auth_session.c.revoked_at.is_(None))
                            .values(revoked_at=now)).rowcount

    @staticmethod
    def _end_walk_sessions(conn: Connection, walk_id: int, at: datetime | None) -> int:
        """The links of a walk's participants expire at ``at`` (the walk closed + grace), or
        no longer expire (``None``: the walk was opened again)."""
        ids = select(participant.c.id).where(participant.c.walk_id == walk_id)
        links = [auth_session.c.participant_id.in_(ids), auth_session.c.revoked_at.is_(None)]
        if at is None:  # reopened: the links that its closing set to expire work again
            return conn.execute(update(auth_session).where(
                *links, auth_session.c.expires_at.is_not(None)).values(expires_at=None)).rowcount
        return conn.execute(update(auth_session).where(
            *links, or_(auth_session.c.expires_at.is_(None), auth_session.c.expires_at > at))
            .values(expires_at=at)).rowcount

    def forget_old_sessions(self, before: datetime) -> int:
        """Housekeeping: sessions revoked or expired before ``before``."""
        with self._write() as conn:
            return conn.execute(delete(auth_session).where(or_(
                and_(auth_session.c.revoked_at.is_not(None), auth_session.c.revoked_at < before),
                and_(auth_session.c.expires_at.is_not(None), auth_session.c.expires_at < before)))).rowcount

    # --- the app's own state --------------------------------------------------------------
    def state(self, key: str) -> str | None:
        with self._read() as conn:
            value: str | None = conn.scalar(select(app_state.c.value).where(app_state.c.key == key))
            return value

    def set_state(self, key: str, value: str) -> None:
        with self._write() as conn:
            if conn.execute(update(app_state).where(app_state.c.key == key).values(value=value)).rowcount == 0:
                conn.execute(insert(app_state).values(key=key, value=value))

