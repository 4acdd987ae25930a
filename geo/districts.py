"""District boundaries (SCB RegSO 2025) and which district holds a point.

A district is a RegSO polygon or a union of several (``data/districts.geojson``, built by
``data/build_districts.py``).  Some districts have parts (Vallås = östra + västra); a point is
placed in the *smallest* district that holds it, and :meth:`Districts.family` gives a
district with its parts, so that "Vallås" selects what lies in either half.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from .model import District

DISTRICTS_FILE = Path(__file__).resolve().parent.parent / "data" / "districts.geojson"
ATTRIBUTION = ("Områdesgränser: SCB, Regionala statistikområden (RegSO) 2025, CC0 (bearbetning). "
               "Bakgrundskarta: © OpenStreetMap contributors.")


@dataclass(frozen=True)
class Districts:
    items: tuple[District, ...]

    _geoms: list[BaseGeometry] = field(init=False, repr=False, compare=False)
    _tree: STRtree = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        geoms = [shape(d.geojson) for d in self.items]
        object.__setattr__(self, "_geoms", geoms)
        object.__setattr__(self, "_tree", STRtree(geoms))

    def __iter__(self) -> Iterator[District]:
        return iter(self.items)

    def get(self, district_id: str) -> District | None:
        return next((d for d in self.items if d.id == district_id), None)

    def one(self, district_id: str) -> District:
        """The district with this id; KeyError when there is none."""
        if (d := self.get(district_id)) is None:
            raise KeyError(district_id)
        return d

    def geometry(self, district_id: str) -> BaseGeometry:
        for d, g in zip(self.items, self._geoms):
            if d.id == district_id:
                return g
        raise KeyError(district_id)

    def of_municipality(self, municipality_id: str) -> list[District]:
        return [d for d in self.items if d.municipality_id == municipality_id]

    def top_level(self, municipality_id: str | None = None) -> list[District]:
        return [d for d in self.items if d.parent_id is None
                and (municipality_id is None or d.municipality_id == municipality_id)]

    def family(self, district_id: str) -> list[str]:
        """The district and all its parts (ids)."""
        out = [district_id]
        for d in self.items:
            if d.parent_id in out and d.id not in out:
                out.append(d.id)
        return out

    def containing(self, lon: float, lat: float) -> list[District]:
        """Every district holding the point (boundary included), smallest first (then by id,
        as the PostGIS placement in :mod:`geo.store` orders them)."""
        pt = Point(lon, lat)
        hits = [self.items[i] for i in self._tree.query(pt, predicate="intersects")]
        return sorted(hits, key=lambda d: (d.area_km2, d.id))

    def place(self, lon: float, lat: float) -> District | None:
        """The smallest district holding the point, or None outside every district."""
        hits = self.containing(lon, lat)
        return hits[0] if hits else None


def parse(collection: dict[str, Any]) -> Districts:
    items = []
    for f in collection["features"]:
        p = f["properties"]
        items.append(District(
            id=p["id"], municipality_id=p["municipality"], name=p["name"], regsokod=p["regsokod"],
            parent_id=p.get("parent"), area_km2=float(p["area_km2"]), centre=tuple(p["centre"]),
            geojson=f["geometry"], attribution=p.get("attribution", ""),
        ))
    return Districts(tuple(items))


@lru_cache(maxsize=1)
def load() -> Districts:
    with DISTRICTS_FILE.open(encoding="utf-8") as fh:
        return parse(json.load(fh))
