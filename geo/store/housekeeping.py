"""Housekeeping: the demo data removed, rows counted, the stored data checked, and every row
read at once (for the tests' "nothing changed")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, delete, func, select, text, update

from .. import roles
from ..model import Actor, WalkStatus
from ..roles import Action
from .engine import StoreBase, _now
from .rows import table_counts
from .schema import (
    auth_session,
    measure,
    measure_observation,
    metadata,
    observation,
    observation_support,
    participant,
    photo,
    status_change,
    user_account,
    walk,
)


class HousekeepingMixin(StoreBase):
    """The demo data, row counts, integrity checks and snapshots."""

    def remove_demo(self, actor: Actor) -> dict[str, int]:
        """Delete everything marked as demo (walks and their participants, observations, their
        photos, links and history, measures, demo accounts), in one transaction; returns how
        many rows of each went.  A demo walk that holds pins which are not demo data is kept
        (``walk_kept``) as a closed walk of the installation's own: no join code, no demo
        mark, its participants' links ended."""
        roles.require(actor, Action.DELETE_DATA)
        with self._write() as conn:
            obs_ids = select(observation.c.id).where(observation.c.is_demo)
            m_ids = select(measure.c.id).where(measure.c.is_demo)
            counts = {
                "status_change": conn.execute(delete(status_change).where(
                    ((status_change.c.entity == "observation") & status_change.c.entity_id.in_(obs_ids))
                    | ((status_change.c.entity == "measure") & status_change.c.entity_id.in_(m_ids)))).rowcount,
                "measure_observation": conn.execute(delete(measure_observation).where(
                    measure_observation.c.measure_id.in_(m_ids)
                    | measure_observation.c.observation_id.in_(obs_ids))).rowcount,
                "photo": conn.execute(delete(photo).where(photo.c.observation_id.in_(obs_ids))).rowcount,
                "measure": conn.execute(delete(measure).where(measure.c.is_demo)).rowcount,
                "observation": conn.execute(delete(observation).where(observation.c.is_demo)).rowcount,
            }
            still_used = select(observation.c.walk_id).where(observation.c.walk_id.is_not(None))
            gone = select(walk.c.id).where(walk.c.is_demo, walk.c.id.not_in(still_used))
            # A demo walk that real people pinned on (the demo's open walk, tried out for real)
            # keeps their pins: it stays as a walk of the installation's own, closed, without
            # its published join code, its participants' links ended.
            kept = list(conn.scalars(select(walk.c.id).where(walk.c.is_demo, walk.c.id.in_(still_used))))
            counts["participant"] = conn.execute(delete(participant).where(
                participant.c.is_demo | participant.c.walk_id.in_(gone))).rowcount
            counts["walk"] = conn.execute(delete(walk).where(
                walk.c.is_demo, walk.c.id.not_in(still_used))).rowcount
            counts["walk_kept"] = len(kept)
            if kept:
                now = _now()
                conn.execute(update(walk).where(walk.c.id.in_(kept)).values(
                    is_demo=False, join_code=None, status=WalkStatus.CLOSED,
                    closed_at=func.coalesce(walk.c.closed_at, now)))
                conn.execute(update(auth_session).where(
                    auth_session.c.participant_id.in_(select(participant.c.id).where(participant.c.walk_id.in_(kept))),
                    auth_session.c.revoked_at.is_(None)).values(revoked_at=now))
            counts["user_account"] = conn.execute(
                delete(user_account).where(user_account.c.is_demo)).rowcount
        return counts

    def has_demo(self) -> bool:
        with self._read() as conn:
            return bool(conn.scalar(select(func.count()).select_from(walk).where(walk.c.is_demo))
                        or conn.scalar(select(func.count()).select_from(observation)
                                       .where(observation.c.is_demo)))

    def counts(self) -> dict[str, int]:
        """Rows per table (for the command line, the tests and the about page)."""
        with self._read() as conn:
            return table_counts(conn)

    def integrity_problems(self) -> list[str]:
        """What is wrong with the stored data, in words (``[]`` when all is well): the
        database's own check (SQLite's integrity and foreign-key checks), rows that lack the
        history written in their transaction, dangling references the schema cannot express,
        merged pins pointing at merged pins, seconds ("Jag håller med") left on a merged pin,
        and (PostgreSQL) id sequences behind their rows.
        ``python -m geo check`` prints it; the fault tests run it after a killed import."""
        problems: list[str] = []
        with self._read(snapshot=True) as conn:
            if not self.postgis:
                problems += [f"integrity_check: {r[0]}" for r in conn.exec_driver_sql(
                    "PRAGMA integrity_check").all() if r[0] != "ok"]
                problems += [f"foreign_key_check: {tuple(r)}" for r in conn.exec_driver_sql(
                    "PRAGMA foreign_key_check").all()]
            for entity, table in (("observation", observation), ("measure", measure)):
                logged = select(status_change.c.entity_id).where(status_change.c.entity == entity)
                if ids := conn.scalars(select(table.c.id).where(table.c.id.not_in(logged))
                                       .order_by(table.c.id).limit(20)).all():
                    problems.append(f"{entity} without history: {ids}")
                if ids := conn.scalars(select(status_change.c.id).where(
                        status_change.c.entity == entity,
                        status_change.c.entity_id.not_in(select(table.c.id))).limit(20)).all():
                    problems.append(f"history of a missing {entity}: status_change {ids}")
                if ids := conn.scalars(select(table.c.id).where(
                        table.c.status != select(status_change.c.to_status).where(
                            status_change.c.entity == entity, status_change.c.entity_id == table.c.id)
                        .order_by(status_change.c.at.desc(), status_change.c.id.desc())
                        .limit(1).scalar_subquery()).limit(20)).all():
                    problems.append(f"{entity} whose status differs from its last history entry: {ids}")
            kept = observation.alias("kept")
            if ids := conn.scalars(select(observation.c.id).join(
                    kept, observation.c.merged_into == kept.c.id).where(
                    kept.c.merged_into.is_not(None)).limit(20)).all():
                problems.append(f"merged into a merged pin: {ids}")
            if ids := conn.scalars(select(observation_support.c.id).join(
                    observation, observation_support.c.observation_id == observation.c.id).where(
                    observation.c.merged_into.is_not(None)).limit(20)).all():
                problems.append(f"seconds of a merged pin: observation_support {ids}")
            if self.postgis:
                for table in metadata.sorted_tables:
                    if "id" in table.c and isinstance(table.c.id.type, Integer):
                        seq = conn.scalar(text(f"SELECT pg_get_serial_sequence('{table.name}', 'id')"))
                        if seq and (top := conn.scalar(select(func.max(table.c.id)))) is not None:
                            last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
                            if last < top or (last == top and not called):
                                problems.append(f"{table.name}: id sequence at {last}, rows up to {top}")
        return problems

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, sorted: a cheap way for tests to see "nothing changed"."""
        with self._read() as conn:
            return {t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
                    for t in metadata.sorted_tables}
