"""The one owner of the database.

SQLAlchemy 2 Core.  The embedded default is a local SQLite file (WAL, foreign keys on,
write transactions started with ``BEGIN IMMEDIATE`` so that concurrent writers wait for each
other instead of failing with "database is locked"); ``DATABASE_URL`` selects a shared
PostgreSQL server with PostGIS (``postgresql://user@host/db``), which several app processes
can use at once.  Nothing outside this module writes SQL or imports the driver, except
:mod:`geo.backup`, which copies whole databases table by table (backup, restore, moves).

The two backends differ only where PostGIS does the work better: on PostgreSQL, a new or
moved observation is placed in its district, "observations within N metres" and a map's
bounding box are answered by the database on GiST-indexed geometry columns (migration 0005);
on SQLite the same answers come from shapely and pyproj.  The store tests run against both
and check that the answers agree.  Concurrent writers on PostgreSQL are kept apart by row
locks (``SELECT … FOR UPDATE``), version checks and ``ON CONFLICT DO NOTHING``; on SQLite by
``BEGIN IMMEDIATE``.

Every public write method is one transaction: it commits whole or not at all.  The schema is
created and changed only by the Alembic migrations in ``geo/migrations`` (:meth:`Store.migrate`).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import uuid as uuidlib
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Protocol, Sequence

from sqlalchemy import (
    Boolean,
    bindparam,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from . import roles, workflow
from .catalog import Catalog
from .districts import Districts
from .errors import Refused
from .districts import parse as parse_districts
from .model import (
    DESCRIPTION_MAX,
    Actor,
    Measure,
    MeasureDraft,
    MeasureStatus,
    Municipality,
    Observation,
    ObservationDraft,
    ObservationStatus,
    Participant,
    Responsible,
    Role,
    StatusChange,
    User,
    Walk,
    WalkStatus,
)
from .roles import Action

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "var" / "trygghetskartan.db"


def database_url() -> str:
    """``DATABASE_URL`` if set, else the embedded SQLite file ``var/trygghetskartan.db``."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DB}"


def normal_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean the psycopg 3 driver (the one installed)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def shown_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(normal_url(url)).render_as_string(hide_password=True)


class StoreError(Refused):
    """A refused write.  ``key`` is a string-catalogue key, ``values`` its fields."""


class NotFound(StoreError):
    pass


class Invalid(StoreError):
    """Validation failed; ``errors`` maps field → string-catalogue key."""

    def __init__(self, errors: dict[str, str], **values: Any) -> None:
        super().__init__("store.invalid", errors, **values)


class Conflict(StoreError):
    """Someone else changed the row since it was read."""


class Unavailable(StoreError):
    """The database could not be reached or written (connection lost, disk full, locked):
    nothing was saved, and what the person typed should be kept for another try."""


@dataclass(frozen=True, slots=True)
class Saved:
    """What :meth:`Store.add_observations` did: the ids in the drafts' order, and how many
    rows are new (the rest were already stored under the same uuid)."""

    ids: list[int]
    added: int


class PhotoLike(Protocol):
    """A cleaned photo (:class:`geo.photos.CleanPhoto`): metadata-free JPEG and thumbnail."""
    data: bytes
    mime: str
    width: int
    height: int
    thumb: bytes


def _photo_row(observation_id: int, p: PhotoLike, kind: str, now: datetime) -> dict[str, Any]:
    return dict(observation_id=observation_id, kind=kind, mime=p.mime, width=p.width,
                height=p.height, data=p.data, thumb=getattr(p, "thumb", None) or None,
                created_at=now)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ProtocolChange:
    """One row of the walk protocol to save (see :meth:`Store.set_protocols`)."""
    observation_id: int
    expected_version: int
    responsible: str | None
    priority: int | None
    due: date | None


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


# --- schema (kept in step with geo/migrations; tests/unit/test_store.py checks they agree) ---
metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s",
})
OBS_STATUSES = tuple(s.value for s in ObservationStatus)
MEASURE_STATUSES = tuple(s.value for s in MeasureStatus)
RESPONSIBLES = tuple(r.value for r in Responsible)
WALK_STATUSES = tuple(s.value for s in WalkStatus)


def _in(col: str, values: Sequence[str]) -> str:
    return f"{col} IN ({', '.join(repr(v) for v in values)})"


municipality = Table(
    "municipality", metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("kommunkod", String(4), nullable=False, unique=True),
    Column("county", String(120), nullable=False, default=""),
)
district = Table(
    "district", metadata,
    Column("id", String(60), primary_key=True),
    Column("municipality_id", ForeignKey("municipality.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("regsokod", String(120), nullable=False),
    Column("parent_id", ForeignKey("district.id"), nullable=True),
    Column("area_km2", Float, nullable=False),
    Column("centre_lon", Float, nullable=False),
    Column("centre_lat", Float, nullable=False),
    Column("geojson", Text, nullable=False),
    Column("attribution", Text, nullable=False, default=""),
)
medborgarlofte = Table(
    "medborgarlofte", metadata,
    Column("id", String(60), primary_key=True),
    Column("municipality_id", ForeignKey("municipality.id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("source", Text, nullable=False, default=""),
    CheckConstraint("period_end >= period_start", name="period"),
)
promise = Table(
    "promise", metadata,
    Column("id", String(80), primary_key=True),
    Column("medborgarlofte_id", ForeignKey("medborgarlofte.id"), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("text", Text, nullable=False),
)
activity = Table(
    "activity", metadata,
    Column("id", String(80), primary_key=True),
    Column("promise_id", ForeignKey("promise.id"), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("text_en", Text, nullable=False, default=""),
    Column("physical", Boolean, nullable=False, default=False),
)


def _labelled(name: str, *extra: Column) -> Table:
    return Table(
        name, metadata,
        Column("id", String(40), primary_key=True),
        Column("sv", String(120), nullable=False),
        Column("en", String(120), nullable=False),
        Column("colour", String(7), nullable=False),
        Column("icon", String(60), nullable=False),
        Column("ordinal", Integer, nullable=False),
        *extra,
    )


category = _labelled("category", Column("positive", Boolean, nullable=False, default=False))
measure_type = _labelled("measure_type", Column("geometry", String(10), nullable=True))

walk = Table(
    "walk", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(80), nullable=False, unique=True),
    Column("district_id", ForeignKey("district.id"), nullable=False),
    Column("activity_id", ForeignKey("activity.id"), nullable=True),
    Column("title", Text, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=True),
    Column("meeting_point", Text, nullable=False, default=""),
    Column("groups", Text, nullable=False, default="[]"),
    Column("leader", Text, nullable=False, default=""),
    Column("participants", Integer, nullable=True),
    Column("status", String(20), nullable=False, default=WalkStatus.PLANNED.value),
    Column("route", Text, nullable=True),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("join_code", String(12), nullable=True, unique=True),
    CheckConstraint(_in("status", WALK_STATUSES), name="status"),
)
participant = Table(
    "participant", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("walk_id", ForeignKey("walk.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(80), nullable=False),
    Column("group_id", String(40), nullable=False, default=""),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    # SHA-256 of the reconnect token kept in the participant's link: a reload or a dropped
    # connection resumes the walk without a new join (the token itself is never stored).
    Column("token_hash", String(64), nullable=True, unique=True),
)
user_account = Table(
    "user_account", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(120), nullable=False, default=""),
    Column("role", String(20), nullable=False),
    Column("email", String(254), nullable=True, unique=True),
    Column("password_hash", Text, nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("last_sign_in", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('planner', 'admin')", name="role"),
)
observation = Table(
    "observation", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("walk_id", ForeignKey("walk.id"), nullable=True, index=True),
    Column("district_id", ForeignKey("district.id"), nullable=True, index=True),
    Column("activity_id", ForeignKey("activity.id"), nullable=True),
    Column("category_id", ForeignKey("category.id"), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("feeling", Integer, nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("observed_at", UTCDateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("status_reason", Text, nullable=False, default=""),
    Column("reported_by", String(80), nullable=False, default=""),
    Column("group_id", String(40), nullable=False, default=""),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("participant_id", ForeignKey("participant.id", ondelete="SET NULL"), nullable=True,
           index=True),
    # the walk protocol: pins merged into another (kept, hidden from maps and counts), how many
    # people flagged the spot, and who acts on it, how urgently and by when
    Column("merged_into", ForeignKey("observation.id", ondelete="SET NULL"), nullable=True, index=True),
    Column("flagged_by", Integer, nullable=False, default=1, server_default="1"),
    Column("responsible", String(20), nullable=True),
    Column("priority", Integer, nullable=True),
    Column("due", Date, nullable=True),
    Index("ix_observation_lat_lon", "lat", "lon"),
    CheckConstraint("priority IS NULL OR priority BETWEEN 1 AND 3", name="priority"),
    CheckConstraint("flagged_by >= 1", name="flagged"),
    CheckConstraint("feeling BETWEEN 1 AND 5", name="feeling"),
    CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="lonlat"),
    CheckConstraint(_in("status", OBS_STATUSES), name="status"),
)
photo = Table(
    "photo", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("observation_id", ForeignKey("observation.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(10), nullable=False, default="before"),
    Column("mime", String(40), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("thumb", LargeBinary, nullable=True),
    CheckConstraint("kind IN ('before', 'after')", name="kind"),
)
measure = Table(
    "measure", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("type_id", ForeignKey("measure_type.id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("district_id", ForeignKey("district.id"), nullable=True, index=True),
    Column("activity_id", ForeignKey("activity.id"), nullable=True),
    Column("geojson", Text, nullable=False),
    Column("responsible", String(20), nullable=False),
    Column("responsible_name", Text, nullable=False, default=""),
    Column("due", Date, nullable=True),
    Column("cost_sek", Integer, nullable=True),
    Column("status", String(20), nullable=False),
    Column("status_reason", Text, nullable=False, default=""),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    CheckConstraint(_in("status", MEASURE_STATUSES), name="status"),
    CheckConstraint(_in("responsible", RESPONSIBLES), name="responsible"),
    CheckConstraint("cost_sek IS NULL OR cost_sek >= 0", name="cost"),
)
measure_observation = Table(
    "measure_observation", metadata,
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    Column("observation_id", ForeignKey("observation.id", ondelete="CASCADE"), primary_key=True),
)
status_change = Table(
    "status_change", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity", String(20), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    # what moved an observation: the measure linked or changed (None: a person did), and the
    # reason it was closed with
    Column("measure_id", ForeignKey("measure.id", ondelete="SET NULL"), nullable=True),
    Column("reason", Text, nullable=False, default="", server_default=""),
    CheckConstraint("entity IN ('observation', 'measure')", name="entity"),
    Index("ix_status_change_entity", "entity", "entity_id"),
)



# Columns and indexes that only the PostGIS schema has (migration 0005): generated from the
# stored coordinates and GeoJSON, never written by this module, so not in ``metadata``.
POSTGIS_COLUMNS = {("observation", "geom"), ("observation", "geom_sweref"),
                   ("district", "geom"), ("measure", "geom")}
POSTGIS_INDEXES = {f"ix_{t}_{c}" for t, c in POSTGIS_COLUMNS}
POSTGIS_TABLES = {"spatial_ref_sys"}  # the extension's own


def schema_differences(conn: Connection) -> list:
    """What the database's schema lacks or has beyond :data:`metadata` (Alembic's
    comparison), PostGIS's own objects and generated columns left out: ``[]`` when the
    migrations and the code agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table":
            return name not in POSTGIS_TABLES
        if type_ == "column":
            return (obj.table.name, name) not in POSTGIS_COLUMNS
        if type_ == "index":
            return name not in POSTGIS_INDEXES
        return True

    ctx = MigrationContext.configure(conn, opts={"include_object": include})
    with warnings.catch_warnings():  # reflection does not know PostGIS's type (left out above)
        warnings.filterwarnings("ignore", "Did not recognize type 'geometry'")
        return compare_metadata(ctx, metadata)


def _make_engine(url: str) -> Engine:
    url = normal_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            immediate = conn.get_execution_options().get("write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    # A shared server: a connection the server dropped (restart, fail-over, idle timeout) is
    # noticed before use and replaced (pre-ping), so the app carries on once the database is
    # back.  Thirty walkers saving at once share the pool; the rest wait up to 30 s.
    return create_engine(
        url, pool_pre_ping=True, pool_size=int(os.environ.get("DB_POOL_SIZE", "10")),
        max_overflow=int(os.environ.get("DB_MAX_OVERFLOW", "20")), pool_timeout=30,
        connect_args={"connect_timeout": 10, "application_name": "trygghetskartan"})


def _disk_full(e: DBAPIError) -> bool:
    """SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100) or an out-of-space I/O error."""
    text_ = str(e.orig)
    return (getattr(e.orig, "sqlstate", None) == "53100" or "database or disk is full" in text_
            or "No space left on device" in text_)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Store:
    """The database behind Trygghetskartan.  Create one per process and share it."""

    def __init__(self, url: str | None = None) -> None:
        self.url = normal_url(url or database_url())
        self.engine = _make_engine(self.url)
        self.postgis = self.engine.dialect.name == "postgresql"
        self._districts: Districts | None = None

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    # --- transactions ---------------------------------------------------------------
    @contextmanager
    def _connect(self, **options: Any) -> Iterator[Connection]:
        """A connection; a database that cannot be reached or written becomes
        :class:`Unavailable` (the transaction, if any, rolled back)."""
        try:
            with self.engine.connect() as conn:
                yield conn.execution_options(**options) if options else conn
        except DBAPIError as e:
            if isinstance(e, OperationalError) or e.connection_invalidated or _disk_full(e):
                raise Unavailable("store.disk_full" if _disk_full(e) else "store.unavailable") from e
            raise

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._connect(write=True) as conn:
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self, snapshot: bool = False) -> Iterator[Connection]:
        """A read transaction; ``snapshot`` makes every statement in it see the same moment
        (PostgreSQL's REPEATABLE READ; a SQLite read transaction always does)."""
        options = {"isolation_level": "REPEATABLE READ"} if snapshot and self.postgis else {}
        with self._connect(**options) as conn:
            with conn.begin():
                yield conn

    def _lock(self, conn: Connection, name: str) -> None:
        """Serialise one kind of write across processes until the transaction ends: a
        PostgreSQL advisory lock; SQLite's ``BEGIN IMMEDIATE`` already serialises writers."""
        if self.postgis:
            key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
            conn.execute(select(func.pg_advisory_xact_lock(key)))

    def dispose(self) -> None:
        self.engine.dispose()

    # --- schema ---------------------------------------------------------------------
    def migrate(self) -> str:
        """Create the schema or bring it up to the newest migration; returns the revision."""
        from alembic import command

        with self._connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if not sqlite:  # two app servers starting at once: the second waits, then finds
                self._lock(conn, "migrate")  # the schema up to date
            if sqlite:
                # SQLite changes a table by copying it (Alembic's batch mode); with foreign
                # keys on, dropping the old copy fails once other tables refer to its rows.
                # The pragma only works outside a transaction, so it goes to the driver's
                # connection before SQLAlchemy begins one; the keys are checked afterwards.
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
            try:
                command.upgrade(self._alembic_config(conn), "head")
                if sqlite and (broken := conn.exec_driver_sql("PRAGMA foreign_key_check").all()):
                    raise StoreError("store.invalid", problems=broken)
                conn.commit()
            finally:
                if sqlite:
                    conn.rollback()
                    conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
        return self.revision()

    def head(self) -> str:
        """The newest migration this code knows."""
        from alembic.script import ScriptDirectory

        with self._connect() as conn:
            return ScriptDirectory.from_config(self._alembic_config(conn)).get_current_head()

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self._connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def _alembic_config(self, conn: Connection):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        cfg.attributes["connection"] = conn
        return cfg

    # --- catalogue and districts --------------------------------------------------
    def sync_catalog(self, catalog: Catalog, districts: Districts) -> None:
        """Insert or update municipalities, districts, promises, activities, categories and
        measure types from the data files, in one transaction.  Ids are stable, so rows that
        observations reference are updated in place, never deleted."""
        with self._write() as conn:
            self._lock(conn, "catalog")
            _upsert(conn, municipality, [
                {"id": m.id, "name": m.name, "kommunkod": m.kommunkod, "county": m.county}
                for m in catalog.municipalities])
            ordered = sorted(districts, key=lambda d: d.parent_id is not None)
            _upsert(conn, district, [
                {"id": d.id, "municipality_id": d.municipality_id, "name": d.name,
                 "regsokod": d.regsokod, "parent_id": d.parent_id, "area_km2": d.area_km2,
                 "centre_lon": d.centre[0], "centre_lat": d.centre[1],
                 "geojson": _dumps(d.geojson), "attribution": d.attribution}
                for d in ordered])
            _upsert(conn, medborgarlofte, [
                {"id": m.id, "municipality_id": m.municipality_id, "title": m.title,
                 "period_start": m.period_start, "period_end": m.period_end, "source": m.source}
                for m in catalog.medborgarloften])
            _upsert(conn, promise, [
                {"id": p.id, "medborgarlofte_id": p.medborgarlofte_id, "ordinal": p.ordinal,
                 "title": p.title, "text": p.text}
                for m in catalog.medborgarloften for p in m.promises])
            _upsert(conn, activity, [
                {"id": a.id, "promise_id": a.promise_id, "ordinal": a.ordinal, "text": a.text,
                 "text_en": a.text_en, "physical": a.physical}
                for a in catalog.activities()])
            for table, items in ((category, catalog.categories), (measure_type, catalog.measure_types)):
                rows = []
                for i, c in enumerate(items):
                    row = {"id": c.id, "sv": c.sv, "en": c.en, "colour": c.colour, "icon": c.icon,
                           "ordinal": i}
                    row.update({"positive": c.positive} if table is category else {"geometry": c.geometry})
                    rows.append(row)
                _upsert(conn, table, rows)
        self._districts = None

    def municipalities(self) -> list[Municipality]:
        with self._read() as conn:
            rows = conn.execute(select(municipality).order_by(municipality.c.name)).all()
        return [Municipality(r.id, r.name, r.kommunkod, r.county) for r in rows]

    def districts(self) -> Districts:
        """All districts with their boundaries (read once per Store, then kept)."""
        if self._districts is None:
            with self._read() as conn:
                rows = conn.execute(select(district).order_by(district.c.id)).all()
            self._districts = parse_districts({"features": [{
                "properties": {"id": r.id, "municipality": r.municipality_id, "name": r.name,
                               "regsokod": r.regsokod, "parent": r.parent_id,
                               "area_km2": r.area_km2, "centre": [r.centre_lon, r.centre_lat],
                               "attribution": r.attribution},
                "geometry": json.loads(r.geojson)} for r in rows]})
        return self._districts

    def known_ids(self) -> dict[str, set[str]]:
        """Ids that references may use: categories, measure types, activities, districts, walks."""
        with self._read() as conn:
            return {
                "category": set(conn.scalars(select(category.c.id))),
                "measure_type": set(conn.scalars(select(measure_type.c.id))),
                "activity": set(conn.scalars(select(activity.c.id))),
                "district": set(conn.scalars(select(district.c.id))),
                "walk": set(conn.scalars(select(walk.c.slug))),
            }

    # --- walks ----------------------------------------------------------------------
    def add_walk(self, actor: Actor, *, slug: str, district_id: str, title: str, starts_at: datetime,
                 activity_id: str | None = None, ends_at: datetime | None = None,
                 meeting_point: str = "", groups: Iterable[str] = (), leader: str = "",
                 participants: int | None = None, status: str = WalkStatus.PLANNED,
                 route: dict | None = None, is_demo: bool = False,
                 join_code: str | None = None) -> Walk:
        roles.require(actor, Action.MANAGE_WALKS)
        with self._write() as conn:
            if conn.scalar(select(walk.c.id).where(walk.c.slug == slug)) is not None:
                raise Invalid({"slug": "walk.slug_taken"}, slug=slug)
            walk_id = conn.execute(insert(walk).values(
                slug=slug, district_id=district_id, activity_id=activity_id, title=title,
                starts_at=starts_at, ends_at=ends_at, meeting_point=meeting_point,
                groups=_dumps(list(groups)), leader=leader, participants=participants,
                status=str(status), route=_dumps(route) if route else None, is_demo=is_demo,
                join_code=join_code, created_at=_now())).inserted_primary_key[0]
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

    # --- observations ---------------------------------------------------------------
    def add_observations(self, drafts: Sequence[ObservationDraft], actor: Actor,
                         at: datetime | None = None,
                         photos: Mapping[str, PhotoLike] | None = None) -> Saved:
        """Save observations in one transaction; each is placed in its district.

        Raises :class:`Invalid` naming the first bad draft (``index``) and field; then
        nothing is saved.  A draft whose ``uuid`` is already stored is not saved again
        (a resubmitted form or a re-imported file); its existing id is returned and it is
        not counted in ``added``.  ``at`` is
        when the history says it was recorded (default now; the demo loader backdates).
        ``photos`` maps a draft's ``uuid`` to a cleaned photo
        (:func:`geo.photos.clean_photo`), saved in the same transaction as its pin."""
        known = self.known_ids()
        districts = self.districts()
        now = at or _now()
        uids = [d.uuid or str(uuidlib.uuid4()) for d in drafts]
        with self._write() as conn:
            wanted = {d.walk_id for d in drafts if workflow.is_id(d.walk_id)}
            walks = {r.id: _walk(r) for r in conn.execute(select(walk).where(walk.c.id.in_(wanted)))}
            for index, d in enumerate(drafts):
                errors = workflow.validate_observation(d, known["category"], known["activity"])
                if "walk" not in errors and d.walk_id is not None and d.walk_id not in walks:
                    errors["walk"] = "validation.unknown_walk"
                if errors:
                    raise Invalid(errors, index=index)
                roles.require(actor, Action.ADD_OBSERVATION, walk=walks.get(d.walk_id))
            own = actor.participant_id if actor.role == Role.PARTICIPANT else None
            existing: dict[str, int] = {}
            for chunk in range(0, len(uids), 5000):
                existing.update(conn.execute(select(observation.c.uuid, observation.c.id).where(
                    observation.c.uuid.in_(uids[chunk:chunk + 5000]))).all())
            rows, seen = [], set(existing)
            for uid, d in zip(uids, drafts):
                if uid in seen:
                    continue
                seen.add(uid)
                rows.append(dict(
                    uuid=uid, walk_id=d.walk_id, district_id=self._district_of(districts, d.lon, d.lat),
                    activity_id=d.activity_id, category_id=d.category,
                    description=d.description.strip(), feeling=d.feeling, lon=d.lon, lat=d.lat,
                    observed_at=d.observed_at or now, status=str(d.status),
                    status_reason=d.status_reason.strip(),
                    reported_by=actor.name if own is not None else d.reported_by,
                    group_id=d.group, is_demo=d.is_demo, created_at=now, updated_at=now, version=1,
                    participant_id=own if own is not None else d.participant_id))
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
                                  for u, p in (photos or {}).items() if u in fresh]:
                    conn.execute(insert(photo), photo_rows)
        return Saved(ids=[existing[u] for u in uids], added=len(rows))

    def _insert(self, table: Table):
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

    def observations(self, district_ids: Iterable[str] | None = None, walk_id: int | None = None,
                     ids: Iterable[int] | None = None, include_merged: bool = False,
                     bbox: tuple[float, float, float, float] | None = None) -> list[Observation]:
        """Observations, oldest first.  Pins merged into another (the walk protocol) are left
        out unless asked for by ``ids`` or ``include_merged``: the kept pin speaks for them.
        ``bbox`` (west, south, east, north in WGS84, edges included) keeps what a map shows:
        PostGIS answers it from the spatial index, SQLite from the (lat, lon) index."""
        q = select(observation).order_by(observation.c.observed_at, observation.c.id)
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

    def _in_bbox(self, west: float, south: float, east: float, north: float):
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
        from . import crs

        skip = list(exclude)
        base = select(observation).where(observation.c.merged_into.is_(None))
        if skip:
            base = base.where(observation.c.id.not_in(skip))
        if self.postgis:
            here = func.ST_Transform(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326), 3006)
            gcol = literal_column("observation.geom_sweref")
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

    def set_observation_status(self, observation_id: int, new: str, actor: Actor,
                               comment: str = "", expected_version: int | None = None,
                               at: datetime | None = None,
                               after_photo: PhotoLike | None = None, reason: str = "") -> Observation:
        """Move an observation to ``new`` by hand (triage or the follow-up meeting, see
        :data:`geo.workflow.OBSERVATION_STEPS`) and record who, when and why, with an "after"
        photo when one is given (the follow-up's proof), all in one transaction.  Statuses
        that follow a measure are refused (``workflow.follows_measure``): link a measure."""
        self.set_observation_statuses([observation_id], new, actor, comment=comment, reason=reason,
                                      expected_versions={observation_id: expected_version}, at=at,
                                      after_photo=after_photo)
        return self.observation(observation_id)

    def set_observation_statuses(self, observation_ids: Iterable[int], new: str, actor: Actor, *,
                                 comment: str = "", reason: str = "",
                                 expected_versions: Mapping[int, int | None] | None = None,
                                 at: datetime | None = None,
                                 after_photo: PhotoLike | None = None) -> None:
        """Triage after the walk: move one or many observations to ``new`` (assessed, closed
        with a ``reason`` from :data:`geo.workflow.CLOSE_REASONS`, or reopened) in one
        transaction: all of them or, when one is refused, none (:class:`Invalid` names its
        ``id``).  ``expected_versions`` maps an id to the version the person saw."""
        roles.require(actor, Action.CHANGE_STATUS)
        ids = list(dict.fromkeys(observation_ids))
        if not ids:
            raise Invalid({"observation_ids": "workflow.nothing_chosen"})
        if reason and reason not in workflow.CLOSE_REASONS:
            raise Invalid({"reason": "workflow.unknown_reason"})
        if reason == "other" and not comment.strip():
            raise Invalid({"comment": "workflow.reason_required"})
        versions = expected_versions or {}
        now = at or _now()
        with self._write() as conn:
            for oid in ids:
                try:
                    self._change_status(conn, observation, "observation", workflow.check_observation_change,
                                        oid, new, actor, comment, versions.get(oid), now, reason=reason)
                except Invalid as e:
                    raise Invalid(e.errors, **{**e.values, "id": oid}) from None
            if after_photo is not None:
                conn.execute(insert(photo), [_photo_row(oid, after_photo, "after", now) for oid in ids])

    def merge_observations(self, keep_id: int, other_ids: Iterable[int], actor: Actor) -> Observation:
        """The walk protocol: pins from several tablets that describe one spot become one.
        The kept pin counts everyone who flagged the spot, gathers their texts and photos and
        their measure links; the others stay in the database, marked as merged into it (and
        so out of the maps and counts).  One transaction."""
        roles.require(actor, Action.CHANGE_STATUS)
        others = sorted(set(other_ids) - {keep_id})
        if not others:
            raise Invalid({"observation_ids": "protocol.nothing_to_merge"})
        now = _now()
        with self._write() as conn:
            # read and lock in the same transaction: two leaders merging the same pins at once
            # are taken in turn, and the second is told they are merged already
            found = {r.id: _observation(r) for r in conn.execute(
                select(observation).where(observation.c.id.in_([keep_id, *others]))
                .order_by(observation.c.id).with_for_update())}
            if missing := sorted({keep_id, *others} - set(found)):
                raise NotFound("store.not_found", what="observation", id=missing[0])
            keep = found[keep_id]
            if any(found[i].merged_into is not None for i in [keep_id, *others]):
                raise Invalid({"observation_ids": "protocol.already_merged"})
            if any(found[i].walk_id != keep.walk_id for i in others):
                raise Invalid({"observation_ids": "protocol.other_walk"})
            texts = [keep.description.strip()] + [found[i].description.strip() for i in others]
            merged_text = "\n— ".join(t for t in texts if t)
            if problem := workflow.text_problem(merged_text, DESCRIPTION_MAX):
                raise Invalid({"description": problem})
            conn.execute(update(observation).where(observation.c.id.in_(others)).values(
                merged_into=keep_id, updated_at=now, version=observation.c.version + 1))
            conn.execute(update(photo).where(photo.c.observation_id.in_(others))
                         .values(observation_id=keep_id))
            linked = set(conn.execute(select(measure_observation.c.measure_id).where(
                measure_observation.c.observation_id == keep_id)).scalars())
            moved = {m for m in conn.execute(select(measure_observation.c.measure_id).where(
                measure_observation.c.observation_id.in_(others))).scalars()} - linked
            if moved:
                conn.execute(insert(measure_observation), [
                    {"measure_id": m, "observation_id": keep_id} for m in sorted(moved)])
            conn.execute(update(observation).where(observation.c.id == keep_id).values(
                description=merged_text, flagged_by=sum(found[i].flagged_by for i in [keep_id, *others]),
                feeling=max(found[i].feeling for i in [keep_id, *others]), updated_at=now,
                version=observation.c.version + 1))
            conn.execute(insert(status_change), [
                dict(entity="observation", entity_id=i, from_status=found[i].status,
                     to_status=found[i].status, actor=actor.label, at=now,
                     comment=f"sammanslagen med #{keep_id}") for i in others])
            if moved:  # the kept pin now answers to those measures too
                self._follow_measures(conn, [keep_id], actor, min(moved), now)
        return self.observation(keep_id)

    def set_protocol(self, observation_id: int, actor: Actor, *, expected_version: int,
                     responsible: str | None, priority: int | None, due: date | None) -> Observation:
        """The walk protocol's columns for one point: who acts, how urgently (1–3), by when."""
        self.set_protocols(actor, [ProtocolChange(observation_id, expected_version, responsible,
                                                  priority, due)])
        return self.observation(observation_id)

    def set_protocols(self, actor: Actor, changes: Sequence[ProtocolChange]) -> None:
        """Save the protocol's columns for several points in one transaction: all or none
        (a bad value or someone else's newer save names the row and saves nothing)."""
        roles.require(actor, Action.CHANGE_STATUS)
        for index, c in enumerate(changes):
            errors = {}
            if c.responsible is not None and c.responsible not in RESPONSIBLES:
                errors["responsible"] = "validation.unknown_responsible"
            if c.priority is not None and (isinstance(c.priority, bool) or not isinstance(c.priority, int)
                                           or c.priority not in (1, 2, 3)):
                errors["priority"] = "protocol.priority_range"
            if problem := workflow.date_problem(c.due):
                errors["due"] = problem
            if errors:
                raise Invalid(errors, index=index, id=c.observation_id)
        now = _now()
        with self._write() as conn:
            for c in changes:
                done = conn.execute(update(observation).where(
                    observation.c.id == c.observation_id, observation.c.version == c.expected_version,
                ).values(responsible=c.responsible, priority=c.priority, due=c.due, updated_at=now,
                         version=observation.c.version + 1)).rowcount
                if not done:
                    raise Conflict("store.conflict", what="observation", id=c.observation_id)

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
        """Remove a pin with its photos, measure links and history, in one transaction."""
        self._require_edit(observation_id, actor)
        with self._write() as conn:
            conn.execute(delete(status_change).where(status_change.c.entity == "observation",
                                                     status_change.c.entity_id == observation_id))
            conn.execute(delete(photo).where(photo.c.observation_id == observation_id))
            conn.execute(delete(measure_observation).where(
                measure_observation.c.observation_id == observation_id))
            conn.execute(delete(observation).where(observation.c.id == observation_id))

    # --- measures -------------------------------------------------------------------
    def add_measure(self, draft: MeasureDraft, actor: Actor, at: datetime | None = None) -> int:
        roles.require(actor, Action.MANAGE_MEASURES)
        placed = self._checked_measure(draft)
        now = at or _now()
        with self._write() as conn:
            self._require_observations(conn, draft.observation_ids)
            mid = conn.execute(insert(measure).values(
                type_id=draft.type, title=draft.title.strip(),
                description=draft.description.strip(),
                district_id=placed, activity_id=draft.activity_id,
                geojson=_dumps(draft.geometry), responsible=str(draft.responsible),
                responsible_name=draft.responsible_name, due=draft.due, cost_sek=draft.cost_sek,
                status=str(draft.status), status_reason=draft.status_reason, is_demo=draft.is_demo,
                created_at=now, updated_at=now, version=1)).inserted_primary_key[0]
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
                responsible=str(draft.responsible), responsible_name=draft.responsible_name,
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
        now = at or _now()
        with self._write() as conn:
            self._change_status(conn, measure, "measure", workflow.check_measure_change,
                                measure_id, new, actor, comment, expected_version, now)
            linked = conn.scalars(select(measure_observation.c.observation_id).where(
                measure_observation.c.measure_id == measure_id)).all()
            self._follow_measures(conn, linked, actor, measure_id, now)
        return self.measure(measure_id)

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
            for a, b in zip(chain, chain[1:]):
                steps.setdefault((a, b), []).append(oid)
        for (a, b), moved in sorted(steps.items(), key=lambda s: _STEP_ORDER.index(s[0][1])):
            conn.execute(update(observation).where(observation.c.id.in_(moved)).values(
                status=b, status_reason="", updated_at=at, version=observation.c.version + 1))
            conn.execute(insert(status_change), [dict(
                entity="observation", entity_id=oid, from_status=a, to_status=b, actor=actor.label, at=at,
                comment="", measure_id=measure_id, reason="") for oid in moved])

    @staticmethod
    def _change_status(conn: Connection, table: Table, entity: str, check, row_id: int, new: str,
                       actor: Actor, comment: str, expected_version: int | None,
                       at: datetime | None, *, reason: str = "", measure_id: int | None = None) -> None:
        """The status change and its history entry, inside the caller's transaction.  The row
        is locked while it is read (PostgreSQL), so two people changing it at once are taken
        one after the other and the history shows both changes, in order.  ``reason`` is a
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
        closing = new in workflow.REASON_REQUIRED
        conn.execute(update(table).where(table.c.id == row_id).values(
            status=new, status_reason=(reason or comment).strip() if closing else "", updated_at=now,
            version=row.version + 1))
        conn.execute(insert(status_change).values(
            entity=entity, entity_id=row_id, from_status=row.status, to_status=new,
            actor=actor.label, at=now, comment=comment.strip(), measure_id=measure_id,
            reason=reason if closing else ""))

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

    def set_walk_status(self, walk_id: int, status: str, actor: Actor) -> Walk:
        """Open or close a walk (planner or admin).  After closing, participants can no
        longer add or change pins (see :mod:`geo.roles`)."""
        roles.require(actor, Action.MANAGE_WALKS)
        if status not in WALK_STATUSES:
            raise Invalid({"status": "validation.unknown_status"})
        with self._write() as conn:
            if not conn.execute(update(walk).where(walk.c.id == walk_id).values(status=status)).rowcount:
                raise NotFound("store.not_found", what="walk", id=walk_id)
        return self.walk(walk_id)

    # --- participants (join a walk with its code, no account) ------------------------
    def walk_by_code(self, code: str) -> Walk | None:
        if not isinstance(code, str) or workflow.text_problem(code.strip(), 12):
            return None  # no code has NUL bytes or 13 characters: no need to ask the database
        with self._read() as conn:
            row = conn.execute(select(walk).where(walk.c.join_code == code.strip().upper())).first()
        return _walk(row) if row else None

    def join_walk(self, code: str, name: str, group: str = "", is_demo: bool = False) -> Actor:
        """A participant joins the walk with ``code``; returns the participant's Actor.
        Raises :class:`Invalid` naming the field (unknown code, closed walk, missing name)."""
        name = name.strip() if isinstance(name, str) else name
        errors: dict[str, str] = {}
        if not name:
            errors["name"] = "validation.required"
        elif problem := workflow.text_problem(name, 80):
            errors["name"] = problem
        if problem := workflow.text_problem(group or "", 40):
            errors["group"] = problem
        the_walk = self.walk_by_code(code or "")
        if the_walk is None:
            errors["code"] = "join.unknown_code"
        elif the_walk.status == WalkStatus.CLOSED:
            errors["code"] = "join.closed"
        if errors:
            raise Invalid(errors)
        with self._write() as conn:
            pid = conn.execute(insert(participant).values(
                walk_id=the_walk.id, name=name, group_id=group or "", is_demo=is_demo,
                created_at=_now())).inserted_primary_key[0]
        return Actor(role=Role.PARTICIPANT, name=name, participant_id=pid, walk_id=the_walk.id)

    def reconnect_token(self, actor: Actor) -> str:
        """A new secret for ``actor``'s link, so that a reload or a lost connection resumes
        the walk (:meth:`resume`).  Only its hash is stored; an older token stops working."""
        if actor.role != Role.PARTICIPANT or actor.participant_id is None:
            raise Invalid({"token": "roles.forbidden"})
        token = secrets.token_urlsafe(18)
        with self._write() as conn:
            conn.execute(update(participant).where(participant.c.id == actor.participant_id)
                         .values(token_hash=_token_hash(token)))
        return token

    def resume(self, token: str) -> Actor | None:
        """The participant whose link carries ``token``, or None."""
        if not token or len(token) > 64:
            return None
        with self._read() as conn:
            r = conn.execute(select(participant).where(
                participant.c.token_hash == _token_hash(token))).first()
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

    # --- users (local accounts; OpenID Connect users are matched by e-mail) ------------
    def add_user(self, actor: Actor, *, username: str, role: str, display_name: str = "",
                 email: str | None = None, password_hash: str | None = None,
                 is_demo: bool = False) -> User:
        roles.require(actor, Action.MANAGE_USERS)
        username = username.strip().lower() if isinstance(username, str) else username
        email = (email.strip().lower() if isinstance(email, str) else email) or None
        errors = {}
        if not username:
            errors["username"] = "validation.required"
        elif problem := workflow.text_problem(username, 80):
            errors["username"] = problem
        if problem := workflow.text_problem(display_name, 120):
            errors["display_name"] = problem
        if email is not None and (problem := workflow.text_problem(email, 254)
                                  or ("@" not in email and "users.bad_email")):
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
                disabled=False, is_demo=is_demo, failed_attempts=0, created_at=_now()))
        return self.user(username)

    def users(self, actor: Actor) -> list[User]:
        roles.require(actor, Action.MANAGE_USERS)
        with self._read() as conn:
            return [_user(r) for r in conn.execute(select(user_account).order_by(user_account.c.username))]

    def user(self, username: str) -> User | None:
        with self._read() as conn:
            r = conn.execute(select(user_account).where(
                user_account.c.username == username.strip().lower())).first()
        return _user(r) if r else None

    def credentials(self, *, username: str | None = None, email: str | None = None) -> dict | None:
        """The row that sign-in needs (hash, lock state); for :mod:`geo.auth` only."""
        col, value = ((user_account.c.username, username) if username is not None
                      else (user_account.c.email, email))
        with self._read() as conn:
            r = conn.execute(select(user_account).where(col == (value or "").strip().lower())).first()
        return dict(r._mapping) if r else None

    def record_sign_in(self, user_id: int, ok: bool, at: datetime,
                       locked_until: datetime | None = None) -> None:
        """Count a failed attempt (and lock until ``locked_until``) or reset after success."""
        with self._write() as conn:
            values = ({"failed_attempts": 0, "locked_until": None, "last_sign_in": at} if ok else
                      {"failed_attempts": user_account.c.failed_attempts + 1, "locked_until": locked_until})
            conn.execute(update(user_account).where(user_account.c.id == user_id).values(**values))

    def set_user_disabled(self, actor: Actor, username: str, disabled: bool) -> User:
        roles.require(actor, Action.MANAGE_USERS)
        return self._update_user(username, disabled=disabled)

    def set_password_hash(self, actor: Actor, username: str, password_hash: str) -> User:
        roles.require(actor, Action.MANAGE_USERS)
        return self._update_user(username, password_hash=password_hash, failed_attempts=0,
                                 locked_until=None)

    def _update_user(self, username: str, **values) -> User:
        with self._write() as conn:
            if not conn.execute(update(user_account).where(
                    user_account.c.username == username.strip().lower()).values(**values)).rowcount:
                raise NotFound("store.not_found", what="user", id=username)
        return self.user(username)

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

    # --- photos ---------------------------------------------------------------------
    def add_photo(self, observation_id: int, cleaned: PhotoLike, actor: Actor,
                  kind: str = "before") -> int:
        """Store an already cleaned image (:func:`geo.photos.clean_photo`) for an observation."""
        obs = self.observation(observation_id)
        the_walk = self.walk(obs.walk_id) if obs.walk_id else None
        roles.require(actor, Action.EDIT_OBSERVATION, observation=obs, walk=the_walk)
        with self._write() as conn:
            return conn.execute(insert(photo).values(
                **_photo_row(observation_id, cleaned, kind, _now()))).inserted_primary_key[0]

    def photos(self, observation_id: int) -> list[dict[str, Any]]:
        """An observation's photos, oldest first, without the image bytes (see :meth:`photo`)."""
        cols = [c for c in photo.c if c.name not in ("data", "thumb")]
        with self._read() as conn:
            rows = conn.execute(select(*cols).where(photo.c.observation_id == observation_id)
                                .order_by(photo.c.id)).all()
        return [dict(r._mapping) for r in rows]

    def photo(self, photo_id: int, *, thumb: bool = False) -> tuple[bytes, str]:
        """A photo's JPEG bytes (or its thumbnail) and MIME type."""
        with self._read() as conn:
            row = conn.execute(select(photo.c.data, photo.c.thumb, photo.c.mime)
                               .where(photo.c.id == photo_id)).first()
        if row is None:
            raise NotFound("store.not_found", what="photo", id=photo_id)
        return (row.thumb if thumb and row.thumb else row.data), row.mime

    def remove_photo(self, photo_id: int, actor: Actor) -> None:
        with self._read() as conn:
            obs_id = conn.scalar(select(photo.c.observation_id).where(photo.c.id == photo_id))
        if obs_id is None:
            raise NotFound("store.not_found", what="photo", id=photo_id)
        self._require_edit(obs_id, actor)
        with self._write() as conn:
            conn.execute(delete(photo).where(photo.c.id == photo_id))

    # --- demo and housekeeping -----------------------------------------------------
    def remove_demo(self, actor: Actor) -> dict[str, int]:
        """Delete everything marked as demo (walks and their participants, observations, their
        photos, links and history, measures, demo accounts), in one transaction; returns how
        many rows of each went."""
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
            counts["participant"] = conn.execute(delete(participant).where(
                participant.c.is_demo | participant.c.walk_id.in_(gone))).rowcount
            counts["walk"] = conn.execute(delete(walk).where(
                walk.c.is_demo, walk.c.id.not_in(still_used))).rowcount
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
            return {t.name: conn.scalar(select(func.count()).select_from(t))
                    for t in metadata.sorted_tables}

    def integrity_problems(self) -> list[str]:
        """What is wrong with the stored data, in words (``[]`` when all is well): the
        database's own check (SQLite's integrity and foreign-key checks), rows that lack the
        history written in their transaction, dangling references the schema cannot express,
        merged pins pointing at merged pins, and (PostgreSQL) id sequences behind their rows.
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
            if self.postgis:
                for table in metadata.sorted_tables:
                    if "id" in table.c and isinstance(table.c.id.type, Integer):
                        seq = conn.scalar(text(f"SELECT pg_get_serial_sequence('{table.name}', 'id')"))
                        if seq and (top := conn.scalar(select(func.max(table.c.id)))) is not None:
                            last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
                            if last < top or (last == top and not called):
                                problems.append(f"{table.name}: id sequence at {last}, rows up to {top}")
        return problems

    def snapshot(self) -> dict[str, list[tuple]]:
        """Every row of every table, sorted: a cheap way for tests to see "nothing changed"."""
        with self._read() as conn:
            return {t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
                    for t in metadata.sorted_tables}


# --- helpers ------------------------------------------------------------------------
def _upsert(conn: Connection, table: Table, rows: list[dict]) -> None:
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


# A pin's steps that a measure takes in one change go this way round (planned before in
# progress or resolved), so each pin's history is a chain in the order of its entries.
_STEP_ORDER = [s.value for s in ObservationStatus]


def _change(r) -> StatusChange:
    return StatusChange(r.id, r.entity, r.entity_id, r.from_status, r.to_status, r.actor, r.at,
                        r.comment, r.measure_id, r.reason)


def _walk(r) -> Walk:
    return Walk(id=r.id, slug=r.slug, district_id=r.district_id, activity_id=r.activity_id,
                join_code=r.join_code,
                title=r.title, starts_at=r.starts_at, ends_at=r.ends_at,
                meeting_point=r.meeting_point, groups=tuple(json.loads(r.groups or "[]")),
                leader=r.leader, participants=r.participants, status=r.status,
                route=json.loads(r.route) if r.route else None, is_demo=r.is_demo)


def _observation(r) -> Observation:
    return Observation(
        id=r.id, uuid=r.uuid, walk_id=r.walk_id, district_id=r.district_id,
        activity_id=r.activity_id, category=r.category_id, description=r.description,
        feeling=r.feeling, lon=r.lon, lat=r.lat, observed_at=r.observed_at, status=r.status,
        status_reason=r.status_reason, reported_by=r.reported_by, group=r.group_id,
        is_demo=r.is_demo, created_at=r.created_at, updated_at=r.updated_at, version=r.version,
        participant_id=r.participant_id, merged_into=r.merged_into, flagged_by=r.flagged_by,
        responsible=r.responsible, priority=r.priority, due=r.due)


def _user(r) -> User:
    return User(id=r.id, username=r.username, display_name=r.display_name, role=r.role,
                email=r.email, disabled=r.disabled, is_demo=r.is_demo,
                has_password=bool(r.password_hash), last_sign_in=r.last_sign_in)


def _measure(r, observation_ids: tuple[int, ...]) -> Measure:
    return Measure(
        id=r.id, type=r.type_id, title=r.title, description=r.description,
        district_id=r.district_id, activity_id=r.activity_id, geometry=json.loads(r.geojson),
        responsible=r.responsible, responsible_name=r.responsible_name, due=r.due,
        cost_sek=r.cost_sek, status=r.status, status_reason=r.status_reason, is_demo=r.is_demo,
        created_at=r.created_at, updated_at=r.updated_at, version=r.version,
        observation_ids=observation_ids)
