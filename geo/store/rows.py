"""Rows to the domain's models and back: the small helpers every part of the store shares."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, Table, func, insert, select, update
from sqlalchemy.engine import Connection, CursorResult, Row

from ..model import Measure, Observation, StatusChange, User, Walk
from .schema import metadata, observation, observation_support


class PhotoLike(Protocol):
    """A cleaned photo (:class:`geo.photos.CleanPhoto`): metadata-free JPEG and thumbnail."""
    @property
    def data(self) -> bytes: ...
    @property
    def mime(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def thumb(self) -> bytes: ...


def _photo_row(observation_id: int, p: PhotoLike, kind: str, now: datetime) -> dict[str, Any]:
    return dict(observation_id=observation_id, kind=kind, mime=p.mime, width=p.width,
                height=p.height, data=p.data, thumb=getattr(p, "thumb", None) or None,
                created_at=now)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _new_id(result: CursorResult[Any]) -> int:
    """The id the database gave the row just inserted."""
    key = result.inserted_primary_key
    assert key is not None  # an insert of one row
    new: int = key[0]
    return new


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per table of :data:`geo.store.schema.metadata`."""
    return {t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in metadata.sorted_tables}


def _upsert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    pk = table.c.id
    existing = set(conn.scalars(select(pk).where(pk.in_([r["id"] for r in rows]))))
    new = [r for r in rows if r["id"] not in existing]
    if new:
        conn.execute(insert(table), new)
    for r in rows:
        if r["id"] in existing:
            conn.execute(update(table).where(pk == r["id"]).values(**r))


def _change(r: Row[Any]) -> StatusChange:
    return StatusChange(r.id, r.entity, r.entity_id, r.from_status, r.to_status, r.actor, r.at,
                        r.comment, r.measure_id, r.reason)


def _walk(r: Row[Any]) -> Walk:
    return Walk(id=r.id, slug=r.slug, district_id=r.district_id, activity_id=r.activity_id,
                join_code=r.join_code,
                title=r.title, starts_at=r.starts_at, ends_at=r.ends_at,
                meeting_point=r.meeting_point, groups=tuple(json.loads(r.groups or "[]")),
                leader=r.leader, participants=r.participants, status=r.status,
                route=json.loads(r.route) if r.route else None, is_demo=r.is_demo,
                leader_id=r.leader_id, closed_at=r.closed_at)


def observation_select(*columns: Any) -> Select[Any]:
    """``SELECT observation.*, supporters`` (and ``columns``): each pin with how many people
    seconded it ("Jag håller med"), counted by one grouped subquery joined to the pins, so a
    read of many pins is still one query.  Filter it with ``.where(observation.c…)``."""
    counts = (select(observation_support.c.observation_id, func.count().label("n"))
              .group_by(observation_support.c.observation_id).subquery("supporter_counts"))
    return (select(observation, func.coalesce(counts.c.n, 0).label("supporters"), *columns)
            .select_from(observation.outerjoin(counts, counts.c.observation_id == observation.c.id)))


def _observation(r: Row[Any]) -> Observation:
    return Observation(
        id=r.id, uuid=r.uuid, walk_id=r.walk_id, district_id=r.district_id,
        activity_id=r.activity_id, category=r.category_id, description=r.description,
        feeling=r.feeling, lon=r.lon, lat=r.lat, observed_at=r.observed_at, status=r.status,
        status_reason=r.status_reason, reported_by=r.reported_by, group=r.group_id,
        is_demo=r.is_demo, created_at=r.created_at, updated_at=r.updated_at, version=r.version,
        participant_id=r.participant_id, merged_into=r.merged_into, flagged_by=r.flagged_by,
        responsible=r.responsible, priority=r.priority, due=r.due,
        supporters=int(r._mapping.get("supporters") or 0))


def _user(r: Row[Any]) -> User:
    return User(id=r.id, username=r.username, display_name=r.display_name, role=r.role,
                email=r.email, disabled=r.disabled, is_demo=r.is_demo,
                has_password=bool(r.password_hash), last_sign_in=r.last_sign_in)


def _measure(r: Row[Any], observation_ids: tuple[int, ...]) -> Measure:
    return Measure(
        id=r.id, type=r.type_id, title=r.title, description=r.description,
        district_id=r.district_id, activity_id=r.activity_id, geometry=json.loads(r.geojson),
        responsible=r.responsible, responsible_name=r.responsible_name, due=r.due,
        cost_sek=r.cost_sek, status=r.status, status_reason=r.status_reason, is_demo=r.is_demo,
        created_at=r.created_at, updated_at=r.updated_at, version=r.version,
        observation_ids=observation_ids)
