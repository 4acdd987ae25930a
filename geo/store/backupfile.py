"""The backup file: a plain SQLite database (no WAL: one file), opened read-only to read
and written beside the target, then renamed into place; see :mod:`geo.store.backup`.

Each table's rows carry a checksum (table ``backup_checksum``: rows and SHA-256 per table,
:func:`file_checksums`), computed from the values as the file stores them, so that a restore
can tell a damaged or changed row (:func:`_verify`) before it reads anything in."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
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
from .schema import TRANSIENT_TABLES

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
# Since format 2: per table, its rows and a checksum of them (:func:`file_checksums`).
backup_checksum = Table(
    "backup_checksum", info_metadata,
    Column("table_name", Text, primary_key=True),
    Column("rows", Integer, nullable=False),
    Column("sha256", Text, nullable=False),
)
CHECKSUM_FORMAT = 2  # the first format whose files carry backup_checksum
# The file's own bookkeeping, never checksummed; SQLite's own tables (sqlite_%) neither.
BOOKKEEPING = frozenset({"alembic_version", "backup_info", "backup_checksum"})
_MOD = 2**256


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def file_checksums(conn: Connection, tables: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Rows and checksum of each table of a SQLite file, from the values as SQLite stores
    them (so the same on writing and on reading back, whichever backend the rows came from):
    the SHA-256 of each row (its columns' names and values, a blob by its own SHA-256) summed
    modulo 2**256, which does not depend on the order the rows are read in."""
    sums: dict[str, tuple[int, str]] = {}
    for table in tables:
        columns = [r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({_quoted(table)})")]
        head = repr(columns).encode("utf-8")
        total = rows = 0
        result = conn.exec_driver_sql(
            f"SELECT {', '.join(_quoted(c) for c in columns)} FROM {_quoted(table)}")
        for row in result:
            values = tuple(hashlib.sha256(v).hexdigest() if isinstance(v, bytes) else v for v in row)
            digest = hashlib.sha256(head + repr(values).encode("utf-8", "surrogatepass")).digest()
            total = (total + int.from_bytes(digest, "big")) % _MOD
            rows += 1
        sums[table] = (rows, f"{total:064x}")
    return sums


def _verify(conn: Connection, name: str, info: dict[str, Any] | None) -> None:
    """Refuse a file whose rows do not match its checksums, naming the first table that
    differs (a damaged or edited row, a row more or less), or one whose checksums are
    missing although its format has them.  A file without ``backup_checksum`` (a backup of
    format 1, or an app database itself) has nothing to verify."""
    try:
        tables = set(conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'").scalars())
        if "backup_checksum" not in tables:
            if info is not None and int(info.get("format") or 1) >= CHECKSUM_FORMAT:
                raise BackupRefused("backup.damaged", file=name, table="backup_checksum")
            return
        expected = {r.table_name: (int(r.rows), str(r.sha256))
                    for r in conn.execute(select(backup_checksum))}
        if unsummed := sorted(tables - BOOKKEEPING - TRANSIENT_TABLES - set(expected)):
            raise BackupRefused("backup.damaged", file=name, table=unsummed[0])  # its checksum is gone
        for table in sorted(expected):
            if table not in tables:
                raise BackupRefused("backup.damaged", file=name, table=table)
            if file_checksums(conn, [table])[table] != expected[table]:
                raise BackupRefused("backup.damaged", file=name, table=table)
    except DBAPIError as e:
        raise BackupRefused("backup.unreadable", file=name, detail=_detail(e)) from e


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
