"""Faults: a process killed with SIGKILL in the middle of an import, a database server that
goes away and comes back, a connection the server drops, a full disk.  Each leaves the
database consistent (checked by :meth:`Store.integrity_problems`), says clearly what happened,
and the same Store carries on once the database is back."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from geo.model import SYSTEM, ObservationDraft
from geo.store import Store, Unavailable
from tests import factories as make
from tests.conftest import ROOT, make_store

ROWS = 5000


def big_import(path: Path, rows: int = ROWS) -> Path:
    """A GeoJSON file of ``rows`` valid observations spread over Andersberg."""
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [
        12.895 + (i % 120) * 0.0001, 56.657 + (i // 120) * 0.00005]}, "properties": {
        "uuid": str(uuid.UUID(int=i + 1)), "category": "belysning", "feeling": 1 + i % 5,
        "description": f"Lampa {i} är trasig", "observed_at": "2026-11-20T18:30:00+01:00"}}
        for i in range(rows)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def writing(store: Store, url: str) -> bool:
    """Whether another process is inside a write transaction on the observations."""
    if store.postgis:
        with store.engine.connect() as conn:
            return bool(conn.execute(text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " WHERE c.relname = 'observation' AND l.mode = 'RowExclusiveLock'"
                " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " AND l.pid <> pg_backend_pid()")).scalar())
    probe = sqlite3.connect(url.split("///", 1)[1], timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")  # fails while the importer holds the write lock
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


# A history entry that takes a little while to write (about 1 s for the file's 5,000 rows): the
# import's write transaction is short (every row is checked and staged before it), so the
# kill needs this stand-in for a slow disk to land inside it, after the pins are inserted
# and before their history is complete.
SLOW_HISTORY = {
    "sqlite": ["CREATE TRIGGER slow_history AFTER INSERT ON status_change BEGIN"
               " SELECT count(*) FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n"
               " LIMIT 600) SELECT x FROM n); END"],
    "postgresql": ["CREATE FUNCTION slow_history() RETURNS trigger LANGUAGE plpgsql AS"
                   " $$ BEGIN PERFORM pg_sleep(0.0006); RETURN NEW; END $$",
                   "CREATE TRIGGER slow_history AFTER INSERT ON status_change FOR EACH ROW"
                   " EXECUTE FUNCTION slow_history()"],
}
NO_SLOW_HISTORY = {
    "sqlite": ["DROP TRIGGER slow_history"],
    "postgresql": ["DROP TRIGGER slow_history ON status_change", "DROP FUNCTION slow_history()"],
}


@pytest.mark.slow
def test_import_killed_midway_leaves_nothing_half_written(store, store_url, tmp_path):
    """``kill -9`` while ``python -m geo import`` is inside its transaction: no row of the
    file is stored, the database passes its integrity check, and the import run again
    stores every row."""
    source = big_import(tmp_path / "stor-import.geojson")
    before = store.snapshot()
    with store.engine.begin() as conn:
        for sql in SLOW_HISTORY[store.backend]:
            conn.exec_driver_sql(sql)
    env = {**os.environ, "DATABASE_URL": store_url}
    proc = subprocess.Popen([sys.executable, "-m", "geo", "import", str(source)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not writing(store, store_url):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the import never began writing"
        time.sleep(0.005)
    time.sleep(0.1)  # the pins are in, their history is going in now
    assert proc.poll() is None, "the import finished before it could be killed: make it bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with store.engine.begin() as conn:
        for sql in NO_SLOW_HISTORY[store.backend]:
            conn.exec_driver_sql(sql)

    assert store.snapshot() == before
    assert store.integrity_problems() == []
    again = subprocess.run([sys.executable, "-m", "geo", "import", str(source)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert store.counts()["observation"] == ROWS
    assert store.integrity_problems() == []


def pin(text_: str = "Mörk gångtunnel") -> ObservationDraft:
    return make.draft(feeling=2, description=text_, uuid=str(uuid.uuid4()), observed_at=None)


def test_a_full_disk_is_named_and_nothing_is_half_saved(tmp_path):
    """SQLite reports a full disk as SQLITE_FULL; a database capped at its current size does
    the same without filling the machine's disk."""
    url = f"sqlite:///{tmp_path / 'full.db'}"
    make_store(url).dispose()
    store = Store(url)
    cap = {"on": True}

    @event.listens_for(store.engine, "connect")
    def _cap(dbapi_conn, _record):
        if cap["on"]:
            pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    store.engine.dispose()
    before = store.snapshot()
    with pytest.raises(Unavailable) as err:
        store.add_observations([pin("x" * 1000) for _ in range(400)], SYSTEM)
    assert err.value.key == "store.disk_full"
    assert store.snapshot() == before and store.integrity_problems() == []
    cap["on"] = False
    store.engine.dispose()  # space freed: the same Store saves again
    assert store.add_observations([pin()], SYSTEM).added == 1
    store.dispose()


def test_a_connection_the_server_dropped_is_replaced(postgres):
    """PostgreSQL ends a session (restart, fail-over, an idle timeout): the pooled connection
    is noticed as dead before use and replaced, and no error reaches the user."""
    url = postgres.create(template=postgres.template)
    store = Store(url)
    try:
        store.observations()  # a pooled connection now exists
        with create_engine(store.engine.url, isolation_level="AUTOCOMMIT").connect() as admin:
            killed = admin.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
        assert killed >= 1
        assert store.add_observations([pin()], SYSTEM).added == 1
        assert len(store.observations()) == 1
    finally:
        store.dispose()
        postgres.drop(url)


def test_the_database_goes_away_and_comes_back(own_postgres):
    server, stop, start = own_postgres.server, own_postgres.stop, own_postgres.start
    store = make_store(server.create("faults"))
    try:
        assert store.add_observations([pin()], SYSTEM).added == 1
        stop()
        with pytest.raises(Unavailable) as err:
            store.observations()
        assert err.value.key == "store.unavailable"
        kept = pin("Skrivet medan servern var borta")
        with pytest.raises(Unavailable):
            store.add_observations([kept], SYSTEM)
        start()
        # the same Store (as the app holds it) reconnects; the same draft saves once
        assert store.add_observations([kept], SYSTEM).added == 1
        assert store.add_observations([kept], SYSTEM).added == 0
        assert len(store.observations()) == 2 and store.integrity_problems() == []
    finally:
        store.dispose()


@pytest.mark.parametrize("setting, expected_ms", [(None, 30000), ("2.5", 2500), ("0", 1000), ("soon", 30000)])
def test_sqlite_waits_a_bounded_documented_time_for_a_busy_database(tmp_path, monkeypatch, setting, expected_ms):
    """SQLITE_BUSY_TIMEOUT_S (README: "one writer at a time, a bounded wait"): the busy wait
    every connection gets; at least a second, 30 s when unset or not a number."""
    if setting is None:
        monkeypatch.delenv("SQLITE_BUSY_TIMEOUT_S", raising=False)
    else:
        monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_S", setting)
    store = Store(f"sqlite:///{tmp_path / 'busy.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == expected_ms
    store.dispose()


def test_a_write_that_waits_too_long_is_refused_and_nothing_is_written(tmp_path, monkeypatch):
    """Another process holds the write lock longer than the bounded wait: the save is refused
    as Unavailable at once after it, nothing is half written, and the same pin sent again once
    the lock is gone is stored once."""
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_S", "1")
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    make_store(url).dispose()
    store = Store(url)
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a writer that does not let go
    draft = pin()
    with pytest.raises(Unavailable):
        store.add_observations([draft], SYSTEM)
    holder.execute("ROLLBACK")
    holder.close()
    assert store.observations() == []
    first = store.add_observations([draft], SYSTEM).ids
    assert store.add_observations([draft], SYSTEM).ids == first
    assert [o.uuid for o in store.observations()] == [draft.uuid]
    store.dispose()
