"""Backup and restore of the whole database, on both backends, in one file.

A backup is itself a SQLite database with this app's schema at the newest migration
(``alembic_version`` says which), holding every row of every table in
:data:`geo.store.metadata` (photos as blobs, the catalogue and the districts included) except
the security state (:data:`geo.store.schema.TRANSIENT_TABLES`: sign-in slow-downs and
sessions, which are never backed up nor restored), plus two tables: ``backup_info`` (when it
was made (UTC), from which backend, at which schema revision, and how many rows each table
had) and ``backup_checksum`` (rows and a SHA-256 per table, see
:func:`geo.store.backupfile.file_checksums`).  The PostGIS geometry columns are not in it: they
compute themselves from the coordinates and the GeoJSON on the way back in.

:func:`backup` reads the source in one read transaction that sees one moment (PostgreSQL's
REPEATABLE READ; a SQLite read transaction in WAL mode), streams the rows in chunks (so
neither many observations nor many photos have to fit in memory), writes ``FILE.partial``
beside the target and renames it into place only when it is complete: a failed backup leaves
no file behind.

:func:`restore` reads a backup — or any SQLite database of this app, such as the live
``var/trygghetskartan.db``, which is how a SQLite installation moves to PostgreSQL in one
command.  A backup's rows are first checked against its checksums: a damaged or edited row
refuses the restore, naming the table, before anything is read in.  The file is opened
read-only and never changed; one of an older schema is copied to
a temporary file that is migrated instead.  Everything goes into the target in one write
transaction: its rows are deleted (only with ``replace`` when it holds walks, observations,
measures, users or participants; a fresh database with only the catalogue is simply
replaced; the target's sessions end, as their accounts and participants are replaced too),
every row of the file is inserted, PostgreSQL's id sequences are moved past the restored ids
and the row counts are checked.  Any failure rolls all of it back.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Integer,
    LargeBinary,
    Table,
    bindparam,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.sql import Executable, Select

from . import Store
from .backupfile import (
    _check_file,
    _detail,
    _fsync,
    _inspect,
    _is_store_file,
    _probe,
    _reading,
    _remove_sqlite_file,
    _sqlite_copy,
    _sqlite_engine,
    _verify,
    backup_checksum,
    backup_info,
    file_checksums,
    info_metadata,
)
from .engine import alembic_config, shown_url
from .errors import BackupRefused
from .rows import table_counts
from .schema import TRANSIENT_TABLES, metadata

FORMAT = 2  # 2: with backup_checksum
# Loaded from the data files by ``sync_catalog``; a database holding only these is "fresh".
CATALOGUE = frozenset({"municipality", "district", "medborgarlofte", "promise", "activity",
                       "category", "measure_type"})
CHUNK = 1000        # rows per insert
BLOB_CHUNK = 20     # rows per insert for tables with photos
# What the CLI and the "target holds data" message count.
SHOWN = {"walks": "walk", "observations": "observation", "photos": "photo",
         "measures": "measure", "users": "user_account", "participants": "participant"}

@dataclass(frozen=True)
class BackupInfo:
    """What :func:`backup` wrote."""
    file: Path
    counts: dict[str, int]
    created_at: datetime
    backend: str
    revision: str
    size: int

    def shown(self) -> dict[str, int]:
        return {k: self.counts.get(t, 0) for k, t in SHOWN.items()}


@dataclass(frozen=True)
class RestoreInfo:
    """What :func:`restore` did: rows per table now in the target, the file's schema
    revision (``migrated`` when a copy of it was brought up to the newest first), and the
    rows of data the target held before (empty when it held none)."""
    file: Path
    counts: dict[str, int]
    revision: str
    migrated: bool
    replaced: dict[str, int] = field(default_factory=dict)
    created_at: str | None = None
    source_backend: str | None = None

    def shown(self) -> dict[str, int]:
        return {k: self.counts.get(t, 0) for k, t in SHOWN.items()}


# --- backup -------------------------------------------------------------------------------
def backup(store: Store, path: str | os.PathLike[str], *, overwrite: bool = False) -> BackupInfo:
    """Write every row of ``store`` to the SQLite file ``path`` (see the module docstring).
    Refuses an existing file unless ``overwrite``, and a database not at the newest schema."""
    path = Path(path)
    name = str(path)
    if path.is_dir():
        raise BackupRefused("backup.not_a_file", file=name)
    if not path.parent.is_dir():
        raise BackupRefused("backup.folder_missing", file=name)
    if _is_store_file(store, path):
        raise BackupRefused("backup.same_file", file=name)
    if path.exists() and not overwrite:
        raise BackupRefused("backup.exists", file=name)
    head = store.head()
    _require_head(store.revision(), head, store)

    partial = path.with_name(path.name + ".partial")
    _remove_sqlite_file(partial)  # left by a backup that was killed
    created = datetime.now(UTC).replace(microsecond=0)

    def written(e: DBAPIError, table: str) -> Exception:
        return BackupRefused("backup.write_failed", file=name, detail=_detail(e))

    engine = _sqlite_engine(partial, readonly=False)
    try:
        with _mapped(written, ""), engine.connect() as dst:  # the schema, by the migrations
            command.upgrade(alembic_config(dst), "head")
            dst.commit()
        with store.read_transaction(snapshot=True) as src, engine.connect() as dst:
            _require_head(MigrationContext.configure(src).get_current_revision(), head, store)
            tx = dst.begin()
            try:
                with _mapped(written, "backup_info"):
                    info_metadata.create_all(dst)
                counts = _copy(src, dst, src_error=None, dst_error=written)
                with _mapped(written, "backup_info"):
                    dst.execute(insert(backup_info).values(
                        format=FORMAT, created_at=created.isoformat(), backend=store.backend,
                        revision=head, counts=json.dumps(counts)))
                    dst.execute(insert(backup_checksum), [
                        {"table_name": table, "rows": rows, "sha256": digest}
                        for table, (rows, digest) in file_checksums(dst, sorted(counts)).items()])
                    tx.commit()
            finally:
                if tx.is_active:
                    tx.rollback()
        engine.dispose()
        _fsync(partial)
        os.replace(partial, path)
        _fsync(path.parent)
    except BaseException:
        engine.dispose()
        _remove_sqlite_file(partial)
        raise
    return BackupInfo(file=path, counts=counts, created_at=created, backend=store.backend,
                      revision=head, size=path.stat().st_size)


def _require_head(revision: str | None, head: str, store: Store) -> None:
    if revision is None:
        raise BackupRefused("backup.no_schema", url=shown_url(store.url))
    if revision != head:
        raise BackupRefused("backup.not_head", url=shown_url(store.url), revision=revision, head=head)


# --- restore ------------------------------------------------------------------------------
def restore(store: Store, path: str | os.PathLike[str], *, replace: bool = False) -> RestoreInfo:
    """Put every row of the backup (or app database) ``path`` into ``store``, in one
    transaction (see the module docstring).  A target that holds data is refused unless
    ``replace``; then its rows are deleted first.  The file itself is never changed."""
    path = Path(path)
    name = str(path)
    _check_file(store, path)
    scripts = _scripts(store)
    head = scripts.get_current_head()
    known = {r.revision for r in scripts.walk_revisions()}
    revision = _probe(path)
    if revision not in known:
        raise BackupRefused("backup.newer", file=name, revision=revision, head=head)
    _check_sums(path, name)

    with tempfile.TemporaryDirectory(prefix="trygghetskartan-restore-") as tmp:
        source, migrated = path, revision != head
        if migrated:  # bring a copy up to the newest schema; the file stays as it is
            source = Path(tmp) / "migrated.db"
            _sqlite_copy(path, source, name)
            copy = Store(f"sqlite:///{source}")
            try:
                copy.migrate()
            except SQLAlchemyError as e:
                raise BackupRefused("backup.unreadable", file=name, detail=_detail(e)) from e
            finally:
                copy.dispose()
        store.migrate()
        engine = _sqlite_engine(source, readonly=True)
        try:
            with _reading(engine, name) as src:
                _, tables, info = _inspect(src, name)
                if (missing := [t.name for t in metadata.sorted_tables
                                if t.name not in tables and t.name not in TRANSIENT_TABLES]):
                    raise BackupRefused("backup.not_ours", file=name, missing=", ".join(missing))
                expected = None
                if info is not None and not migrated and info.get("revision") == head:
                    expected = info["counts"]
                counts, held = _restore_into(store, src, name, replace, expected)
        finally:
            engine.dispose()
            store.forget_districts()
    return RestoreInfo(file=path, counts=counts, revision=revision, migrated=migrated,
                       replaced=held, created_at=(info or {}).get("created_at"),
                       source_backend=(info or {}).get("backend"))


def _restore_into(store: Store, src: Connection, name: str, replace: bool,
                  expected: dict[str, int] | None) -> tuple[dict[str, int], dict[str, int]]:
    def unreadable(e: DBAPIError, table: str) -> Exception:
        return BackupRefused("backup.unreadable", file=name, detail=_detail(e))

    def refused(e: DBAPIError, table: str) -> Exception | None:
        if isinstance(e, (IntegrityError, DataError)):
            return BackupRefused("backup.rows_refused", file=name, table=table, detail=_detail(e))
        return None  # connection lost, disk full: the store's own message

    with store.write_transaction() as dst:
        if store.postgis:  # app writers wait until the restore is committed; readers go on
            dst.exec_driver_sql("LOCK TABLE " + ", ".join(t.name for t in metadata.sorted_tables)
                                + " IN EXCLUSIVE MODE")
        before = table_counts(dst)
        held = {t: n for t, n in before.items() if n and t not in CATALOGUE}
        if held and not replace:
            shown: dict[str, Any] = {k: before.get(t, 0) for k, t in SHOWN.items()}
            raise BackupRefused("backup.target_has_data", file=name, **shown)
        _delete_all(dst)
        counts = _copy(src, dst, src_error=unreadable, dst_error=refused)
        _reset_sequences(dst)
        found = table_counts(dst)
        for table, n in (expected if expected is not None else counts).items():
            if table in found and table not in TRANSIENT_TABLES and found[table] != n:
                raise BackupRefused("backup.count_mismatch", file=name, table=table,
                                    expected=n, found=found[table])
    return found, held


def _check_sums(path: Path, name: str) -> None:
    """The file's rows against its checksums (:func:`geo.store.backupfile._verify`), read
    from the file itself before any copy of it is migrated."""
    engine = _sqlite_engine(path, readonly=True)
    try:
        with _reading(engine, name) as conn:
            _verify(conn, name, _inspect(conn, name)[2])
    finally:
        engine.dispose()


def _delete_all(conn: Connection) -> None:
    """Every row of every table, children first; of the security state only the sessions
    (their accounts and participants are replaced), not the sign-in slow-downs."""
    for table in reversed(metadata.sorted_tables):
        if table.name not in TRANSIENT_TABLES or table.name == "auth_session":
            conn.execute(delete(table))


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: each id sequence continues after the largest id (restored ids were given
    explicitly, so the sequences did not move)."""
    if conn.dialect.name != "postgresql":
        return
    for table in metadata.sorted_tables:
        if "id" in table.c and isinstance(table.c.id.type, Integer):
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                f" COALESCE(max(id), 1), max(id) IS NOT NULL) FROM {table.name}"))


# --- copying rows -------------------------------------------------------------------------
ErrorMap = Callable[[DBAPIError, str], "Exception | None"] | None


def _self_references(table: Table) -> list[str]:
    """Columns that refer to the same table (``district.parent_id``,
    ``observation.merged_into``): inserted empty, then set once all the rows are in."""
    return [c.name for c in table.columns if any(fk.column.table is table for fk in c.foreign_keys)]


def _copy(src: Connection, dst: Connection, *, src_error: ErrorMap, dst_error: ErrorMap) -> dict[str, int]:
    """Every row of every table of ``metadata`` but the security state
    (:data:`TRANSIENT_TABLES`) from ``src`` to ``dst`` (parents first, ``chunk`` rows at a
    time, ids kept); returns the rows copied per table."""
    counts: dict[str, int] = {}
    for table in metadata.sorted_tables:
        if table.name in TRANSIENT_TABLES:  # security state: never backed up nor restored
            continue
        later = _self_references(table)
        pending: dict[str, list[dict[str, Any]]] = {c: [] for c in later}
        size = BLOB_CHUNK if any(isinstance(c.type, LargeBinary) for c in table.columns) else CHUNK
        stmt = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=size)
        n = 0
        for part in _chunks(src, stmt, table.name, src_error):
            rows = []
            for r in part:
                row = dict(r._mapping)
                for c in later:
                    if row[c] is not None:
                        pending[c].append({"_id": row["id"], "_value": row[c]})
                        row[c] = None
                rows.append(row)
            _execute(dst, insert(table), table.name, dst_error, rows)
            n += len(rows)
        for c, pairs in pending.items():
            fill = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam("_value")})
            for i in range(0, len(pairs), CHUNK):
                _execute(dst, fill, table.name, dst_error, pairs[i:i + CHUNK])
        counts[table.name] = n
    return counts


def _chunks(conn: Connection, stmt: Select[Any], table: str, error: ErrorMap) -> Iterator[Sequence[Row[Any]]]:
    with _mapped(error, table):
        yield from conn.execute(stmt).partitions()


def _execute(conn: Connection, stmt: Executable, table: str, error: ErrorMap, rows: list[dict[str, Any]]) -> None:
    if rows:
        with _mapped(error, table):
            conn.execute(stmt, rows)


@contextmanager
def _mapped(error: ErrorMap, table: str) -> Iterator[None]:
    """A database error raised inside becomes ``error(e, table)`` (unless that is None)."""
    try:
        yield
    except DBAPIError as e:
        if error is None or (mapped := error(e, table)) is None:
            raise
        raise mapped from e


def _scripts(store: Store) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(None))
