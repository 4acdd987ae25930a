"""The interchange format's names and numbers, shared by the readers and the writers."""

from __future__ import annotations

import re
from typing import Final
from zoneinfo import ZoneInfo

MAX_IMPORT_BYTES: Final = 20 * 1024 * 1024
# Rows (CSV) or features (GeoJSON, GeoPackage) one import may hold: all of them are checked
# in memory before the write, and the write itself stays short enough (about a second on
# SQLite) that walkers saving pins meanwhile barely wait.  Split a larger file.
MAX_IMPORT_ROWS: Final = 50_000
LAYER: Final = "observations"
LOCAL_TZ: Final = ZoneInfo("Europe/Stockholm")
DECIMALS: Final = 7  # about 1 cm

FIELDS: Final = ("uuid", "category", "description", "observed_at", "feeling", "walk", "activity",
                 "status", "status_reason")
EXPORT_FIELDS: Final = FIELDS + ("district",)
CSV_COLUMNS: Final = EXPORT_FIELDS + ("lat", "lon")
CSV_REQUIRED: Final = ("category", "observed_at", "feeling", "lat", "lon")
GPKG_REQUIRED: Final = ("category", "observed_at", "feeling")
SUFFIXES: Final = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".gpkg": "gpkg"}

# Names a GeoJSON ``crs`` member may carry (RFC 7946 drops the member; old files have it).
WGS84_NAMES: Final = frozenset({
    "urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "ogc:crs84", "crs84",
    "epsg:4326", "urn:ogc:def:crs:epsg::4326", "urn:ogc:def:crs:epsg:6.6:4326",
    "http://www.opengis.net/def/crs/ogc/1.3/crs84", "http://www.opengis.net/def/crs/epsg/0/4326",
})
SQLITE_MAGIC: Final = b"SQLite format 3\x00"
GPKG_APPLICATION_IDS: Final = frozenset({b"GPKG", b"GP10", b"GP11"})  # SQLite header bytes 68–71
DECIMAL: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
INTEGER: Final = re.compile(r"[+-]?\d{1,18}")
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _formula_like(text: str) -> bool:
    rest = text.lstrip("'")
    return bool(rest) and rest[:1] in _FORMULA_START


def csv_escape(text: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula: one extra leading ``'``."""
    return "'" + text if _formula_like(text) else text


def csv_unescape(text: str) -> str:
    """The inverse of :func:`csv_escape`: exactly the apostrophe it added is removed."""
    return text[1:] if text.startswith("'") and _formula_like(text) else text
