""""Jag håller med" (me too): a person on the walk seconds a pin already there instead of
placing another one at the same spot.

One row of ``observation_support`` per person and pin (a participant, or an account), so
seconding twice counts once; the pin's :attr:`geo.model.Observation.supporters` is the count
of its rows (:func:`geo.store.rows.observation_select`).  Who may second what is
:func:`geo.roles.second_problem`'s: where adding a pin is allowed, while the pin's walk is
open, never one's own pin.  A pin merged into another at the walk protocol passes a second on
to the pin it was merged into; the merge itself moves the rows
(:func:`move_support`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.engine import Connection

from .. import roles
from ..model import Actor, Observation, Role
from ..roles import Action, Forbidden
from .engine import _now
from .errors import NotFound
from .observations import ObservationsMixin
from .rows import _observation, _walk
from .schema import observation, observation_support, walk

MAX_HOPS = 5  # merged into a pin merged into … (the protocol refuses this; a guard all the same)


def _supporter(actor: Actor) -> dict[str, int | None] | None:
    """The row's person: ``{"participant_id": …, "user_id": None}`` or the other way round;
    None for an actor who is neither (the command line's or the demo loader's ``system``)."""
    if actor.role == Role.PARTICIPANT:
        return None if actor.participant_id is None else {"participant_id": actor.participant_id, "user_id": None}
    return None if actor.user_id is None else {"participant_id": None, "user_id": actor.user_id}


def _is(actor: Actor) -> ColumnElement[bool]:
    """Rows of ``actor`` (never true for an actor who is no one)."""
    who = _supporter(actor)
    if who is None:
        return observation_support.c.id.is_(None)  # matches nothing: the id is never NULL
    if who["participant_id"] is not None:
        return observation_support.c.participant_id == who["participant_id"]
    return observation_support.c.user_id == who["user_id"]


def move_support(conn: Connection, keep_id: int, others: Iterable[int], authors: Iterable[int | None]) -> int:
    """A merge (in its transaction): the support rows of ``others`` move to ``keep_id``, a
    person who seconded more than one of the pins counted once, and a participant who wrote
    one of the merged pins (``authors``: their participant ids; ``flagged_by`` counts them
    already) not counted again as a supporter.  Returns the kept pin's supporters."""
    ids = [keep_id, *others]
    writers = {a for a in authors if a is not None}
    if writers:
        conn.execute(delete(observation_support).where(
            observation_support.c.observation_id.in_(ids), observation_support.c.participant_id.in_(writers)))
    rows = conn.execute(select(observation_support.c.id, observation_support.c.observation_id,
                               observation_support.c.participant_id, observation_support.c.user_id)
                        .where(observation_support.c.observation_id.in_(ids))
                        .order_by(observation_support.c.at, observation_support.c.id)).all()
    # the kept pin's own rows first, then the earliest of each other person's
    rows = sorted(rows, key=lambda r: r.observation_id != keep_id)
    seen: set[tuple[str, int]] = set()
    drop, move = [], []
    for r in rows:
        person = ("p", r.participant_id) if r.participant_id is not None else (
            ("u", r.user_id) if r.user_id is not None else None)
        if person is not None and person in seen:
            drop.append(r.id)
            continue
        if person is not None:
            seen.add(person)
        if r.observation_id != keep_id:
            move.append(r.id)
    if drop:
        conn.execute(delete(observation_support).where(observation_support.c.id.in_(drop)))
    if move:
        conn.execute(update(observation_support).where(observation_support.c.id.in_(move))
                     .values(observation_id=keep_id))
    return len(rows) - len(drop)


class SupportMixin(ObservationsMixin):
    """Seconding pins ("Jag håller med") and who has."""

    def second(self, observation_id: int, actor: Actor) -> int:
        """``actor`` seconds the pin ``observation_id`` ("Jag håller med"); returns how many
        people now second it (:attr:`geo.model.Observation.supporters`).  One transaction.

        Seconding again is not an error and changes nothing (the count is returned as it
        is).  A pin merged into another passes the second on to the kept pin.  Refused with
        :class:`geo.roles.Forbidden` whose ``key`` says why (:func:`geo.roles.second_problem`:
        ``support.own_pin`` (also for a pin one's own pin was merged into),
        ``support.walk_closed``, ``support.no_walk``,
        ``roles.forbidden``; also ``roles.forbidden`` for an actor who is neither a
        participant nor an account); :class:`NotFound` for an unknown pin."""
        who = _supporter(actor)
        with self._write() as conn:
            target = self._kept_pin(conn, observation_id, lock=True)
            the_walk = None
            if target.walk_id is not None:
                row = conn.execute(select(walk).where(walk.c.id == target.walk_id)).first()
                the_walk = _walk(row) if row is not None else None
            if problem := roles.second_problem(actor, target, the_walk):
                raise Forbidden(Action.SECOND_OBSERVATION, actor, key=problem)
            if actor.participant_id is not None and conn.scalar(select(func.count()).select_from(observation).where(
                    observation.c.merged_into == target.id,
                    observation.c.participant_id == actor.participant_id)):
                # their pin was merged into this one: ``flagged_by`` counts them already
                raise Forbidden(Action.SECOND_OBSERVATION, actor, key="support.own_pin")
            if who is None:
                raise Forbidden(Action.SECOND_OBSERVATION, actor)
            conn.execute(self._insert(observation_support).on_conflict_do_nothing(),
                         [{"observation_id": target.id, "at": _now(), **who}])
            count: int = conn.scalar(select(func.count()).select_from(observation_support).where(
                observation_support.c.observation_id == target.id)) or 0
        return count

    def _kept_pin(self, conn: Connection, observation_id: int, *, lock: bool = False) -> Observation:
        """The pin ``observation_id`` stands for: itself, or the pin it was merged into.
        ``lock`` takes the row (PostgreSQL): a merge of it waits until the second is saved."""
        oid = observation_id
        for _ in range(MAX_HOPS):
            q = select(observation).where(observation.c.id == oid)
            row = conn.execute(q.with_for_update() if lock else q).first()
            if row is None:
                raise NotFound("store.not_found", what="observation", id=oid)
            if row.merged_into is None:
                return _observation(row)
            oid = row.merged_into
        raise NotFound("store.not_found", what="observation", id=observation_id)

    def has_seconded(self, observation_id: int, actor: Actor) -> bool:
        """Has ``actor`` seconded this pin (or the pin it was merged into)?  For the walk
        page's "Du håller med" state; False for an actor who is no one."""
        if _supporter(actor) is None:
            return False
        with self._read() as conn:
            target = self._kept_pin(conn, observation_id)
            return conn.scalar(select(func.count()).select_from(observation_support).where(
                observation_support.c.observation_id == target.id, _is(actor))) == 1

    def seconded(self, actor: Actor, observation_ids: Iterable[int] | None = None) -> set[int]:
        """The pins ``actor`` seconds (among ``observation_ids`` when given), in one query:
        the walk map marks them all at once."""
        if _supporter(actor) is None:
            return set()
        q = select(observation_support.c.observation_id).where(_is(actor))
        if observation_ids is not None:
            q = q.where(observation_support.c.observation_id.in_(list(observation_ids)))
        with self._read() as conn:
            return set(conn.scalars(q))

    def supporter_rows(self, observation_id: int) -> list[tuple[int | None, int | None]]:
        """``(participant_id, user_id)`` of everyone who seconds the pin, oldest first (both
        None: a supporter anonymised by :meth:`purge_personal`)."""
        with self._read() as conn:
            return [(r.participant_id, r.user_id) for r in conn.execute(
                select(observation_support.c.participant_id, observation_support.c.user_id)
                .where(observation_support.c.observation_id == observation_id)
                .order_by(observation_support.c.at, observation_support.c.id))]


def anonymise_support(conn: Connection, observation_ids: object, participant_ids: Iterable[int]) -> int:
    """The privacy purge (in its transaction): support rows on the pins ``observation_ids``
    (a subquery of ids) or by the participants ``participant_ids`` keep their count but no
    longer say who (both person columns emptied).  Returns how many rows changed."""
    people = list(participant_ids)
    where: ColumnElement[bool] = observation_support.c.observation_id.in_(observation_ids)  # type: ignore[arg-type]
    if people:
        where = or_(where, observation_support.c.participant_id.in_(people))
    result = conn.execute(update(observation_support).where(and_(where, or_(
        observation_support.c.participant_id.is_not(None), observation_support.c.user_id.is_not(None))))
        .values(participant_id=None, user_id=None))
    return int(result.rowcount)
