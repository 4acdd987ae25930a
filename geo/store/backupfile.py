"""The backup file: a plain SQLite database (no WAL: one file), opened read-only to read
and written beside the target, then renamed into place; see :mod:`geo.store.backup`."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, event, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from .engine import StoreBase
from .errors import BackupRefused

SQLITE_MAGIC = b"SQLite format 3\x00"

info_metadata = MetaData()
backup_info = Table(
    "backup_info", info_metadata,
    Column("format", Integer, nullable=False),
    Column("created_at", Text, nullable=False),   # UTC, ISO 8601
    Column("backend", Text, nullable=False),      # sqlite | postgresql
    Column("revision", Text, nullable=False),     # the schema revision of the rows
    Column("counts", Text, nullable=False),       # JSON: table → rows
)


def _sqlite_engine(path: Path, *, readonly: bool) -> Engine:
    """A plain engine on one SQLite file (no WAL: a backup is one file), foreign keys on,
    explicit transactions; ``readonly`` opens it so that nothing can change it."""
    uri = f"file:{quote(str(path.resolve()))}" + ("?mode=ro" if readonly else "")
    engine = create_engine("sqlite://", poolclass=NullPool, creator=lambda: sqlite3.connect(
        uri, uri=True, timeout=30, check_same_thread=False))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN
        dbapi_conn.execute("PRAGMA foreign_keys=ON")
        dbapi_conn.execute("PRAGMA busy_timeout=30000")
        if readonly:
            dbapi_conn.execute("PRAGMA query_only=ON")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def _reading(engine: Engine, name: str) -> Iterator[Connection]:
    """One read transaction on a file (rolled back at the end: nothing is written)."""
    try:
        conn = engine.connect()
        conn.begin()
    except DBAPIError as e:
        raise BackupRefused("backup.unreadable", file=name, detail=_detail(e)) from e
    try:
        yield conn
    finally:
        conn.close()


def _check_file(store: StoreBase, path: Path) -> None:
    name = str(path)
    if not path.exists():
        raise BackupRefused("backup.not_found", file=name)
    if not path.is_file():
        raise BackupRefused("backup.not_a_file", file=name)
    if _is_store_file(store, path):
        raise BackupRefused("backup.same_file", file=name)
    try:
        with path.open("rb") as fh:
            magic = fh.read(len(SQLITE_MAGIC))
    except OSError as e:
        raise BackupRefused("backup.unreadable", file=name, detail=e.strerror or str(e)) from e
    if magic != SQLITE_MAGIC:
        raise BackupRefused("backup.not_sqlite", file=name)


def _inspect(conn: Connection, name: str) -> tuple[str, set[str], dict[str, Any] | None]:
    """The file's schema revision, its tables and its ``backup_info`` (None in a plain app
    database); refuses a file SQLite cannot read or that is not one of this app's."""
    ours = {"alembic_version", "municipality", "observation"}
    try:
        tables = set(conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table'").scalars())
        if not ours <= tables:
            raise BackupRefused("backup.not_ours", file=name, missing=", ".join(sorted(ours - tables)))
        revisions = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
        row = conn.execute(select(backup_info)).first() if "backup_info" in tables else None
    except DBAPIError as e:
        raise BackupRefused("backup.unreadable", file=name, detail=_detail(e)) from e
    if len(revisions) != 1:
        raise BackupRefused("backup.not_ours", file=name, missing="alembic_version")
    info = None
    if row is not None:
        try:
            info = {**row._mapping, "counts": {str(k): int(v) for k, v in
                                               json.loads(row.counts).items()}}
        except (TypeError, ValueError, AttributeError) as e:
            raise BackupRefused("backup.unreadable", file=name, detail=f"backup_info: {e}") from e
    return revisions[0], tables, info


def _probe(path: Path) -> str:
    """The schema revision of an app database file (opened read-only)."""
    engine = _sqlite_engine(path, readonly=True)
    try:
        with _reading(engine, str(path)) as conn:
            return _inspect(conn, str(path))[0]
    finally:
        engine.dispose()


def _sqlite_copy(source: Path, target: Path, name: str) -> None:
    """A consistent copy through SQLite (a live database's WAL included); the source is
    opened read-only."""
    src = dst = None
    try:
        src = sqlite3.connect(f"file:{quote(str(source.resolve()))}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(target)
        src.backup(dst)
    except sqlite3.Error as e:
        raise BackupRefused("backup.unreadable", file=name, detail=str(e)) from e
    finally:
        for conn in (src, dst):
            if conn is not None:
                conn.close()


def _remove_sqlite_file(path: Path) -> None:
    """A partial backup file and SQLite's files beside it (never a folder)."""
    for p in (path, *(path.with_name(path.name + s) for s in ("-journal", "-wal", "-shm"))):
        if not p.is_dir():
            p.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    """Best effort: the data, or a rename in a folder, on disk."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- small helpers ------------------------------------------------------------------------
def _is_store_file(store: StoreBase, path: Path) -> bool:
    """Whether ``path`` is the store's own SQLite file."""
    if store.backend != "sqlite":
        return False
    database = make_url(store.url).database
    if not database or database == ":memory:":
        return False
    own = Path(database)
    try:
        return own.resolve() == path.resolve() or (own.exists() and path.exists()
                                                   and os.path.samefile(own, path))
    except OSError:
        return False



def _detail(e: BaseException) -> str:
    lines = str(getattr(e, "orig", None) or e).strip().splitlines()
    return lines[0] if lines else type(e).__name__
