"""Import and export of observations: GeoJSON, CSV and GeoPackage — validated, all or nothing.

The interchange format
======================

One observation per point feature (GeoJSON, GeoPackage) or per row (CSV).  Coordinates are
WGS 84 longitude/latitude (EPSG:4326).

Columns / properties (the same names in every format, in this order on export):

=============== ============================================================================
``uuid``        optional on import; kept, so re-importing an export adds nothing (any
                standard UUID spelling; stored in canonical lower-case form).
``category``    required; a category id such as ``belysning``.
``description`` free text, at most 2,000 characters (no control characters other than tab
                and line breaks).
``observed_at`` required; ISO 8601 date and time WITH an offset, e.g.
                ``2019-10-15T18:42:00+02:00`` (``Z`` is accepted).  No offset → refused.
                Exports write Europe/Stockholm local time with its offset.
``feeling``     required; a whole number 1–5 (1 = safe, 5 = very unsafe).
``walk``        the walk's slug, or empty.
``activity``    a promise activity id such as ``halmstad-2019.1.6``, or empty.
``status``      an observation status id (``new``, ``assessed``, ``measure_planned``,
                ``in_progress``, ``resolved``, ``verified``, ``closed``); empty = ``new``.
``status_reason`` required when ``status`` is ``closed``.
``district``    export only, informative (the district the store placed the point in);
                ignored on import: the store places every point itself.
=============== ============================================================================

Unknown extra columns/properties are ignored.

**GeoJSON** (``.geojson``, ``.json``): a ``FeatureCollection`` of ``Point`` features in RFC 7946
order ``[lon, lat]``.  A ``crs`` member, if present, must name CRS84 or EPSG:4326; any other
system is refused, as are coordinates that are clearly projected metres (|x| > 180 or
|y| > 90, e.g. SWEREF 99 TM).  Exports have no ``crs`` member and one feature per line.

**CSV** (``.csv``): UTF-8 (a byte-order mark is tolerated on import and written on export, so
that Excel shows å, ä, ö), comma-separated, a header row, the columns above plus ``lat`` and
``lon`` with a decimal point.  Required columns: ``category``, ``observed_at``, ``feeling``,
``lat``, ``lon``.  Line numbers in messages count the header as line 1.  To keep spreadsheet
programs from running formulas, a text cell that (after any leading apostrophes) starts with
``=``, ``+``, ``-``, ``@``, tab or carriage return is written with one extra leading ``'``;
import removes exactly that apostrophe, so the round trip is exact.

**GeoPackage** (``.gpkg``): one layer ``observations`` (a file with a single layer of
another name is read too), Point geometry, the columns above.  A layer in another known CRS
(e.g. SWEREF 99 TM, EPSG:3006) is transformed to EPSG:4326; a layer without a CRS is refused.
Exports are EPSG:4326 with ``observed_at`` as text.

Exports write coordinates rounded to 7 decimals (about 1 cm).  Export, import into an empty
store and export again gives an identical GeoJSON or CSV file and the same GeoPackage rows.

Refusals
========

:func:`read_observations` checks the whole file and raises :class:`ImportRefused` on the
first problem, naming the CSV line (``Rad 4``) or the 1-based feature (``Objekt 2``), the
field and the value, e.g. ``Rad 4, fältet 'feeling': värdet 7 – ska vara ett heltal från 1
(tryggt) till 5 (mycket otryggt)``.  The rules for the values themselves are
:func:`geo.workflow.validate_observation`, the same as for the pin form.  :func:`import_file`
then saves every row in one transaction (or none).  Nothing here evaluates file content.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import reprlib
import shutil
import tempfile
import uuid as uuidlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd

from .crs import WGS84, in_sweden, require_crs
from .errors import Refused
from .i18n import t
from .model import DESCRIPTION_MAX, Observation, ObservationDraft, ObservationStatus
from .workflow import CONTROL_CHARS, validate_observation

__all__ = [
    "ImportRefused", "ExportRefused", "ImportResult", "MAX_IMPORT_BYTES", "FIELDS",
    "EXPORT_FIELDS", "CSV_COLUMNS", "read_observations", "import_file", "export_file",
    "observations_frame",
]

MAX_IMPORT_BYTES = 20 * 1024 * 1024
LAYER = "observations"
LOCAL_TZ = ZoneInfo("Europe/Stockholm")
DECIMALS = 7

FIELDS = ("uuid", "category", "description", "observed_at", "feeling", "walk", "activity",
          "status", "status_reason")
EXPORT_FIELDS = FIELDS + ("district",)
CSV_COLUMNS = EXPORT_FIELDS + ("lat", "lon")
CSV_REQUIRED = ("category", "observed_at", "feeling", "lat", "lon")
GPKG_REQUIRED = ("category", "observed_at", "feeling")
SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".gpkg": "gpkg"}

# Names a GeoJSON ``crs`` member may carry (RFC 7946 drops the member; old files have it).
WGS84_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "ogc:crs84", "crs84",
    "epsg:4326", "urn:ogc:def:crs:epsg::4326", "urn:ogc:def:crs:epsg:6.6:4326",
    "http://www.opengis.net/def/crs/ogc/1.3/crs84", "http://www.opengis.net/def/crs/epsg/0/4326",
}
SQLITE_MAGIC = b"SQLite format 3\x00"
GPKG_APPLICATION_IDS = {b"GPKG", b"GP10", b"GP11"}  # SQLite header bytes 68–71
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d{1,18}")
_BAD_CHARS = CONTROL_CHARS  # the same characters the forms refuse
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MISSING = object()

# In which order the fields of one row are judged ("the first problem").
_ORDER = ("location", "uuid", "category", "description", "observed_at", "feeling", "walk",
          "activity", "status", "status_reason")


# --- refusals -----------------------------------------------------------------------------
_repr = reprlib.Repr()
_repr.maxlevel, _repr.maxdict, _repr.maxlist, _repr.maxtuple = 2, 4, 4, 4
_repr.maxstring, _repr.maxother, _repr.maxlong = 60, 60, 40


def show(value: object, limit: int = 60) -> str:
    """``value`` as a message shows it: repr-like quoting, at most about ``limit`` characters."""
    try:
        text = repr(value[: limit + 1]) if isinstance(value, str) else _repr.repr(value)
    except Exception:  # noqa: BLE001 - a message must never fail because of the value
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Refusal(Refused):
    """Shared by :class:`ImportRefused` and :class:`ExportRefused`: one problem, where it is."""

    row: int | None
    field: str | None
    value: object
    has_value: bool
    kind: str | None
    file: str | None

    def __init__(self, key: str, *, row: int | None = None, field: str | None = None,
                 value: object = _MISSING, kind: str | None = None, file: str | None = None,
                 **values: Any) -> None:
        super().__init__(key, **values)
        self.row, self.field, self.kind, self.file = row, field, kind, file
        self.has_value = value is not _MISSING
        self.value = value if self.has_value else None

    def reasons(self, lang: str | None = None) -> list[str]:
        return [self.message(lang)]

    def message(self, lang: str | None = None) -> str:
        """The whole problem in words, e.g. "Rad 4, fältet 'feeling': värdet 7 – ska vara …"."""
        head = []
        if self.row is not None:
            head.append(t("io.feature" if self.kind == "feature" else "io.row", lang, row=self.row))
        elif self.file is not None:
            head.append(t("io.file", lang, file=show(self.file)))
        if self.field is not None:
            head.append(t("io.field", lang, field=self.field))
        text = ", ".join(head)
        if self.has_value:
            value = t("io.value", lang, value=show(self.value))
            text = f"{text}: {value}" if text else value
        reason = t(self.key, lang, **self.values)
        text = f"{text} – {reason}" if text else reason
        return text[:1].upper() + text[1:]

    def __str__(self) -> str:
        try:
            return self.message()
        except Exception:  # noqa: BLE001 - str() of an error must not raise
            return f"{self.key} row={self.row} field={self.field}"


class ImportRefused(_Refusal):
    """A file was refused: one problem, naming the row (CSV line, header = 1; ``kind ==
    "row"``) or the feature (1-based; ``kind == "feature"``), the field and the value.
    ``key`` is a string-catalogue key and ``values`` its template fields; ``file`` names the
    file when the problem is the file as a whole (then ``row`` is None)."""


class ExportRefused(_Refusal):
    """An export could not be made (unknown district or walk, unknown format, no folder)."""


@dataclass(frozen=True)
class ImportResult:
    added: int
    skipped: int


@dataclass(frozen=True)
class _Place:
    """Where a draft came from, for messages."""
    kind: str  # "row" (CSV) or "feature"
    number: int
    location_field: str  # "lat/lon" or "geometry"
    location_value: object


# --- reading ------------------------------------------------------------------------------
def read_observations(path: str | os.PathLike, known: dict[str, set[str]],
                      walks: dict[str, int]) -> list[ObservationDraft]:
    """Parse and check a whole file; no database access.

    ``known`` is :meth:`geo.store.Store.known_ids` (``category`` and ``activity`` are used),
    ``walks`` maps walk slug → walk id.  Raises :class:`ImportRefused` on the first problem.
    """
    return _read(Path(path), known, walks)[0]


def _read(path: Path, known: dict[str, set[str]], walks: dict[str, int]
          ) -> tuple[list[ObservationDraft], list[_Place]]:
    fmt = _check_file(path)
    if fmt == "gpkg":
        rows = _gpkg_rows(path)
    else:
        text = _read_text(path)
        rows = _geojson_rows(text, path) if fmt == "geojson" else _csv_rows(text, path)
    drafts: list[ObservationDraft] = []
    places: list[_Place] = []
    seen_uuids: dict[str, int] = {}
    cats, acts = set(known.get("category", ())), set(known.get("activity", ()))
    for place, props, lon, lat in rows:
        draft = _draft(place, props, lon, lat, cats, acts, walks)
        if draft.uuid is not None:
            if draft.uuid in seen_uuids:
                raise ImportRefused(f"io.duplicate_uuid_{place.kind}", row=place.number,
                                    field="uuid", value=draft.uuid, kind=place.kind,
                                    first=seen_uuids[draft.uuid])
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


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _geojson_rows(text: str, path: Path):
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
    for number, feature in enumerate(features, start=1):
        where = dict(row=number, kind="feature")
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
        yield _Place("feature", number, "geometry", coords[:2]), props, lon, lat


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


def _check_projected(lon: float, lat: float, field: str, value: object, where: dict) -> None:
    if math.isfinite(lon) and math.isfinite(lat) and (abs(lon) > 180 or abs(lat) > 90):
        raise ImportRefused("io.projected", field=field, value=value, **where)


def _csv_rows(text: str, path: Path):
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
        where = dict(row=start, kind="row")
        if len(record) != len(header):
            raise ImportRefused("io.column_count", found=len(record), expected=len(header), **where)
        props = {name: _csv_unescape(record[i]) for name, i in index.items() if name}
        lat_raw, lon_raw = props.pop("lat"), props.pop("lon")
        lat = _csv_number(lat_raw, "lat", where)
        lon = _csv_number(lon_raw, "lon", where)
        shown = {"lat": lat if lat is not None else lat_raw, "lon": lon if lon is not None else lon_raw}
        if lon is not None and lat is not None:
            _check_projected(lon, lat, "lat/lon", shown, where)
        yield _Place("row", start, "lat/lon", shown), props, lon, lat
    if header is None or not any_rows:
        raise ImportRefused("io.empty", file=path.name)


def _csv_number(raw: str, field: str, where: dict) -> float | None:
    s = raw.strip()
    if not s:
        return None
    if not _DECIMAL.fullmatch(s):
        raise ImportRefused("io.bad_number", field=field, value=raw, **where)
    return float(s)


def _csv_escape(text: str) -> str:
    return "'" + text if text.lstrip("'")[:1] in _FORMULA_START and text.lstrip("'") else text


def _csv_unescape(text: str) -> str:
    if text.startswith("'") and text.lstrip("'")[:1] in _FORMULA_START and text.lstrip("'"):
        return text[1:]
    return text


def _gpkg_rows(path: Path):
    import pyogrio

    with path.open("rb") as fh:
        head = fh.read(100)
    if head[:len(SQLITE_MAGIC)] != SQLITE_MAGIC or head[68:72] not in GPKG_APPLICATION_IDS:
        raise ImportRefused("io.not_gpkg", file=path.name)
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        layer = LAYER if LAYER in layers else (layers[0] if len(layers) == 1 else None)
        if layer is None:
            raise ImportRefused("io.wrong_layer", file=path.name,
                                layers=", ".join(show(n, 40) for n in layers[:10]) or "–")
        if pyogrio.read_info(path, layer=layer).get("driver") != "GPKG":
            raise ImportRefused("io.not_gpkg", file=path.name)
        frame = pyogrio.read_dataframe(path, layer=layer, datetime_as_string=True)
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
    for number, (geom, record) in enumerate(zip(frame.geometry, records), start=1):
        where = dict(row=number, kind="feature")
        if geom is None or geom.is_empty:
            raise ImportRefused("io.no_geometry", field="geometry", **where)
        if geom.geom_type != "Point":
            raise ImportRefused("io.not_point", field="geometry", value=geom.geom_type, **where)
        lon, lat = float(geom.x), float(geom.y)
        _check_projected(lon, lat, "geometry", [lon, lat], where)
        props = {k: _plain(v) for k, v in record.items()}
        yield _Place("feature", number, "geometry", [lon, lat]), props, lon, lat


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


# --- one row to one draft -----------------------------------------------------------------
def _draft(place: _Place, props: dict, lon: float | None, lat: float | None,
           categories: set[str], activities: set[str], walks: dict[str, int]) -> ObservationDraft:
    where = dict(row=place.number, kind=place.kind)

    def text(name: str, *, strip: bool = True) -> str:
        value = props.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ImportRefused("io.not_text", field=name, value=value, **where)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ImportRefused("io.bad_text", field=name, value=value, **where) from None
        if _BAD_CHARS.search(value):
            raise ImportRefused("io.bad_text", field=name, value=value, **where)
        return value.strip() if strip else value

    raw_uuid = text("uuid")
    uid = None
    if raw_uuid:
        try:
            uid = str(uuidlib.UUID(raw_uuid))
        except ValueError:
            raise ImportRefused("io.bad_uuid", field="uuid", value=raw_uuid, **where) from None
    category = text("category")
    description = text("description", strip=False)
    if len(description) > DESCRIPTION_MAX:
        raise ImportRefused("io.too_long", field="description", value=description,
                            length=len(description), max=DESCRIPTION_MAX, **where)
    observed_at = _time(props.get("observed_at"), where)
    feeling = _feeling(props.get("feeling"))
    slug = text("walk")
    walk_id = None
    if slug:
        walk_id = walks.get(slug)
        if walk_id is None:
            raise ImportRefused("validation.unknown_walk", field="walk", value=slug, **where)
    activity = text("activity") or None
    status = text("status") or ObservationStatus.NEW.value
    reason = text("status_reason", strip=False)

    draft = ObservationDraft(
        category=category, lon=lon, lat=lat, feeling=feeling, description=description,
        observed_at=observed_at, walk_id=walk_id, activity_id=activity, status=status,
        status_reason=reason, uuid=uid)
    errors = validate_observation(draft, categories, activities)
    if errors:
        raise _refusal(errors, draft, place, props)
    return draft


def _time(value: object, where: dict) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ImportRefused("validation.required", field="observed_at", value=value or "", **where)
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ImportRefused("io.bad_time", field="observed_at", value=value, **where) from None
    else:
        raise ImportRefused("io.bad_time", field="observed_at", value=value, **where)
    if not 1900 <= parsed.year <= 2100:  # also keeps UTC/Stockholm conversions in range
        raise ImportRefused("io.bad_time", field="observed_at", value=value, **where)
    if parsed.tzinfo is not None and parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=None)  # validate_observation calls it naive
    return parsed


def _feeling(value: object) -> object:
    """Whole numbers in any spelling become ints; anything else is left for
    :func:`validate_observation` to refuse (3.5, "high", None, lists …)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        s = value.strip()
        if _INTEGER.fullmatch(s):
            return int(s)
        if _DECIMAL.fullmatch(s):
            f = float(s)
            return int(f) if f.is_integer() else f
    return value


def _refusal(errors: dict[str, str], draft: ObservationDraft, place: _Place,
             props: dict | None = None) -> ImportRefused:
    """The first of ``validate_observation``'s (or the store's) errors, as a refusal."""
    field = next((f for f in _ORDER if f in errors), next(iter(errors)))
    key = errors[field]
    where = dict(row=place.number, kind=place.kind)
    if field == "location":
        return ImportRefused(key, field=place.location_field, value=place.location_value, **where)
    if field == "status" and key == "workflow.reason_required":
        return ImportRefused("io.reason_required", field="status_reason",
                             value=draft.status_reason, status=draft.status, **where)
    if field == "feeling" and props is not None and not isinstance(draft.feeling, int):
        return ImportRefused(key, field="feeling", value=props.get("feeling"), **where)
    attr = {"activity": "activity_id", "walk": "walk_id"}.get(field, field)
    value = getattr(draft, attr, None)
    if field == "walk":
        value = props.get("walk") if props else value
    return ImportRefused(key, field=field, value=value, **where)


# --- importing ----------------------------------------------------------------------------
def import_file(store, path: str | os.PathLike, actor, *, is_demo: bool = False) -> ImportResult:
    """Check the whole file, then save every row in one transaction — or nothing.

    Rows whose ``uuid`` is already stored are skipped (counted in ``skipped``).  Only an
    admin may import (:class:`geo.roles.Forbidden` otherwise)."""
    from .roles import Action, require
    from .store import Invalid

    require(actor, Action.IMPORT)

    known = store.known_ids()
    walks = {w.slug: w.id for w in store.walks()}
    drafts, places = _read(Path(path), known, walks)
    if is_demo:
        drafts = [replace(d, is_demo=True) for d in drafts]
    try:
        saved = store.add_observations(drafts, actor)
    except Invalid as exc:
        raise _from_store(exc, drafts, places, Path(path).name) from None
    return ImportResult(added=saved.added, skipped=len(saved.ids) - saved.added)


# --- exporting ----------------------------------------------------------------------------
def _local_time(when: datetime) -> str:
    return when.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def observations_frame(observations: Iterable[Observation],
                       walks_by_id: dict[int, str]) -> gpd.GeoDataFrame:
    """Observations as a GeoDataFrame in EPSG:4326 with the interchange columns.

    Columns: ``uuid``, ``category``, ``description``, ``observed_at`` (text, Europe/Stockholm
    local time with offset), ``feeling`` (int64), ``walk`` (slug or ""), ``activity`` (id or
    ""), ``status``, ``status_reason``, ``district`` (id or ""), ``geometry`` (Point, lon/lat
    rounded to 7 decimals).  One row per observation, in the given order.
    """
    obs = list(observations)
    data = {
        "uuid": [o.uuid for o in obs],
        "category": [o.category for o in obs],
        "description": [o.description for o in obs],
        "observed_at": [_local_time(o.observed_at) for o in obs],
        "feeling": pd.Series([int(o.feeling) for o in obs], dtype="int64"),
        "walk": [walks_by_id.get(o.walk_id, "") if o.walk_id is not None else "" for o in obs],
        "activity": [o.activity_id or "" for o in obs],
        "status": [str(o.status) for o in obs],
        "status_reason": [o.status_reason or "" for o in obs],
        "district": [o.district_id or "" for o in obs],
    }
    frame = pd.DataFrame({k: (v if isinstance(v, pd.Series) else pd.Series(v, dtype=object))
                          for k, v in data.items()})
    geometry = gpd.points_from_xy([round(o.lon, DECIMALS) for o in obs],
                                  [round(o.lat, DECIMALS) for o in obs], crs=WGS84)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)


def export_file(store, path: str | os.PathLike, *, district: str | None = None,
                walk: str | None = None,
                bbox: tuple[float, float, float, float] | None = None) -> int:
    """Write the store's observations (optionally one district with its parts, one walk by
    slug, and/or those inside ``bbox`` = west, south, east, north in WGS84) to ``path``; the
    format comes from the suffix.  Returns rows written.

    The file is written in a temporary folder next to ``path`` and renamed into place, so a
    failed export leaves no half-written file."""
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ExportRefused("io.unknown_format", file=path.name, suffix=show(path.suffix))
    if not path.parent.is_dir():
        raise ExportRefused("io.export_folder", file=path.name)
    if path.is_dir():
        raise ExportRefused("io.not_a_file", file=path.name)
    district_ids = None
    if district is not None:
        districts = store.districts()
        if districts.get(district) is None:
            raise ExportRefused("io.unknown_district", field="district", value=district)
        district_ids = districts.family(district)
    walk_id = None
    if walk is not None:
        found = store.walk_by_slug(walk)
        if found is None:
            raise ExportRefused("validation.unknown_walk", field="walk", value=walk)
        walk_id = found.id
    if bbox is not None:
        west, south, east, north = bbox
        if not (west < east and south < north and in_sweden(west, south) and in_sweden(east, north)):
            raise ExportRefused("io.bad_bbox", field="bbox", value=show(",".join(map(str, bbox))))
    observations = store.observations(district_ids=district_ids, walk_id=walk_id, bbox=bbox)
    frame = observations_frame(observations, {w.id: w.slug for w in store.walks()})

    folder = tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        tmp = Path(folder) / path.name
        if fmt == "geojson":
            tmp.write_text(_geojson_text(frame), encoding="utf-8", newline="\n")
        elif fmt == "csv":
            tmp.write_text(_csv_text(frame), encoding="utf-8-sig", newline="")
        else:
            _write_gpkg(frame, tmp)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return len(frame)


def _rows(frame: gpd.GeoDataFrame) -> Iterable[tuple[dict[str, Any], float, float]]:
    records = frame[list(EXPORT_FIELDS)].to_dict("records")
    for record, geom in zip(records, frame.geometry):
        props = {k: (int(v) if k == "feeling" else str(v)) for k, v in record.items()}
        yield props, float(geom.x), float(geom.y)


def _geojson_text(frame: gpd.GeoDataFrame) -> str:
    features = [
        json.dumps({"type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": props}, ensure_ascii=False, allow_nan=False)
        for props, lon, lat in _rows(frame)]
    body = ",\n".join(features)
    return ('{"type": "FeatureCollection", "features": [\n' + body
            + ("\n" if features else "") + "]}\n")


def _csv_text(frame: gpd.GeoDataFrame) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for props, lon, lat in _rows(frame):
        cells = [str(props[k]) if k == "feeling" else _csv_escape(props[k]) for k in EXPORT_FIELDS]
        writer.writerow(cells + [repr(lat), repr(lon)])
    return out.getvalue()


def _write_gpkg(frame: gpd.GeoDataFrame, tmp: Path) -> None:
    import pyogrio

    pyogrio.write_dataframe(frame, tmp, layer=LAYER, driver="GPKG", geometry_type="Point")


def _from_store(exc: Exception, drafts: Sequence[ObservationDraft], places: Sequence[_Place],
                file: str | None = None) -> ImportRefused:
    """A store ``Invalid(errors, index=i)`` as a refusal naming the row or feature."""
    index = getattr(exc, "values", {}).get("index")
    errors = getattr(exc, "errors", None) or {}
    if errors and isinstance(index, int) and 0 <= index < len(drafts):
        return _refusal(errors, drafts[index], places[index])
    return ImportRefused("store.invalid", file=file)
