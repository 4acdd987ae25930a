"""The database engine and the transactions every part of the store writes and reads in.

:func:`database_url` says which database (``DATABASE_URL``, else the embedded SQLite file),
:class:`StoreBase` opens it and gives the parts their transactions (:meth:`StoreBase._write`,
:meth:`StoreBase._read`, :meth:`StoreBase._lock`) and the schema's migrations.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, TypeDecorator, create_engine, event, func, select
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from ..districts import Districts
from .errors import StoreError, Unavailable

if TYPE_CHECKING:
    from alembic.config import Config

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = ROOT / "var" / "trygghetskartan.db"
MIGRATIONS = Path(__file__).parent.parent / "migrations"


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


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def sqlite_busy_timeout_s() -> float:
    """How long a SQLite write waits for another writer before it is refused as
    :class:`Unavailable` (nothing written; the pin form keeps what was typed and the tablet
    sends it again): ``SQLITE_BUSY_TIMEOUT_S``, 30 seconds by default, at least 1."""
    try:
        return max(1.0, float(os.environ.get("SQLITE_BUSY_TIMEOUT_S", "30")))
    except ValueError:
        return 30.0


def _make_engine(url: str) -> Engine:
    url = normal_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        wait_s = sqlite_busy_timeout_s()
        engine = create_engine(url, connect_args={"timeout": wait_s})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(wait_s * 1000)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
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


def alembic_config(conn: Connection | None) -> Config:
    """Alembic's configuration for the migrations in ``geo/migrations``, run on ``conn``
    (None: only to read the migrations)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


class StoreBase:
    """The engine and the transactions; :class:`geo.store.Store` adds the aggregates."""

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

    # The transactions for geo.store.backup, which copies whole tables in the store's own.
    write_transaction = _write
    read_transaction = _read

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
                _driver(conn).execute("PRAGMA foreign_keys=OFF")
            try:
                command.upgrade(alembic_config(conn), "head")
                if sqlite and (broken := conn.exec_driver_sql("PRAGMA foreign_key_check").all()):
                    raise StoreError("store.invalid", problems=broken)
                conn.commit()
            finally:
                if sqlite:
                    conn.rollback()
                    _driver(conn).execute("PRAGMA foreign_keys=ON")
        revision = self.revision()
        assert revision is not None  # the upgrade above wrote it
        return revision

    def head(self) -> str:
        """The newest migration this code knows."""
        from alembic.script import ScriptDirectory

        with self._connect() as conn:
            head = ScriptDirectory.from_config(alembic_config(conn)).get_current_head()
        assert head is not None  # geo/migrations is never empty
        return head

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self._connect() as conn:
            revision: str | None = MigrationContext.configure(conn).get_current_revision()
            return revision


def _driver(conn: Connection) -> Any:
    """The driver's own connection under ``conn`` (for SQLite's pragmas outside a transaction)."""
    return conn.connection.dbapi_connection
