"""Local accounts (planners and admins; OpenID Connect users are matched by e-mail), their
sign-in state, and the privacy purge of photos and names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from .. import roles, workflow
from ..model import DISPLAY_NAME_MAX, EMAIL_MAX, USERNAME_MAX, Actor, Role, User
from ..roles import Action
from .engine import StoreBase, _now
from .errors import Invalid, NotFound
from .rows import _user
from .schema import auth_session, observation, participant, photo, user_account, walk


class UsersMixin(StoreBase):
    """Accounts and the privacy purge."""

    def add_user(self, actor: Actor, *, username: str, role: str, display_name: str = "",
                 email: str | None = None, password_hash: str | None = None,
                 is_demo: bool = False) -> User:
        roles.require(actor, Action.MANAGE_USERS)
        username = username.strip().lower() if isinstance(username, str) else username
        email = (email.strip().lower() if isinstance(email, str) else email) or None
        errors = {}
        if not username:
            errors["username"] = "validation.required"
        elif problem := workflow.text_problem(username, USERNAME_MAX):
            errors["username"] = problem
        if problem := workflow.text_problem(display_name, DISPLAY_NAME_MAX):
            errors["display_name"] = problem
        if email is not None and (problem := workflow.text_problem(email, EMAIL_MAX)
                                  or ("users.bad_email" if "@" not in email else None)):
            errors["email"] = problem
        if role not in (Role.PLANNER, Role.ADMIN):
            errors["role"] = "users.unknown_role"
        if errors:
            raise Invalid(errors)
        with self._write() as conn:
            if conn.scalar(select(user_account.c.id).where(user_account.c.username == username)):
                raise Invalid({"username": "users.taken"}, username=username)
            if email and conn.scalar(select(user_account.c.id).where(
                    user_account.c.email == email.strip().lower())):
                raise Invalid({"email": "users.taken"}, email=email)
            conn.execute(insert(user_account).values(
                username=username, display_name=display_name.strip() or username, role=str(role),
                email=email.strip().lower() if email else None, password_hash=password_hash,
                disabled=False, is_demo=is_demo, created_at=_now()))
        added = self.user(username)
        assert added is not None  # inserted above
        return added

    def users(self, actor: Actor) -> list[User]:
        roles.require(actor, Action.MANAGE_USERS)
        with self._read() as conn:
            return [_user(r) for r in conn.execute(select(user_account).order_by(user_account.c.username))]

    def user(self, username: str) -> User | None:
        with self._read() as conn:
            r = conn.execute(select(user_account).where(
                user_account.c.username == username.strip().lower())).first()
        return _user(r) if r else None

    def credentials(self, *, username: str | None = None, email: str | None = None) -> dict[str, Any] | None:
        """The row that sign-in needs (hash, lock state); for :mod:`geo.auth` only."""
        col, value = ((user_account.c.username, username) if username is not None
                      else (user_account.c.email, email))
        with self._read() as conn:
            r = conn.execute(select(user_account).where(col == (value or "").strip().lower())).first()
        return dict(r._mapping) if r else None

    def record_sign_in(self, user_id: int, at: datetime) -> None:
        """A successful sign-in: when it was."""
        with self._write() as conn:
            conn.execute(update(user_account).where(user_account.c.id == user_id).values(last_sign_in=at))

    def set_user_disabled(self, actor: Actor, username: str, disabled: bool) -> User:
        """Disable (or enable) an account; disabling ends its open sessions at once."""
        roles.require(actor, Action.MANAGE_USERS)
        return self._update_user(username, disabled=disabled)

    def set_password_hash(self, actor: Actor, username: str, password_hash: str) -> User:
        """A new password; every session signed in with the old one ends."""
        roles.require(actor, Action.MANAGE_USERS)
        return self._update_user(username, password_hash=password_hash, password_changed_at=_now())

    def _update_user(self, username: str, **values: Any) -> User:
        """Change an account; a disable or a new password also revokes its open sessions,
        in the same transaction (enabling it again does not bring them back)."""
        with self._write() as conn:
            user_id = conn.scalar(select(user_account.c.id).where(
                user_account.c.username == username.strip().lower()))
            if user_id is None:
                raise NotFound("store.not_found", what="user", id=username)
            conn.execute(update(user_account).where(user_account.c.id == user_id).values(**values))
            if values.get("disabled") or "password_hash" in values:
                conn.execute(update(auth_session).where(auth_session.c.user_id == user_id,
                                                        auth_session.c.revoked_at.is_(None))
                             .values(revoked_at=_now()))
        changed = self.user(username)
        assert changed is not None  # updated above
        return changed

    # --- privacy ------------------------------------------------------------------------
    def purge_personal(self, actor: Actor, before: datetime) -> dict[str, int]:
        """Remove photos and names older than ``before`` while keeping each observation's
        place, category, feeling, text and status; one transaction."""
        roles.require(actor, Action.DELETE_DATA)
        old = select(observation.c.id).where(observation.c.observed_at < before)
        old_walks = select(walk.c.id).where(walk.c.starts_at < before)
        with self._write() as conn:
            return {
                "photo": conn.execute(delete(photo).where(photo.c.observation_id.in_(old))).rowcount,
                "observation": conn.execute(update(observation).where(
                    observation.c.observed_at < before, observation.c.reported_by != "")
                    .values(reported_by="")).rowcount,
                "participant": conn.execute(update(participant).where(
                    participant.c.walk_id.in_(old_walks), participant.c.name != "–")
                    .values(name="–")).rowcount,
            }
