"""Build ``data/districts.geojson`` from SCB RegSO 2025 polygons in ``data/geodata/``.

Run once when the source polygons change (``python data/build_districts.py``); the output is
committed so that the app and the tests need nothing outside the repository.

Each app district is one RegSO polygon or a union of several.  Unions are made in SWEREF 99 TM
(EPSG:3006), areas are measured there, and the result is written in WGS84 (EPSG:4326) with
seven decimals, as the source files are.  See ``data/README.md`` for sources and licences.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
from shapely import set_precision
from shapely.geometry import mapping

HERE = Path(__file__).resolve().parent
SOURCES = [HERE / "geodata" / "regso_2025_target_districts.geojson",
           HERE / "geodata" / "regso_2025_hallsberg.geojson"]
OUT = HERE / "districts.geojson"

# id, display name, municipality, RegSO codes, parent id
DISTRICTS = [
    ("andersberg", "Andersberg", "halmstad", ["1380R002"], None),
    ("vallas", "Vallås", "halmstad", ["1380R027", "1380R028"], None),
    ("vallas-ostra", "Vallås östra", "halmstad", ["1380R027"], "vallas"),
    ("vallas-vastra", "Vallås västra", "halmstad", ["1380R028"], "vallas"),
    ("halmstad-centrum", "Halmstad centrum", "halmstad", ["1380R015", "1380R016", "1380R017"], None),
    ("halmstad-centrum-vastra", "Halmstad centrum västra–Galgberget västra", "halmstad", ["1380R015"],
     "halmstad-centrum"),
    ("halmstad-centrum-ostra", "Halmstad centrum östra–Nyatorp västra", "halmstad", ["1380R016"], "halmstad-centrum"),
    ("halmstad-centrum-slottsjord", "Halmstad centrum–Slottsjord–Kattegatt", "halmstad", ["1380R017"],
     "halmstad-centrum"),
    ("barnangen", "Barnängen–Centrum–Trollebo", "hallstahammar", ["1961R001"], None),
    ("hallsberg", "Hallsberg centrum", "hallsberg", ["1861R001", "1861R002"], None),
    ("hallsberg-vastra", "Hallsberg västra–Stortorget–Vibytorp", "hallsberg", ["1861R001"], "hallsberg"),
    ("hallsberg-ostra", "Hallsberg östra–Norrby–Samsala", "hallsberg", ["1861R002"], "hallsberg"),
    ("almhult", "Älmhult tätort", "almhult", ["0765R002", "0765R003", "0765R004", "0765R005"], None),
    ("almhult-norra", "Älmhult norra", "almhult", ["0765R002"], "almhult"),
    ("almhult-sydostra", "Älmhult sydöstra", "almhult", ["0765R003"], "almhult"),
    ("almhult-vastra", "Älmhult västra", "almhult", ["0765R004"], "almhult"),
    ("almhult-ostra", "Älmhult östra", "almhult", ["0765R005"], "almhult"),
]

ATTRIBUTION_ONE = "Källa: SCB, Regionala statistikområden (RegSO) 2025, CC0"
ATTRIBUTION_UNION = "Bearbetning av SCB:s Regionala statistikområden (RegSO) 2025, CC0"


def build() -> dict:
    regso = gpd.GeoDataFrame(
        gpd.pd.concat([gpd.read_file(p) for p in SOURCES], ignore_index=True)
    )
    regso = regso[~regso["regsokod"].str.contains(r"\+")].drop_duplicates("regsokod")
    regso = regso.set_index("regsokod").to_crs(3006)
    features = []
    for did, name, muni, codes, parent in DISTRICTS:
        missing = [c for c in codes if c not in regso.index]
        if missing:
            raise SystemExit(f"RegSO {missing} not found for district {did!r}")
        geom_3006 = regso.loc[codes].geometry.union_all()
        geom_4326 = gpd.GeoSeries([geom_3006], crs=3006).to_crs(4326).iloc[0]
        geom_4326 = set_precision(geom_4326, 1e-7)
        if not geom_4326.is_valid:
            raise SystemExit(f"district {did!r} became invalid after rounding")
        rep = gpd.GeoSeries([geom_3006.representative_point()], crs=3006).to_crs(4326).iloc[0]
        features.append({
            "type": "Feature",
            "properties": {
                "id": did,
                "name": name,
                "municipality": muni,
                "regsokod": "+".join(codes),
                "regso_names": [regso.loc[c, "name"] for c in codes],
                "parent": parent,
                "area_km2": round(geom_3006.area / 1e6, 3),
                "centre": [round(rep.x, 6), round(rep.y, 6)],
                "attribution": ATTRIBUTION_ONE if len(codes) == 1 else ATTRIBUTION_UNION,
                "version": "RegSO 2025_v2 (referensdatum 2025-01-01)",
            },
            "geometry": mapping(geom_4326),
        })
    return {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": features,
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), ensure_ascii=False, separators=(",", ":")) + "\n",
                   encoding="utf-8")
    print(f"wrote {OUT}")
