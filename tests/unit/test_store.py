"""The store against a real SQLite file and a real PostgreSQL+PostGIS database (the ``store``
fixture runs each test on both): migrations, transactions, constraints, history."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.exc import IntegrityError

from geo import catalog, districts
from geo import store as store_mod
from geo.model import SYSTEM, Actor, MeasureDraft, ObservationDraft, Role
from geo.store import Conflict, Invalid, NotFound, Store
from tests import factories as make

HEAD = "0008"
ANDERSBERG = (12.90123, 56.660631)
VALLAS_OSTRA = (12.918675, 56.685013)
WHEN = datetime(2019, 10, 15, 16, 40, tzinfo=UTC)
PLANNER = Actor(role=Role.PLANNER, name="Planerare", user_id=1)
ANNA = Actor(role=Role.ADMIN, name="anna", user_id=2)


def draft(**kw) -> ObservationDraft:
    return make.draft(**{"lon": ANDERSBERG[0], "lat": ANDERSBERG[1], "feeling": 4,
                         "description": "Trasig lampa vid cykelstället", "observed_at": WHEN, **kw})


def test_migration_from_empty_matches_the_schema(empty_url, backend):
    s = Store(empty_url)
    assert s.revision() is None
    assert s.migrate() == HEAD
    with s.engine.connect() as conn:
        assert store_mod.schema_differences(conn) == []
    assert s.migrate() == HEAD  # idempotent
    s.dispose()


def test_upgrade_keeps_the_rows_of_an_older_schema(empty_url, backend):
    """A database made by the first release, with pins, a photo and a measure linked to them,
    is brought up to the newest schema with every row kept (SQLite copies a table to change
    it, which must not trip over the rows that refer to it; PostgreSQL gains the PostGIS
    columns, filled from the rows already there)."""
    from alembic import command

    s = Store(empty_url)
    with s.engine.connect() as conn:
        command.upgrade(store_mod.alembic_config(conn), "0001")
        conn.commit()
    s.sync_catalog(catalog.load(), districts.load())
    now = datetime(2019, 10, 15, 17, tzinfo=UTC)
    values = {"t": now.replace(tzinfo=None), "no": False, "jpeg": b"\xff\xd8"}
    with s.engine.begin() as conn:  # rows written by the 0001 schema
        conn.execute(text(
            "INSERT INTO walk (id, slug, district_id, title, starts_at, meeting_point, groups, leader,"
            " status, is_demo, created_at) VALUES (1, 'w', 'andersberg', 'W', :t, '', '[]', '',"
            " 'closed', :no, :t)"), values)
        conn.execute(text(
            "INSERT INTO observation (id, uuid, walk_id, district_id, category_id, description,"
            " feeling, lon, lat, observed_at, status, status_reason, reported_by, group_id, is_demo,"
            " created_at, updated_at, version) VALUES (1, '6f1c0b1e-8a44-4c1e-9d0e-1f2a3b4c5d6e', 1,"
            " 'andersberg', 'belysning', 'Mörkt', 4, 12.9012, 56.6606, :t, 'new', '', 'Kim', '', :no,"
            " :t, :t, 1)"), values)
        conn.execute(text("INSERT INTO photo (observation_id, kind, mime, width, height, data,"
                          " created_at) VALUES (1, 'before', 'image/jpeg', 1, 1, :jpeg, :t)"), values)
        conn.execute(text(
            "INSERT INTO measure (id, type_id, title, description, geojson, responsible,"
            " responsible_name, status, status_reason, is_demo, created_at, updated_at, version)"
            " VALUES (1, 'belysning_ny', 'Ny lampa', '', '{\"type\": \"Point\", \"coordinates\":"
            " [12.9012, 56.6606]}', 'kommun', '', 'proposed', '', :no, :t, :t, 1)"), values)
        conn.execute(text("INSERT INTO measure_observation VALUES (1, 1)"))
    assert s.migrate() == HEAD
    assert s.observation(1).description == "Mörkt" and s.observation(1).participant_id is None
    assert [p["width"] for p in s.photos(1)] == [1] and s.measure(1).observation_ids == (1,)
    assert s.walk(1).join_code is None
    with s.engine.connect() as conn:
        if backend == "sqlite":  # foreign keys are on again afterwards
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        else:
            assert conn.exec_driver_sql(
                "SELECT ST_AsText(geom), ST_SRID(geom_sweref) FROM observation").one() == (
                "POINT(12.9012 56.6606)", 3006)
            assert conn.exec_driver_sql("SELECT ST_GeometryType(geom) FROM measure").scalar() == "ST_Point"
    s.dispose()


def test_backend_set_up(store, backend):
    assert store.backend == backend
    with store.engine.connect() as conn:
        if backend == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        else:  # real geometry columns with spatial indexes
            cols = dict(conn.exec_driver_sql(
                "SELECT f_table_name || '.' || f_geometry_column, srid FROM geometry_columns").all())
            assert cols == {"observation.geom": 4326, "observation.geom_sweref": 3006,
                            "district.geom": 4326, "measure.geom": 4326}
            gist = set(conn.execute(text(
                "SELECT indexname FROM pg_indexes WHERE indexdef LIKE :gist"), {"gist": "%USING gist%"}).scalars())
            assert store_mod.POSTGIS_INDEXES <= gist


def test_catalog_synced(store):
    counts = store.counts()
    assert counts["municipality"] == 4
    assert counts["activity"] >= 20
    assert counts["category"] >= 12
    store.sync_catalog(__import__("geo.catalog").catalog.load(), __import__("geo.districts").districts.load())
    assert store.counts() == counts  # syncing again changes nothing


def test_observation_is_placed_in_its_smallest_district(store):
    a = store.observation(store.add_observation(draft(), PLANNER))
    v = store.observation(store.add_observation(draft(lon=VALLAS_OSTRA[0], lat=VALLAS_OSTRA[1]), PLANNER))
    sea = store.observation(store.add_observation(draft(lon=12.80, lat=56.64), PLANNER))
    assert (a.district_id, v.district_id, sea.district_id) == ("andersberg", "vallas-ostra", None)
    family = store.districts().family("vallas")
    assert [o.id for o in store.observations(district_ids=family)] == [v.id]
    assert a.observed_at == WHEN and a.observed_at.tzinfo is not None


def test_a_bad_draft_rolls_back_the_whole_batch(store):
    before = store.snapshot()
    with pytest.raises(Invalid) as err:
        store.add_observations([draft(), draft(feeling=7)], PLANNER)
    assert err.value.errors == {"feeling": "validation.feeling_range"}
    assert err.value.values["index"] == 1
    assert store.snapshot() == before


def test_a_failing_statement_inside_a_write_rolls_back(store):
    before = store.snapshot()
    with pytest.raises(IntegrityError):
        with store._write() as conn:
            conn.execute(insert(store_mod.walk).values(
                slug="x", district_id="andersberg", title="x", starts_at=WHEN, created_at=WHEN,
                groups="[]", status="planned", is_demo=False))
            conn.execute(text("INSERT INTO observation (uuid, category_id, feeling, lon, lat, observed_at,"
                              " status, created_at, updated_at, version, description, status_reason,"
                              " reported_by, group_id, is_demo) VALUES ('u', 'belysning', 9, 1, 1,"
                              " :t, 'new', :t, :t, 1, '', '', '', '', :no)"),
                         {"t": datetime(2019, 1, 1), "no": False})
    assert store.snapshot() == before


@pytest.mark.parametrize("column,value", [
    ("feeling", 0), ("feeling", 6), ("status", "done"), ("category_id", "nope"), ("lat", 123.0)])
def test_constraints_hold_even_past_the_validation(store, column, value):
    oid = store.add_observation(draft(), PLANNER)
    with pytest.raises(IntegrityError):
        with store._write() as conn:
            conn.execute(update(store_mod.observation)
                         .where(store_mod.observation.c.id == oid).values({column: value}))
    assert store.observation(oid).feeling == 4


def test_resubmitted_uuid_is_not_saved_twice(store):
    uid = "0b8f5a4e-0000-4000-8000-000000000001"
    first = store.add_observations([draft(uuid=uid)], PLANNER)
    again = store.add_observations([draft(uuid=uid), draft(uuid=uid)], PLANNER)
    assert (first.added, again.added) == (1, 0)
    assert again.ids == first.ids * 2 and store.counts()["observation"] == 1


def test_status_change_writes_history_in_the_same_transaction(store):
    oid = store.add_observation(draft(), ANNA)
    store.set_observation_status(oid, "assessed", PLANNER, "Kollat på plats")
    with pytest.raises(Invalid) as err:
        store.set_observation_status(oid, "verified", PLANNER)  # not allowed from assessed
    assert err.value.errors == {"status": "workflow.not_allowed"}
    with pytest.raises(Invalid):
        store.set_observation_status(oid, "closed", PLANNER, "")  # needs a reason
    o = store.observation(oid)
    assert (o.status, o.version) == ("assessed", 2)
    h = store.history("observation", oid)
    assert [(c.from_status, c.to_status, c.actor, c.comment) for c in h] == [
        (None, "new", "anna", ""), ("new", "assessed", "Planerare", "Kollat på plats")]


def test_stale_version_is_a_conflict(store):
    oid = store.add_observation(draft(), PLANNER)
    store.set_observation_status(oid, "assessed", PLANNER, expected_version=1)
    with pytest.raises(Conflict):
        store.set_observation_status(oid, "measure_planned", PLANNER, expected_version=1)
    with pytest.raises(NotFound):
        store.set_observation_status(999, "assessed", PLANNER)


def test_measure_links_observations_and_records_status(store):
    oids = store.add_observations([draft(), draft(category="vegetation")], PLANNER).ids
    mid = store.add_measure(MeasureDraft(
        type="belysning_ny", title="Ny belysning längs gångvägen", responsible="kommun",
        geometry={"type": "LineString", "coordinates": [[12.900, 56.660], [12.902, 56.661]]},
        activity_id="halmstad-2019.1.6", due=(WHEN + timedelta(days=90)).date(), cost_sek=85000,
        observation_ids=tuple(oids)), PLANNER)
    m = store.measure(mid)
    assert m.observation_ids == tuple(sorted(oids)) and m.district_id == "andersberg"
    store.set_measure_status(mid, "decided", PLANNER)
    assert [c.to_status for c in store.history("measure", mid)] == ["proposed", "decided"]
    with pytest.raises(Invalid) as err:
        store.add_measure(MeasureDraft(type="belysning_ny", title="x", responsible="kommun",
                                       geometry={"type": "Point", "coordinates": [12.9, 56.66]},
                                       observation_ids=(12345,)), PLANNER)
    assert err.value.errors == {"observation_ids": "validation.unknown_observation"}


def test_walks_and_remove_demo(store):
    w = store.add_walk(PLANNER, slug="andersberg-demo", district_id="andersberg", title="Demo",
                       starts_at=WHEN, activity_id="halmstad-2019.1.6", is_demo=True,
                       groups=["boende", "polis"])
    real = store.add_observation(draft(), PLANNER)
    store.add_observation(draft(walk_id=w.id, is_demo=True), PLANNER)
    assert store.has_demo()
    with pytest.raises(Invalid):
        store.add_walk(PLANNER, slug="andersberg-demo", district_id="andersberg", title="Igen", starts_at=WHEN)
    removed = store.remove_demo(SYSTEM)
    assert removed["walk"] == 1 and removed["observation"] == 1
    assert not store.has_demo()
    assert [o.id for o in store.observations()] == [real]
    assert store.walk_by_slug("andersberg-demo") is None


def test_a_demo_walk_with_real_pins_is_kept_closed_without_its_code(store):
    """The demo's open walk tried out for real: removing the demo keeps the real pins and
    their walk, but closed, without the published code, no longer demo (so a production
    start is not refused for it), and the participant's link ended."""
    w = store.add_walk(PLANNER, slug="demo-oppen", district_id="andersberg", title="Demo", starts_at=WHEN,
                       status="open", is_demo=True, join_code="DEMO24")
    store.add_observation(draft(walk_id=w.id, is_demo=True), PLANNER)
    kim = store.join_walk("DEMO24", "Kim")
    link = store.reconnect_token(kim)
    real = store.add_observation(draft(walk_id=w.id, observed_at=None), kim)
    removed = store.remove_demo(SYSTEM)
    assert removed["walk"] == 0 and removed["walk_kept"] == 1 and removed["observation"] == 1
    kept = store.walk(w.id)
    assert (kept.status, kept.join_code, kept.is_demo) == ("closed", None, False)
    assert not store.has_demo()
    assert [o.id for o in store.observations()] == [real]
    assert store.resume(link) is None
    with pytest.raises(Invalid) as e:
        store.join_walk("DEMO24", "Lo")
    assert "code" in e.value.errors


def test_measure_is_edited_with_its_links_and_a_stale_edit_is_a_conflict(store):
    a = store.add_observation(draft(), SYSTEM)
    b = store.add_observation(draft(lon=12.9015), SYSTEM)
    mid = store.add_measure(MeasureDraft(type="belysning_ny", title="Ny lampa", responsible="kommun",
                                         geometry={"type": "Point", "coordinates": [12.9012, 56.6606]},
                                         observation_ids=(a,)), SYSTEM)
    path = {"type": "LineString", "coordinates": [[12.9010, 56.6605], [12.9020, 56.6608]]}
    changed = store.update_measure(mid, SYSTEM, expected_version=1, title=" Två lampor ",
                                   geometry=path, observation_ids=(a, b), cost_sek=24000,
                                   responsible="fastighetsagare", responsible_name="HFAB")
    assert (changed.title, changed.geometry, changed.observation_ids, changed.cost_sek, changed.version) == (
        "Två lampor", path, (a, b), 24000, 2)
    assert changed.district_id == "andersberg" and changed.status == "proposed"
    with pytest.raises(Conflict):
        store.update_measure(mid, SYSTEM, expected_version=1, title="Gammal")
    with pytest.raises(Invalid) as e:
        store.update_measure(mid, SYSTEM, expected_version=2, title=" ", cost_sek=-1, district_id="x")
    assert e.value.errors == {"district_id": "validation.not_editable"}
    with pytest.raises(Invalid) as e:
        store.update_measure(mid, SYSTEM, expected_version=2, title=" ", cost_sek=-1)
    assert set(e.value.errors) == {"title", "cost_sek"}
    with pytest.raises(Invalid):
        store.update_measure(mid, SYSTEM, expected_version=2, observation_ids=(a, 999))
    assert store.measure(mid) == changed  # nothing of the refused edits was saved


def test_a_refused_status_change_rolls_back_the_edit_made_with_it(store):
    mid = store.add_measure(MeasureDraft(type="belysning_ny", title="Lampa", responsible="kommun",
                                         geometry={"type": "Point", "coordinates": [12.9012, 56.6606]}), SYSTEM)
    with pytest.raises(Invalid) as e:  # cancelling needs a reason
        store.update_measure(mid, SYSTEM, expected_version=1, title="Två lampor", status="cancelled")
    assert e.value.errors == {"comment": "workflow.reason_required"}
    assert store.measure(mid).title == "Lampa" and store.measure(mid).version == 1
    done = store.update_measure(mid, SYSTEM, expected_version=1, title="Två lampor", status="cancelled",
                                comment="Fastighetsägaren gör det")
    assert (done.title, done.status, done.status_reason) == ("Två lampor", "cancelled", "Fastighetsägaren gör det")
    assert [h.to_status for h in store.history("measure", mid)] == ["proposed", "cancelled"]


def test_spatial_queries_agree_with_the_python_answers(store):
    """Bounding box and "within N metres" give what shapely and pyproj say, on each backend
    (PostGIS answers them from its indexes)."""
    from geo.crs import distance_m

    spots = [(12.8990 + i * 0.0004, 56.6590 + j * 0.0003) for i in range(8) for j in range(8)]
    store.add_observations([draft(lon=x, lat=y) for x, y in spots], PLANNER)
    box = (12.9000, 56.6595, 12.9015, 56.6607)
    inside = sorted(o.id for o in store.observations(bbox=box))
    assert inside == sorted(o.id for o in store.observations()
                            if box[0] <= o.lon <= box[2] and box[1] <= o.lat <= box[3]) and inside
    centre = (12.9006, 56.6600)
    near = store.observations_near(*centre, 60)
    expected = sorted((distance_m(centre, (o.lon, o.lat)), o.id) for o in store.observations()
                      if distance_m(centre, (o.lon, o.lat)) <= 60)
    assert [o.id for o, _d in near] == [i for _d, i in expected]
    assert [round(d, 3) for _o, d in near] == [round(d, 3) for d, _i in expected]
    first = near[0][0].id
    assert first not in [o.id for o, _d in store.observations_near(*centre, 60, exclude=[first])]


def test_placement_in_the_database_matches_python(store):
    """PostGIS places a pin where geo.districts does, boundaries and parts included."""
    ds = store.districts()
    points = [d.centre for d in ds] + [(12.80, 56.64), (12.918675, 56.685013), (12.90123, 56.660631)]
    ids = store.add_observations([draft(lon=x, lat=y) for x, y in points], PLANNER).ids
    placed = {o.id: o.district_id for o in store.observations(ids=ids)}
    assert [placed[i] for i in ids] == [(p.id if (p := ds.place(x, y)) else None) for x, y in points]
    moved = store.update_observation(ids[-1], PLANNER, expected_version=1, lon=12.918675, lat=56.685013)
    assert moved.district_id == "vallas-ostra"
