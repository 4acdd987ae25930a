"""Backup and restore (geo/store/backup.py and ``python -m geo backup|restore``) on both backends:
backup → restore gives the same rows and byte-identical exports; SQLite → PostgreSQL →
SQLite; an older schema; and every refusal and failure leaves the target as it was."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text

from geo import catalog, districts
from geo import io as geo_io
from geo.__main__ import main
from geo.i18n import t
from geo.model import SYSTEM, MeasureDraft, ObservationDraft
from geo.photos import clean_photo
from geo.store import Store, alembic_config, schema_differences
from geo.store import backup as gb
from geo.store.backup import BackupRefused, backup, restore
from geo.store.backupfile import file_checksums
from geo.store.schema import TRANSIENT_TABLES
from tests.conftest import make_store

HEAD = "0008"
ANDERSBERG = (12.90123, 56.660631)
WHEN = datetime(2019, 10, 15, 16, 40, tzinfo=UTC)


# --- content ------------------------------------------------------------------------------
def jpeg() -> bytes:
    im = Image.new("RGB", (40, 30), (0, 0, 255))
    im.paste((255, 0, 0), (0, 0, 40, 7))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def merge_and_photo(store: Store) -> tuple[int, int]:
    """A photo on a pin, and an older pin merged into a newer one (so ``merged_into`` points
    at a higher id: the insert order alone cannot satisfy it)."""
    walk = next(w for w in store.walks() if len(store.observations(walk_id=w.id)) >= 2)
    ids = sorted(o.id for o in store.observations(walk_id=walk.id))
    keep, other = ids[-1], ids[0]
    store.add_photo(other, clean_photo(jpeg()), SYSTEM)
    store.merge_observations(keep, [other], SYSTEM)
    store.add_photo(keep, clean_photo(jpeg()), SYSTEM, kind="after")
    return keep, other


def small(store: Store) -> None:
    """A little of everything, quicker than the demo: a walk with a participant, pins, a
    merged pin, photos, a measure and a user."""
    walk = store.add_walk(SYSTEM, slug="andersberg-2019-10-15", district_id="andersberg",
                          title="Kvällsvandring", starts_at=WHEN, status="open", join_code="ABC123")
    kim = store.join_walk("ABC123", "Kim", "boende")
    ids = store.add_observations([ObservationDraft(
        category="belysning", lon=ANDERSBERG[0] + i * 1e-4, lat=ANDERSBERG[1], feeling=4,
        description=f"Trasig lampa {i}", observed_at=WHEN + timedelta(minutes=i), walk_id=walk.id)
        for i in range(3)], kim).ids
    store.add_measure(MeasureDraft(
        type="belysning_ny", title="Ny lampa", responsible="kommun", observation_ids=(ids[1],),
        geometry={"type": "Point", "coordinates": list(ANDERSBERG)}), SYSTEM)
    store.add_user(SYSTEM, username="anna", role="planner", display_name="Anna")
    merge_and_photo(store)


def exports(store: Store, folder: Path) -> dict[str, bytes]:
    folder.mkdir(exist_ok=True)
    out = {}
    for suffix in ("geojson", "csv"):
        geo_io.export_file(store, folder / f"observations.{suffix}")
        out[suffix] = (folder / f"observations.{suffix}").read_bytes()
    return out


def kept(rows: dict) -> dict:
    """A snapshot's or a count's tables without the security state (sign-in slow-downs and
    sessions), which is never backed up nor restored."""
    return {t: v for t, v in rows.items() if t not in TRANSIENT_TABLES}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def message(e: BackupRefused, lang: str = "sv") -> str:
    return t(e.key, lang, **e.values)


# --- backup → restore ---------------------------------------------------------------------
def test_backup_and_restore_give_the_same_rows_and_identical_exports(demo_store, new_store, tmp_path):
    store = demo_store
    keep, other = merge_and_photo(store)
    file = tmp_path / "backup.db"

    made = backup(store, file)
    assert made.file == file and made.revision == HEAD and made.backend == store.backend
    assert made.counts == kept(store.counts()) and made.counts["photo"] == 2
    assert made.shown()["observations"] == made.counts["observation"] > 200
    assert not file.with_name("backup.db.partial").exists()

    copy = new_store("copy")
    done = restore(copy, file)
    assert kept(done.counts) == kept(store.counts()) and not done.migrated and done.replaced == {}
    assert done.source_backend == store.backend and done.created_at == made.created_at.isoformat()
    assert kept(copy.snapshot()) == kept(store.snapshot())
    assert exports(copy, tmp_path / "copy") == exports(store, tmp_path / "source")
    assert copy.observation(other).merged_into == keep
    assert [p["kind"] for p in copy.photos(keep)] == ["before", "after"]
    assert copy.photo(copy.photos(keep)[0]["id"]) == store.photo(store.photos(keep)[0]["id"])
    assert any(d.parent_id for d in copy.districts())  # the other self-reference
    assert copy.integrity_problems() == []


def test_the_backup_is_a_plain_sqlite_file_with_our_schema(store, tmp_path):
    small(store)
    file = tmp_path / "backup.db"
    made = backup(store, file)
    assert file.read_bytes()[:16] == b"SQLite format 3\x00" and made.size == file.stat().st_size
    assert [p.name for p in tmp_path.glob("backup.db*")] == ["backup.db"]  # no -wal, no .partial
    con = sqlite3.connect(file)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file, no WAL
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
        info = con.execute(
            "SELECT format, backend, revision, counts, created_at FROM backup_info").fetchall()
        assert len(info) == 1
        fmt, backend, revision, counts, created_at = info[0]
        assert (fmt, backend, revision) == (2, store.backend, HEAD)
        assert json.loads(counts) == kept(store.counts())
        assert datetime.fromisoformat(created_at).tzinfo is not None
        assert con.execute("SELECT count(*) FROM photo WHERE length(data) > 100").fetchone() == (2,)
    finally:
        con.close()
    engine = gb._sqlite_engine(file, readonly=True)
    with engine.connect() as conn:  # the tables of the app, column for column
        extra = [d for d in schema_differences(conn)
                 if not (d[0] == "remove_table" and d[1].name in ("backup_info", "backup_checksum"))]
    engine.dispose()
    assert extra == []


def test_sqlite_to_postgresql_in_one_step_and_back(postgres, sqlite_demo_template, tmp_path):
    """The move: the live SQLite file goes straight into PostgreSQL; a backup of that comes
    back into SQLite with every row equal, and both give the same exports."""
    shutil.copyfile(sqlite_demo_template, tmp_path / "live.db")  # the demo, loaded once
    live = Store(f"sqlite:///{tmp_path / 'live.db'}")
    pg_url = postgres.create(template=postgres.template)
    pg = Store(pg_url)
    back = make_store(f"sqlite:///{tmp_path / 'back.db'}")
    try:
        merge_and_photo(live)
        done = restore(pg, tmp_path / "live.db")
        assert done.source_backend is None and kept(done.counts) == kept(live.counts())
        assert kept(pg.snapshot()) == kept(live.snapshot())
        assert pg.integrity_problems() == []
        with pg.engine.connect() as conn:  # the generated PostGIS columns filled themselves
            assert conn.execute(text("SELECT count(*) FROM observation WHERE geom IS NULL"
                                     " OR geom_sweref IS NULL")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM district WHERE geom IS NULL")).scalar() == 0
        backup(pg, tmp_path / "from-pg.db")
        restore(back, tmp_path / "from-pg.db")
        assert kept(back.snapshot()) == kept(live.snapshot())
        assert exports(back, tmp_path / "back") == exports(pg, tmp_path / "pg") == \
            exports(live, tmp_path / "live")
    finally:
        for s in (live, pg, back):
            s.dispose()
        postgres.drop(pg_url)


def test_after_a_restore_new_rows_get_new_ids(store, new_store, tmp_path):
    small(store)
    backup(store, tmp_path / "backup.db")
    copy = new_store("copy")
    restore(copy, tmp_path / "backup.db")
    top = {name: max(r[0] for r in rows) for name, rows in copy.snapshot().items()
           if name in ("walk", "observation", "measure", "user_account", "photo", "status_change",
                       "participant")}
    assert copy.integrity_problems() == []  # on PostgreSQL: no id sequence behind its rows
    walk = copy.walk_by_slug("andersberg-2019-10-15")
    new = copy.add_observation(ObservationDraft(
        category="belysning", lon=ANDERSBERG[0], lat=ANDERSBERG[1], feeling=3, observed_at=WHEN,
        walk_id=walk.id), SYSTEM)
    assert new > top["observation"]
    assert copy.observation(new).district_id == "andersberg"
    assert copy.join_walk("ABC123", "Lo").participant_id > top["participant"]
    assert copy.add_user(SYSTEM, username="bo", role="admin").id > top["user_account"]
    assert copy.add_photo(new, clean_photo(jpeg()), SYSTEM) > top["photo"]
    assert copy.add_walk(SYSTEM, slug="ny", district_id="andersberg", title="Ny",
                         starts_at=WHEN).id > top["walk"]


# --- restore: refusals and failures -------------------------------------------------------
def not_ours(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    con.execute("INSERT INTO notes (text) VALUES ('inköpslista')")
    con.commit()
    con.close()


@pytest.mark.parametrize("kind,key", [
    ("missing", "backup.not_found"),
    ("folder", "backup.not_a_file"),
    ("text", "backup.not_sqlite"),
    ("empty", "backup.not_sqlite"),
    ("other_sqlite", "backup.not_ours"),
    ("damaged", "backup.unreadable"),
])
def test_restore_refuses_what_is_not_a_backup(store, tmp_path, kind, key):
    small(store)
    before = store.snapshot()
    path = tmp_path / f"{kind}.db"
    if kind == "folder":
        path.mkdir()
    elif kind == "text":
        path.write_text("id,category\n1,belysning\n", encoding="utf-8")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "other_sqlite":
        not_ours(path)
    elif kind == "damaged":
        path.write_bytes(b"SQLite format 3\x00" + b"\x13" * 4000)
    with pytest.raises(BackupRefused) as e:
        restore(store, path, replace=True)
    assert e.value.key == key
    assert str(path) in message(e.value) and str(path) in message(e.value, "en")
    assert store.snapshot() == before
    if kind == "other_sqlite":
        assert "alembic_version" in message(e.value)


def test_restore_refuses_a_target_that_holds_data_unless_replace(demo_store, new_store, tmp_path):
    store = demo_store
    backup(store, tmp_path / "backup.db")
    target = new_store("target")
    small(target)
    before = target.snapshot()
    with pytest.raises(BackupRefused) as e:
        restore(target, tmp_path / "backup.db")
    assert e.value.key == "backup.target_has_data"
    assert e.value.values["observations"] == 3 and e.value.values["walks"] == 1
    assert "--replace" in message(e.value) and "--replace" in message(e.value, "en")
    assert target.snapshot() == before
    done = restore(target, tmp_path / "backup.db", replace=True)
    assert done.replaced["observation"] == 3 and done.replaced["walk"] == 1
    assert kept(target.snapshot()) == kept(store.snapshot())


def test_a_restore_that_fails_midway_changes_nothing(store, new_store, tmp_path, monkeypatch):
    small(store)
    backup(store, tmp_path / "backup.db")
    target = new_store("target", demo=True)
    before = target.snapshot()

    def broken(conn):  # after the deletes and the inserts, before the commit
        raise RuntimeError("the power went")

    monkeypatch.setattr(gb, "_reset_sequences", broken)
    with pytest.raises(RuntimeError):
        restore(target, tmp_path / "backup.db", replace=True)
    assert target.snapshot() == before
    monkeypatch.undo()
    assert target.integrity_problems() == []


def reseal(path: Path) -> None:
    """Write the checksums of a changed backup file again, as a forger would (the target's
    own checks must still catch what the rows say)."""
    engine = gb._sqlite_engine(path, readonly=False)
    with engine.begin() as conn:
        for table, (rows, digest) in file_checksums(conn, [r[0] for r in conn.exec_driver_sql(
                "SELECT table_name FROM backup_checksum")]).items():
            conn.exec_driver_sql("UPDATE backup_checksum SET rows = ?, sha256 = ? WHERE table_name = ?",
                                 (rows, digest, table))
    engine.dispose()


def tampered_restore(store, target, tmp_path, sql: str, *, replace: bool = False,
                     sealed: bool = True) -> BackupRefused:
    """Back up ``store``, change the file with ``sql`` (foreign keys are off there) and, when
    ``sealed``, its checksums to match, restore it into ``target``: the refusal, after
    checking that ``target`` is as it was."""
    small(store)
    backup(store, tmp_path / "backup.db")
    con = sqlite3.connect(tmp_path / "backup.db")
    con.execute(sql)
    con.commit()
    con.close()
    if sealed:
        reseal(tmp_path / "backup.db")
    before = target.snapshot()
    with pytest.raises(BackupRefused) as e:
        restore(target, tmp_path / "backup.db", replace=replace)
    assert target.snapshot() == before
    return e.value


@pytest.mark.slow
def test_a_row_the_target_refuses_rolls_everything_back(store, new_store, tmp_path):
    target = new_store("target", demo=True)
    e = tampered_restore(store, target, tmp_path,
                         "UPDATE observation SET category_id = 'finns-inte' WHERE id = 2", replace=True)
    assert e.key == "backup.rows_refused" and e.values["table"] == "observation"


def test_a_damaged_row_is_refused_by_its_checksum_naming_the_table(store, new_store, tmp_path):
    """One value changed in the file (a bit that flipped on a disk, an edit by hand): the
    restore refuses before anything is read in, and names the table."""
    target = new_store("target", demo=True)
    e = tampered_restore(store, target, tmp_path, "UPDATE observation SET feeling = 5 WHERE id = 2",
                         replace=True, sealed=False)
    assert e.key == "backup.damaged" and e.values["table"] == "observation"
    assert "observation" in message(e) and "observation" in message(e, "en")
    assert "kontrollsumma" in message(e) and "checksum" in message(e, "en")


@pytest.mark.parametrize("sql,table", [
    ("UPDATE status_change SET actor = 'Mallory' WHERE id = 1", "status_change"),
    ("DELETE FROM photo WHERE id = 1", "photo"),
    ("UPDATE photo SET data = X'FFD8FFD9' WHERE id = 1", "photo"),
    ("INSERT INTO category SELECT id || '-2', sv, en, colour, icon, ordinal, positive FROM category"
     " WHERE id = 'belysning'", "category"),
    ("DELETE FROM backup_checksum WHERE table_name = 'walk'", "walk"),
    ("DROP TABLE backup_checksum", "backup_checksum"),
])
def test_every_kind_of_damage_names_its_table(store, tmp_path, sql, table):
    e = tampered_restore(store, store, tmp_path, sql, replace=True, sealed=False)
    assert e.key == "backup.damaged" and e.values["table"] == table


def test_the_security_state_is_neither_backed_up_nor_restored(store, new_store, tmp_path):
    """Sign-in slow-downs and sessions stay where they are: a backup has none of them, and a
    restore brings none back; it ends the target's sessions (their accounts and participants
    are replaced) and leaves its slow-downs alone."""
    small(store)
    anna = store.user("anna")
    store.new_session(user_id=anna.id)
    store.claim_attempt("account:anna", lambda n: 0, window_s=600)
    file = tmp_path / "backup.db"
    made = backup(store, file)
    assert not TRANSIENT_TABLES & set(made.counts)
    con = sqlite3.connect(file)
    try:
        assert {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TRANSIENT_TABLES} \
            == dict.fromkeys(TRANSIENT_TABLES, 0)
        assert not TRANSIENT_TABLES & {r[0] for r in con.execute("SELECT table_name FROM backup_checksum")}
    finally:
        con.close()
    target = new_store("target")
    small(target)
    secret = target.new_session(user_id=target.user("anna").id)
    target.claim_attempt("source:10.0.0.9", lambda n: 0, window_s=600)
    restore(target, file, replace=True)
    assert target.session_holder(secret) is None
    assert target.counts()["auth_session"] == 0
    assert [r[0] for r in target.snapshot()["sign_in_throttle"]] == ["source:10.0.0.9"]
    assert kept(target.snapshot()) == kept(store.snapshot())


def test_counts_that_differ_from_the_backup_info_roll_back(store, new_store, tmp_path):
    e = tampered_restore(store, new_store("target"), tmp_path,
                         "DELETE FROM status_change WHERE id = 1")  # a file that lost a row
    assert e.key == "backup.count_mismatch" and e.values["table"] == "status_change"


def test_restore_refuses_a_newer_schema(store, new_store, tmp_path):
    e = tampered_restore(store, new_store("target"), tmp_path,
                         "UPDATE alembic_version SET version_num = '0099'")
    assert e.key == "backup.newer" and "0099" in message(e)


def test_restore_of_an_older_schema_migrates_a_copy(store, tmp_path):
    """A database of release 0004 (no spatial migration yet): its rows arrive, and the file
    itself is not touched."""
    from alembic import command

    old_file = tmp_path / "old.db"
    old = Store(f"sqlite:///{old_file}")
    with old.engine.connect() as conn:
        command.upgrade(alembic_config(conn), "0004")
        conn.commit()
    old.sync_catalog(catalog.load(), districts.load())
    values = {"t": WHEN.replace(tzinfo=None), "no": False, "jpeg": jpeg()}
    with old.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO walk (id, slug, district_id, title, starts_at, meeting_point, groups, leader,"
            " status, is_demo, created_at) VALUES (4, 'w', 'andersberg', 'W', :t, '', '[]', '',"
            " 'closed', :no, :t)"), values)
        for oid, merged in ((9, None), (7, 9)):
            conn.execute(text(
                "INSERT INTO observation (id, uuid, walk_id, district_id, category_id, description,"
                " feeling, lon, lat, observed_at, status, status_reason, reported_by, group_id,"
                " is_demo, created_at, updated_at, version, flagged_by, merged_into) VALUES"
                f" ({oid}, '6f1c0b1e-8a44-4c1e-9d0e-1f2a3b4c5d6{oid}', 4, 'andersberg', 'belysning',"
                " 'Mörkt', 4, 12.9012, 56.6606, :t, 'new', '', 'Kim', '', :no, :t, :t, 1, 1,"
                f" {merged or 'NULL'})"), values)
            conn.execute(text(
                "INSERT INTO status_change (entity, entity_id, from_status, to_status, actor, at,"
                f" comment) VALUES ('observation', {oid}, NULL, 'new', 'Kim', :t, '')"), values)
        conn.execute(text("INSERT INTO photo (observation_id, kind, mime, width, height, data,"
                          " created_at) VALUES (9, 'before', 'image/jpeg', 40, 30, :jpeg, :t)"), values)
    old.dispose()
    files = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm")))
    digest = sha(old_file)

    done = restore(store, old_file)
    assert done.migrated and done.revision == "0004" and store.revision() == HEAD
    assert store.observation(7).merged_into == 9 and store.observation(9).description == "Mörkt"
    assert store.photo(store.photos(9)[0]["id"])[0] == values["jpeg"]
    assert store.walk(4).slug == "w" and store.counts()["observation"] == 2
    assert store.integrity_problems() == []
    assert sha(old_file) == digest  # never changed: a copy was migrated
    con = sqlite3.connect(f"file:{old_file}?mode=ro", uri=True)
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [("0004",)]
    con.close()
    # and no copy left beside it (SQLite's own -wal/-shm files aside)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == files


# --- backup: refusals and failures --------------------------------------------------------
def test_backup_refuses_an_existing_file_unless_overwrite(store, tmp_path):
    small(store)
    file = tmp_path / "backup.db"
    file.write_bytes(b"the previous backup")
    with pytest.raises(BackupRefused) as e:
        backup(store, file)
    assert e.value.key == "backup.exists" and "--overwrite" in message(e.value)
    assert file.read_bytes() == b"the previous backup"
    backup(store, file, overwrite=True)
    assert file.read_bytes()[:16] == b"SQLite format 3\x00"
    with pytest.raises(BackupRefused) as e:
        backup(store, tmp_path / "no-such-folder" / "backup.db")
    assert e.value.key == "backup.folder_missing"
    if store.backend == "sqlite":  # not over the database itself, even with overwrite
        with pytest.raises(BackupRefused) as e:
            backup(store, Path(store.engine.url.database), overwrite=True)
        assert e.value.key == "backup.same_file"


def test_a_failed_backup_leaves_no_file(store, tmp_path, monkeypatch):
    small(store)
    file = tmp_path / "backup.db"
    file.write_bytes(b"the previous backup")
    (tmp_path / "backup.db.partial").write_bytes(b"left by a killed backup")
    calls = []
    real = gb._execute

    def failing(conn, stmt, table, error, rows):
        calls.append(table)
        if table == "observation":
            raise OSError("No space left on device")
        real(conn, stmt, table, error, rows)

    monkeypatch.setattr(gb, "_execute", failing)
    with pytest.raises(OSError):
        backup(store, file, overwrite=True)
    assert "municipality" in calls  # it failed midway
    assert file.read_bytes() == b"the previous backup"
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]
    monkeypatch.undo()
    backup(store, file, overwrite=True)
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


def test_backup_refuses_a_database_not_at_the_newest_schema(empty_url, tmp_path):
    from alembic import command

    s = Store(empty_url)
    try:
        with pytest.raises(BackupRefused) as e:
            backup(s, tmp_path / "backup.db")
        assert e.value.key == "backup.no_schema"
        with s.engine.connect() as conn:
            command.upgrade(alembic_config(conn), "0004")
            conn.commit()
        with pytest.raises(BackupRefused) as e:
            backup(s, tmp_path / "backup.db")
        assert e.value.key == "backup.not_head" and "0004" in message(e.value)
        assert not list(tmp_path.glob("backup.db*"))
    finally:
        s.dispose()


# --- command line -------------------------------------------------------------------------
def test_command_line_backup_and_restore(store, store_url, new_store, tmp_path, monkeypatch, capsys):
    small(store)
    file = str(tmp_path / "backup.db")
    monkeypatch.setenv("TRYGG_LANG", "sv")
    monkeypatch.setenv("DATABASE_URL", store_url)
    assert main(["backup", file]) == 0
    out = capsys.readouterr().out
    assert f"Säkerhetskopian är sparad i {file}: 1 vandringar, 3 iakttagelser, 2 foton, 1 åtgärder" in out
    assert main(["backup", file]) == 1
    assert "finns redan" in capsys.readouterr().err
    assert main(["backup", file, "--overwrite"]) == 0
    capsys.readouterr()

    target = new_store("target")
    monkeypatch.setenv("DATABASE_URL", target.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TRYGG_LANG", "en")
    assert main(["restore", file]) == 0
    assert f"Restored from {file}: 1 walks, 3 observations, 2 photos, 1 measures." in capsys.readouterr().out
    assert kept(target.snapshot()) == kept(store.snapshot())
    assert main(["restore", file]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: The database already holds data") and "--replace" in err
    assert "Traceback" not in err
    assert main(["restore", file, "--replace"]) == 0
    capsys.readouterr()
    assert main(["restore", str(tmp_path / "nothing.db")]) == 1
    assert f"{tmp_path / 'nothing.db'} does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["restore"])
    assert e.value.code == 2
    assert kept(target.snapshot()) == kept(store.snapshot())
