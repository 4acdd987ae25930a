"""The promise catalogue, observation categories and measure types, read from ``data/catalog``.

The files are the source of truth; :meth:`geo.store.Store.sync_catalog` copies them into the
database so that observations and measures can reference them with foreign keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from .model import Activity, Category, Medborgarlofte, Municipality, Promise

CATALOG_DIR = Path(__file__).resolve().parent.parent / "data" / "catalog"


def _load(name: str) -> Any:
    with (CATALOG_DIR / name).open(encoding="utf-8") as fh:
        return json.load(fh)


def _category(raw: dict[str, Any]) -> Category:
    return Category(
        id=raw["id"], sv=raw["sv"], en=raw["en"],
        description_sv=raw.get("description_sv", ""), description_en=raw.get("description_en", ""),
        colour=raw["colour"], icon=raw["icon"], material_icon=raw.get("material_icon", ""),
        positive=bool(raw.get("positive", False)), geometry=raw.get("geometry"),
    )


@dataclass(frozen=True, slots=True)
class Catalog:
    municipalities: tuple[Municipality, ...]
    medborgarloften: tuple[Medborgarlofte, ...]
    categories: tuple[Category, ...]
    measure_types: tuple[Category, ...]

    def activities(self) -> list[Activity]:
        return [a for m in self.medborgarloften for a in m.activities()]

    def activity(self, activity_id: str) -> Activity | None:
        return next((a for a in self.activities() if a.id == activity_id), None)

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def measure_type(self, type_id: str) -> Category | None:
        return next((c for c in self.measure_types if c.id == type_id), None)

    def positive_ids(self) -> frozenset[str]:
        """The ids of the positive categories (safe places: ``positive: true``)."""
        return frozenset(c.id for c in self.categories if c.positive)


@lru_cache(maxsize=1)
def load() -> Catalog:
    """Read and check the catalogue files (cached: they do not change while running)."""
    munis = tuple(Municipality(m["id"], m["name"], m["kommunkod"], m.get("county", ""))
                  for m in _load("municipalities.json"))
    mls = []
    for ml in _load("promises.json")["medborgarloften"]:
        promises = tuple(
            Promise(
                id=p["id"], medborgarlofte_id=ml["id"], ordinal=p["ordinal"],
                title=p.get("title", ""), title_en=p.get("title_en", ""), text=p["text"],
                activities=tuple(
                    Activity(id=a["id"], promise_id=p["id"], ordinal=a["ordinal"], text=a["text"],
                             text_en=a.get("text_en", ""), physical=bool(a.get("physical", False)))
                    for a in p["activities"]),
            )
            for p in ml["promises"])
        mls.append(Medborgarlofte(
            id=ml["id"], municipality_id=ml["municipality"], title=ml["title"],
            period_start=date.fromisoformat(ml["period_start"]),
            period_end=date.fromisoformat(ml["period_end"]),
            signatories=tuple(ml.get("signatories", ())), source=ml.get("source", ""),
            districts=tuple(ml.get("districts", ())), note=ml.get("note", ""), promises=promises))
    catalog = Catalog(
        municipalities=munis,
        medborgarloften=tuple(mls),
        categories=tuple(_category(c) for c in _load("categories.json")["categories"]),
        measure_types=tuple(_category(c) for c in _load("measure_types.json")["measure_types"]),
    )
    _check(catalog)
    return catalog


def _check(catalog: Catalog) -> None:
    ids = [a.id for a in catalog.activities()]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"duplicate activity ids in promises.json: {sorted(dupes)}")
    munis = {m.id for m in catalog.municipalities}
    for ml in catalog.medborgarloften:
        if ml.municipality_id not in munis:
            raise ValueError(f"medborgarlöfte {ml.id!r} names unknown municipality {ml.municipality_id!r}")
        if ml.period_end < ml.period_start:
            raise ValueError(f"medborgarlöfte {ml.id!r} ends before it starts")
