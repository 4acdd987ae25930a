"""The GeoPackage for QGIS (pyogrio, through Arrow so that dates are GeoPackage ``DATE``
fields and missing integers stay integer fields), in SWEREF 99 TM."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..crs import SWEREF99TM, geometry_to_metric
from ..hotspots import HotSpot
from ..i18n import STOCKHOLM, t
from ..model import Measure, Observation

if TYPE_CHECKING:
    from ..catalog import Catalog

GPKG_LAYERS = ("iakttagelser", "atgarder", "hot_spots")
SUMMARY_LAYER = "sammanfattning"  # a table without geometry: the meeting's figures



def _metric(geom: BaseGeometry) -> BaseGeometry:
    """WGS84 → EPSG:3006, rounded to the centimetre."""
    return shapely.set_precision(geometry_to_metric(geom), 0.01)


class _Types:
    """The Arrow types of the fields (pyarrow is imported when a file is written)."""

    def __init__(self) -> None:
        import pyarrow as pa  # type: ignore[import-untyped]

        self.text, self.int, self.real, self.bool = pa.string(), pa.int64(), pa.float64(), pa.bool_()
        self.date, self.time = pa.date32(), pa.timestamp("ms", tz="UTC")


def _columns(columns: Mapping[str, tuple[Any, list[Any]]]) -> dict[str, Any]:
    """Arrow-backed pandas columns: dates stay dates, missing integers stay integers."""
    import pandas as pd
    import pyarrow as pa

    return {k: pd.Series(pa.array(v, type=typ), dtype=pd.ArrowDtype(typ)) for k, (typ, v) in columns.items()}


def _frame(columns: Mapping[str, tuple[Any, list[Any]]], geoms: list[BaseGeometry]) -> Any:
    import geopandas as gpd

    return gpd.GeoDataFrame(_columns(columns), geometry=gpd.GeoSeries(geoms, crs=SWEREF99TM), crs=SWEREF99TM)


def _observations(obs: Sequence[Observation], catalog: Catalog, lang: str, acts: Mapping[str, str],
                  marks: Mapping[str, set[int]], ty: _Types) -> Any:
    cats = {c.id: c for c in catalog.categories}

    def local(o: Observation) -> datetime:
        return o.observed_at.astimezone(STOCKHOLM)

    return _frame({
        "id": (ty.int, [o.id for o in obs]),
        "uuid": (ty.text, [o.uuid for o in obs]),
        "kategori": (ty.text, [o.category for o in obs]),
        "kategori_namn": (ty.text, [cats[o.category].label(lang) if o.category in cats else o.category
                              for o in obs]),
        "positiv": (ty.bool, [bool(o.category in cats and cats[o.category].positive) for o in obs]),
        "beskrivning": (ty.text, [o.description or "" for o in obs]),
        "otrygghet": (ty.int, [int(o.feeling) for o in obs]),
        "observerad": (ty.time, [o.observed_at.astimezone(UTC) for o in obs]),
        "datum": (ty.date, [local(o).date() for o in obs]),
        "lokal_tid": (ty.text, [local(o).strftime("%Y-%m-%d %H:%M") for o in obs]),
        "status": (ty.text, [str(o.status) for o in obs]),
        "status_namn": (ty.text, [t(f"status.observation.{o.status}", lang) for o in obs]),
        "status_skal": (ty.text, [o.status_reason or "" for o in obs]),
        "omrade": (ty.text, [o.district_id or "" for o in obs]),
        "aktivitet": (ty.text, [o.activity_id or "" for o in obs]),
        "aktivitet_namn": (ty.text, [acts.get(o.activity_id, o.activity_id) if o.activity_id else "" for o in obs]),
        "vandring_id": (ty.int, [o.walk_id for o in obs]),
        "demo": (ty.bool, [bool(o.is_demo) for o in obs]),
        **{name: (ty.bool, [o.id in ids for o in obs]) for name, ids in marks.items()},
    }, [_metric(shapely.Point(o.lon, o.lat)) for o in obs])


_KIND = {"Point": "point", "MultiPoint": "point", "LineString": "line",
         "MultiLineString": "line", "Polygon": "area", "MultiPolygon": "area"}


def _measures(ms: Sequence[Measure], catalog: Catalog, lang: str, acts: Mapping[str, str],
              marks: Mapping[str, set[int]], ty: _Types) -> Any:
    mtypes = {c.id: c for c in catalog.measure_types}
    mg = [_metric(shape(m.geometry)) for m in ms]
    return _frame({
        "id": (ty.int, [m.id for m in ms]),
        "typ": (ty.text, [m.type for m in ms]),
        "typ_namn": (ty.text, [mtypes[m.type].label(lang) if m.type in mtypes else m.type for m in ms]),
        "rubrik": (ty.text, [m.title for m in ms]),
        "beskrivning": (ty.text, [m.description or "" for m in ms]),
        "status": (ty.text, [str(m.status) for m in ms]),
        "status_namn": (ty.text, [t(f"status.measure.{m.status}", lang) for m in ms]),
        "status_skal": (ty.text, [m.status_reason or "" for m in ms]),
        "ansvarig": (ty.text, [str(m.responsible) for m in ms]),
        "ansvarig_namn": (ty.text, [t(f"responsible.{m.responsible}", lang) for m in ms]),
        "vem": (ty.text, [m.responsible_name or "" for m in ms]),
        "klart_senast": (ty.date, [m.due for m in ms]),
        "kostnad_kr": (ty.int, [None if m.cost_sek is None else int(m.cost_sek) for m in ms]),
        "iakttagelser": (ty.text, [", ".join(str(i) for i in m.observation_ids) for m in ms]),
        "antal_iakttagelser": (ty.int, [len(m.observation_ids) for m in ms]),
        "aktivitet": (ty.text, [m.activity_id or "" for m in ms]),
        "aktivitet_namn": (ty.text, [acts.get(m.activity_id, m.activity_id) if m.activity_id else "" for m in ms]),
        "omrade": (ty.text, [m.district_id or "" for m in ms]),
        "geometri": (ty.text, [t(f"report.gpkg.{_KIND.get(g.geom_type, 'area')}", lang) for g in mg]),
        "langd_m": (ty.real, [round(g.length, 2) if _KIND.get(g.geom_type) == "line" else None for g in mg]),
        "yta_m2": (ty.real, [round(g.area, 2) if _KIND.get(g.geom_type) == "area" else None for g in mg]),
        "demo": (ty.bool, [bool(m.is_demo) for m in ms]),
        **{name: (ty.bool, [m.id in ids for m in ms]) for name, ids in marks.items()},
    }, mg)


def _spots(sp: Sequence[HotSpot], catalog: Catalog, lang: str, ty: _Types) -> Any:
    cats = {c.id: c for c in catalog.categories}

    def main(s: HotSpot) -> str:
        return ", ".join(f"{cats[c].label(lang) if c in cats else c} ({n})" for c, n in s.main_categories)

    return _frame({
        "id": (ty.int, [s.id for s in sp]),
        "antal": (ty.int, [s.count for s in sp]),
        "huvudkategorier": (ty.text, [main(s) for s in sp]),
        "otrygghet_snitt": (ty.real, [round(float(s.mean_feeling), 3) for s in sp]),
        "andel_atgardade": (ty.real, [round(float(s.resolved_share), 4) for s in sp]),
        "yta_m2": (ty.real, [round(float(s.area_m2), 1) for s in sp]),
        "iakttagelser": (ty.text, [", ".join(str(i) for i in s.observation_ids) for s in sp]),
        "omraden": (ty.text, [", ".join(s.district_ids) for s in sp]),
    }, [_metric(shape(s.area)) for s in sp])


def _checked_path(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise ValueError(f"path: a GeoPackage needs the suffix .gpkg, got {path.name!r}")
    if not path.parent.is_dir():
        raise ValueError(f"path: the folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise ValueError(f"path: {str(path)!r} is a folder")
    return path


def followup_gpkg(path: str | os.PathLike[str], observations: Sequence[Observation],
                  measures: Sequence[Measure], spots: Sequence[HotSpot], catalog: Catalog,
                  lang: str = "sv", *, marks: Mapping[str, Iterable[int]] | None = None,
                  measure_marks: Mapping[str, Iterable[int]] | None = None,
                  summary: Sequence[tuple[str, str, int]] = ()) -> dict[str, int]:
    """Write a GeoPackage for QGIS with three layers; return the rows written per layer.

    The CRS is **SWEREF 99 TM (EPSG:3006)**, coordinates rounded to the centimetre: it is
    what Swedish municipalities' GIS and Lantmäteriet's maps use, so the layers sit on the
    municipality's own data without reprojection and QGIS measures lengths and areas in
    metres.  (The re-importable interchange export, :func:`geo.io.export_file`, stays in
    EPSG:4326.)  Field names are Swedish without å/ä/ö; codes stand next to their labels in
    ``lang`` (``status`` / ``status_namn``).

    ``iakttagelser`` (Point): ``id`` int, ``uuid``, ``kategori``, ``kategori_namn``,
    ``positiv`` bool, ``beskrivning``, ``otrygghet`` int (1–5), ``observerad`` datetime
    (UTC, as GeoPackage stores time), ``datum`` date (Swedish local date), ``lokal_tid``
    text (``2019-10-15 18:42``), ``status``, ``status_namn``, ``status_skal``, ``omrade``,
    ``aktivitet``, ``aktivitet_namn`` ("1.6 Trygghetsvandringar …"), ``vandring_id`` int
    (empty when none), ``demo`` bool; then one bool field per entry of ``marks`` (field
    name → the ids that are true), e.g. ``ny_sedan_motet``, so that QGIS counts what the
    meeting counts ("ny_sedan_motet" = true).

    ``atgarder`` (geometry type GEOMETRY: points, lines and areas in one layer; QGIS offers
    them as one sublayer per type): ``id`` int, ``typ``, ``typ_namn``, ``rubrik``,
    ``beskrivning``, ``status``, ``status_namn``, ``status_skal``, ``ansvarig``,
    ``ansvarig_namn``, ``vem``, ``klart_senast`` date, ``kostnad_kr`` int (empty when
    unknown), ``iakttagelser`` text (``"12, 15"``), ``antal_iakttagelser`` int,
    ``aktivitet``, ``aktivitet_namn``, ``omrade``, ``geometri`` (punkt/linje/yta),
    ``langd_m`` and ``yta_m2`` real (empty when they do not apply), ``demo`` bool; then one
    bool field per entry of ``measure_marks``.

    ``hot_spots`` (Polygon): ``id`` int, ``antal`` int, ``huvudkategorier`` text
    (``"Belysning (5), Vegetation och skymd sikt (3)"``), ``otrygghet_snitt`` real,
    ``andel_atgardade`` real (0–1), ``yta_m2`` real, ``iakttagelser`` text, ``omraden`` text.

    ``sammanfattning`` (:data:`SUMMARY_LAYER`, a table without geometry, written only when
    ``summary`` is given): ``nyckel``, ``namn``, ``antal`` int — one row per
    ``(key, label, value)``, the meeting's figures.

    All or nothing: the file is written in a temporary folder next to ``path`` and renamed
    into place, so a failure leaves any earlier file untouched and no half-written one.
    """
    import pandas as pd
    import pyogrio

    from ..progress import activity_labels

    path = _checked_path(path)
    ty = _Types()
    acts = activity_labels(catalog, lang, width=250)
    layers = (
        (GPKG_LAYERS[0], _observations(list(observations), catalog, lang, acts,
                                       {name: set(ids) for name, ids in (marks or {}).items()}, ty), "Point"),
        (GPKG_LAYERS[1], _measures(list(measures), catalog, lang, acts,
                                   {name: set(ids) for name, ids in (measure_marks or {}).items()}, ty), "Unknown"),
        (GPKG_LAYERS[2], _spots(list(spots), catalog, lang, ty), "Polygon"))
    folder = tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        tmp = Path(folder) / path.name
        for layer, df, gtype in layers:
            pyogrio.write_dataframe(df, tmp, layer=layer, driver="GPKG", use_arrow=True,
                                    geometry_type=gtype, promote_to_multi=False)
        if summary:
            rows = list(summary)
            table = pd.DataFrame(_columns({
                "nyckel": (ty.text, [str(r[0]) for r in rows]), "namn": (ty.text, [str(r[1]) for r in rows]),
                "antal": (ty.int, [int(r[2]) for r in rows])}))
            pyogrio.write_dataframe(table, tmp, layer=SUMMARY_LAYER, driver="GPKG", use_arrow=True)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    written = {layer: len(df) for layer, df, _ in layers}
    if summary:
        written[SUMMARY_LAYER] = len(summary)
    return written
