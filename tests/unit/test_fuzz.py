"""Input fuzzing (issue 7, part 5): the importers and the forms' validation, driven by hypothesis
with arbitrary values, on both backends (every test uses ``store``).

The property everywhere: the call succeeds and what it stored is valid, or it is refused —
:class:`geo.io.ImportRefused` for a file, a :class:`geo.store.StoreError` for a form — with a
message from the string catalogue (Swedish and English) and the database unchanged.  Anything
else (a traceback, the driver's DataError for a NUL byte or a too long value, a TypeError …)
is a bug; every one found has an ``@example`` here.
"""

from __future__ import annotations

import csv
import io as stdio
import json
import math
import os
import re
import uuid as uuidlib
from datetime import UTC, date, datetime, time

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from geo import capture, i18n, workflow
from geo import io as gio
from geo import walks as wl
from geo.crs import in_sweden
from geo.model import (
    DESCRIPTION_MAX,
    SYSTEM,
    Actor,
    Group,
    MeasureDraft,
    MeasureStatus,
    ObservationDraft,
    ObservationStatus,
    Responsible,
    Role,
)
from geo.store import Invalid, ProtocolChange, StoreError

PLANNER = Actor(role=Role.PLANNER, name="Pia Planerare", user_id=1)
ANDERSBERG = (12.90123, 56.660631)
WHEN = datetime(2019, 10, 15, 16, 42, tzinfo=UTC)
NOW = datetime(2026, 10, 24, 9, 0, tzinfo=UTC)
WALK = "fuzz-2019-10-15"
CODE = "FUZ234"
ACTIVITY = "halmstad-2019.1.6"
UUID = "3f0c2a9e-8d4b-4c1e-9a57-2b6f1d0e7c11"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # what an import refuses in text
LANGS = ("sv", "en")


def fuzz(n: int):
    """``n`` examples per backend; ``FUZZ_SCALE=10`` runs ten times as many (a longer hunt)."""
    return settings(max_examples=n * int(os.environ.get("FUZZ_SCALE", "1")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


# --- values -----------------------------------------------------------------------------------
SPECIAL_TEXT = [
    "", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "\u202eevil\u202c", "שלום עולם", "مرحبا",
    "🚲🌙👩‍👩‍👧", "\x07\x1b[31mred", "rad ett\r\nrad två", "\t", "\u2028", "\ufeffbom", "\x7f", "\x85",
    "'=1+1", "=HYPERLINK(\"x\")", "NaN", "inf", "-Infinity", "1e309", "9" * 400, "x" * 41,
    "x" * 81, "x" * 121, "x" * 201, "å" * 255, "x" * 2001, "null", "None", "true", "İ" * 60,
]
weird_text = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(exclude_categories=()), max_size=30),  # lone surrogates included
    st.sampled_from(SPECIAL_TEXT),
)
huge_ints = st.sampled_from([2**31, 2**31 - 1, 2**63, -2**63 - 1, 10**30, -(10**400)])
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), huge_ints, st.floats(), weird_text,
    st.sampled_from([date(2026, 1, 1), datetime(2026, 1, 1, 12, 0), WHEN, time(18, 0), b"bytes"]),
)
any_value = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                         | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)


@st.composite
def form(draw, valid: dict, wild: dict | None = None, most: int = 3) -> dict:
    """A form's values: valid ones, with up to ``most`` fields replaced by anything (or by
    ``wild[field]``), so that both saving and refusing are exercised."""
    values = draw(st.fixed_dictionaries(valid))
    wild_fields = st.lists(st.sampled_from(sorted(valid)), min_size=1, max_size=most, unique=True)
    for name in draw(mostly(st.just([]), wild_fields, odds=1)):
        values[name] = draw((wild or {}).get(name, any_value))
    return values


def mostly(valid, wild, odds: int = 3):
    """``valid`` about ``odds`` times out of ``odds + 1``, else ``wild`` (shrinks to valid)."""
    return st.sampled_from([valid] * odds + [wild]).flatmap(lambda chosen: chosen)


plain_text = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=40) | st.sampled_from(
    ["", "Mörkt under bron", "rad ett\nrad två", "  mellanslag  ", "🚲 ÅÄÖ", "=1+1"])


# --- checks -----------------------------------------------------------------------------------
def assert_key(key: object, values: dict | None = None) -> None:
    """A catalogue key with a Swedish and an English text that can be shown."""
    entry = i18n.strings().get(key) if isinstance(key, str) else None
    assert entry and entry.get("sv") and entry.get("en"), f"no catalogue entry {key!r}"
    for lang in LANGS:
        try:
            text = i18n.t(key, lang, **(values or {}))
        except KeyError:  # a template field the caller fills in itself
            text = entry[lang]
        assert isinstance(text, str) and text.strip()


def assert_store_refusal(exc: StoreError) -> None:
    assert_key(exc.key, exc.values)
    if isinstance(exc, Invalid):
        assert exc.errors and all(isinstance(f, str) and f for f in exc.errors)
        for key in exc.errors.values():
            assert_key(key, exc.values)


def attempt(store, call):
    """``call()``'s result, or None when a StoreError refused it (then nothing changed)."""
    before = store.snapshot()
    try:
        result = call()
    except StoreError as exc:
        event("refused")
        assert_store_refusal(exc)
        assert store.snapshot() == before
        return None
    event("saved")
    return result


def assert_text(value: object, limit: int, *, required: bool = False) -> None:
    assert isinstance(value, str) and len(value) <= limit and not CONTROL.search(value)
    value.encode("utf-8")
    assert value.strip() or not required


def assert_valid_observation(store, o) -> None:
    known = store.known_ids()
    assert isinstance(o.lon, float) and isinstance(o.lat, float) and in_sweden(o.lon, o.lat)
    assert type(o.feeling) is int and 1 <= o.feeling <= 5
    assert o.category in known["category"]
    assert o.activity_id is None or o.activity_id in known["activity"]
    assert o.status in {s.value for s in ObservationStatus}
    assert str(uuidlib.UUID(o.uuid)) == o.uuid
    assert_text(o.description, DESCRIPTION_MAX)
    assert_text(o.status_reason, DESCRIPTION_MAX)
    assert_text(o.reported_by, 80)
    assert_text(o.group, 40)
    assert o.priority in (None, 1, 2, 3) and o.responsible in (None, *[r.value for r in Responsible])
    assert o.due is None or (isinstance(o.due, date) and not isinstance(o.due, datetime))


def assert_all_observations_valid(store) -> None:
    for o in store.observations(include_merged=True):
        assert_valid_observation(store, o)


def assert_valid_measure(store, m) -> None:
    known = store.known_ids()
    assert m.type in known["measure_type"]
    assert_text(m.title, 200, required=True)
    assert_text(m.description, DESCRIPTION_MAX)
    assert_text(m.responsible_name, 120)
    assert m.responsible in {r.value for r in Responsible}
    assert m.status in {s.value for s in MeasureStatus}
    assert_text(m.status_reason, DESCRIPTION_MAX)
    assert m.activity_id is None or m.activity_id in known["activity"]
    assert m.due is None or (isinstance(m.due, date) and not isinstance(m.due, datetime))
    assert m.cost_sek is None or (type(m.cost_sek) is int and 0 <= m.cost_sek < 2**31)
    geom = shape(m.geometry)
    assert geom.is_valid and not geom.is_empty
    assert in_sweden(*geom.bounds[:2]) and in_sweden(*geom.bounds[2:])
    assert set(m.geometry) == {"type", "coordinates"}  # plain GeoJSON, as every reader expects

    def numbers(value):
        if isinstance(value, list):
            return all(numbers(v) for v in value)
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

    assert numbers(m.geometry["coordinates"])


# --- fixtures made once per test database ----------------------------------------------------
def the_walk(store):
    found = store.walk_by_slug(WALK)
    if found is None:
        found = store.add_walk(SYSTEM, slug=WALK, district_id="andersberg", title="Fuzz",
                               starts_at=WHEN, activity_id=ACTIVITY, status="open", join_code=CODE)
    return found


def an_observation(store):
    the_walk(store)
    got = store.observations(walk_id=the_walk(store).id)
    if got:
        return got[0]
    oid = store.add_observation(ObservationDraft(
        category="belysning", lon=ANDERSBERG[0], lat=ANDERSBERG[1], feeling=4, description="Mörkt",
        observed_at=WHEN, walk_id=the_walk(store).id, activity_id=ACTIVITY), SYSTEM)
    return store.observation(oid)


def a_measure(store):
    found = store.measures()
    if found:
        return found[0]
    mid = store.add_measure(MeasureDraft(
        type="belysning_ny", title="Ny lampa", responsible="kommun",
        geometry={"type": "Point", "coordinates": list(ANDERSBERG)}), SYSTEM)
    return store.measure(mid)


# === 1. importers ==============================================================================
def check_import(store, path, *, refused: bool | None = None):
    """Import ``path``: a result with valid rows, or a refusal with a message and no change."""
    before = store.snapshot()
    try:
        result = gio.import_file(store, path, SYSTEM)
    except gio.ImportRefused as exc:
        event(f"refused {exc.key} {exc.field}")
        assert refused is not False, exc.message()
        for lang in LANGS:
            text = exc.message(lang)
            assert isinstance(text, str) and text.strip()
            if exc.row is not None:
                word = i18n.t("io.feature" if exc.kind == "feature" else "io.row", lang, row=exc.row)
                assert text.startswith(word), text
        assert_key(exc.key)
        assert str(exc)
        assert store.snapshot() == before
        return exc
    event("imported")
    assert refused is not True, "refusal expected"
    assert isinstance(result, gio.ImportResult) and result.added >= 0 and result.skipped >= 0
    assert len(store.snapshot()["observation"]) - len(before["observation"]) == result.added
    assert_all_observations_valid(store)
    return result


json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), huge_ints, st.floats(), weird_text,
    st.sampled_from(["belysning", "vegetation", "4", "3.0", "2019-10-15T18:42:00+02:00", "closed",
                     WALK, ACTIVITY, UUID, UUID.upper(), "", "new", "=1+1"]))
json_values = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(weird_text, inner, max_size=3), max_leaves=8)
near = st.floats(-0.01, 0.01)
coordinate = st.one_of(st.floats(), st.integers(), huge_ints, weird_text, st.none(), st.booleans(),
                       st.sampled_from([12.9, 56.66, 6_280_000.0, 370_000.0]))
good_point = st.builds(lambda dx, dy: [ANDERSBERG[0] + dx, ANDERSBERG[1] + dy], near, near)
geometries = mostly(
    st.builds(lambda c: {"type": "Point", "coordinates": c}, good_point),
    st.one_of(st.builds(lambda kind, c: {"type": kind, "coordinates": c},
                        st.sampled_from(["Point", "LineString", "point", "Polygon"]) | weird_text,
                        st.lists(coordinate, max_size=4) | json_values),
              json_values))
TIMES = ["2019-10-15T18:42:00+02:00", "2019-10-15T16:42:00Z", "2019-10-15T16:42:00.123456+00:00"]
GOOD_FIELDS = {
    "category": st.sampled_from(["belysning", "vegetation"]),
    "observed_at": st.sampled_from(TIMES),
    "feeling": st.integers(1, 5) | st.sampled_from(["4", "2.0", 3.0]),
    "description": plain_text,
    "uuid": st.none() | st.uuids().map(str),
    "walk": st.sampled_from([WALK, "", None]),
    "activity": st.sampled_from([ACTIVITY, "", None]),
    "status": st.sampled_from(["new", "assessed", ""]),
    "status_reason": st.sampled_from(["", "Åtgärdat"]),
}
prop_keys = st.sampled_from(list(gio.FIELDS) + ["district", "lat", "lon"]) | weird_text
properties = mostly(
    st.builds(lambda p, extra: {**extra, **p}, form(GOOD_FIELDS, dict.fromkeys(GOOD_FIELDS, json_values)),
              st.dictionaries(weird_text, json_values, max_size=2)),
    st.dictionaries(prop_keys, json_values, max_size=8) | json_values)
features = mostly(
    st.builds(lambda g, p: {"type": "Feature", "geometry": g, "properties": p}, geometries, properties),
    st.builds(lambda t, g, p: {"type": t, "geometry": g, "properties": p}, json_values, geometries,
              properties) | json_values, odds=5)
crs_members = st.one_of(
    st.just({}), st.just({"crs": {"type": "name", "properties": {"name": "EPSG:4326"}}}),
    st.just({"crs": {"type": "name", "properties": {"name": "EPSG:3006"}}}),
    st.builds(lambda v: {"crs": v}, json_values),
)
documents = mostly(
    st.builds(lambda fs, crs: {"type": "FeatureCollection", "features": fs, **crs},
              st.lists(features, min_size=1, max_size=3), mostly(st.just({}), crs_members)),
    st.builds(lambda t, fs: {"type": t, "features": fs}, json_values, json_values) | json_values)


def json_bytes(doc: object, how: str) -> bytes:
    if how == "ascii":
        return json.dumps(doc, ensure_ascii=True).encode("ascii")
    text = json.dumps(doc, ensure_ascii=False)
    data = text.encode("utf-8", errors="surrogatepass")  # a lone surrogate: invalid UTF-8
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    if how == "truncated":
        return data[: len(data) // 2]
    if how == "huge-int":
        return data.replace(b"4", b"4" + b"7" * 5000, 1)
    if how == "deep":
        return b"[" * 100_000 + data + b"]" * 100_000
    return data


def dumpable(doc: object) -> bool:
    try:
        json.dumps(doc)
    except ValueError:  # an integer of more than 4,300 digits
        return False
    return True


@fuzz(60)
@given(doc=documents, suffix=st.sampled_from([".geojson", ".json", ".GeoJSON"]),
       how=mostly(st.sampled_from(["ascii", "utf8", "bom"]), st.sampled_from(["truncated", "huge-int", "deep"])))
@example(doc={"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {
    "type": "Point", "coordinates": list(ANDERSBERG)}, "properties": {
        "category": "belysning", "observed_at": TIMES[0], "feeling": 4, "description": "a\x01b"}}]},
    how="ascii", suffix=".geojson")
@example(doc={"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {
    "type": "Point", "coordinates": [-(10**400), 56.66]}, "properties": {}}]}, how="utf8", suffix=".json")
def test_arbitrary_geojson_is_imported_or_refused_cleanly(store, tmp_path, doc, how, suffix):
    if not dumpable(doc):
        return
    the_walk(store)
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(json_bytes(doc, how))
    check_import(store, path)


GOOD_CELLS = {
    "uuid": ["", UUID, UUID.upper()],
    "category": ["belysning", "vegetation"],
    "description": ["Mörkt", "", "rad ett\nrad två", "=1+1", "'-minus", "🚲 ÅÄÖ"],
    "observed_at": TIMES,
    "feeling": ["1", "3", "5", "3.0", " 4 ", "1e0"],
    "walk": [WALK, ""],
    "activity": [ACTIVITY, ""],
    "status": ["new", "", "assessed"],
    "status_reason": ["", "Åtgärdat"],
    "district": ["andersberg", "", "x"],
    "lat": ["56.660631", "56.66", "+56.6606"],
    "lon": ["12.90123", "12.9", "12.901"],
}
BAD_CELLS = {
    "uuid": ["not-a-uuid", "{" + UUID + "}"],
    "category": ["", "okänd", "BELYSNING"],
    "observed_at": ["2019-10-15 18:42", "", "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+14:00",
                    "2019-13-45T99:00"],
    "feeling": ["0", "6", "3.5", "-0", "99999999999999999999", "NaN", "", "fyra"],
    "walk": ["okand-vandring"],
    "activity": ["okand.1"],
    "status": ["closed", "nope", "CLOSED"],
    "lat": ["12.90123", "6280000", "NaN", "inf", "1e309", "", "56,66"],
    "lon": ["56.660631", "370000", "-inf", "", ".5"],
}


@st.composite
def csv_files(draw) -> bytes:
    columns = draw(st.permutations(list(gio.CSV_COLUMNS)))
    header = draw(mostly(st.just(columns), st.lists(st.sampled_from(columns) | weird_text, max_size=14)))
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        row = []
        for h in header:
            name = str(h).strip().lower()
            good = st.sampled_from(GOOD_CELLS.get(name, ["", "x"]))
            row.append(draw(mostly(good, st.sampled_from(BAD_CELLS.get(name, [""])) | weird_text, odds=12)))
        if draw(st.integers(0, 9)) == 0:  # a ragged row
            row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(weird_text, max_size=2))
        rows.append(row)
    delimiter = draw(mostly(st.just(","), st.sampled_from([";", "\t", "|"]), odds=6))
    newline = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    if draw(mostly(st.just(True), st.just(False))):
        out = stdio.StringIO(newline="")
        quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
        writer = csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=quoting)
        for row in [header, *rows]:
            writer.writerow(row)
        text = out.getvalue()
    else:  # joined by hand: stray quotes, delimiters and line breaks inside cells stay raw
        text = newline.join(delimiter.join(row) for row in [header, *rows])
    data = text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 9)) == 0 and data:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\x00", b"\xff", b"\xc3", b'"', b"\r"])) + data[at:]
    return data


@fuzz(60)
@given(data=csv_files())
@example(data=("\ufeffcategory,observed_at,feeling,lat,lon,description\r\n"
               "belysning,2019-10-15T18:42:00+02:00,4,56.660631,12.90123,\x07\r\n").encode("utf-8"))
def test_arbitrary_csv_is_imported_or_refused_cleanly(store, tmp_path, data):
    the_walk(store)
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    check_import(store, path)


GPKG_HEAD = b"SQLite format 3\x00" + bytes(52) + b"GPKG" + bytes(28)


@fuzz(40)
@given(data=st.binary(max_size=400) | st.builds(lambda tail: GPKG_HEAD + tail, st.binary(max_size=300)),
       suffix=st.sampled_from([".geojson", ".json", ".csv", ".gpkg", ".GPKG", ".txt", ""]))
@example(data=b"", suffix=".csv")
@example(data=GPKG_HEAD, suffix=".gpkg")
def test_arbitrary_bytes_are_refused_cleanly(store, tmp_path, data, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    check_import(store, path)


GPKG_FIELDS = {
    "category": st.sampled_from(["belysning", "vegetation"]),
    "observed_at": st.sampled_from(TIMES),
    "feeling": st.integers(1, 5),
    "description": plain_text,
}
gpkg_wild = st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.floats(), st.booleans(), weird_text,
                      st.sampled_from([date(2019, 10, 15), datetime(2019, 10, 15, 18, 42)]))


@fuzz(25)
@given(rows=st.lists(form(GPKG_FIELDS, dict.fromkeys(GPKG_FIELDS, gpkg_wild), most=2), min_size=1, max_size=3),
       points=st.lists(mostly(good_point, st.lists(st.floats(), min_size=2, max_size=2)), min_size=3, max_size=3),
       epsg=mostly(st.just(4326), st.sampled_from([3006, 3857])))
def test_arbitrary_geopackage_values_are_imported_or_refused_cleanly(store, tmp_path, rows, points, epsg):
    """A real GeoPackage whose columns hold whatever GDAL will write."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    path = tmp_path / "fuzz.gpkg"
    try:
        frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=[Point(*p) for p in points[: len(rows)]],
                                 crs="EPSG:4326")
        if epsg != 4326:
            frame = frame.to_crs(epsg=epsg)
        frame.to_file(path, layer="observations", driver="GPKG")
    except Exception:
        return
    check_import(store, path)


def geojson_of(rows: list[dict]) -> str:
    feats = []
    for row in rows:
        props = dict(row)
        lon, lat = props.pop("lon"), props.pop("lat")
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                      "properties": props})
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=True)


def csv_of(rows: list[dict]) -> str:
    out = stdio.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(gio.CSV_COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in gio.CSV_COLUMNS])
    return out.getvalue()


GOOD_ROW = {"category": "belysning", "observed_at": "2019-10-15T18:42:00+02:00", "feeling": 4,
            "description": "Mörkt", "lon": ANDERSBERG[0], "lat": ANDERSBERG[1]}
row_fields = st.sampled_from(["category", "observed_at", "feeling", "description", "uuid", "walk",
                              "activity", "status", "status_reason", "lon", "lat"])


@fuzz(40)
@given(fmt=st.sampled_from(["geojson", "csv"]), field=row_fields,
       value=json_leaf | st.sampled_from([v for vs in BAD_CELLS.values() for v in vs]), bad_first=st.booleans())
@example(fmt="csv", field="feeling", value="7", bad_first=False)
@example(fmt="geojson", field="lat", value=0.0, bad_first=True)
@example(fmt="geojson", field="lon", value=10**400, bad_first=False)
def test_one_bad_row_refuses_the_whole_file(store, tmp_path, fmt, field, value, bad_first):
    """A row refused on its own spoils a file with a good row too: nothing is saved, and the
    message names the bad row, not the good one."""
    the_walk(store)
    bad = {**GOOD_ROW, field: value}
    if fmt == "csv" and not isinstance(value, str):
        return  # a CSV cell is text
    write = geojson_of if fmt == "geojson" else csv_of
    alone = tmp_path / f"alone.{fmt}"
    try:
        alone.write_text(write([bad]), encoding="utf-8")
        gio.read_observations(alone, store.known_ids(), {w.slug: w.id for w in store.walks()})
    except (UnicodeEncodeError, ValueError):  # a lone surrogate or an unwritable number
        return
    except gio.ImportRefused as exc:
        if exc.row is None:
            return  # a file-level problem (e.g. nothing left to import)
    else:
        return  # the "bad" value happens to be a good one
    mixed = tmp_path / f"mixed.{fmt}"
    mixed.write_text(write([bad, GOOD_ROW] if bad_first else [GOOD_ROW, bad]), encoding="utf-8")
    exc = check_import(store, mixed, refused=True)
    first = 2 if fmt == "csv" else 1  # CSV lines count the header
    assert exc.row == (first if bad_first else first + 1)


# === 2. forms ==================================================================================
good_place = st.builds(lambda p, inside: capture.PinPlace(p[0], p[1], "andersberg", inside),
                       good_point, st.booleans())
places = st.one_of(
    st.none(),
    st.builds(capture.PinPlace, st.floats() | st.integers() | huge_ints, st.floats() | st.integers(),
              st.none() | st.text(max_size=5), st.booleans(), st.none() | st.floats()),
)
PIN_FORM = {
    "place": good_place, "category": st.sampled_from(["belysning", "trygg-plats"]),
    "feeling": st.integers(1, 5), "description": plain_text,
    "reported_by": st.sampled_from(["", "Kim", "Anna-Lena Ödqvist"]),
    "group": st.sampled_from(["", "boende", "ungdomar"]), "confirmed_outside": st.booleans(),
}


@fuzz(60)
@given(fields=form(PIN_FORM, {"place": places}), participant=st.booleans())
@example(fields={"place": capture.PinPlace(*ANDERSBERG, "andersberg", True), "category": ["belysning"],
                 "feeling": 3, "description": "", "reported_by": "", "group": "",
                 "confirmed_outside": False}, participant=False)
@example(fields={"place": capture.PinPlace(*ANDERSBERG, "andersberg", True), "category": "belysning",
                 "feeling": 3, "description": "tyst\x07klocka", "reported_by": "", "group": "",
                 "confirmed_outside": False}, participant=True)
def test_pin_form_saves_a_valid_pin_or_names_the_problems(store, fields, participant):
    walk = the_walk(store)
    actor = store.join_walk(CODE, "Kim") if participant else PLANNER
    categories = store.known_ids()["category"]
    before = store.snapshot()
    draft, errors = capture.pin_draft(fields["place"], walk, category=fields["category"],
                                      feeling=fields["feeling"], description=fields["description"],
                                      uuid=str(uuidlib.uuid4()), observed_at=WHEN, categories=categories,
                                      confirmed_outside=fields["confirmed_outside"],
                                      reported_by=fields["reported_by"], group=fields["group"])
    assert store.snapshot() == before
    if draft is None:
        event("form refused")
        assert errors and set(errors) <= {"place", "category", "feeling", "description"}
        for key in errors.values():
            assert_key(key)
        return
    assert not errors
    saved = attempt(store, lambda: store.add_observations([draft], actor))
    if saved is not None:
        assert saved.added == 1
        assert_valid_observation(store, store.observation(saved.ids[0]))


DRAFT_FORM = {
    "category": st.sampled_from(["belysning", "vegetation"]),
    "lon": st.floats(12.89, 12.91), "lat": st.floats(56.65, 56.67), "feeling": st.integers(1, 5),
    "description": plain_text, "observed_at": st.none() | st.datetimes(
        datetime(1900, 1, 2), datetime(2100, 12, 30), timezones=st.just(UTC)),
    "walk_id": st.none(), "activity_id": st.sampled_from([None, ACTIVITY]),
    "status": st.sampled_from(["new", "assessed", "resolved"]), "status_reason": plain_text,
    "uuid": st.none() | st.uuids().map(str), "reported_by": st.sampled_from(["", "Kim"]),
    "group": st.sampled_from(["", "boende"]),
}
A_DRAFT = {"category": "belysning", "lon": ANDERSBERG[0], "lat": ANDERSBERG[1], "feeling": 3}


@fuzz(60)
@given(fields=form(DRAFT_FORM))
@example(fields={**A_DRAFT, "activity_id": ""})
@example(fields={**A_DRAFT, "lon": "12.90123", "lat": "56.660631"})
@example(fields={**A_DRAFT, "reported_by": "Kim\x00"})
@example(fields={**A_DRAFT, "walk_id": "1"})
@example(fields={**A_DRAFT, "walk_id": []})
@example(fields={**A_DRAFT, "walk_id": 2**63})
@example(fields={**A_DRAFT, "walk_id": True})
def test_observation_drafts_are_saved_valid_or_refused(store, fields):
    """What the pin form, the importers and the demo loader hand the store."""
    the_walk(store)
    saved = attempt(store, lambda: store.add_observations([ObservationDraft(**fields)], PLANNER))
    if saved is not None:
        assert_valid_observation(store, store.observation(saved.ids[0]))


EDIT_FORM = {"category": st.sampled_from([None, "vegetation", "belysning"]), "feeling": st.none() | st.integers(1, 5),
             "description": st.none() | plain_text, "lon": st.none() | st.floats(12.89, 12.91),
             "lat": st.none() | st.floats(56.65, 56.67)}


@fuzz(60)
@given(fields=form(EDIT_FORM))
@example(fields={"category": None, "feeling": None, "description": None, "lon": "12.9", "lat": "56.66"})
@example(fields={"category": None, "feeling": None, "description": "\x1b[2J", "lon": None, "lat": None})
def test_observation_edit_saves_valid_values_or_names_the_problems(store, fields):
    obs = an_observation(store)
    done = attempt(store, lambda: store.update_observation(obs.id, PLANNER, expected_version=obs.version,
                                                           **fields))
    if done is not None:
        assert done.version == obs.version + 1
        assert_valid_observation(store, done)


geometry_dicts = mostly(
    st.one_of(st.builds(lambda c: {"type": "Point", "coordinates": c}, good_point),
              st.builds(lambda cs: {"type": "LineString", "coordinates": cs},
                        st.lists(good_point, min_size=2, max_size=4))),
    st.one_of(
        st.builds(lambda extra: {"type": "Point", "coordinates": list(ANDERSBERG), **extra},
                  st.dictionaries(weird_text, json_values, min_size=1, max_size=2)),
        st.builds(lambda kind, c: {"type": kind, "coordinates": c},
                  st.sampled_from(["Point", "LineString", "Polygon", "MultiPoint", "GeometryCollection"]),
                  st.lists(coordinate, max_size=3) | st.lists(st.lists(coordinate, max_size=3), max_size=4)
                  | st.lists(st.lists(good_point, min_size=1, max_size=5), max_size=2)),
        any_value))
MEASURE_FORM = {
    "type": st.sampled_from(["belysning_ny", "vegetation"]), "title": st.sampled_from(["Ny lampa", " Klipp häcken "]),
    "description": plain_text, "geometry": geometry_dicts,
    "responsible": st.sampled_from([r.value for r in Responsible]),
    "responsible_name": st.sampled_from(["", "HFAB", "Gatukontoret"]),
    "due": st.none() | st.dates(), "cost_sek": st.none() | st.integers(0, 10**6),
    "activity_id": st.sampled_from([None, ACTIVITY]), "observation_ids": st.just(()),
}
A_MEASURE = {"type": "belysning_ny", "title": "Ny lampa", "description": "", "responsible": "kommun",
             "responsible_name": "", "geometry": {"type": "Point", "coordinates": list(ANDERSBERG)},
             "due": None, "cost_sek": None, "activity_id": None}


@fuzz(60)
@given(fields=form(MEASURE_FORM, {"geometry": geometry_dicts}))
@example(fields={**A_MEASURE, "title": ["Ny lampa"]})
@example(fields={**A_MEASURE, "activity_id": ""})
@example(fields={**A_MEASURE, "observation_ids": ([1],)})
@example(fields={**A_MEASURE, "cost_sek": 2**31})
@example(fields={**A_MEASURE, "cost_sek": "1000"})
@example(fields={**A_MEASURE, "due": "2027-01-31"})
@example(fields={**A_MEASURE, "description": "a\x00b"})
@example(fields={**A_MEASURE, "responsible_name": "x" * 121})
@example(fields={**A_MEASURE, "geometry": {"type": "Point", "coordinates": list(ANDERSBERG), "crs": "x"}})
@example(fields={**A_MEASURE, "geometry": {"type": "Point", "coordinates": ["12.9", "56.66"]}})
def test_measure_form_saves_a_valid_measure_or_names_the_problems(store, fields):
    draft = MeasureDraft(**fields)
    known = store.known_ids()
    errors = workflow.validate_measure(draft, known["measure_type"], known["activity"])
    for key in errors.values():
        assert_key(key)
    mid = attempt(store, lambda: store.add_measure(draft, PLANNER))
    assert (mid is None) == bool(errors)
    if mid is not None:
        assert_valid_measure(store, store.measure(mid))


@fuzz(50)
@given(fields=form({**MEASURE_FORM, "status": st.sampled_from([None, "decided", "cancelled"]),
                    "comment": plain_text}))
@example(fields={**A_MEASURE, "status": "cancelled", "comment": "\x00"})
@example(fields={**A_MEASURE, "status": ["decided"], "comment": ""})
def test_measure_edit_saves_valid_values_or_names_the_problems(store, fields):
    old = a_measure(store)
    done = attempt(store, lambda: store.update_measure(old.id, PLANNER, expected_version=old.version, **fields))
    if done is not None:
        assert_valid_measure(store, done)


@fuzz(50)
@given(fields=form({"new": st.sampled_from(["assessed", "closed", "resolved", "new"]), "comment": plain_text}))
@example(fields={"new": "closed", "comment": "a\x00b"})
@example(fields={"new": "closed", "comment": None})
@example(fields={"new": {}, "comment": ""})
def test_status_change_is_made_or_refused_cleanly(store, fields):
    obs = an_observation(store)
    done = attempt(store, lambda: store.set_observation_status(obs.id, fields["new"], PLANNER,
                                                               comment=fields["comment"]))
    if done is not None:
        assert_valid_observation(store, done)
        assert_text(store.history("observation", obs.id)[-1].comment, DESCRIPTION_MAX)


JOIN_FORM = {"code": st.sampled_from([CODE, CODE.lower(), f" {CODE} "]),
             "name": st.sampled_from(["Kim", " Anna ", "Åsa-Britt"]) | plain_text,
             "group": st.sampled_from([""] + [g.value for g in Group])}


@fuzz(60)
@given(fields=form(JOIN_FORM))
@example(fields={"code": "a\x00b", "name": "Kim", "group": ""})
@example(fields={"code": "\ud800", "name": "Kim", "group": ""})
@example(fields={"code": None, "name": None, "group": ""})
@example(fields={"code": CODE, "name": "Kim", "group": "x" * 41})
@example(fields={"code": CODE, "name": "Kim", "group": "a\x00b"})
def test_join_form_adds_a_valid_participant_or_names_the_problems(store, fields):
    the_walk(store)
    actor = attempt(store, lambda: store.join_walk(fields["code"], fields["name"], fields["group"]))
    if actor is not None:
        p = store.participant(actor.participant_id)
        assert_text(p.name, 80, required=True)
        assert_text(p.group, 40)
        assert p.walk_id == the_walk(store).id


WALK_FORM = {
    "district_id": st.sampled_from(["andersberg", "vallas-ostra"]),
    "date": st.dates(date(1900, 1, 1), date(2100, 12, 31)), "start_time": st.times(),
    "meeting_point": plain_text, "groups": st.lists(st.sampled_from([g.value for g in Group])),
    "activity_id": st.sampled_from([None, "", ACTIVITY]), "leader": st.sampled_from(["Pia", " Per Persson "]),
    "title": st.none() | plain_text,
}
A_WALK = {"district_id": "andersberg", "date": date(2026, 10, 24), "start_time": time(18, 0),
          "meeting_point": "", "groups": [], "activity_id": None, "leader": "Pia", "title": None}


@fuzz(60)
@given(fields=form(WALK_FORM))
@example(fields={**A_WALK, "date": datetime(2026, 10, 24, 18, 0), "title": "x" * 70})
@example(fields={**A_WALK, "groups": None})
@example(fields={**A_WALK, "groups": [["boende"]]})
@example(fields={**A_WALK, "district_id": ["andersberg"]})
def test_walk_form_creates_a_valid_walk_or_names_the_problems(store, fields):
    walk = attempt(store, lambda: wl.create_walk(store, PLANNER, now=NOW, **fields))
    if walk is not None:
        assert len(walk.slug) <= 80 and re.fullmatch(r"[a-z0-9-]+", walk.slug)
        assert walk.district_id in store.known_ids()["district"]
        assert_text(walk.title, 200, required=True)
        assert_text(walk.leader, 120, required=True)
        assert_text(walk.meeting_point, 200)
        assert set(walk.groups) <= {g.value for g in Group}
        assert walk.starts_at.tzinfo is not None and walk.join_code


PROTOCOL_FORM = {"responsible": st.sampled_from([None, *[r.value for r in Responsible]]),
                 "priority": st.sampled_from([None, 1, 2, 3]), "due": st.none() | st.dates()}


@fuzz(60)
@given(fields=form(PROTOCOL_FORM))
@example(fields={"responsible": "kommun", "priority": 1, "due": "2027-01-31"})
@example(fields={"responsible": "kommun", "priority": 1, "due": 20270131})
def test_protocol_saves_valid_values_or_names_the_problems(store, fields):
    obs = an_observation(store)
    attempt(store, lambda: store.set_protocols(PLANNER, [ProtocolChange(obs.id, obs.version, **fields)]))
    assert_valid_observation(store, store.observation(obs.id))


USER_FORM = {"username": st.sampled_from(["anna", "Bo.Ek", " Cia "])
             | st.from_regex(r"[a-z][a-z0-9.]{0,20}", fullmatch=True),
             "role": st.sampled_from(["planner", "admin"]),
             "display_name": st.sampled_from(["", "Anna Andersson"]) | plain_text,
             "email": st.none() | st.sampled_from(["", "anna@example.org", " BO@Example.org "])
             | st.emails().map(str)}
A_USER = {"username": "anna", "role": "planner", "display_name": "", "email": None}


@fuzz(60)
@given(fields=form(USER_FORM))
@example(fields={**A_USER, "email": "x" * 250 + "@example.org"})
@example(fields={**A_USER, "email": "a\x00b@example.org"})
@example(fields={**A_USER, "email": ["anna@example.org"]})
@example(fields={**A_USER, "display_name": "x" * 121})
@example(fields={**A_USER, "display_name": None})
@example(fields={**A_USER, "username": None})
def test_user_form_adds_a_valid_user_or_names_the_problems(store, fields):
    user = attempt(store, lambda: store.add_user(SYSTEM, **fields))
    if user is not None:
        assert_text(user.username, 80, required=True)
        assert user.username == user.username.strip().lower()
        assert_text(user.display_name, 120, required=True)
        assert user.role in ("planner", "admin")
        assert user.email is None or (len(user.email) <= 254 and "@" in user.email
                                      and user.email == user.email.strip().lower())
