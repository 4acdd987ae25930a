"""Status changes and their history, for observations and measures alike: every change of
status is written with its history entry in the same transaction, and the observations a
measure answers follow it (:func:`geo.workflow.follow_measures`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import Table, insert, select, update
from sqlalchemy.engine import Connection

from .. import workflow
from ..model import REASON_REQUIRED, Actor, ObservationStatus, StatusChange
from .engine import StoreBase, _now
from .errors import Conflict, Invalid, NotFound
from .rows import _change
from .schema import measure, measure_observation, observation, status_change

# A pin's steps that a measure takes in one change go this way round (planned before in
# progress or resolved), so each pin's history is a chain in the order of its entries.
_STEP_ORDER = [s.value for s in ObservationStatus]

# What may change a status: ``check(current, new, comment)`` gives the problems (none: allowed).
Check = Callable[[str, str, str], dict[str, str]]


class HistoryMixin(StoreBase):
    """Status changes with their history, inside the caller's transaction, and the histories."""

    def _follow_measures(self, conn: Connection, observation_ids: Iterable[int], actor: Actor,
                         measure_id: int, at: datetime) -> None:
        """Move each observation to the status its measures give it
        (:func:`geo.workflow.follow_measures`), step by step along the edges a measure takes,
        each step with a history entry naming ``measure_id`` — inside the caller's
        transaction, the rows locked while read.  The observations taking the same step move
        in one statement (a measure over a whole district moves a thousand pins).  Merged pins
        are left alone: the kept pin speaks for them."""
        ids = sorted(set(observation_ids))
        if not ids:
            return
        current = conn.execute(select(observation.c.id, observation.c.status).where(
            observation.c.id.in_(ids), observation.c.merged_into.is_(None))
            .order_by(observation.c.id).with_for_update()).all()
        standing: dict[int, list[str]] = {}
        for oid, status in conn.execute(
                select(measure_observation.c.observation_id, measure.c.status)
                .join(measure, measure.c.id == measure_observation.c.measure_id)
                .where(measure_observation.c.observation_id.in_(ids))):
            standing.setdefault(oid, []).append(status)
        # {(from, to): ids}, in the order the steps are taken
        steps: dict[tuple[str, str], list[int]] = {}
        for oid, status in current:
            chain = [status, *workflow.measure_steps(status, workflow.follow_measures(status, standing.get(oid, ())))]
            for a, b in zip(chain, chain[1:], strict=False):
                steps.setdefault((a, b), []).append(oid)
        for (a, b), moved in sorted(steps.items(), key=lambda s: _STEP_ORDER.index(s[0][1])):
            conn.execute(update(observation).where(observation.c.id.in_(moved)).values(
                status=b, status_reason="", updated_at=at, version=observation.c.version + 1))
            conn.execute(insert(status_change), [dict(
                entity="observation", entity_id=oid, from_status=a, to_status=b, actor=actor.label, at=at,
                comment="", measure_id=measure_id, reason="") for oid in moved])

    @staticmethod
    def _change_status(conn: Connection, table: Table, entity: str, check: Check, row_id: int, new: str,
                       actor: Actor, comment: str, expected_version: int | None,
                       at: datetime | None, *, reason: str = "", measure_id: int | None = None) -> datetime:
        """The status change and its history entry, inside the caller's transaction; returns
        its time.  The row is locked while it is read (PostgreSQL; SQLite's write transaction
        holds the whole database), and the time is taken after the lock (unless ``at`` is
        given), so two people changing it at once are taken one after the other and the
        history shows both changes, in order.  ``reason`` is a
        closing reason's code (else the comment is the reason); ``measure_id`` the measure
        that made the change."""
        row = conn.execute(select(table.c.status, table.c.version)
                           .where(table.c.id == row_id).with_for_update()).first()
        if row is None:
            raise NotFound("store.not_found", what=entity, id=row_id)
        if expected_version is not None and row.version != expected_version:
            raise Conflict("store.conflict", what=entity, id=row_id)
        typed = isinstance(comment, str) and comment.strip()
        if errors := check(row.status, new, comment if typed or not reason else reason):
            raise Invalid(errors, current=row.status, new=new)
        now = at or _now()
        closing = new in REASON_REQUIRED
        conn.execute(update(table).where(table.c.id == row_id).values(
            status=new, status_reason=(reason or comment).strip() if closing else "", updated_at=now,
            version=row.version + 1))
        conn.execute(insert(status_change).values(
            entity=entity, entity_id=row_id, from_status=row.status, to_status=new,
            actor=actor.label, at=now, comment=comment.strip(), measure_id=measure_id,
            reason=reason if closing else ""))
        return now

    def histories(self, entity: str, entity_ids: Iterable[int]) -> list[StatusChange]:
        """The status histories of many rows at once (the follow-up's "resolved since")."""
        ids, out = list(entity_ids), []
        with self._read() as conn:
            for chunk in range(0, len(ids), 5000):
                out += [_change(r) for r in conn.execute(
                    select(status_change).where(status_change.c.entity == entity,
                                                status_change.c.entity_id.in_(ids[chunk:chunk + 5000]))
                    .order_by(status_change.c.at, status_change.c.id))]
        return out

    def history(self, entity: str, entity_id: int) -> list[StatusChange]:
        q = (select(status_change).where(status_change.c.entity == entity,
                                         status_change.c.entity_id == entity_id)
             .order_by(status_change.c.at, status_change.c.id))
        with self._read() as conn:
            return [_change(r) for r in conn.execute(q)]
