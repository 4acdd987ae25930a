"""The one owner of the database.

SQLAlchemy 2 Core.  The embedded default is a local SQLite file (WAL, foreign keys on,
write transactions started with ``BEGIN IMMEDIATE`` so that concurrent writers wait for each
other instead of failing with "database is locked"); ``DATABASE_URL`` selects a shared
PostgreSQL server with PostGIS (``postgresql://user@host/db``), which several app processes
can use at once.  Nothing outside this package writes SQL or imports the driver;
:mod:`geo.store.backup` copies whole databases table by table (backup, restore, moves).

The two backends differ only where PostGIS does the work better: on PostgreSQL, a new or
moved observation is placed in its district, "observations within N metres" and a map's
bounding box are answered by the database on GiST-indexed geometry columns (migration 0005);
on SQLite the same answers come from shapely and pyproj.  The store tests run against both
and check that the answers agree.  Concurrent writers on PostgreSQL are kept apart by row
locks (``SELECT … FOR UPDATE``), version checks and ``ON CONFLICT DO NOTHING``; on SQLite by
``BEGIN IMMEDIATE``.

Every public write method is one transaction: it commits whole or not at all.  The schema is
created and changed only by the Alembic migrations in ``geo/migrations`` (:meth:`Store.migrate`).

The package: :mod:`~geo.store.engine` (URLs, the engine, transactions, migrations),
:mod:`~geo.store.schema` (the tables), :mod:`~geo.store.errors`, :mod:`~geo.store.rows` (rows
to models), one module per part of the data (:mod:`~geo.store.catalogue`,
:mod:`~geo.store.walks`, :mod:`~geo.store.observations`, :mod:`~geo.store.support` ("Jag
håller med"), :mod:`~geo.store.history`,
:mod:`~geo.store.protocol`, :mod:`~geo.store.measures`, :mod:`~geo.store.users`,
:mod:`~geo.store.photos`, :mod:`~geo.store.housekeeping`), each a part of :class:`Store`, and
:mod:`~geo.store.backup`.  :func:`open_store` is how the command line, the app and the tests
start.
"""

from __future__ import annotations

from typing import Literal

from ..catalog import load as load_catalog
from ..districts import load as load_districts
from .engine import DEFAULT_DB, ROOT, UTCDateTime, alembic_config, database_url, normal_url, shown_url
from .errors import Conflict, Invalid, NotFound, StoreError, Unavailable
from .housekeeping import HousekeepingMixin
from .measures import MeasuresMixin
from .observations import Saved
from .photos import PhotosMixin
from .protocol import ProtocolChange, ProtocolMixin
from .rows import PhotoLike
from .schema import (
    MEASURE_STATUSES,
    OBS_STATUSES,
    POSTGIS_COLUMNS,
    POSTGIS_INDEXES,
    POSTGIS_TABLES,
    RESPONSIBLES,
    WALK_STATUSES,
    activity,
    category,
    district,
    measure,
    measure_observation,
    measure_type,
    medborgarlofte,
    metadata,
    municipality,
    observation,
    observation_support,
    participant,
    photo,
    promise,
    schema_differences,
    status_change,
    user_account,
    walk,
)
from .security import Claim, SessionHolder, session_hash
from .users import UsersMixin

__all__ = [
    "DEFAULT_DB", "Claim", "SessionHolder", "session_hash", "MEASURE_STATUSES", "OBS_STATUSES",
    "POSTGIS_COLUMNS", "POSTGIS_INDEXES",
    "POSTGIS_TABLES", "RESPONSIBLES", "ROOT", "WALK_STATUSES", "Conflict", "Invalid", "Migrate",
    "NotFound", "PhotoLike", "ProtocolChange", "Saved", "Store", "StoreError", "UTCDateTime",
    "Unavailable", "activity", "alembic_config", "category", "database_url", "district", "measure",
    "measure_observation", "measure_type", "medborgarlofte", "metadata", "municipality",
    "normal_url", "observation", "observation_support", "open_store", "participant", "photo", "promise",
    "schema_differences", "shown_url", "status_change", "user_account", "walk",
]


class Store(ProtocolMixin, MeasuresMixin, PhotosMixin, UsersMixin, HousekeepingMixin):
    """The database behind Trygghetskartan.  Create one per process and share it."""


# When :func:`open_store` brings the schema to the newest migration and loads the catalogue.
Migrate = Literal["always", "missing", "outdated"]


def open_store(url: str | None = None, *, migrate: Migrate = "outdated") -> Store:
    """Start-up, the one way for the command line, the app and the tests: a :class:`Store` on
    ``url`` (default: :func:`database_url`), with, when ``migrate`` says so, the schema brought
    up to the newest migration and the catalogue and the districts copied in from the data
    files (:meth:`Store.sync_catalog`).

    ``migrate`` is ``"always"`` (``python -m geo init``; the tests' new databases),
    ``"missing"`` (only a database without any schema: the other commands, which leave an
    older schema to ``init``) or ``"outdated"`` (any database not at the newest migration: the
    app on first use, for a new database or one made by an older release)."""
    store = Store(url)
    if (migrate == "always" or (migrate == "missing" and store.revision() is None)
            or (migrate == "outdated" and store.revision() != store.head())):
        store.migrate()
        store.sync_catalog(load_catalog(), load_districts())
    return store
