"""Import and export (geo/io.py) against a real, migrated SQLite store: round trips, filters,
every refusal (with the message naming row/feature and field, and the store unchanged)."""

from __future__ import annotations

import csv
import io as stdio
import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from geo import io as gio
from geo.crs import to_metric
from geo.errors import Refused
from geo.model import DESCRIPTION_MAX, SYSTEM, ObservationDraft
from geo.store import Invalid
from tests.conftest import BACKENDS

# The file formats: read, written and refused the same on either backend.  The tests that
# check what reaches the database (a refused file leaves nothing) run on both.
pytestmark = pytest.mark.backends("sqlite")

ANDERSBERG = (12.90123, 56.660631)
VALLAS_OSTRA = (12.918675, 56.685013)
VALLAS_VASTRA = (12.900038, 56.680922)
WALK = "andersberg-2019-10-15"
ACTIVITY = "halmstad-2019.1.6"
WHEN = datetime(2019, 10, 15, 16, 42, tzinfo=UTC)
NASTY = [
    'Mörk gångtunnel under Skånegatan, "ingen" lampa fungerar',
    "Buskar, häckar; skymd sikt\nrad två\r\nrad tre",
    "<script>alert('x')</script> ${alert(1)} `tick` \\ bakstreck",
    "Cykelställ 🚲 och 🌙 – övergivet, ö/ä/å ÅÄÖ",
    "=HYPERLINK(\"http://example.org\",\"klicka\")",
    "'-apostrof och minus",
]
FORMATS = ("geojson", "csv", "gpkg")


def add_walk(store, slug: str = WALK):
    return store.add_walk(SYSTEM, slug=slug, district_id="andersberg", title="Kvällsvandring i Andersberg",
                          starts_at=datetime(2019, 10, 15, 18, 0, tzinfo=timezone(timedelta(hours=2))),
                          activity_id=ACTIVITY)


def populate(store) -> dict:
    """Six observations: three in Andersberg (two on a walk), two in Vallås östra, one in
    Vallås västra; winter and summer time; one closed with a reason."""
    walk = add_walk(store)
    drafts = [
        ObservationDraft(category="belysning", lon=ANDERSBERG[0], lat=ANDERSBERG[1], feeling=5,
                         description=NASTY[0], observed_at=WHEN, walk_id=walk.id,
                         activity_id=ACTIVITY),
        ObservationDraft(category="vegetation", lon=ANDERSBERG[0] + 0.0012345678,
                         lat=ANDERSBERG[1] - 0.000987654321, feeling=3, description=NASTY[1],
                         observed_at=WHEN + timedelta(minutes=7), walk_id=walk.id),
        ObservationDraft(category="belysning", lon=ANDERSBERG[0] - 0.001, lat=ANDERSBERG[1],
                         feeling=1, description=NASTY[5], observed_at=WHEN + timedelta(days=1),
                         status="closed", status_reason="Kommunen: lampan byttes, \"klart\", ✔"),
        ObservationDraft(category="belysning", lon=VALLAS_OSTRA[0], lat=VALLAS_OSTRA[1],
                         feeling=4, description=NASTY[2],
                         observed_at=datetime(2019, 1, 20, 17, 5, 9, tzinfo=UTC),
                         activity_id=ACTIVITY, status="assessed"),
        ObservationDraft(category="vegetation", lon=VALLAS_OSTRA[0] + 0.002, lat=VALLAS_OSTRA[1],
                         feeling=2, description=NASTY[3],
                         observed_at=datetime(2019, 6, 1, 21, 0, tzinfo=UTC)),
        ObservationDraft(category="belysning", lon=VALLAS_VASTRA[0], lat=VALLAS_VASTRA[1],
                         feeling=4, description=NASTY[4],
                         observed_at=datetime(2019, 3, 31, 0, 59, tzinfo=UTC)),
    ]
    ids = store.add_observations(drafts, SYSTEM).ids
    return {"walk": walk, "ids": ids}


@pytest.fixture
def fresh(new_store):
    return new_store("fresh")


def rows_of(store) -> list[tuple]:
    slugs = {w.id: w.slug for w in store.walks()}
    return [(o.uuid, o.category, o.description, o.feeling, round(o.lon, 7), round(o.lat, 7),
             o.observed_at, slugs.get(o.walk_id), o.activity_id, o.status, o.status_reason,
             o.district_id) for o in store.observations()]


# --- round trips ----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_round_trip_gives_an_identical_file(store, fresh, tmp_path, fmt):
    populate(store)
    first, second = tmp_path / f"first.{fmt}", tmp_path / f"second.{fmt}"
    assert gio.export_file(store, first) == 6
    add_walk(fresh)
    assert gio.import_file(fresh, first, SYSTEM) == gio.ImportResult(added=6, skipped=0)
    assert gio.export_file(fresh, second) == 6
    assert second.read_bytes() == first.read_bytes()
    assert rows_of(fresh) == rows_of(store)
    # re-importing an export into the same store adds nothing
    before = store.snapshot()
    assert gio.import_file(store, first, SYSTEM) == gio.ImportResult(added=0, skipped=6)
    assert store.snapshot() == before


def test_round_trip_geopackage(store, fresh, tmp_path):
    populate(store)
    first, second = tmp_path / "first.gpkg", tmp_path / "second.gpkg"
    assert gio.export_file(store, first) == 6
    add_walk(fresh)
    assert gio.import_file(fresh, first, SYSTEM) == gio.ImportResult(added=6, skipped=0)
    assert gio.export_file(fresh, second) == 6
    a, b = gpd.read_file(first), gpd.read_file(second)
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")),
                                  pd.DataFrame(b.drop(columns="geometry")))
    assert list(a.geometry.x) == list(b.geometry.x) and list(a.geometry.y) == list(b.geometry.y)
    assert rows_of(fresh) == rows_of(store)
    assert gio.import_file(fresh, second, SYSTEM) == gio.ImportResult(added=0, skipped=6)


def test_geopackage_export_opens_in_geopandas(store, tmp_path):
    populate(store)
    path = tmp_path / "out.gpkg"
    gio.export_file(store, path)
    frame = gpd.read_file(path, layer="observations")
    assert len(frame) == store.counts()["observation"] == 6
    assert set(frame.geom_type) == {"Point"}
    assert frame.crs.to_epsg() == 4326
    assert pd.api.types.is_integer_dtype(frame["feeling"])
    assert pd.api.types.is_string_dtype(frame["category"])
    assert list(frame.columns[:-1]) == list(gio.EXPORT_FIELDS)
    assert frame.loc[0, "observed_at"] == "2019-01-20T18:05:09+01:00"  # winter: +01:00


def test_export_texts_and_times(store, tmp_path):
    populate(store)
    gio.export_file(store, tmp_path / "o.geojson")
    doc = json.loads((tmp_path / "o.geojson").read_text(encoding="utf-8"))
    assert "crs" not in doc
    props = {f["properties"]["description"]: f for f in doc["features"]}
    assert set(props) == set(NASTY)
    first = props[NASTY[0]]
    assert first["properties"]["observed_at"] == "2019-10-15T18:42:00+02:00"
    assert first["properties"]["walk"] == WALK and first["properties"]["district"] == "andersberg"
    assert first["geometry"]["coordinates"] == list(ANDERSBERG)
    lon, lat = props[NASTY[1]]["geometry"]["coordinates"]
    assert lon == round(ANDERSBERG[0] + 0.0012345678, 7) and len(repr(lat).split(".")[1]) <= 7

    raw = (tmp_path / "o.csv")
    gio.export_file(store, raw)
    data = raw.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM, so that Excel reads UTF-8
    rows = list(csv.DictReader(stdio.StringIO(data.decode("utf-8-sig"), newline="")))
    cells = [r["description"] for r in rows]
    assert "'" + NASTY[4] in cells  # formula neutralised for spreadsheets
    assert "''-apostrof och minus" in cells
    assert NASTY[1] in cells  # embedded line breaks survive


def test_import_marks_demo_rows(store, fresh, tmp_path):
    populate(store)
    gio.export_file(store, tmp_path / "d.csv")
    add_walk(fresh)
    gio.import_file(fresh, tmp_path / "d.csv", SYSTEM, is_demo=True)
    assert all(o.is_demo for o in fresh.observations())


def test_reimport_counts_added_and_skipped(store, tmp_path):
    populate(store)
    path = tmp_path / "o.geojson"
    gio.export_file(store, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    extra = json.loads(json.dumps(doc["features"][0]))
    del extra["properties"]["uuid"]
    doc["features"].append(extra)
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert gio.import_file(store, path, SYSTEM) == gio.ImportResult(added=1, skipped=6)


def test_bom_and_minimal_csv_are_accepted(store, tmp_path):
    path = tmp_path / "min.csv"
    path.write_bytes("\ufeffcategory,observed_at,feeling,lat,lon\r\n"
                     "belysning,2019-10-15T16:42:00Z,3,56.660631,12.90123\r\n".encode("utf-8"))
    assert gio.import_file(store, path, SYSTEM) == gio.ImportResult(added=1, skipped=0)
    (o,) = store.observations()
    assert (o.status, o.district_id, o.observed_at) == ("new", "andersberg", WHEN)


def test_geopackage_in_sweref99_is_transformed(store, tmp_path):
    x, y = to_metric(*ANDERSBERG)
    frame = gpd.GeoDataFrame({"category": ["belysning"], "observed_at": ["2019-10-15T18:42:00+02:00"],
                              "feeling": [4]}, geometry=[Point(x, y)], crs="EPSG:3006")
    path = tmp_path / "sweref.gpkg"
    frame.to_file(path, layer="observations")
    assert gio.import_file(store, path, SYSTEM).added == 1
    (o,) = store.observations()
    assert o.district_id == "andersberg"
    assert abs(o.lon - ANDERSBERG[0]) < 1e-6 and abs(o.lat - ANDERSBERG[1]) < 1e-6


# --- filtered export ----------------------------------------------------------------------
def districts_in(path) -> list[str]:
    return [f["properties"]["district"]
            for f in json.loads(path.read_text(encoding="utf-8"))["features"]]


def test_export_by_district_includes_its_parts(store, tmp_path):
    populate(store)
    out = tmp_path / "v.geojson"
    assert gio.export_file(store, out, district="vallas") == 3
    assert sorted(districts_in(out)) == ["vallas-ostra", "vallas-ostra", "vallas-vastra"]
    assert gio.export_file(store, out, district="vallas-ostra") == 2
    assert gio.export_file(store, out, district="andersberg") == 3
    assert gio.export_file(store, out, district="almhult") == 0
    assert json.loads(out.read_text(encoding="utf-8"))["features"] == []


def test_export_by_walk(store, tmp_path):
    populate(store)
    out = tmp_path / "w.csv"
    assert gio.export_file(store, out, walk=WALK) == 2
    rows = list(csv.DictReader(stdio.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert {r["walk"] for r in rows} == {WALK}
    assert gio.export_file(store, out, walk=WALK, district="vallas") == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_export_round_trips_as_empty(store, tmp_path, fmt):
    out = tmp_path / f"none.{fmt}"
    assert gio.export_file(store, out) == 0
    with pytest.raises(gio.ImportRefused) as exc:
        gio.import_file(store, out, SYSTEM)
    assert "tom" in exc.value.message()


@pytest.mark.parametrize("kwargs, words", [
    ({"district": "atlantis"}, ["'district'", "'atlantis'", "okänt område"]),
    ({"walk": "ingen-sadan"}, ["'walk'", "'ingen-sadan'", "okänd trygghetsvandring"]),
])
def test_export_refuses_unknown_district_or_walk(store, tmp_path, kwargs, words):
    out = tmp_path / "x.geojson"
    with pytest.raises(gio.ExportRefused) as exc:
        gio.export_file(store, out, **kwargs)
    assert isinstance(exc.value, Refused)
    for word in words:
        assert word in exc.value.message()
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_export_refuses_unknown_format_and_missing_folder(store, tmp_path):
    with pytest.raises(gio.ExportRefused) as exc:
        gio.export_file(store, tmp_path / "x.xlsx")
    assert exc.value.key == "io.unknown_format" and "'.xlsx'" in exc.value.message()
    with pytest.raises(gio.ExportRefused) as exc:
        gio.export_file(store, tmp_path / "nope" / "x.csv")
    assert "mappen finns inte" in exc.value.message()


@pytest.mark.parametrize("fmt", FORMATS)
def test_failed_export_leaves_no_half_file(store, tmp_path, monkeypatch, fmt):
    """Fault injection (the writer fails half-way): the old file stays, no temp files."""
    populate(store)
    out = tmp_path / f"keep.{fmt}"
    out.write_bytes(b"old")

    def broken(frame, *rest):
        (tmp_path.glob(f".keep.{fmt}.*").__next__() / out.name).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(gio.export, {"geojson": "geojson_text", "csv": "csv_text",
                                     "gpkg": "write_gpkg"}[fmt], broken)
    with pytest.raises(OSError, match="disk full"):
        gio.export_file(store, out)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".keep")] == []


def test_export_leaves_only_the_file(store, tmp_path):
    populate(store)
    for fmt in FORMATS:
        gio.export_file(store, tmp_path / f"o.{fmt}")
        gio.export_file(store, tmp_path / f"o.{fmt}")  # overwrite
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("test.db")) == [
        "o.csv", "o.geojson", "o.gpkg"]


# --- refusals -------------------------------------------------------------------------------
GOOD = {"category": "belysning", "description": "Trasig lampa", "feeling": 4,
        "observed_at": "2019-10-15T18:42:00+02:00", "walk": WALK, "activity": ACTIVITY,
        "status": "new", "status_reason": ""}


def feature(coords=ANDERSBERG, **props):
    p = dict(GOOD)
    p.update(props)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(coords)},
            "properties": {k: v for k, v in p.items() if v is not DROP}}


DROP = object()


def collection(*features, **extra):
    return {"type": "FeatureCollection", "features": list(features), **extra}


def second_bad(coords=ANDERSBERG, **props):
    return json.dumps(collection(feature(), feature(coords, **props)), ensure_ascii=False)


def with_geometry(geometry):
    f = feature()
    f["geometry"] = geometry
    return json.dumps(collection(feature(), f))


CSV_HEADER = "uuid,category,description,observed_at,feeling,walk,activity,status,status_reason,lat,lon"
CSV_GOOD = f",belysning,Trasig lampa,2019-10-15T18:42:00+02:00,4,{WALK},{ACTIVITY},new,,56.660631,12.90123"


def csv_second_bad(**cells):
    names = CSV_HEADER.split(",")
    values = dict(zip(names, next(csv.reader([CSV_GOOD]))))
    values.update(cells)
    out = stdio.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerow([values[n] for n in names])
    return f"{CSV_HEADER}\n{CSV_GOOD}\n{out.getvalue()}"


UUID = "0b7c3c1e-6f1c-4c53-9d1e-8a3f1d2b5e77"

# (id, suffix, content: str | bytes | None (no file), words the Swedish message contains)
BAD = [
    # files as a whole
    ("missing-file", "geojson", None, ["Filen 'bad.geojson'", "finns inte"]),
    ("unknown-suffix", "txt", "category\n", ["'.txt'", "okänd filändelse"]),
    ("empty-geojson", "geojson", b"", ["Filen", "tom"]),
    ("empty-csv", "csv", b"", ["Filen", "tom"]),
    ("empty-gpkg", "gpkg", b"", ["Filen", "tom"]),
    ("blank-geojson", "geojson", "  \n ", ["tom"]),
    ("no-features", "geojson", json.dumps(collection()), ["tom"]),
    ("header-only-csv", "csv", CSV_HEADER + "\n", ["tom"]),
    ("nul-bytes-geojson", "geojson", b'{"type": "FeatureCollection"\x00}', ["UTF-8"]),
    ("nul-bytes-csv", "csv", CSV_HEADER.encode() + b"\n\x00\x01\x02", ["UTF-8"]),
    ("utf16-csv", "csv", (CSV_HEADER + "\n" + CSV_GOOD).encode("utf-16"), ["UTF-8"]),
    ("latin1-csv", "csv", (CSV_HEADER + "\n" + CSV_GOOD.replace("Trasig", "Mörk")).encode("latin-1"), ["UTF-8"]),
    ("latin1-geojson", "geojson", second_bad(description="Mörk").encode("latin-1"), ["UTF-8"]),
    ("text-as-gpkg", "gpkg", "this is not a geopackage", ["GeoPackage"]),
    ("png-as-gpkg", "gpkg", b"\x89PNG\r\n\x1a\n" + bytes(200), ["GeoPackage"]),
    # GeoJSON structure
    ("not-json", "geojson", '{"type": "FeatureCollection", "features": [', ["inte giltig JSON", "rad 1"]),
    ("nan-json", "geojson", second_bad().replace('"feeling": 4', '"feeling": NaN', 1), ["inte giltig JSON"]),
    ("deep-json", "geojson", "[" * 100_000 + "]" * 100_000, ["inte giltig JSON"]),
    ("json-list", "geojson", "[]", ["FeatureCollection"]),
    ("single-feature", "geojson", json.dumps(feature()), ["FeatureCollection"]),
    ("features-not-list", "geojson", json.dumps({"type": "FeatureCollection", "features": {}}), ["FeatureCollection"]),
    ("not-a-feature", "geojson", json.dumps(collection(feature(), "x")), ["Objekt 2", "'x'", "Feature"]),
    ("linestring", "geojson", with_geometry({"type": "LineString", "coordinates": [[12.9, 56.6], [12.91, 56.61]]}),
     ["Objekt 2", "'geometry'", "'LineString'", "ingen punkt"]),
    ("no-geometry", "geojson", with_geometry(None), ["Objekt 2", "'geometry'", "saknar geometri"]),
    ("string-coordinates", "geojson", with_geometry({"type": "Point", "coordinates": ["12.9", "56.6"]}),
     ["Objekt 2", "'geometry'", "koordinater"]),
    ("one-coordinate", "geojson", with_geometry({"type": "Point", "coordinates": [12.9]}), ["Objekt 2", "'geometry'"]),
    ("properties-list", "geojson",
     json.dumps(collection(feature(), {**feature(), "properties": [1, 2]})), ["Objekt 2", "'properties'"]),
    # coordinate systems and positions
    ("crs-sweref", "geojson",
     json.dumps(collection(feature(), crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}})),
     ["Filen", "'crs'", "'urn:ogc:def:crs:EPSG::3006'", "koordinatsystem"]),
    ("crs-garbage", "geojson", json.dumps(collection(feature(), crs="EPSG:3006")), ["'crs'", "koordinatsystem"]),
    ("projected-metres", "geojson", second_bad(coords=(373_500.0, 6_284_000.0)),
     ["Objekt 2", "'geometry'", "projicerat"]),
    ("swapped-geojson", "geojson", second_bad(coords=(ANDERSBERG[1], ANDERSBERG[0])),
     ["Objekt 2", "'geometry'", "omvänd ordning"]),
    ("outside-sweden", "geojson", second_bad(coords=(13.40, 52.52)), ["Objekt 2", "'geometry'", "utanför Sverige"]),
    ("swapped-csv", "csv", csv_second_bad(lat="12.90123", lon="56.660631"), ["Rad 3", "'lat/lon'", "omvänd ordning"]),
    ("outside-sweden-csv", "csv", csv_second_bad(lat="52.52", lon="13.40"), ["Rad 3", "'lat/lon'", "utanför Sverige"]),
    ("projected-csv", "csv", csv_second_bad(lat="6284000", lon="373500"), ["Rad 3", "'lat/lon'", "projicerat"]),
    ("decimal-comma-csv", "csv", csv_second_bad(lat="56,660631"), ["Rad 3", "'lat'", "'56,660631'", "decimalpunkt"]),
    ("missing-lat-csv", "csv", csv_second_bad(lat=""), ["Rad 3", "'lat/lon'", "position"]),
    # references
    ("unknown-category", "geojson", second_bad(category="glasskiosk"),
     ["Objekt 2", "'category'", "'glasskiosk'", "okänd kategori"]),
    ("missing-category", "geojson", second_bad(category=DROP), ["Objekt 2", "'category'", "måste fyllas i"]),
    ("numeric-category", "geojson", second_bad(category=5), ["Objekt 2", "'category'", "ska vara text"]),
    ("unknown-activity", "geojson", second_bad(activity="halmstad-2019.9.9"),
     ["Objekt 2", "'activity'", "okänd aktivitet"]),
    ("unknown-walk", "geojson", second_bad(walk="ingen-sadan"),
     ["Objekt 2", "'walk'", "'ingen-sadan'", "okänd trygghetsvandring"]),
    ("unknown-category-csv", "csv", csv_second_bad(category="glasskiosk"), ["Rad 3", "'category'", "okänd kategori"]),
    ("unknown-walk-csv", "csv", csv_second_bad(walk="ingen-sadan"), ["Rad 3", "'walk'", "okänd trygghetsvandring"]),
    # feeling
    ("feeling-7", "geojson", second_bad(feeling=7), ["Objekt 2", "'feeling'", "värdet 7", "heltal från 1"]),
    ("feeling-0", "geojson", second_bad(feeling=0), ["Objekt 2", "'feeling'", "värdet 0"]),
    ("feeling-3.5", "geojson", second_bad(feeling=3.5), ["Objekt 2", "'feeling'", "värdet 3.5"]),
    ("feeling-high", "geojson", second_bad(feeling="high"), ["Objekt 2", "'feeling'", "'high'"]),
    ("feeling-true", "geojson", second_bad(feeling=True), ["Objekt 2", "'feeling'", "värdet true"]),
    ("feeling-missing", "geojson", second_bad(feeling=DROP), ["Objekt 2", "'feeling'"]),
    ("feeling-7-csv", "csv", csv_second_bad(feeling="7"),
     ["Rad 3, fältet 'feeling': värdet 7 – ska vara ett heltal från 1 (tryggt) till 5 (mycket otryggt)"]),
    ("feeling-0-csv", "csv", csv_second_bad(feeling="0"), ["Rad 3", "'feeling'", "värdet 0"]),
    ("feeling-3.5-csv", "csv", csv_second_bad(feeling="3.5"), ["Rad 3", "'feeling'", "'3.5'"]),
    ("feeling-high-csv", "csv", csv_second_bad(feeling="high"), ["Rad 3", "'feeling'", "'high'"]),
    # time
    ("time-not-a-date", "geojson", second_bad(observed_at="igår kväll"),
     ["Objekt 2", "'observed_at'", "'igår kväll'", "ISO 8601"]),
    ("time-no-offset", "geojson", second_bad(observed_at="2019-10-15T18:42:00"),
     ["Objekt 2", "'observed_at'", "tidszon"]),
    ("time-date-only", "geojson", second_bad(observed_at="2019-10-15"), ["Objekt 2", "'observed_at'", "tidszon"]),
    ("time-number", "geojson", second_bad(observed_at=1571157720), ["Objekt 2", "'observed_at'"]),
    ("time-year-1", "geojson", second_bad(observed_at="0001-01-01T00:00:00+02:00"), ["Objekt 2", "'observed_at'"]),
    ("time-missing", "geojson", second_bad(observed_at=DROP), ["Objekt 2", "'observed_at'", "måste fyllas i"]),
    ("time-no-offset-csv", "csv", csv_second_bad(observed_at="2019-10-15 18:42"),
     ["Rad 3", "'observed_at'", "tidszon"]),
    # status
    ("unknown-status", "geojson", second_bad(status="kaputt"), ["Objekt 2", "'status'", "'kaputt'", "okänd status"]),
    ("closed-no-reason", "geojson", second_bad(status="closed", status_reason="  "),
     ["Objekt 2", "'status_reason'", "skäl"]),
    ("closed-no-reason-csv", "csv", csv_second_bad(status="closed"), ["Rad 3", "'status_reason'", "skäl"]),
    # texts and ids
    ("description-too-long", "geojson", second_bad(description="å" * (DESCRIPTION_MAX + 1)),
     ["Objekt 2", "'description'", "för lång", f"{DESCRIPTION_MAX + 1} tecken"]),
    ("description-nul", "geojson", second_bad(description="a\u0000b"),
     ["Objekt 2", "'description'", "otillåtna tecken"]),
    ("description-surrogate", "geojson", second_bad(description="SURR").replace('"SURR"', '"\\ud800"'),
     ["Objekt 2", "'description'", "otillåtna tecken"]),
    ("description-object", "geojson", second_bad(description={"a": [1, 2]}),
     ["Objekt 2", "'description'", "ska vara text"]),
    ("bad-uuid", "geojson", second_bad(uuid="inte-ett-uuid"), ["Objekt 2", "'uuid'", "UUID"]),
    ("duplicate-uuid", "geojson", json.dumps(collection(feature(uuid=UUID), feature(uuid=UUID.upper()))),
     ["Objekt 2", "'uuid'", "samma uuid som objekt 1"]),
    ("duplicate-uuid-csv", "csv", csv_second_bad().replace("\n,", f"\n{UUID},"),
     ["Rad 3", "'uuid'", "samma uuid som på rad 2"]),
    # CSV structure
    ("csv-missing-column", "csv", CSV_HEADER.replace("feeling,", "") + "\n" + CSV_GOOD.replace(",4,", ",", 1),
     ["Rad 1", "'feeling'", "kolumnen saknas"]),
    ("csv-missing-lat", "csv", CSV_HEADER.replace(",lat", "") + "\n" + CSV_GOOD.replace(",56.660631", ""),
     ["Rad 1", "'lat'"]),
    ("csv-duplicate-column", "csv", CSV_HEADER + ",feeling\n" + CSV_GOOD + ",5\n",
     ["Rad 1", "'feeling'", "flera gånger"]),
    ("csv-extra-value", "csv", f"{CSV_HEADER}\n{CSV_GOOD}\n{CSV_GOOD},extra\n", ["Rad 3", "12 värden", "11 kolumner"]),
    ("csv-short-row", "csv", f"{CSV_HEADER}\n{CSV_GOOD}\nbelysning,3\n", ["Rad 3", "2 värden"]),
    ("csv-semicolon", "csv", CSV_HEADER.replace(",", ";") + "\n" + CSV_GOOD.replace(",", ";"), ["Rad 1", "semikolon"]),
    ("csv-unclosed-quote", "csv", f'{CSV_HEADER}\n{CSV_GOOD}\n,belysning,"Trasig\n', ["Rad 3", "CSV"]),
    ("csv-multiline-counts-lines", "csv",
     (f'{CSV_HEADER}\n,belysning,"rad ett\nrad två",2019-10-15T18:42:00+02:00,4,,,new,,56.660631,12.90123\n'
      f",belysning,x,2019-10-15T18:42:00+02:00,9,,,new,,56.660631,12.90123\n"), ["Rad 4", "'feeling'", "värdet 9"]),
]


def write_bad(tmp_path, suffix, content):
    path = tmp_path / f"bad.{suffix}"
    if content is None:
        return path
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass", newline="")
    else:
        path.write_bytes(content)
    return path


@pytest.mark.backends(*BACKENDS)
@pytest.mark.parametrize("suffix, content, words", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_is_refused_and_nothing_changes(store, tmp_path, suffix, content, words):
    add_walk(store)
    before = store.snapshot()
    path = write_bad(tmp_path, suffix, content)
    with pytest.raises(gio.ImportRefused) as exc:
        gio.import_file(store, path, SYSTEM)
    message = exc.value.message()
    for word in words:
        assert word in message, message
    assert "Traceback" not in message and len(message) < 400
    assert exc.value.message("en") != message
    assert store.snapshot() == before


@pytest.mark.parametrize("suffix", ["geojson", "csv", "gpkg"])
def test_file_over_the_limit_is_refused_by_size_before_reading(store, tmp_path, suffix):
    path = tmp_path / f"huge.{suffix}"
    with path.open("wb") as fh:  # sparse: 50 MB on paper, nothing in memory
        fh.truncate(50 * 1024 * 1024)
    before = store.snapshot()
    with pytest.raises(gio.ImportRefused) as exc:
        gio.import_file(store, path, SYSTEM)
    assert exc.value.key == "io.too_big"  # not "binary": the content was never looked at
    assert "för stor" in exc.value.message() and "50 MB" in exc.value.message()
    assert store.snapshot() == before


def test_file_at_the_limit_is_read(tmp_path):
    path = tmp_path / "limit.geojson"
    body = json.dumps(collection(feature(walk="")))
    path.write_text(body + " " * (gio.MAX_IMPORT_BYTES - len(body.encode())), encoding="utf-8")
    assert path.stat().st_size == gio.MAX_IMPORT_BYTES
    assert len(gio.read_observations(path, {"category": {"belysning"}, "activity": {ACTIVITY}}, {})) == 1


def gpkg(tmp_path, frame_kwargs, crs="EPSG:4326", name="bad.gpkg", layer="observations"):
    frame = gpd.GeoDataFrame(frame_kwargs["data"], geometry=frame_kwargs["geometry"], crs=crs)
    path = tmp_path / name
    frame.to_file(path, layer=layer, driver="GPKG")
    return path


def gp_data(**override):
    data = {"category": ["belysning", "belysning"], "description": ["a", "b"],
            "observed_at": ["2019-10-15T18:42:00+02:00"] * 2, "feeling": [3, 4]}
    data.update(override)
    return data


GPKG_BAD = [
    ("no-crs", dict(data=gp_data(), geometry=[Point(*ANDERSBERG)] * 2), None,
     ["Filen", "'geometry'", "koordinatsystem"]),
    ("feeling-7", dict(data=gp_data(feeling=[3, 7]), geometry=[Point(*ANDERSBERG)] * 2), "EPSG:4326",
     ["Objekt 2", "'feeling'", "värdet 7"]),
    ("feeling-3.5", dict(data=gp_data(feeling=[3.0, 3.5]), geometry=[Point(*ANDERSBERG)] * 2), "EPSG:4326",
     ["Objekt 2", "'feeling'", "3.5"]),
    ("linestring", dict(data=gp_data(), geometry=[Point(*ANDERSBERG), LineString([ANDERSBERG, VALLAS_OSTRA])]),
     "EPSG:4326", ["Objekt 2", "'geometry'", "ingen punkt"]),
    ("metres-labelled-4326", dict(data=gp_data(), geometry=[Point(*ANDERSBERG), Point(373500, 6284000)]), "EPSG:4326",
     ["Objekt 2", "'geometry'", "projicerat"]),
    ("missing-column", dict(data={"category": ["belysning"], "feeling": [3]}, geometry=[Point(*ANDERSBERG)]),
     "EPSG:4326", ["Filen", "'observed_at'", "kolumnen saknas"]),
    ("time-no-offset", dict(data=gp_data(observed_at=["2019-10-15T18:42:00+02:00", "2019-10-15T18:42:00"]),
                            geometry=[Point(*ANDERSBERG)] * 2), "EPSG:4326", ["Objekt 2", "'observed_at'", "tidszon"]),
]


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
@pytest.mark.parametrize("frame_kwargs, crs, words", [c[1:] for c in GPKG_BAD], ids=[c[0] for c in GPKG_BAD])
def test_bad_geopackage_is_refused(store, tmp_path, frame_kwargs, crs, words):
    path = gpkg(tmp_path, frame_kwargs, crs=crs)
    before = store.snapshot()
    with pytest.raises(gio.ImportRefused) as exc:
        gio.import_file(store, path, SYSTEM)
    for word in words:
        assert word in exc.value.message(), exc.value.message()
    assert store.snapshot() == before


@pytest.mark.filterwarnings("ignore:Non-conformant content")
def test_geopackage_datetime_columns(store, tmp_path):
    """A GeoPackage DateTime column (as QGIS writes it) is read with its offset; without
    an offset it is refused like text without one."""
    times = pd.to_datetime(["2019-10-15T18:42:00+02:00", "2019-10-15T18:43:00+02:00"])
    data = gp_data(observed_at=times)
    data["Category"] = data.pop("category")  # column names are matched case-insensitively
    path = gpkg(tmp_path, dict(data=data, geometry=[Point(*ANDERSBERG)] * 2), name="aware.gpkg")
    assert gio.import_file(store, path, SYSTEM).added == 2
    assert store.observations()[0].observed_at == WHEN
    naive = pd.to_datetime(["2019-10-15T18:42:00", "2019-10-15T18:43:00"])
    path = gpkg(tmp_path, dict(data=gp_data(observed_at=naive), geometry=[Point(*ANDERSBERG)] * 2),
                name="naive.gpkg")
    before = store.snapshot()
    with pytest.raises(gio.ImportRefused) as exc:
        gio.import_file(store, path, SYSTEM)
    assert "Objekt 1, fältet 'observed_at'" in exc.value.message() and "tidszon" in exc.value.message()
    assert store.snapshot() == before


def test_geopackage_without_the_layer_is_refused(store, tmp_path):
    path = gpkg(tmp_path, dict(data=gp_data(), geometry=[Point(*ANDERSBERG)] * 2), layer="punkter")
    gpkg(tmp_path, dict(data=gp_data(), geometry=[Point(*ANDERSBERG)] * 2), layer="annat")
    with pytest.raises(gio.ImportRefused) as exc:
        gio.import_file(store, path, SYSTEM)
    assert "'observations'" in exc.value.message() and "'punkter'" in exc.value.message()


def test_plain_sqlite_file_is_not_a_geopackage(store, tmp_path):
    path = tmp_path / "plain.gpkg"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE observations (category TEXT, feeling INTEGER)")
        conn.execute("INSERT INTO observations VALUES ('belysning', 3)")
    conn.close()
    before = store.snapshot()
    with pytest.raises(gio.ImportRefused) as exc:
        gio.import_file(store, path, SYSTEM)
    assert "GeoPackage" in exc.value.message()
    assert store.snapshot() == before


@pytest.mark.backends(*BACKENDS)
def test_store_refusal_is_mapped_to_the_row(store, tmp_path):
    """When the store refuses a draft (e.g. a walk deleted between reading and saving), the
    refusal names the row it came from."""
    path = tmp_path / "ok.csv"
    path.write_text(csv_second_bad(), encoding="utf-8")
    walk = add_walk(store)
    drafts, places = gio.read.read_places(path, store.known_ids(), {WALK: walk.id})
    refusal = gio.drafts.from_store(Invalid({"walk": "validation.unknown_walk"}, index=1), drafts, places)
    assert refusal.row == 3 and refusal.field == "walk"
    assert refusal.message().startswith("Rad 3, fältet 'walk'")
    refusal = gio.drafts.from_store(Invalid({"location": "validation.outside_sweden"}, index=0), drafts, places)
    assert refusal.message().startswith("Rad 2, fältet 'lat/lon'")
    assert gio.drafts.from_store(Invalid({}), drafts, places).key == "store.invalid"


def test_read_observations_needs_no_database(tmp_path):
    path = tmp_path / "o.geojson"
    path.write_text(json.dumps(collection(feature(), feature(walk="", uuid=UUID.upper()))), encoding="utf-8")
    drafts = gio.read_observations(path, {"category": {"belysning"}, "activity": {ACTIVITY}}, {WALK: 7})
    assert [d.walk_id for d in drafts] == [7, None]
    assert drafts[1].uuid == UUID  # canonical form
    assert drafts[0].observed_at == datetime(2019, 10, 15, 16, 42, tzinfo=UTC)


def test_values_in_messages_are_quoted_and_short():
    refusal = gio.ImportRefused("validation.unknown_category", row=2, kind="feature",
                                field="category", value="x" * 500)
    text = refusal.message()
    assert text.startswith("Objekt 2, fältet 'category': värdet 'xxx")
    assert "…" in text and len(text) < 60 + 80
    assert gio.show("a'b\nc") == repr("a'b\nc")
    assert len(gio.show([[[[[1]]]]] * 100)) <= 60
    assert str(refusal) == refusal.message()


# --- properties ------------------------------------------------------------------------------
json_leaf = (st.none() | st.booleans() | st.integers(min_value=-10**20, max_value=10**20)
             | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
             | st.sampled_from(["belysning", "7", "3", "2019-10-15T18:42:00+02:00", "closed", WALK,
                                ACTIVITY, UUID, "", "new", "=1+1"]))
json_values = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
prop_keys = st.sampled_from(list(gio.EXPORT_FIELDS) + ["x", "lat", "lon"]) | st.text(max_size=8)
geometries = (st.just({"type": "Point", "coordinates": list(ANDERSBERG)})
              | st.builds(lambda c: {"type": "Point", "coordinates": c}, json_values)
              | json_values)


@pytest.mark.backends(*BACKENDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(props=st.dictionaries(prop_keys, json_values, max_size=10), geometry=geometries,
       ascii_only=st.booleans())
def test_arbitrary_feature_properties_are_refused_cleanly(store, tmp_path, props, geometry, ascii_only):
    """Whatever a feature holds, the result is an ImportRefused with the store untouched, or
    (when the values happen to be valid) exactly one new observation."""
    path = tmp_path / "fuzz.geojson"
    doc = collection({"type": "Feature", "geometry": geometry, "properties": props})
    path.write_text(json.dumps(doc, ensure_ascii=ascii_only), encoding="utf-8", errors="surrogatepass")
    before = store.snapshot()
    try:
        result = gio.import_file(store, path, SYSTEM)
    except gio.ImportRefused as exc:
        assert exc.message() and exc.message("en")
        assert store.snapshot() == before
    else:
        assert result.added + result.skipped == 1
        assert len(store.snapshot()["observation"]) - len(before["observation"]) == result.added


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.text(max_size=20) | st.sampled_from(["belysning", "4", "56.66", "12.9", "closed"]),
                      min_size=0, max_size=13))
def test_arbitrary_csv_rows_are_refused_cleanly(store, tmp_path, cells):
    path = tmp_path / "fuzz.csv"
    out = stdio.StringIO(newline="")
    csv.writer(out).writerow(cells)
    path.write_text(CSV_HEADER + "\n" + out.getvalue(), encoding="utf-8", errors="surrogatepass")
    before = store.snapshot()
    try:
        gio.import_file(store, path, SYSTEM)
    except gio.ImportRefused as exc:
        assert exc.message()
        assert store.snapshot() == before
