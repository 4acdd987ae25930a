"""Measures: what the municipality, the police or a property owner does about the pins, with
the pins they answer (which follow each measure's status)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from .. import roles, workflow
from ..model import Actor, Measure, MeasureDraft
from ..roles import Action
from .catalogue import CatalogueMixin
from .engine import _now
from .errors import Conflict, Invalid, NotFound
from .history import HistoryMixin
from .rows import _dumps, _measure, _new_id
from .schema import measure, measure_observation, observation, status_change


class MeasuresMixin(CatalogueMixin, HistoryMixin):
    """Measures, with the observations they answer following their status."""

    def add_measure(self, draft: MeasureDraft, actor: Actor, at: datetime | None = None) -> int:
        roles.require(actor, Action.MANAGE_MEASURES)
        placed = self._checked_measure(draft)
        now = at or _now()
        with self._write() as conn:
            self._require_observations(conn, draft.observation_ids)
            mid = _new_id(conn.execute(insert(measure).values(
                type_id=draft.type, title=draft.title.strip(),
                description=draft.description.strip(),
                district_id=placed, activity_id=draft.activity_id,
                geojson=_dumps(draft.geometry), responsible=str(draft.responsible),
                responsible_name=workflow.clean_name(draft.responsible_name), due=draft.due,
                cost_sek=draft.cost_sek, status=str(draft.status), status_reason=draft.status_reason,
                is_demo=draft.is_demo,
                created_at=now, updated_at=now, version=1)))
            if draft.observation_ids:
                conn.execute(insert(measure_observation), [
                    {"measure_id": mid, "observation_id": o} for o in sorted(set(draft.observation_ids))])
            conn.execute(insert(status_change).values(
                entity="measure", entity_id=mid, from_status=None, to_status=str(draft.status),
                actor=actor.label, at=now, comment=draft.status_reason))
            self._follow_measures(conn, draft.observation_ids, actor, mid, now)
        return mid

    def _checked_measure(self, draft: MeasureDraft) -> str | None:
        """Validate a measure; returns the district its place lies in."""
        known = self.known_ids()
        if errors := workflow.validate_measure(draft, known["measure_type"], known["activity"]):
            raise Invalid(errors)
        from shapely.geometry import shape

        centre = shape(draft.geometry).representative_point()
        placed = self.districts().place(centre.x, centre.y)
        return placed.id if placed else None

    @staticmethod
    def _require_observations(conn: Connection, ids: Iterable[int]) -> None:
        ids = set(ids)
        found = set(conn.scalars(select(observation.c.id).where(observation.c.id.in_(list(ids)))))
        if missing := sorted(ids - found):
            raise Invalid({"observation_ids": "validation.unknown_observation"}, ids=missing)

    def update_measure(self, measure_id: int, actor: Actor, *, expected_version: int,
                       status: str | None = None, comment: str = "", **changes: Any) -> Measure:
        """Change a measure's fields (type, title, description, geometry, responsible,
        responsible_name, due, cost_sek, activity_id, observation_ids).  ``expected_version``
        is the version the planner edited: when someone else saved in between,
        :class:`Conflict` is raised and nothing changes.  A new ``status`` (with its
        ``comment``) is changed and recorded in the same transaction: all or nothing."""
        roles.require(actor, Action.MANAGE_MEASURES)
        editable = {"type", "title", "description", "geometry", "responsible", "responsible_name",
                    "due", "cost_sek", "activity_id", "observation_ids"}
        if unknown := set(changes) - editable:
            raise Invalid({f: "validation.not_editable" for f in sorted(unknown)})
        old = self.measure(measure_id)
        draft = MeasureDraft(**{f: getattr(old, f) for f in editable}, status=old.status,
                             status_reason=old.status_reason)
        draft = replace(draft, **changes)
        placed = self._checked_measure(draft)
        with self._write() as conn:
            self._require_observations(conn, draft.observation_ids)
            done = conn.execute(update(measure).where(
                measure.c.id == measure_id, measure.c.version == expected_version).values(
                type_id=draft.type, title=draft.title.strip(), description=draft.description.strip(),
                district_id=placed, activity_id=draft.activity_id, geojson=_dumps(draft.geometry),
                responsible=str(draft.responsible), responsible_name=workflow.clean_name(draft.responsible_name),
                due=draft.due, cost_sek=draft.cost_sek, updated_at=_now(),
                version=measure.c.version + 1)).rowcount
            if not done:
                raise Conflict("store.conflict", what="measure", id=measure_id)
            moved = set()
            if "observation_ids" in changes:
                conn.execute(delete(measure_observation).where(measure_observation.c.measure_id == measure_id))
                if draft.observation_ids:
                    conn.execute(insert(measure_observation), [
                        {"measure_id": measure_id, "observation_id": o}
                        for o in sorted(set(draft.observation_ids))])
                moved = set(old.observation_ids) ^ set(draft.observation_ids)  # linked or unlinked
            now = _now()
            if status is not None and status != old.status:
                self._change_status(conn, measure, "measure", workflow.check_measure_change,
                                    measure_id, status, actor, comment, None, now)
                moved |= set(draft.observation_ids)
            self._follow_measures(conn, moved, actor, measure_id, now)
        return self.measure(measure_id)

    def measures(self, district_ids: Iterable[str] | None = None,
                 ids: Iterable[int] | None = None) -> list[Measure]:
        q = select(measure).order_by(measure.c.id)
        if district_ids is not None:
            q = q.where(measure.c.district_id.in_(list(district_ids)))
        if ids is not None:
            q = q.where(measure.c.id.in_(list(ids)))
        with self._read() as conn:
            rows = conn.execute(q).all()
            links: dict[int, list[int]] = {}
            if rows:
                for m_id, o_id in conn.execute(select(measure_observation).where(
                        measure_observation.c.measure_id.in_([r.id for r in rows]))):
                    links.setdefault(m_id, []).append(o_id)
        return [_measure(r, tuple(sorted(links.get(r.id, ())))) for r in rows]

    def measure(self, measure_id: int) -> Measure:
        found = self.measures(ids=[measure_id])
        if not found:
            raise NotFound("store.not_found", what="measure", id=measure_id)
        return found[0]

    def set_measure_status(self, measure_id: int, new: str, actor: Actor, comment: str = "",
                           expected_version: int | None = None, at: datetime | None = None) -> Measure:
        """Move a measure to ``new``; the observations it answers follow it
        (:func:`geo.workflow.follow_measures`) in the same transaction."""
        roles.require(actor, Action.MANAGE_MEASURES)
        with self._write() as conn:  # the time is taken once the measure is locked
            now = self._change_status(conn, measure, "measure", workflow.check_measure_change,
                                      measure_id, new, actor, comment, expected_version, at)
            linked = conn.scalars(select(measure_observation.c.observation_id).where(
                measure_observation.c.measure_id == measure_id)).all()
            self._follow_measures(conn, linked, actor, measure_id, now)
        return self.measure(measure_id)
