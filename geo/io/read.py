"""Reading a file: GeoJSON, CSV or GeoPackage, checked whole before anything is saved.

Each reader yields ``(place, properties, lon, lat)`` per row or feature; :func:`read_places`
turns them into drafts (:mod:`geo.io.drafts`).  Nothing here touches the database, and
nothing evaluates file content.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ..crs import require_crs
from ..model import ObservationDraft
from .drafts import Place, draft_of
from .formats import (
    CSV_REQUIRED,
    DECIMAL,
    GPKG_APPLICATION_IDS,
    GPKG_REQUIRED,
    LAYER,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    SQLITE_MAGIC,
    SUFFIXES,
    WGS84_NAMES,
    csv_unescape,
)
from .refusals import ImportRefused, Where, show

Row = tuple[Place, dict[str, Any], float | None, float | None]


def read_observations(path: str | os.PathLike[str], known: Mapping[str, set[str]],
                      walks: Mapping[str, int], *, layer: str | None = None) -> list[ObservationDraft]:
    """Parse and check a whole file; no database access.

    ``known`` is :meth:`geo.store.Store.known_ids` (``category`` and ``activity`` are used),
    ``walks`` maps walk slug → walk id, ``layer`` the GeoPackage layer to read (needed when
    the file has more than one).  Raises :class:`ImportRefused` on the first problem.
    """
    return read_places(Path(path), known, walks, layer=layer)[0]


def read_places(path: Path, known: Mapping[str, set[str]], walks: Mapping[str, int], *,
                layer: str | None = None) -> tuple[list[ObservationDraft], list[Place]]:
    """The drafts of a file, and where in the file each came from (for later messages)."""
    fmt = _check_file(path)
    if fmt == "gpkg":
        rows = _gpkg_rows(path, layer)
    else:
        text = _read_text(path)
        rows = _geojson_rows(text, path) if fmt == "geojson" else _csv_rows(text, path)
    drafts: list[ObservationDraft] = []
    places: list[Place] = []
    seen_uuids: dict[str, int] = {}
    cats, acts = set(known.get("category", ())), set(known.get("activity", ()))
    for place, props, lon, lat in rows:
        draft = draft_of(place, props, lon, lat, cats, acts, walks)
        if draft.uuid is not None:
            if draft.uuid in seen_uuids:
                raise ImportRefused(f"io.duplicate_uuid_{place.kind}", field="uuid", value=draft.uuid,
                                    first=seen_uuids[draft.uuid], **place.where)
            seen_uuids[draft.uuid] = place.number
        drafts.append(draft)
        places.append(place)
    if not drafts:
        raise ImportRefused("io.empty", file=path.name)
    return drafts, places


def _check_file(path: Path) -> str:
    """Existence, format and size, before a single byte is read."""
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise ImportRefused("io.not_found", file=path.name) from None
    except OSError:
        raise ImportRefused("io.not_a_file", file=path.name) from None
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ImportRefused("io.unknown_format", file=path.name, suffix=show(path.suffix))
    if not path.is_file():
        raise ImportRefused("io.not_a_file", file=path.name)
    if st.st_size > MAX_IMPORT_BYTES:
        raise ImportRefused("io.too_big", file=path.name, size_mb=_mb(st.st_size),
                            max_mb=_mb(MAX_IMPORT_BYTES))
    if st.st_size == 0:
        raise ImportRefused("io.empty", file=path.name)
    return fmt


def _check_count(count: int, path: Path) -> None:
    """At most :data:`MAX_IMPORT_ROWS` rows or features, said with both numbers."""
    if count > MAX_IMPORT_ROWS:
        raise ImportRefused("io.too_many_rows", file=path.name, count=_grouped(count),
                            max=_grouped(MAX_IMPORT_ROWS))


def _grouped(n: int) -> str:
    """A count with its thousands apart, as both languages read it: 120 000."""
    return f"{n:,}".replace(",", "\u00a0")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def _read_text(path: Path) -> str:
    with path.open("rb") as fh:
        data = fh.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:  # grew since it was measured
        raise ImportRefused("io.too_big", file=path.name, size_mb=_mb(len(data)),
                            max_mb=_mb(MAX_IMPORT_BYTES))
    if b"\x00" in data:
        raise ImportRefused("io.binary", file=path.name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused("io.binary", file=path.name) from None
    if not text.strip():
        raise ImportRefused("io.empty", file=path.name)
    return text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _geojson_rows(text: str, path: Path) -> Iterator[Row]:
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ImportRefused("io.not_json", file=path.name, line=exc.lineno, column=exc.colno) from None
    except (ValueError, RecursionError):  # NaN/Infinity, 4,300-digit integers, deep nesting
        raise ImportRefused("io.not_json_value", file=path.name) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ImportRefused("io.not_collection", file=path.name)
    if "crs" in doc and doc["crs"] is not None:
        _check_geojson_crs(doc["crs"], path)
    features = doc.get("features")
    if not isinstance(features, list):
        raise ImportRefused("io.not_collection", file=path.name)
    if not features:
        raise ImportRefused("io.empty", file=path.name)
    _check_count(len(features), path)
    for number, feature in enumerate(features, start=1):
        where: Where = {"row": number, "kind": "feature"}
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ImportRefused("io.not_feature", value=feature, **where)
        geometry = feature.get("geometry")
        if geometry is None:
            raise ImportRefused("io.no_geometry", field="geometry", **where)
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            gtype = geometry.get("type") if isinstance(geometry, dict) else geometry
            raise ImportRefused("io.not_point", field="geometry", value=gtype, **where)
        coords = geometry.get("coordinates")
        if (not isinstance(coords, list) or len(coords) not in (2, 3)
                or not all(_is_number(c) for c in coords)):
            raise ImportRefused("io.bad_coordinates", field="geometry", value=coords, **where)
        props = feature.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            raise ImportRefused("io.not_properties", field="properties", value=props, **where)
        lon, lat = float(coords[0]), float(coords[1])
        _check_projected(lon, lat, "geometry", coords[:2], where)
        yield Place("feature", number, "geometry", coords[:2]), props, lon, lat


def _check_geojson_crs(crs: object, path: Path) -> None:
    name = None
    if isinstance(crs, dict):
        props = crs.get("properties")
        if isinstance(props, dict):
            name = props.get("name")
    if not isinstance(name, str) or name.strip().lower() not in WGS84_NAMES:
        raise ImportRefused("io.wrong_crs", file=path.name, field="crs",
                            value=name if isinstance(name, str) else crs)


def _is_number(value: object) -> bool:
    """A JSON number that converts to a float: not a bool, nor an integer beyond float's range."""
    return (isinstance(value, float)
            or isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**1023)


def _check_projected(lon: float, lat: float, field: str, value: object, where: Where) -> None:
    if math.isfinite(lon) and math.isfinite(lat) and (abs(lon) > 180 or abs(lat) > 90):
        raise ImportRefused("io.projected", field=field, value=value, **where)


def _csv_count(text: str) -> int:
    """The rows of a CSV text that hold something, the header row left out (a quick pass
    before the rows are checked; a broken file is left to that check)."""
    try:
        return max(0, sum(1 for record in csv.reader(io.StringIO(text, newline=""), strict=True)
                          if any(cell.strip() for cell in record)) - 1)
    except csv.Error:
        return 0


def _csv_rows(text: str, path: Path) -> Iterator[Row]:
    _check_count(_csv_count(text), path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    index: dict[str, int] = {}
    last_line = 0
    any_rows = False
    while True:
        start = last_line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            raise ImportRefused("io.bad_csv", row=start, kind="row") from None
        last_line = reader.line_num
        if not record or all(not cell.strip() for cell in record):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in record]
            if len(header) == 1 and ";" in header[0]:
                raise ImportRefused("io.semicolon", row=start, kind="row")
            for i, name in enumerate(header):
                if name in index and name:
                    raise ImportRefused("io.duplicate_column", row=start, kind="row", field=name)
                index.setdefault(name, i)
            for name in CSV_REQUIRED:
                if name not in index:
                    raise ImportRefused("io.missing_column", row=start, kind="row", field=name)
            continue
        any_rows = True
        where: Where = {"row": start, "kind": "row"}
        if len(record) != len(header):
            raise ImportRefused("io.column_count", found=len(record), expected=len(header), **where)
        props: dict[str, Any] = {name: csv_unescape(record[i]) for name, i in index.items() if name}
        lat_raw, lon_raw = props.pop("lat"), props.pop("lon")
        lat = _csv_number(lat_raw, "lat", where)
        lon = _csv_number(lon_raw, "lon", where)
        shown = {"lat": lat if lat is not None else lat_raw, "lon": lon if lon is not None else lon_raw}
        if lon is not None and lat is not None:
            _check_projected(lon, lat, "lat/lon", shown, where)
        yield Place("row", start, "lat/lon", shown), props, lon, lat
    if header is None or not any_rows:
        raise ImportRefused("io.empty", file=path.name)


def _csv_number(raw: str, field: str, where: Where) -> float | None:
    s = raw.strip()
    if not s:
        return None
    if not DECIMAL.fullmatch(s):
        raise ImportRefused("io.bad_number", field=field, value=raw, **where)
    return float(s)


def _gpkg_rows(path: Path, layer: str | None = None) -> Iterator[Row]:
    """The features of one layer: the only one, or ``layer``; a file with several layers is
    refused without ``layer``, naming them (a second layer is never silently left out)."""
    import pyogrio

    with path.open("rb") as fh:
        head = fh.read(100)
    if head[:len(SQLITE_MAGIC)] != SQLITE_MAGIC or head[68:72] not in GPKG_APPLICATION_IDS:
        raise ImportRefused("io.not_gpkg", file=path.name)
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        named = ", ".join(show(n, 40) for n in layers[:10]) + (", …" if len(layers) > 10 else "")
        if layer is not None and layer not in layers:
            raise ImportRefused("io.no_such_layer", file=path.name, layer=show(layer, 40),
                                layers=named or "–")
        if not layers:
            raise ImportRefused("io.empty", file=path.name)
        if layer is None and len(layers) > 1:
            raise ImportRefused("io.several_layers", file=path.name, layers=named,
                                count=len(layers), usual=show(LAYER))
        chosen = layer if layer is not None else layers[0]
        info = pyogrio.read_info(path, layer=chosen)
        if info.get("driver") != "GPKG":
            raise ImportRefused("io.not_gpkg", file=path.name)
        _check_count(int(info.get("features") or 0), path)
        frame = pyogrio.read_dataframe(path, layer=chosen, datetime_as_string=True)
    except ImportRefused:
        raise
    except Exception:  # noqa: BLE001 - whatever GDAL cannot read is "not a GeoPackage"
        raise ImportRefused("io.not_gpkg", file=path.name) from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
        raise ImportRefused("io.no_geometry", file=path.name, field="geometry")
    if frame.crs is None:
        raise ImportRefused("io.no_crs", file=path.name, field="geometry")
    try:
        frame = require_crs(frame, path.name)
    except Exception:  # noqa: BLE001 - a CRS pyproj cannot transform from
        raise ImportRefused("io.wrong_crs", file=path.name, field="crs",
                            value=frame.crs.to_string()) from None
    if frame.empty:
        raise ImportRefused("io.empty", file=path.name)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    names = {str(c).strip().lower(): c for c in reversed(columns)}  # first spelling wins
    for name in GPKG_REQUIRED:
        if name not in names:
            raise ImportRefused("io.missing_column", file=path.name, field=name)
    records = frame[list(names.values())].rename(
        columns={c: n for n, c in names.items()}).to_dict("records")
    for number, (geom, record) in enumerate(zip(frame.geometry, records, strict=True), start=1):
        where: Where = {"row": number, "kind": "feature"}
        if geom is None or geom.is_empty:
            raise ImportRefused("io.no_geometry", field="geometry", **where)
        if geom.geom_type != "Point":
            raise ImportRefused("io.not_point", field="geometry", value=geom.geom_type, **where)
        lon, lat = float(geom.x), float(geom.y)
        _check_projected(lon, lat, "geometry", [lon, lat], where)
        props = {k: _plain(v) for k, v in record.items()}
        yield Place("feature", number, "geometry", [lon, lat]), props, lon, lat


def _plain(value: object) -> object:
    """numpy/pandas scalars to Python; missing values to None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            return value
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
