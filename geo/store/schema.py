"""The tables, kept in step with ``geo/migrations`` (the migrations create and change the
schema; :func:`schema_differences` is how tests/unit/test_store.py checks that they agree)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection
from sqlalchemy.schema import SchemaItem

from ..model import (
    ACTOR_MAX,
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    GROUP_MAX,
    JOIN_CODE_MAX,
    NAME_MAX,
    SLUG_MAX,
    USERNAME_MAX,
    UUID_LENGTH,
    MeasureStatus,
    ObservationStatus,
    Responsible,
    WalkStatus,
)
from .engine import UTCDateTime

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s",
})
OBS_STATUSES = tuple(s.value for s in ObservationStatus)
MEASURE_STATUSES = tuple(s.value for s in MeasureStatus)
RESPONSIBLES = tuple(r.value for r in Responsible)
WALK_STATUSES = tuple(s.value for s in WalkStatus)
USER_ROLES = ("planner", "admin")  # accounts; participants have none


def _in(col: str, values: Sequence[str]) -> str:
    return f"{col} IN ({', '.join(repr(v) for v in values)})"


def _belonging(name: str, id_length: int, parent: str, *items: SchemaItem) -> Table:
    """A catalogue table whose rows each belong to a row of ``parent`` (``<parent>_id``)."""
    return Table(name, metadata, Column("id", String(id_length), primary_key=True),
                 Column(f"{parent}_id", ForeignKey(f"{parent}.id"), nullable=False), *items)


municipality = Table(
    "municipality", metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("kommunkod", String(4), nullable=False, unique=True),
    Column("county", String(120), nullable=False, default=""),
)
district = _belonging(
    "district", 60, "municipality",
    Column("name", String(200), nullable=False),
    Column("regsokod", String(120), nullable=False),
    Column("parent_id", ForeignKey("district.id"), nullable=True),
    Column("area_km2", Float, nullable=False),
    Column("centre_lon", Float, nullable=False),
    Column("centre_lat", Float, nullable=False),
    Column("geojson", Text, nullable=False),
    Column("attribution", Text, nullable=False, default=""),
)
medborgarlofte = _belonging(
    "medborgarlofte", 60, "municipality",
    Column("title", Text, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("source", Text, nullable=False, default=""),
    CheckConstraint("period_end >= period_start", name="period"),
)
promise = _belonging(
    "promise", 80, "medborgarlofte",
    Column("ordinal", Integer, nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("text", Text, nullable=False),
)
activity = _belonging(
    "activity", 80, "promise",
    Column("ordinal", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("text_en", Text, nullable=False, default=""),
    Column("physical", Boolean, nullable=False, default=False),
)


def _labelled(name: str, *extra: Column[Any]) -> Table:
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


def _numbered(name: str, *items: SchemaItem) -> Table:
    """A table whose rows the database numbers (``id``, an autoincrement primary key)."""
    return Table(name, metadata, Column("id", Integer, primary_key=True, autoincrement=True), *items)


def _status() -> list[Column[Any]]:
    """The status of an observation or a measure, and the reason it was closed or cancelled with."""
    return [Column("status", String(20), nullable=False),
            Column("status_reason", Text, nullable=False, default="")]


def _edited() -> list[Column[Any]]:
    """What a row people edit keeps besides its data (observations and measures alike): the
    demo mark, when it was made and last saved, and its version for optimistic locking."""
    return [Column("is_demo", Boolean, nullable=False, default=False),
            Column("created_at", UTCDateTime, nullable=False),
            Column("updated_at", UTCDateTime, nullable=False),
            Column("version", Integer, nullable=False, default=1)]


category = _labelled("category", Column("positive", Boolean, nullable=False, default=False))
measure_type = _labelled("measure_type", Column("geometry", String(10), nullable=True))

walk = _numbered(
    "walk",
    Column("slug", String(SLUG_MAX), nullable=False, unique=True),
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
    Column("join_code", String(JOIN_CODE_MAX), nullable=True, unique=True),
    # when the walk was closed: its participants' links end a grace period later
    Column("closed_at", UTCDateTime, nullable=True),
    # the account that leads the walk (may open and close it, besides an admin)
    Column("leader_id", ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    CheckConstraint(_in("status", WALK_STATUSES), name="status"),
)
participant = _numbered(
    "participant",
    Column("walk_id", ForeignKey("walk.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(NAME_MAX), nullable=False),
    Column("group_id", String(GROUP_MAX), nullable=False, default=""),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    # SHA-256 of the joining device's key (a cookie): the same device joining the same walk
    # again is the same participant; *Byt deltagare* clears it (migration 0008)
    Column("device_hash", String(64), nullable=True, index=True),
)
user_account = _numbered(
    "user_account",
    Column("username", String(USERNAME_MAX), nullable=False, unique=True),
    Column("display_name", String(DISPLAY_NAME_MAX), nullable=False, default=""),
    Column("role", String(20), nullable=False),
    Column("email", String(EMAIL_MAX), nullable=True, unique=True),
    Column("password_hash", Text, nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("last_sign_in", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("password_changed_at", UTCDateTime, nullable=True),
    CheckConstraint(_in("role", USER_ROLES), name="role"),
)
observation = _numbered(
    "observation",
    Column("uuid", String(UUID_LENGTH), nullable=False, unique=True),
    Column("walk_id", ForeignKey("walk.id"), nullable=True, index=True),
    Column("district_id", ForeignKey("district.id"), nullable=True, index=True),
    Column("activity_id", ForeignKey("activity.id"), nullable=True),
    Column("category_id", ForeignKey("category.id"), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("feeling", Integer, nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("observed_at", UTCDateTime, nullable=False),
    *_status(),
    Column("reported_by", String(NAME_MAX), nullable=False, default=""),
    Column("group_id", String(GROUP_MAX), nullable=False, default=""),
    *_edited(),
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
photo = _numbered(
    "photo",
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
# "Jag håller med": one row per person who seconds a pin (a participant or an account), so
# seconding twice counts once; a merge moves the rows to the kept pin (migration 0008).  The
# privacy purge empties both person columns of old rows: the count stays, who does not.
observation_support = _numbered(
    "observation_support",
    Column("observation_id", ForeignKey("observation.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("participant_id", ForeignKey("participant.id", ondelete="CASCADE"), nullable=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), nullable=True),
    Column("at", UTCDateTime, nullable=False),
    CheckConstraint("participant_id IS NULL OR user_id IS NULL", name="one_supporter"),
    UniqueConstraint("observation_id", "participant_id"),
    UniqueConstraint("observation_id", "user_id", name="uq_observation_support_observation_id_user_id"),
)
measure = _numbered(
    "measure",
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
    *_status(),
    *_edited(),
    CheckConstraint(_in("status", MEASURE_STATUSES), name="status"),
    CheckConstraint(_in("responsible", RESPONSIBLES), name="responsible"),
    CheckConstraint("cost_sek IS NULL OR cost_sek >= 0", name="cost"),
)
measure_observation = Table(
    "measure_observation", metadata,
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    Column("observation_id", ForeignKey("observation.id", ondelete="CASCADE"), primary_key=True),
)
status_change = _numbered(
    "status_change",
    Column("entity", String(20), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("actor", String(ACTOR_MAX), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    # what moved an observation: the measure linked or changed (None: a person did), and the
    # reason it was closed with
    Column("measure_id", ForeignKey("measure.id", ondelete="SET NULL"), nullable=True),
    Column("reason", Text, nullable=False, default="", server_default=""),
    CheckConstraint("entity IN ('observation', 'measure')", name="entity"),
    Index("ix_status_change_entity", "entity", "entity_id"),
)

# The app's own facts, by key (e.g. "demo_removed_at"): backed up like the data.
app_state = Table(
    "app_state", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

# --- security state (migration 0007): never backed up or restored ---------------------------
# A signed-in account's or a participant's session: ``id`` is the SHA-256 of the secret the
# browser holds (a participant's link carries it); revoked or expired, it signs no one in.
auth_session = Table(
    "auth_session", metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("participant_id", ForeignKey("participant.id", ondelete="CASCADE"), nullable=True, index=True),
    CheckConstraint("(user_id IS NULL) <> (participant_id IS NULL)", name="one_holder"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

# Failed sign-ins and join codes, one row per key ("account:<name>", "source:<address>",
# "join:<address>"), counted with one atomic update each.
sign_in_throttle = Table(
    "sign_in_throttle", metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
)
TRANSIENT_TABLES = frozenset({"sign_in_throttle", "auth_session"})

# Columns and indexes that only the PostGIS schema has (migration 0005): generated from the
# stored coordinates and GeoJSON, never written by this module, so not in ``metadata``.
POSTGIS_COLUMNS = {("observation", "geom"), ("observation", "geom_sweref"),
                   ("district", "geom"), ("measure", "geom")}
POSTGIS_INDEXES = {f"ix_{t}_{c}" for t, c in POSTGIS_COLUMNS}
POSTGIS_TABLES = {"spatial_ref_sys"}  # the extension's own


def schema_differences(conn: Connection) -> list[Any]:
    """What the database's schema lacks or has beyond :data:`metadata` (Alembic's
    comparison), PostGIS's own objects and generated columns left out: ``[]`` when the
    migrations and the code agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
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
        differences: list[Any] = compare_metadata(ctx, metadata)
        return differences
