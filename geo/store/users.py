"""Local accounts (planners and admins; OpenID Connect users are matched by e-mail), their
sign-in state, and the privacy purge of photos and names."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update

from .. import roles, workflow
from ..model import DISPLAY_NAME_MAX, EMAIL_MAX, USERNAME_MAX, Actor, Role, User
from ..roles import Action
from .engine import StoreBase, _now
from .errors import Invalid, NotFound
from .rows import _user
from .schema import auth_session, observation, participant, photo, status_change, user_account, walk
from .support import anonymise_support

# A participant in the status history (:attr:`geo.model.Actor.label`): "Alice (deltagare #7)".
_PARTICIPANT_LABEL = re.compile(r"(?s).*\(deltagare #(?P<id>\d+)\)")


class UsersMixin(StoreBase):
    """Accounts and the privacy purge."""

    def add_user(self, actor: Actor, *, username: str, role: str, display_name: str = "",
                 email: str | None = None, password_hash: str | None = None,
                 is_demo: bool = False) -> User:
        roles.require(actor, Action.MANAGE_USERS)
        username = workflow.clean_name(username).lower() if isinstance(username, str) else username
        display_name = workflow.clean_name(display_name) if isinstance(display_name, str) else display_name
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

    def user_by_id(self, user_id: int) -> User | None:
        """The account a session signs in (read again on every page run: its role or name
        may have changed)."""
        with self._read() as conn:
            r = conn.execute(select(user_account).where(user_account.c.id == user_id)).first()
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
        place, category, feeling, text and status; one transaction.

        The names go wherever they were copied: the participants of walks that began before
        ``before`` (and of pins observed before it) are renamed "–", their pins' and older
        pins' ``reported_by`` emptied, and their entries in the status history, which name
        them as "Alice (deltagare #7)" (:attr:`geo.model.Actor.label`), say "deltagare #7"
        (so are older entries of any participant).  Those participants' device keys
        (``device_hash``) go too, and who seconded a pin ("Jag håller med") on those pins or
        by those participants is no longer said: the rows stay, so each pin keeps its count
        (:func:`geo.store.support.anonymise_support`).  Counts per table: ``photo``,
        ``observation``, ``participant``, ``status_change``, ``observation_support``."""
        roles.require(actor, Action.DELETE_DATA)
        old = select(observation.c.id).where(observation.c.observed_at < before)
        old_walks = select(walk.c.id).where(walk.c.starts_at < before)
        with self._write() as conn:
            people = set(conn.scalars(select(participant.c.id).where(or_(
                participant.c.walk_id.in_(old_walks),
                participant.c.id.in_(select(observation.c.participant_id).where(
                    observation.c.observed_at < before, observation.c.participant_id.is_not(None)))))))
            renamed = []
            for sid, label, at in conn.execute(select(status_change.c.id, status_change.c.actor, status_change.c.at)
                                               .where(status_change.c.actor.like("%(deltagare #%)"))):
                found = _PARTICIPANT_LABEL.fullmatch(label)
                if found and (int(found["id"]) in people or at < before):
                    neutral = Actor(role=Role.PARTICIPANT, name="", participant_id=int(found["id"])).label
                    if label != neutral:
                        renamed.append({"_id": sid, "_actor": neutral})
            if renamed:
                conn.execute(update(status_change).where(status_change.c.id == bindparam("_id"))
                             .values(actor=bindparam("_actor")), renamed)
            seconds = anonymise_support(conn, old, people)
            if people:
                conn.execute(update(participant).where(participant.c.id.in_(people),
                                                       participant.c.device_hash.is_not(None))
                             .values(device_hash=None))
            return {
                "photo": conn.execute(delete(photo).where(photo.c.observation_id.in_(old))).rowcount,
                "observation": conn.execute(update(observation).where(
                    or_(observation.c.observed_at < before, observation.c.participant_id.in_(people)),
                    observation.c.reported_by != "").values(reported_by="")).rowcount,
                "participant": conn.execute(update(participant).where(
                    participant.c.id.in_(people), participant.c.name != "–")
                    .values(name="–")).rowcount,
                "status_change": len(renamed),
                "observation_support": seconds,
            }
