"""Coordinate reference systems, in one place.

Stored and drawn: WGS84 (EPSG:4326), longitude/latitude.  Measured: SWEREF 99 TM
(EPSG:3006), metres.  EPSG:3006's official axis order is northing, easting, so every
transformer is built with ``always_xy=True``: functions here take and return (x, y), that is
(lon, lat) and (easting, northing).  Leaflet wants [lat, lon], and people read "lat, lon":
:func:`leaflet`, :func:`leaflet_bounds` and :func:`latlon_text` are the only places that turn
a point around.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:  # the command line and the pages start without importing geopandas
    import geopandas as gpd

WGS84 = "EPSG:4326"
SWEREF99TM = "EPSG:3006"

# Sweden's extent with a margin (lon/lat), used to refuse points that cannot be Swedish.
SWEDEN_BBOX = (10.0, 55.0, 24.5, 69.5)


@cache
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_metric(lon: float, lat: float) -> tuple[float, float]:
    """(lon, lat) in WGS84 to (easting, northing) in SWEREF 99 TM."""
    return _transformer(WGS84, SWEREF99TM).transform(lon, lat)


def to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """(easting, northing) in SWEREF 99 TM to (lon, lat) in WGS84."""
    return _transformer(SWEREF99TM, WGS84).transform(easting, northing)


Coords = NDArray[np.float64]


def to_metric_arrays(lon: Coords, lat: Coords) -> tuple[Coords, Coords]:
    """Many points at once: pyproj transforms whole arrays in one call."""
    e, n = _transformer(WGS84, SWEREF99TM).transform(lon, lat)
    return np.asarray(e, dtype=float), np.asarray(n, dtype=float)


def to_wgs84_arrays(easting: Coords, northing: Coords) -> tuple[Coords, Coords]:
    lon, lat = _transformer(SWEREF99TM, WGS84).transform(easting, northing)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def geometry_to_metric(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, _transformer(WGS84, SWEREF99TM).transform, interleaved=False)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance in metres between two (lon, lat) points, measured in EPSG:3006."""
    ax, ay = to_metric(*a)
    bx, by = to_metric(*b)
    return float(((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5)


def area_m2(geom_wgs84: BaseGeometry) -> float:
    return float(geometry_to_metric(geom_wgs84).area)


def in_sweden(lon: float, lat: float) -> bool:
    minx, miny, maxx, maxy = SWEDEN_BBOX
    return minx <= lon <= maxx and miny <= lat <= maxy


def leaflet(lon: float, lat: float) -> list[float]:
    """Leaflet's [lat, lon] order for a (lon, lat) point."""
    return [lat, lon]


def leaflet_bounds(west: float, south: float, east: float, north: float) -> list[list[float]]:
    """Leaflet's [[south, west], [north, east]] for a (minx, miny, maxx, maxy) box, e.g.
    shapely's ``bounds``."""
    return [leaflet(west, south), leaflet(east, north)]


def latlon_text(lon: float, lat: float, decimals: int = 5) -> str:
    """A (lon, lat) point as people write it and map apps take it: "56.66060, 12.90120"."""
    return f"{lat:.{decimals}f}, {lon:.{decimals}f}"


def require_crs(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` in WGS84; refuse data without a CRS rather than guess."""
    if gdf.crs is None:
        raise ValueError(f"{what}: has no coordinate reference system (CRS); expected EPSG:4326")
    return gdf if gdf.crs.to_epsg() == 4326 else gdf.to_crs(WGS84)
