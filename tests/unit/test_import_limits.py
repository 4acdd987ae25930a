"""Imports within limits: a row cap, a second GeoPackage layer never silently left out, a
short write (everything checked and prepared before it), and refusals that show a value as
the person wrote it (a spreadsheet's date, never Python's ``datetime.datetime(…)``)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point
from sqlalchemy import event

from geo import io as gio
from geo.__main__ import main
from geo.io import read as gread
from geo.io.drafts import Place, draft_of
from geo.io.formats import MAX_IMPORT_ROWS
from geo.model import SYSTEM, ObservationDraft
from geo.store import Invalid

ANDERSBERG = (12.90123, 56.660631)
KNOWN = {"category": {"belysning"}, "activity": set()}
PYTHON_SPELLING = ("datetime.", "Timestamp(", "<class", "Decimal(", "np.", "numpy", "object at 0x",
                   "None", "True", "False", "nan)")


def features(n: int, **props) -> dict:
    return {"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [ANDERSBERG[0] + (i % 100) * 1e-5,
                                                                        ANDERSBERG[1]]},
        "properties": {"category": "belysning", "feeling": 3, "observed_at": "2019-10-15T18:42:00+02:00",
                       **props}} for i in range(n)]}


def csv_text(n: int) -> str:
    rows = [f"belysning,2019-10-15T18:42:00+02:00,3,{ANDERSBERG[1]},{ANDERSBERG[0] + i * 1e-6:.7f}"
            for i in range(n)]
    return "\n".join(["category,observed_at,feeling,lat,lon", *rows]) + "\n"


def layered(path: Path, *layers: str, rows: int = 2) -> Path:
    for layer in layers:
        frame = gpd.GeoDataFrame({"category": ["belysning"] * rows, "feeling": [3] * rows,
                                  "observed_at": ["2019-10-15T18:42:00+02:00"] * rows},
                                 geometry=[Point(*ANDERSBERG)] * rows, crs="EPSG:4326")
        frame.to_file(path, layer=layer, driver="GPKG")
    return path


# --- the row cap ------------------------------------------------------------------------------
def test_a_file_over_the_row_cap_is_refused_naming_its_rows_and_the_cap(tmp_path):
    assert MAX_IMPORT_ROWS == 50_000
    path = tmp_path / "stor.csv"
    path.write_text(csv_text(MAX_IMPORT_ROWS + 7), encoding="utf-8")
    with pytest.raises(gio.ImportRefused) as e:
        gio.read_observations(path, KNOWN, {})
    assert e.value.key == "io.too_many_rows"
    sv, en = e.value.message(), e.value.message("en")
    assert "50\u00a0007" in sv and "50\u00a0000" in sv and "stor.csv" in sv and "dela upp" in sv
    assert "50\u00a0007" in en and "at most 50\u00a0000" in en
    path.write_text(csv_text(3), encoding="utf-8")  # the same file, smaller, is read
    assert len(gio.read_observations(path, KNOWN, {})) == 3


@pytest.mark.parametrize("suffix", ["geojson", "csv", "gpkg"])
def test_the_row_cap_holds_for_every_format_before_rows_are_checked(tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(gread, "MAX_IMPORT_ROWS", 4)
    path = tmp_path / f"fem.{suffix}"
    if suffix == "geojson":
        doc = features(5)
        doc["features"][4]["properties"]["feeling"] = 9  # beyond the cap: the cap is said first
        path.write_text(json.dumps(doc), encoding="utf-8")
    elif suffix == "csv":
        path.write_text(csv_text(5), encoding="utf-8")
    else:
        layered(path, "observations", rows=5)
    with pytest.raises(gio.ImportRefused) as e:
        gio.read_observations(path, KNOWN, {})
    assert e.value.key == "io.too_many_rows" and e.value.values["count"] == "5"


# --- a second GeoPackage layer ----------------------------------------------------------------
def test_a_geopackage_with_two_layers_is_refused_naming_them(tmp_path):
    path = layered(tmp_path / "tva.gpkg", "observations", "atgarder")
    with pytest.raises(gio.ImportRefused) as e:
        gio.read_observations(path, KNOWN, {})
    sv, en = e.value.message(), e.value.message("en")
    assert e.value.key == "io.several_layers"
    assert "'observations'" in sv and "'atgarder'" in sv and "--layer" in sv and "2 lager" in sv
    assert "'observations'" in en and "'atgarder'" in en and "--layer" in en
    assert len(gio.read_observations(path, KNOWN, {}, layer="atgarder")) == 2
    with pytest.raises(gio.ImportRefused) as e:
        gio.read_observations(path, KNOWN, {}, layer="punkter")
    assert e.value.key == "io.no_such_layer"
    assert "'punkter'" in e.value.message() and "'atgarder'" in e.value.message()


def test_the_command_line_and_import_file_take_a_layer(store, store_url, tmp_path, monkeypatch, capsys):
    path = layered(tmp_path / "tva.gpkg", "observations", "extra")
    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("TRYGG_LANG", "sv")
    assert main(["import", str(path)]) == 1
    assert "--layer" in capsys.readouterr().err
    assert store.counts()["observation"] == 0
    assert main(["import", str(path), "--layer", "extra"]) == 0
    assert store.counts()["observation"] == 2
    assert gio.import_file(store, path, SYSTEM, layer="observations").added == 2


# --- the write is short: everything is checked and prepared before it -------------------------
def test_an_import_checks_everything_before_it_takes_the_write_lock(store):
    writes: list[bool] = []

    def began(conn):
        writes.append(bool(conn.get_execution_options().get("write")))

    event.listen(store.engine, "begin", began)
    good = [ObservationDraft(category="belysning", lon=ANDERSBERG[0], lat=ANDERSBERG[1], feeling=3,
                             observed_at=datetime(2019, 10, 15, 16, 42, tzinfo=UTC),
                             uuid=str(uuid.UUID(int=i + 1))) for i in range(300)]
    bad = [*good, ObservationDraft(category="belysning", lon=ANDERSBERG[0], lat=ANDERSBERG[1], feeling=9)]
    with pytest.raises(Invalid) as e:
        store.import_observations(bad, SYSTEM)
    assert e.value.values["index"] == 300 and True not in writes  # refused before any write began
    saved = store.import_observations(good, SYSTEM)
    assert saved.added == 300 and writes.count(True) == 1  # one write transaction
    event.remove(store.engine, "begin", began)
    again = store.import_observations(good[::-1], SYSTEM)  # idempotent by uuid
    assert again.added == 0 and again.ids == saved.ids[::-1]
    rows = store.observations(ids=saved.ids)
    assert {o.district_id for o in rows} == {"andersberg"}
    assert all(len(store.history("observation", o.id)) == 1 for o in rows[:5])
    assert store.integrity_problems() == []


# --- values as the person wrote them ------------------------------------------------------------
def refusal_for(value: object, field: str = "observed_at") -> gio.ImportRefused:
    props = {"category": "belysning", "feeling": 3, "observed_at": "2019-10-15T18:42:00+02:00", field: value}
    with pytest.raises(gio.ImportRefused) as e:
        draft_of(Place("row", 2, "lat/lon", {}), props, ANDERSBERG[0], ANDERSBERG[1], {"belysning"}, set(), {})
    return e.value


ODD_VALUES = [
    datetime(2019, 10, 15, 19, 30), pd.Timestamp("2019-10-15 19:30:00"), date(2019, 10, 15),
    np.float64(43753.8125), 43753.8125, "43753.8125", 43753, Decimal("43753.8125"), np.int64(7),
    b"\x00\x01", {"år": 2019, "dag": [1, 2]}, [2019, 10, 15], None, True, float("nan"),
    np.datetime64("2019-10-15T19:30"), object(), pd.NaT, "2019-10-15 19:30:00", (1, 2),
]


@pytest.mark.parametrize("value", ODD_VALUES, ids=[type(v).__name__ + str(i) for i, v in enumerate(ODD_VALUES)])
def test_no_refusal_shows_a_python_spelling(value):
    for field in ("observed_at", "feeling", "category", "description", "walk", "uuid"):
        try:
            e = refusal_for(value, field)
        except pytest.fail.Exception:
            continue  # accepted in this field (e.g. 7 as a feeling)
        for lang in ("sv", "en"):
            text = e.message(lang)
            assert not [w for w in PYTHON_SPELLING if w in text], text


def test_a_spreadsheet_date_is_named_as_the_person_reads_it():
    naive = refusal_for(datetime(2019, 10, 15, 19, 30))
    assert naive.message() == ("Rad 2, fältet 'observed_at': värdet 2019-10-15 19:30:00 – saknar tidszon –"
                               " skriv t.ex. 2019-10-15T19:30:00+02:00 (svensk tid)")
    assert "2019-10-15 19:30:00" in refusal_for(pd.Timestamp("2019-10-15 19:30")).message("en")
    assert "2019-10-15 19:30:00" in refusal_for("2019-10-15 19:30:00").message()
    winter = refusal_for("2019-12-15 19:30")
    assert "2019-12-15T19:30:00+01:00" in winter.message()
    for serial in (43753.8125, "43753.8125", np.float64(43753.8125)):
        e = refusal_for(serial)
        assert e.key == "io.spreadsheet_date"
        assert "43753.8125" in e.message() and "2019-10-15 19:30" in e.message()
        assert "2019-10-15T19:30:00+02:00" in e.message("en") and "spreadsheet" in e.message("en")
    assert refusal_for(7).key == "io.bad_time"  # a small number is no date at all


def test_a_csv_with_spreadsheet_dates_names_the_row_and_the_value(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("category,observed_at,feeling,lat,lon\n"
                    f"belysning,2019-10-15T18:42:00+02:00,3,{ANDERSBERG[1]},{ANDERSBERG[0]}\n"
                    f"belysning,2019-10-15 19:30:00,3,{ANDERSBERG[1]},{ANDERSBERG[0]}\n", encoding="utf-8")
    with pytest.raises(gio.ImportRefused) as e:
        gio.read_observations(path, KNOWN, {})
    assert e.value.message().startswith("Rad 3, fältet 'observed_at': värdet 2019-10-15 19:30:00 – saknar tidszon")


def test_a_geopackage_with_a_date_column_names_the_value_readably(tmp_path):
    path = tmp_path / "datum.gpkg"
    frame = gpd.GeoDataFrame({"category": ["belysning"], "feeling": [3],
                              "observed_at": [pd.Timestamp("2019-10-15 19:30:00")]},
                             geometry=[Point(*ANDERSBERG)], crs="EPSG:4326")
    frame.to_file(path, layer="observations", driver="GPKG")
    with pytest.raises(gio.ImportRefused) as e:
        gio.read_observations(path, KNOWN, {})
    text = e.value.message()
    assert text.startswith("Objekt 1, fältet 'observed_at': värdet 2019-10-15 19:30:00"), text
    assert not [w for w in PYTHON_SPELLING if w in text]


def test_a_time_far_from_now_is_still_refused_as_before():
    assert refusal_for((datetime.now(UTC) + timedelta(days=400 * 365)).isoformat()).key == "io.bad_time"
