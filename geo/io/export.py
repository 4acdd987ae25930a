"""Exporting observations: the interchange columns as GeoJSON, CSV or GeoPackage.

The file is written in a temporary folder next to the target and renamed into place, so a
failed export leaves no half-written file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from ..crs import WGS84, in_sweden
from ..model import Observation
from .formats import CSV_COLUMNS, DECIMALS, EXPORT_FIELDS, LAYER, LOCAL_TZ, SUFFIXES, csv_escape
from .refusals import ExportRefused, show

if TYPE_CHECKING:
    from ..store import Store


def _local_time(when: datetime) -> str:
    return when.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def observations_frame(observations: Iterable[Observation],
                       walks_by_id: Mapping[int, str]) -> gpd.GeoDataFrame:
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


def export_file(store: Store, path: str | os.PathLike[str], *, district: str | None = None,
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
            tmp.write_text(geojson_text(frame), encoding="utf-8", newline="\n")
        elif fmt == "csv":
            tmp.write_text(csv_text(frame), encoding="utf-8-sig", newline="")
        else:
            write_gpkg(frame, tmp)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return len(frame)


def _rows(frame: gpd.GeoDataFrame) -> Iterator[tuple[dict[str, Any], float, float]]:
    records = frame[list(EXPORT_FIELDS)].to_dict("records")
    for record, geom in zip(records, frame.geometry, strict=True):
        props = {k: (int(v) if k == "feeling" else str(v)) for k, v in record.items()}
        yield props, float(geom.x), float(geom.y)


def geojson_text(frame: gpd.GeoDataFrame) -> str:
    """The frame as a GeoJSON FeatureCollection, one feature per line, RFC 7946 [lon, lat]."""
    features = [
        json.dumps({"type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": props}, ensure_ascii=False, allow_nan=False)
        for props, lon, lat in _rows(frame)]
    body = ",\n".join(features)
    return ('{"type": "FeatureCollection", "features": [\n' + body
            + ("\n" if features else "") + "]}\n")


def csv_text(frame: gpd.GeoDataFrame) -> str:
    """The frame as CSV: :data:`CSV_COLUMNS`, formula-like cells escaped."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for props, lon, lat in _rows(frame):
        cells = [str(props[k]) if k == "feeling" else csv_escape(props[k]) for k in EXPORT_FIELDS]
        writer.writerow(cells + [repr(lat), repr(lon)])  # the columns' order: lat, lon
    return out.getvalue()


def write_gpkg(frame: gpd.GeoDataFrame, tmp: Path) -> None:
    """The frame as a GeoPackage layer :data:`LAYER`."""
    import pyogrio

    pyogrio.write_dataframe(frame, tmp, layer=LAYER, driver="GPKG", geometry_type="Point")
