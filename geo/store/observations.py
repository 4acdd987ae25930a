"""Observations (the pins): saved in batches, placed in their districts, read by place,
walk or box, edited and deleted."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnClause

from .. import roles, workflow
from ..districts import Districts
from ..model import Actor, Observation, ObservationDraft, Role, Walk
from ..photos import PER_PIN
from ..roles import Action, Forbidden
from .catalogue import CatalogueMixin
from .engine import UTCDateTime, _now
from .errors import Conflict, Invalid, NotFound
from .rows import PhotoLike, _observation, _photo_row, _walk, observation_select
from .schema import (
    measure_observation,
    observation,
    observation_support,
    participant,
    photo,
    status_change,
    walk,
)
from .walks import WalksMixin


@dataclass(frozen=True, slots=True)
class Saved:
    """What :meth:`Store.add_observations` did: the ids in the drafts' order, and how many
    rows are new (the rest were already stored under the same uuid)."""

    ids: list[int]
    added: int


class ObservationsMixin(CatalogueMixin, WalksMixin):
    """Observations: checked against the catalogue, placed in a district, added on a walk."""

    def add_observations(self, drafts: Sequence[ObservationDraft], actor: Actor,
                         at: datetime | None = None,
                         photos: Mapping[str, PhotoLike | Sequence[PhotoLike]] | None = None) -> Saved:
        """Save observations in one transaction; each is placed in its district.

        Raises :class:`Invalid` naming the first bad draft (``index``) and field; then
        nothing is saved.  A draft whose ``uuid`` is already stored is not saved again
        (a resubmitted form or a re-imported file); its existing id is returned and it is
        not counted in ``added``.  ``at`` is
        when the history says it was recorded (default now; the demo loader backdates).
        ``photos`` maps a draft's ``uuid`` to a cleaned photo (:func:`geo.photos.clean_photo`)
        or up to :data:`geo.photos.PER_PIN` of them, saved in the same transaction as its pin.

        A participant may send only what the pin form sends
        (:func:`geo.roles.participant_pin_problems`): a pin on another walk raises
        :class:`geo.roles.Forbidden` naming ``walk``; a status other than new, demo data,
        another name, group or activity, or a time outside the walk raise :class:`Invalid`
        naming the field."""
        if any(isinstance(ps, Sequence) and len(ps) > PER_PIN for ps in (photos or {}).values()):
            raise Invalid({"photo": "pin.too_many_photos"}, n=PER_PIN)
        known = self.known_ids()
        districts = self.districts()
        now = at or _now()
        uids = [d.uuid or str(uuidlib.uuid4()) for d in drafts]
        with self._write() as conn:
            wanted = {d.walk_id for d in drafts if workflow.is_id(d.walk_id)}
            walks = {r.id: _walk(r) for r in conn.execute(select(walk).where(walk.c.id.in_(wanted)))}
            for index, d in enumerate(drafts):
                self._check_draft(index, d, known, walks)
                problems = self._participant_problems(conn, actor, d, walks.get(d.walk_id))
                if "walk" in problems:
                    raise Forbidden(Action.ADD_OBSERVATION, actor, errors={"walk": problems["walk"]})
                roles.require(actor, Action.ADD_OBSERVATION, walk=walks.get(d.walk_id))
                if problems:
                    raise Invalid(problems, index=index)
            own = actor.participant_id if actor.role == Role.PARTICIPANT else None
            existing: dict[str, int] = {}
            for chunk in range(0, len(uids), 5000):
                existing.update(conn.execute(select(observation.c.uuid, observation.c.id).where(
                    observation.c.uuid.in_(uids[chunk:chunk + 5000]))).all())
            rows: list[dict[str, Any]]
            rows, seen = [], set(existing)
            for uid, d in zip(uids, drafts, strict=False):
                if uid in seen:
                    continue
                seen.add(uid)
                rows.append(self._row(uid, d, districts, now, own=actor if own is not None else None))
            fresh: dict[str, int] = {}
            if rows:
                # Another writer may store the same uuid between the look-up above and this
                # insert (a double tap reaching two app servers): the database skips it.
                fresh = dict(conn.execute(
                    self._insert(observation).on_conflict_do_nothing(index_elements=["uuid"])
                    .returning(observation.c.uuid, observation.c.id), rows).all())
                self._place_in_db(conn, list(fresh.values()))
                rows = [r for r in rows if r["uuid"] in fresh]
                existing.update(fresh)
                if late := [u for u in uids if u not in existing]:
                    existing.update(conn.execute(select(observation.c.uuid, observation.c.id)
                                                 .where(observation.c.uuid.in_(late))).all())
            if rows:
                conn.execute(insert(status_change), [
                    dict(entity="observation", entity_id=fresh[row["uuid"]], from_status=None,
                         to_status=row["status"], actor=actor.label, at=now,
                         comment=row["status_reason"]) for row in rows])
                if photo_rows := [_photo_row(fresh[u], p, "before", now)
                                  for u, ps in (photos or {}).items() if u in fresh
                                  for p in (ps if isinstance(ps, Sequence) else [ps])]:
                    conn.execute(insert(photo), photo_rows)
        return Saved(ids=[existing[u] for u in uids], added=len(rows))

    @staticmethod
    def _check_draft(index: int, draft: ObservationDraft, known: Mapping[str, set[str]],
                     walks: Mapping[int, Walk]) -> None:
        """:class:`Invalid` naming draft ``index`` and its fields, unless it is a valid
        observation on a stored walk (or none)."""
        errors = workflow.validate_observation(draft, known["category"], known["activity"])
        if "walk" not in errors and draft.walk_id is not None and draft.walk_id not in walks:
            errors["walk"] = "validation.unknown_walk"
        if errors:
            raise Invalid(errors, index=index)

    def _row(self, uid: str, d: ObservationDraft, districts: Districts, now: datetime,
             own: Actor | None = None) -> dict[str, Any]:
        """The ``observation`` row of draft ``d``, placed in its district; a participant's
        (``own``) carries their own name and id whatever the draft says."""
        return dict(
            uuid=uid, walk_id=d.walk_id, district_id=self._district_of(districts, d.lon, d.lat),
            activity_id=d.activity_id, category_id=d.category, description=d.description.strip(),
            feeling=d.feeling, lon=d.lon, lat=d.lat, observed_at=d.observed_at or now,
            status=str(d.status), status_reason=d.status_reason.strip(),
            reported_by=own.name if own is not None else workflow.clean_name(d.reported_by),
            group_id=workflow.clean_name(d.group), is_demo=d.is_demo, created_at=now, updated_at=now,
            version=1, participant_id=own.participant_id if own is not None else d.participant_id,
            flagged_by=1)

    @staticmethod
    def _participant_problems(conn: Connection, actor: Actor, draft: ObservationDraft,
                              the_walk: Walk | None) -> dict[str, str]:
        """What a participant may not send in ``draft`` (nothing for planners and admins)."""
        if actor.role != Role.PARTICIPANT:
            return {}
        group = conn.scalar(select(participant.c.group_id).where(participant.c.id == actor.participant_id))
        return roles.participant_pin_problems(actor, draft, the_walk, group=group or "", now=_now())

    def _insert(self, table: Table) -> PgInsert | SqliteInsert:
        """``INSERT`` in the backend's dialect (for ``ON CONFLICT``)."""
        return (pg_insert if self.postgis else sqlite_insert)(table)

    def _district_of(self, districts: Districts, lon: float, lat: float) -> str | None:
        """The district a point lies in, found here on SQLite; on PostgreSQL the database
        places it after the insert (:meth:`_place_in_db`), so this gives None there."""
        if self.postgis:
            return None
        placed = districts.place(lon, lat)
        return placed.id if placed else None

    def _place_in_db(self, conn: Connection, ids: Sequence[int]) -> None:
        """PostGIS: put each observation in the smallest district that holds it (boundary
        included, ties by id), as :meth:`geo.districts.Districts.place` does in Python."""
        if not self.postgis or not ids:
            return
        stmt = text(
            "UPDATE observation o SET district_id = (SELECT d.id FROM district d"
            " WHERE ST_Intersects(d.geom, o.geom) ORDER BY d.area_km2, d.id LIMIT 1)"
            " WHERE o.id = ANY(:ids)")
        for chunk in range(0, len(ids), 10000):
            conn.execute(stmt, {"ids": list(ids[chunk:chunk + 10000])})

    def add_observation(self, draft: ObservationDraft, actor: Actor, at: datetime | None = None) -> int:
        return self.add_observations([draft], actor, at).ids[0]

    # --- an admin's import: all the work before the write, then one short transaction ----
    def import_observations(self, drafts: Sequence[ObservationDraft], actor: Actor) -> Saved:
        """An admin's import (:func:`geo.io.import_file`), all or nothing, with a short write.

        Every draft is checked, placed in its district and turned into the database's values
        first; the rows then go into a temporary table of this connection (no lock on the
        app's tables: walkers keep saving).  Only then one write transaction moves them into
        ``observation`` with one ``INSERT … SELECT`` (a uuid already stored is skipped: ``ON
        CONFLICT DO NOTHING``, so a file imported again adds nothing) and writes every new
        pin's history entry with another.  Refusals are :meth:`add_observations`'
        (:class:`Invalid` naming the first bad draft by ``index``).  On SQLite a walker's save
        waits for the write alone (about 2 s for 50,000 rows on the shared 2-core development
        machine), no longer for the whole import (``bench/bench_import_vs_save.py``)."""
        roles.require(actor, Action.IMPORT)
        known = self.known_ids()
        districts = self.districts()
        now = _now()
        wanted = {d.walk_id for d in drafts if d.walk_id is not None and workflow.is_id(d.walk_id)}
        with self._read() as conn:
            walks = {r.id: _walk(r) for r in conn.execute(select(walk).where(walk.c.id.in_(wanted)))}
        for index, d in enumerate(drafts):
            self._check_draft(index, d, known, walks)
        for the_walk in walks.values():
            roles.require(actor, Action.ADD_OBSERVATION, walk=the_walk)
        uids = [d.uuid or str(uuidlib.uuid4()) for d in drafts]
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        for uid, d in zip(uids, drafts, strict=True):
            if uid in seen:
                continue
            seen.add(uid)
            rows.append(self._row(uid, d, districts, now))
        columns = ", ".join(self._driver_columns(observation))
        staged = f"import_{uuidlib.uuid4().hex[:16]}"
        fill, values = self._driver_insert(observation, rows, into=staged)
        ours = (observation.c.id > bindparam("before"), observation.c.created_at == now)
        history = insert(status_change).from_select(
            ["entity", "entity_id", "from_status", "to_status", "actor", "at", "comment", "reason"],
            select(literal("observation"), observation.c.id, null(), observation.c.status,
                   literal(actor.label, String()), literal(now, UTCDateTime()), observation.c.status_reason,
                   literal("")).where(*ours))

        with self._connect() as conn:
            try:
                with conn.begin():  # a table of this connection only: no lock on the app's tables
                    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {staged} AS SELECT {columns}"
                                         " FROM observation WHERE 1 = 0")
                    conn.exec_driver_sql(fill, values)
                conn.execution_options(write=True)
                with conn.begin():  # the write: on SQLite, BEGIN IMMEDIATE
                    # the walks again, in the transaction: one closed or deleted meanwhile refuses
                    current = {r.id: _walk(r) for r in conn.execute(select(walk).where(walk.c.id.in_(wanted)))}
                    for walk_id in sorted(wanted):
                        if walk_id not in current:
                            index = next(i for i, d in enumerate(drafts) if d.walk_id == walk_id)
                            raise Invalid({"walk": "validation.unknown_walk"}, index=index)
                        roles.require(actor, Action.ADD_OBSERVATION, walk=current[walk_id])
                    before = conn.scalar(select(func.coalesce(func.max(observation.c.id), 0)))
                    conn.exec_driver_sql(f"INSERT INTO observation ({columns}) SELECT {columns}"
                                         f" FROM {staged} WHERE 1 = 1 ON CONFLICT (uuid) DO NOTHING")
                    # the rows this transaction wrote: numbered after ``before``, with its time
                    # (a uuid stored already, or by another writer meanwhile, was skipped)
                    fresh = list(conn.scalars(select(observation.c.id).where(*ours), {"before": before}))
                    self._place_in_db(conn, fresh)
                    conn.execute(history, {"before": before})
                conn.execution_options(write=False)
                with conn.begin():
                    ids: dict[str, int] = {uid: oid for uid, oid in conn.exec_driver_sql(
                        f"SELECT o.uuid, o.id FROM observation o JOIN {staged} s ON s.uuid = o.uuid")}
            finally:
                conn.execution_options(write=False)
                self._drop_staged(conn, staged)
        return Saved(ids=[ids[u] for u in uids], added=len(fresh))

    @staticmethod
    def _drop_staged(conn: Connection, staged: str) -> None:
        """The import's temporary table, dropped (the connection goes back to the pool)."""
        if conn.closed or conn.invalidated:
            return
        try:
            if conn.in_transaction():
                conn.rollback()
            with conn.begin():
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {staged}")
        except DBAPIError:  # a lost connection takes its temporary tables with it
            pass

    def _driver_insert(self, table: Table, rows: Sequence[Mapping[str, Any]], *,
                       into: str | None = None) -> tuple[str, list[tuple[Any, ...]]]:
        """An ``INSERT`` of ``rows`` for the driver's own ``executemany``: every column of
        ``table`` but ``id``, values already converted by each column's type (into the
        table ``into`` when given, e.g. a temporary copy of ``table``'s columns)."""
        dialect = self.engine.dialect
        columns = [table.c[name] for name in self._driver_columns(table)]
        convert = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        sql = (f"INSERT INTO {into or table.name} ({', '.join(c.name for c in columns)})"
               f" VALUES ({', '.join(mark for _ in columns)})")
        values = [tuple(f(row.get(c.name)) if f is not None else row.get(c.name)
                        for c, f in zip(columns, convert, strict=True)) for row in rows]
        return sql, values

    @staticmethod
    def _driver_columns(table: Table) -> list[str]:
        """The columns :meth:`_driver_insert` sends, in its order (the database numbers ``id``)."""
        return [c.name for c in table.columns if c.name != "id"]

    def observations(self, district_ids: Iterable[str] | None = None, walk_id: int | None = None,
                     ids: Iterable[int] | None = None, include_merged: bool = False,
                     bbox: tuple[float, float, float, float] | None = None) -> list[Observation]:
        """Observations, oldest first.  Pins merged into another (the walk protocol) are left
        out unless asked for by ``ids`` or ``include_merged``: the kept pin speaks for them.
        ``bbox`` (west, south, east, north in WGS84, edges included) keeps what a map shows:
        PostGIS answers it from the spatial index, SQLite from the (lat, lon) index.  Each
        carries its ``supporters`` (one grouped count joined in, :func:`observation_select`)."""
        q = observation_select().order_by(observation.c.observed_at, observation.c.id)
        if bbox is not None:
            q = q.where(self._in_bbox(*bbox))
        if not include_merged and ids is None:
            q = q.where(observation.c.merged_into.is_(None))
        if district_ids is not None:
            q = q.where(observation.c.district_id.in_(list(district_ids)))
        if walk_id is not None:
            q = q.where(observation.c.walk_id == walk_id)
        if ids is not None:
            q = q.where(observation.c.id.in_(list(ids)))
        with self._read() as conn:
            return [_observation(r) for r in conn.execute(q)]

    def _in_bbox(self, west: float, south: float, east: float, north: float) -> ColumnElement[Any]:
        if self.postgis:
            return literal_column("observation.geom").op("&&")(
                func.ST_MakeEnvelope(west, south, east, north, 4326))
        return observation.c.lat.between(south, north) & observation.c.lon.between(west, east)

    def observations_near(self, lon: float, lat: float, metres: float, *,
                          exclude: Iterable[int] = ()) -> list[tuple[Observation, float]]:
        """Observations within ``metres`` of (lon, lat), nearest first, with the distance in
        metres measured in SWEREF 99 TM; merged pins and ``exclude`` left out.  PostGIS
        answers from the indexed EPSG:3006 column; SQLite takes the (lat, lon) index for a
        box around the circle and pyproj for the exact distance."""
        from .. import crs

        skip = list(exclude)
        base = observation_select().where(observation.c.merged_into.is_(None))
        if skip:
            base = base.where(observation.c.id.not_in(skip))
        if self.postgis:
            here = func.ST_Transform(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326), 3006)
            gcol: ColumnClause[Any] = literal_column("observation.geom_sweref")
            dist = func.ST_Distance(gcol, here).label("distance_m")
            q = base.add_columns(dist).where(func.ST_DWithin(gcol, here, metres)).order_by(
                dist, observation.c.id)
            with self._read() as conn:
                return [(_observation(r), float(r.distance_m)) for r in conn.execute(q)]
        x, y = crs.to_metric(lon, lat)
        corners = [crs.to_wgs84(x + dx, y + dy) for dx in (-metres, metres) for dy in (-metres, metres)]
        pad = 1e-7  # a hair more than the box, so a point exactly on the circle is inside
        box = (min(c[0] for c in corners) - pad, min(c[1] for c in corners) - pad,
               max(c[0] for c in corners) + pad, max(c[1] for c in corners) + pad)
        with self._read() as conn:
            found = [_observation(r) for r in conn.execute(base.where(self._in_bbox(*box)))]
        near = [(o, crs.distance_m((lon, lat), (o.lon, o.lat))) for o in found]
        return sorted(((o, d) for o, d in near if d <= metres), key=lambda p: (p[1], p[0].id))

    def observation(self, observation_id: int) -> Observation:
        found = self.observations(ids=[observation_id])
        if not found:
            raise NotFound("store.not_found", what="observation", id=observation_id)
        return found[0]

    def _require_edit(self, observation_id: int, actor: Actor) -> Observation:
        obs = self.observation(observation_id)
        the_walk = self.walk(obs.walk_id) if obs.walk_id else None
        roles.require(actor, Action.EDIT_OBSERVATION, observation=obs, walk=the_walk)
        return obs

    def update_observation(self, observation_id: int, actor: Actor, *, expected_version: int,
                           category: str | None = None, feeling: int | None = None,
                           description: str | None = None, lon: float | None = None,
                           lat: float | None = None) -> Observation:
        """Change a pin's category, feeling, text or place (a participant: only their own, while
        the walk is open).  ``expected_version`` is the version the person edited; when someone
        else saved in between, :class:`Conflict` is raised and nothing changes."""
        obs = self._require_edit(observation_id, actor)
        changed = replace(obs, category=obs.category if category is None else category,
                          feeling=obs.feeling if feeling is None else feeling,
                          description=obs.description if description is None else description,
                          lon=obs.lon if lon is None else lon, lat=obs.lat if lat is None else lat)
        known = self.known_ids()
        draft = ObservationDraft(category=changed.category, lon=changed.lon, lat=changed.lat,
                                 feeling=changed.feeling, description=changed.description,
                                 activity_id=obs.activity_id)
        if errors := workflow.validate_observation(draft, known["category"], known["activity"]):
            raise Invalid(errors)
        placed = self._district_of(self.districts(), changed.lon, changed.lat)
        with self._write() as conn:
            done = conn.execute(update(observation).where(
                observation.c.id == observation_id, observation.c.version == expected_version,
            ).values(category_id=changed.category, feeling=changed.feeling,
                     description=changed.description.strip(), lon=changed.lon, lat=changed.lat,
                     district_id=placed, updated_at=_now(),
                     version=observation.c.version + 1)).rowcount
            if not done:
                raise Conflict("store.conflict", what="observation", id=observation_id)
            self._place_in_db(conn, [observation_id])
        return self.observation(observation_id)

    def delete_observation(self, observation_id: int, actor: Actor) -> None:
        """Remove a pin with its photos, measure links, seconds and history, in one transaction."""
        self._require_edit(observation_id, actor)
        with self._write() as conn:
            conn.execute(delete(status_change).where(status_change.c.entity == "observation",
                                                     status_change.c.entity_id == observation_id))
            conn.execute(delete(photo).where(photo.c.observation_id == observation_id))
            conn.execute(delete(measure_observation).where(
                measure_observation.c.observation_id == observation_id))
            conn.execute(delete(observation_support).where(
                observation_support.c.observation_id == observation_id))
            conn.execute(delete(observation).where(observation.c.id == observation_id))

    def visible_observations(self, actor: Actor, *, walk_id: int | None = None,
                             district_ids: Iterable[str] | None = None) -> list[Observation]:
        """What ``actor`` may see: a participant only their walk's pins, with other people's
        names left out; planners and admins everything asked for."""
        if actor.role == Role.PARTICIPANT:
            roles.require(actor, Action.VIEW_WALK, walk_id=walk_id or actor.walk_id)
            return [o if o.participant_id == actor.participant_id else replace(o, reported_by="")
                    for o in self.observations(walk_id=actor.walk_id)]
        roles.require(actor, Action.VIEW_ALL)
        return self.observations(district_ids=district_ids, walk_id=walk_id)
