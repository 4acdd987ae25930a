"""Walks, and the participants who join one with its code (no account)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from .. import roles, workflow
from ..model import GROUP_MAX, JOIN_CODE_MAX, NAME_MAX, Actor, Participant, Role, Walk, WalkStatus
from ..roles import Action, Forbidden
from .engine import StoreBase, _now
from .errors import Conflict, Invalid, NotFound
from .rows import _dumps, _new_id, _walk
from .schema import WALK_STATUSES, participant, user_account, walk
from .security import SecurityMixin

# How long a participant's link keeps working after the walk closed: long enough to see what
# came of the pins at the follow-up, short enough that an old link on a shared tablet ends.
LINK_GRACE = timedelta(days=30)
DEVICE_KEY_MAX = 100  # the cookie's key is 43 characters (ui.device); anything longer is no key


def device_hash(key: str | None) -> str | None:
    """The SHA-256 (hex) of a device key as the database keeps it, or None for no key (an
    empty, overlong or non-text value: such a device is simply not recognised)."""
    if not isinstance(key, str) or not key or len(key) > DEVICE_KEY_MAX:
        return None
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Joined:
    """What :meth:`WalksMixin.join_from_device` did: the participant who is now on the walk;
    ``returned`` when it is the device's earlier participant of that walk, come back (with
    their own name and group, whatever was typed: ``typed`` is the name typed)."""

    actor: Actor
    returned: bool = False
    typed: str = ""


class WalksMixin(SecurityMixin, StoreBase):
    """Walks and their participants."""

    def add_walk(self, actor: Actor, *, slug: str, district_id: str, title: str, starts_at: datetime,
                 activity_id: str | None = None, ends_at: datetime | None = None,
                 meeting_point: str = "", groups: Iterable[str] = (), leader: str = "",
                 participants: int | None = None, status: str = WalkStatus.PLANNED,
                 route: dict[str, Any] | None = None, is_demo: bool = False,
                 join_code: str | None = None) -> Walk:
        """A new walk, ``planned`` or ``open`` (:data:`geo.roles.NEW_WALK_STATUSES`), led by
        ``actor``: its ``leader_id`` is the actor's account (None for an actor without a
        stored account, such as the command line's or the demo loader's; then any planner
        may open and close it, see :func:`geo.roles.walk_step_problem`)."""
        roles.require(actor, Action.MANAGE_WALKS)
        if status not in roles.NEW_WALK_STATUSES:
            raise Invalid({"status": "walks.new_status"})
        with self._write() as conn:
            if conn.scalar(select(walk.c.id).where(walk.c.slug == slug)) is not None:
                raise Invalid({"slug": "walk.slug_taken"}, slug=slug)
            leader_id = conn.scalar(select(user_account.c.id).where(user_account.c.id == actor.user_id)) \
                if actor.user_id is not None else None
            walk_id = _new_id(conn.execute(insert(walk).values(
                slug=slug, district_id=district_id, activity_id=activity_id, title=title,
                starts_at=starts_at, ends_at=ends_at, meeting_point=meeting_point,
                groups=_dumps([workflow.clean_name(g) for g in groups]), leader=workflow.clean_name(leader),
                participants=participants,
                status=str(status), route=_dumps(route) if route else None, is_demo=is_demo,
                join_code=join_code, created_at=_now(), leader_id=leader_id)))
        return self.walk(walk_id)

    def walk(self, walk_id: int) -> Walk:
        with self._read() as conn:
            row = conn.execute(select(walk).where(walk.c.id == walk_id)).first()
        if row is None:
            raise NotFound("store.not_found", what="walk", id=walk_id)
        return _walk(row)

    def walk_by_slug(self, slug: str) -> Walk | None:
        with self._read() as conn:
            row = conn.execute(select(walk).where(walk.c.slug == slug)).first()
        return _walk(row) if row else None

    def walks(self, district_ids: Iterable[str] | None = None) -> list[Walk]:
        q = select(walk).order_by(walk.c.starts_at.desc())
        if district_ids is not None:
            q = q.where(walk.c.district_id.in_(list(district_ids)))
        with self._read() as conn:
            return [_walk(r) for r in conn.execute(q)]

    def set_walk_status(self, walk_id: int, status: str, actor: Actor) -> Walk:
        """Open or close a walk: planned → open → closed, by its leader or an admin; closed →
        open by an admin only (:func:`geo.roles.walk_step_problem`).  After closing,
        participants can no longer add or change pins (see :mod:`geo.roles`).

        Raises :class:`geo.roles.Forbidden` (not the leader, or a reopening by a planner),
        :class:`Invalid` naming ``status`` (an unknown status, or a change that is no step:
        closed → planned, planned → closed, the same status), :class:`Conflict` when someone
        else changed the walk's status meanwhile, :class:`NotFound`."""
        roles.require(actor, Action.MANAGE_WALKS)
        if status not in WALK_STATUSES:
            raise Invalid({"status": "validation.unknown_status"})
        now = _now()
        with self._write() as conn:
            row = conn.execute(select(walk).where(walk.c.id == walk_id)).first()
            if row is None:
                raise NotFound("store.not_found", what="walk", id=walk_id)
            current = _walk(row)
            if problem := roles.walk_step_problem(actor, current, status):
                if problem == "walks.step_refused":
                    raise Invalid({"status": problem})
                raise Forbidden(Action.MANAGE_WALKS, actor, problem)
            closed = {"closed_at": now} if status == WalkStatus.CLOSED else {"closed_at": None}
            if not conn.execute(update(walk).where(walk.c.id == walk_id, walk.c.status == current.status)
                                .values(status=status, **closed)).rowcount:
                raise Conflict("store.conflict", what="walk", id=walk_id)
            if status == WalkStatus.CLOSED:
                self._end_walk_sessions(conn, walk_id, now + LINK_GRACE)
            elif current.status == WalkStatus.CLOSED:
                self._end_walk_sessions(conn, walk_id, None)  # reopened: the links work again
        return self.walk(walk_id)

    # --- participants (join a walk with its code, no account) ------------------------
    def walk_by_code(self, code: str) -> Walk | None:
        if not isinstance(code, str) or workflow.text_problem(code.strip(), JOIN_CODE_MAX):
            return None  # no code has NUL bytes or 13 characters: no need to ask the database
        with self._read() as conn:
            row = conn.execute(select(walk).where(walk.c.join_code == code.strip().upper())).first()
        return _walk(row) if row else None

    def join_walk(self, code: str, name: str, group: str = "", is_demo: bool = False) -> Actor:
        """A participant joins the walk with ``code`` as someone new; returns the participant's
        Actor.  Raises :class:`Invalid` naming the field (unknown code, closed walk, missing
        name)."""
        return self.join_from_device(code, name, group, is_demo=is_demo).actor

    def join_from_device(self, code: str, name: str, group: str = "", *, device_key: str | None = None,
                         is_demo: bool = False) -> Joined:
        """Join the walk with ``code`` from the device whose key (a cookie, :mod:`ui.device`) is
        ``device_key``: when the walk already has a participant from that device (the same
        SHA-256 in ``participant.device_hash``), that participant comes back, name, group and
        pins (``returned``); otherwise a new participant, remembered with the device's hash (or
        with none, when there is no key).  The code is checked exactly as for anyone, so the
        key alone signs no one in; the caller's slow-down of wrong codes applies as before.
        One write transaction.  Raises :class:`Invalid` naming the field (unknown code,
        closed walk, missing name)."""
        name = workflow.clean_name(name) if isinstance(name, str) else name
        group = workflow.clean_name(group) if isinstance(group, str) else group
        errors: dict[str, str] = {}
        if not name:
            errors["name"] = "validation.required"
        elif problem := workflow.text_problem(name, NAME_MAX):
            errors["name"] = problem
        if problem := workflow.text_problem(group or "", GROUP_MAX):
            errors["group"] = problem
        the_walk = self.walk_by_code(code or "")
        if the_walk is None:
            errors["code"] = "join.unknown_code"
        elif the_walk.status == WalkStatus.CLOSED:
            errors["code"] = "join.closed"
        if errors:
            raise Invalid(errors)
        assert the_walk is not None  # else errors["code"]
        device = device_hash(device_key)
        with self._write() as conn:
            known = conn.execute(select(participant.c.id, participant.c.name).where(
                participant.c.walk_id == the_walk.id, participant.c.device_hash == device)
                .order_by(participant.c.id.desc()).limit(1)).first() if device else None
            if known is not None:
                back = Actor(role=Role.PARTICIPANT, name=known.name, participant_id=known.id, walk_id=the_walk.id)
                return Joined(back, returned=True, typed=name)
            pid = _new_id(conn.execute(insert(participant).values(
                walk_id=the_walk.id, name=name, group_id=group or "", is_demo=is_demo,
                created_at=_now(), device_hash=device)))
        return Joined(Actor(role=Role.PARTICIPANT, name=name, participant_id=pid, walk_id=the_walk.id),
                      typed=name)

    def sign_out_participant(self, participant_id: int, *, forget_device: bool = False) -> int:
        """A participant signs out: every session (link) of theirs ends; with
        ``forget_device`` (*Byt deltagare* on a shared tablet) the device they joined from is
        forgotten too, so that the next person joining there is someone new.  One write
        transaction; returns how many sessions ended."""
        with self._write() as conn:
            ended = self._revoke_all(conn, None, participant_id, _now())
            if forget_device:
                conn.execute(update(participant).where(participant.c.id == participant_id,
                                                       participant.c.device_hash.is_not(None))
                             .values(device_hash=None))
        return ended

    def reconnect_token(self, actor: Actor) -> str:
        """A new secret for ``actor``'s link: a session (:mod:`geo.store.security`) that
        resumes the walk after a reload or a lost connection (:meth:`resume`), until it is
        revoked at sign-out or expires a grace period after the walk closed.  Only its hash
        is stored, and an older link of the participant stops working."""
        if actor.role != Role.PARTICIPANT or actor.participant_id is None:
            raise Invalid({"token": "roles.forbidden"})
        with self._read() as conn:
            closed_at = conn.scalar(select(walk.c.closed_at).join(participant, participant.c.walk_id == walk.c.id)
                                    .where(participant.c.id == actor.participant_id))
        return self.new_session(participant_id=actor.participant_id, replace=True,
                                expires_at=closed_at + LINK_GRACE if closed_at else None)

    def resume(self, token: str) -> Actor | None:
        """The participant whose link carries ``token``, or None (unknown, revoked, expired)."""
        holder = self.session_holder(token)
        if holder is None or holder.participant_id is None:
            return None
        with self._read() as conn:
            r = conn.execute(select(participant).where(participant.c.id == holder.participant_id)).first()
        if r is None:
            return None
        return Actor(role=Role.PARTICIPANT, name=r.name, participant_id=r.id, walk_id=r.walk_id)

    def participant_counts(self, walk_ids: Iterable[int]) -> dict[int, int]:
        """How many people joined each walk with its code."""
        with self._read() as conn:
            return dict(conn.execute(select(participant.c.walk_id, func.count()).where(
                participant.c.walk_id.in_(list(walk_ids))).group_by(participant.c.walk_id)).all())

    def participant(self, participant_id: int) -> Participant | None:
        with self._read() as conn:
            r = conn.execute(select(participant).where(participant.c.id == participant_id)).first()
        return Participant(r.id, r.walk_id, r.name, r.group_id, r.is_demo) if r else None

