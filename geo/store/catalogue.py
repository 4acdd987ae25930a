"""The catalogue (municipalities, medborgarlöften, promises, activities, categories, measure
types) and the districts: copied in from the data files, read by everything else."""

from __future__ import annotations

import json

from sqlalchemy import select

from ..catalog import Catalog
from ..districts import Districts
from ..districts import parse as parse_districts
from ..model import Municipality
from .engine import StoreBase
from .rows import _dumps, _upsert
from .schema import activity, category, district, measure_type, medborgarlofte, municipality, promise, walk


class CatalogueMixin(StoreBase):
    """The catalogue and the districts (the districts kept in memory once read)."""

    def sync_catalog(self, catalog: Catalog, districts: Districts) -> None:
        """Insert or update municipalities, districts, promises, activities, categories and
        measure types from the data files, in one transaction.  Ids are stable, so rows that
        observations reference are updated in place, never deleted."""
        with self._write() as conn:
            self._lock(conn, "catalog")
            _upsert(conn, municipality, [
                {"id": m.id, "name": m.name, "kommunkod": m.kommunkod, "county": m.county}
                for m in catalog.municipalities])
            ordered = sorted(districts, key=lambda d: d.parent_id is not None)
            _upsert(conn, district, [
                {"id": d.id, "municipality_id": d.municipality_id, "name": d.name,
                 "regsokod": d.regsokod, "parent_id": d.parent_id, "area_km2": d.area_km2,
                 "centre_lon": d.centre[0], "centre_lat": d.centre[1],
                 "geojson": _dumps(d.geojson), "attribution": d.attribution}
                for d in ordered])
            _upsert(conn, medborgarlofte, [
                {"id": m.id, "municipality_id": m.municipality_id, "title": m.title,
                 "period_start": m.period_start, "period_end": m.period_end, "source": m.source}
                for m in catalog.medborgarloften])
            _upsert(conn, promise, [
                {"id": p.id, "medborgarlofte_id": p.medborgarlofte_id, "ordinal": p.ordinal,
                 "title": p.title, "text": p.text}
                for m in catalog.medborgarloften for p in m.promises])
            _upsert(conn, activity, [
                {"id": a.id, "promise_id": a.promise_id, "ordinal": a.ordinal, "text": a.text,
                 "text_en": a.text_en, "physical": a.physical}
                for a in catalog.activities()])
            for table, items in ((category, catalog.categories), (measure_type, catalog.measure_types)):
                rows = []
                for i, c in enumerate(items):
                    row = {"id": c.id, "sv": c.sv, "en": c.en, "colour": c.colour, "icon": c.icon,
                           "ordinal": i}
                    row.update({"positive": c.positive} if table is category else {"geometry": c.geometry})
                    rows.append(row)
                _upsert(conn, table, rows)
        self._districts = None

    def municipalities(self) -> list[Municipality]:
        with self._read() as conn:
            rows = conn.execute(select(municipality).order_by(municipality.c.name)).all()
        return [Municipality(r.id, r.name, r.kommunkod, r.county) for r in rows]

    def districts(self) -> Districts:
        """All districts with their boundaries (read once per Store, then kept)."""
        if self._districts is None:
            with self._read() as conn:
                rows = conn.execute(select(district).order_by(district.c.id)).all()
            self._districts = parse_districts({"features": [{
                "properties": {"id": r.id, "municipality": r.municipality_id, "name": r.name,
                               "regsokod": r.regsokod, "parent": r.parent_id,
                               "area_km2": r.area_km2, "centre": [r.centre_lon, r.centre_lat],
                               "attribution": r.attribution},
                "geometry": json.loads(r.geojson)} for r in rows]})
        return self._districts

    def forget_districts(self) -> None:
        """Read the districts again on next use (after a restore put other rows in)."""
        self._districts = None

    def known_ids(self) -> dict[str, set[str]]:
        """Ids that references may use: categories, measure types, activities, districts, walks."""
        with self._read() as conn:
            return {
                "category": set(conn.scalars(select(category.c.id))),
                "measure_type": set(conn.scalars(select(measure_type.c.id))),
                "activity": set(conn.scalars(select(activity.c.id))),
                "district": set(conn.scalars(select(district.c.id))),
                "walk": set(conn.scalars(select(walk.c.slug))),
            }
