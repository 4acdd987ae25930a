"""Hot spots: where observations concentrate, measured in metres (SWEREF 99 TM, EPSG:3006).

Two views, both pure functions (no Streamlit, no database, nothing random):

:func:`hot_spots`
    Density clusters for a walk's follow-up: DBSCAN (scikit-learn) on EPSG:3006 coordinates
    with ``eps = radius_m`` and ``min_samples = min_count``.  Each cluster becomes a
    :class:`HotSpot`: an area to draw, the count, the main categories, the mean feeling and
    the share already resolved.
:func:`gi_star_grid`
    Getis-Ord Gi* on a square grid, for planners who want significance rather than counts.
    Implemented directly with numpy (the analytic formula of Ord & Getis 1995, with
    binary queen weights that include the cell itself); p-values are two-sided from the normal
    distribution, not permutation pseudo p-values.

Coordinates go through pyproj once per call, as whole arrays (``always_xy=True``: easting,
northing), never point by point.

Both analyse problems only: an observation whose category is positive (a safe place,
``positive: true`` in ``data/catalog/categories.json``) never makes, joins or weighs in a hot
spot.  By default the positive categories are the catalogue's (:func:`geo.catalog.load`, read
once from the repository's files, so the result still depends only on the arguments);
``positive_categories`` names them explicitly, and ``positive_categories=()`` analyses every
observation.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from . import catalog
from .crs import to_metric_arrays, to_wgs84_arrays
from .model import Observation, ObservationStatus

# Statuses that count as "already resolved" for a hot spot's resolved_share.
RESOLVED_STATUSES = frozenset({ObservationStatus.RESOLVED, ObservationStatus.VERIFIED,
                               ObservationStatus.CLOSED})

# gi_star_grid lists empty, significantly cold cells only while the grid has at most this many
# cells (the grid itself is never built densely otherwise; see gi_star_grid).
MAX_DENSE_CELLS = 4_000_000


@dataclass(frozen=True)
class HotSpot:
    """One density cluster of observations.

    ``id`` is 1.. in the order of the list (count descending, then mean feeling descending,
    then smallest observation id); ``centre`` is the (lon, lat) of the members' centroid,
    computed in EPSG:3006; ``area`` is a GeoJSON Polygon (WGS84, exterior counter-clockwise)
    of the members' convex hull buffered by ``radius_m / 2`` in EPSG:3006, and ``area_m2`` its
    area in square metres.
    """
    id: int
    observation_ids: tuple[int, ...]
    count: int
    centre: tuple[float, float]
    area: dict[str, Any]
    area_m2: float
    main_categories: tuple[tuple[str, int], ...]
    mean_feeling: float
    resolved_share: float
    district_ids: tuple[str, ...]


@dataclass(frozen=True)
class GridCell:
    """One square cell of a Gi* grid.

    ``area`` is a GeoJSON Polygon (WGS84) of the cell, which is square in EPSG:3006;
    ``count`` the observations in it; ``z`` the Gi* z-score; ``p`` the two-sided p-value from
    the normal distribution; ``kind`` "hot" (p < alpha, z > 0), "cold" (p < alpha, z < 0) or
    "ns" (not significant).
    """
    area: dict[str, Any]
    count: int
    z: float
    p: float
    kind: str


# --------------------------------------------------------------------------- helpers


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a positive number of metres, got {value!r}")
    v = float(value)
    if not (v > 0 and math.isfinite(v)):
        raise ValueError(f"{name} must be a positive number of metres, got {value!r}")
    return v


def _problems(observations: Sequence[Observation],
              positive_categories: Collection[str] | None) -> list[Observation]:
    """The observations whose category is not positive (see the module's docstring)."""
    if positive_categories is None:
        positive = catalog.load().positive_ids()
    elif isinstance(positive_categories, (str, bytes)) or not isinstance(positive_categories, Collection):
        raise ValueError("positive_categories must be a collection of category ids, "
                         f"got {positive_categories!r}")
    else:
        positive = frozenset(positive_categories)
    return [o for o in observations if o.category not in positive]


def _metric_arrays(observations: Sequence[Observation]) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing (EPSG:3006) of every observation, transformed as two arrays."""
    n = len(observations)
    lon = np.fromiter((o.lon for o in observations), dtype=float, count=n)
    lat = np.fromiter((o.lat for o in observations), dtype=float, count=n)
    return to_metric_arrays(lon, lat)


def _polygons_to_geojson(polys: np.ndarray, decimals: int | None = None) -> list[dict[str, Any]]:
    """GeoJSON Polygon dicts (WGS84) for an array of EPSG:3006 polygons without holes."""
    polys = shapely.orient_polygons(polys, exterior_cw=False)  # RFC 7946: exterior CCW
    xy, idx = shapely.get_coordinates(polys, return_index=True)
    lon, lat = to_wgs84_arrays(xy[:, 0], xy[:, 1])
    ll = np.column_stack((lon, lat))
    if decimals is not None:
        ll = np.round(ll, decimals)
    bounds = np.searchsorted(idx, np.arange(1, len(polys)))
    return [{"type": "Polygon", "coordinates": [ring.tolist()]} for ring in np.split(ll, bounds)]


# --------------------------------------------------------------------------- DBSCAN hot spots


def _dbscan_labels(e: np.ndarray, n: np.ndarray, radius_m: float, min_count: int) -> np.ndarray:
    """DBSCAN cluster label per point (-1 = noise), independent of the input order.

    Identical coordinates are merged into one weighted sample first (exact: they have the
    same neighbourhood), which keeps "everyone pinned the same spot" from costing n² memory.
    The unique points go to scikit-learn sorted by (easting, northing), so that the result,
    including DBSCAN's order-dependent choice for border points, depends only on the set of
    points and not on the order the caller passed them in.
    """
    from sklearn.cluster import DBSCAN  # imported here: sklearn takes ~1 s to import

    order = np.lexsort((n, e))
    es, ns = e[order], n[order]
    first = np.empty(len(es), dtype=bool)
    first[0] = True
    first[1:] = (es[1:] != es[:-1]) | (ns[1:] != ns[:-1])
    group = np.cumsum(first) - 1
    xy = np.column_stack((es[first], ns[first]))
    weight = np.bincount(group)
    # ball_tree: the same (exact) neighbourhoods as kd_tree, measured ~30 % faster here.
    model = DBSCAN(eps=radius_m, min_samples=min_count, metric="euclidean",
                   algorithm="ball_tree")
    # sample_weight only when needed: scikit-learn sums weights per point in Python.
    labels_u = model.fit_predict(xy, sample_weight=weight if weight.max() > 1 else None)
    labels = np.empty(len(e), dtype=np.intp)
    labels[order] = labels_u[group]
    return labels


def hot_spots(observations: Sequence[Observation], radius_m: float = 35.0,
              min_count: int = 3, *,
              positive_categories: Collection[str] | None = None) -> list[HotSpot]:
    """Density clusters of problems, measured in metres in EPSG:3006.

    Parameters
    ----------
    observations
        The observations to analyse (WGS84 lon/lat, as stored).  Their ``district_id`` is
        used as it is; an observation outside every district contributes no district.
        Safe places (see ``positive_categories``) are left out before clustering: they are
        neither members nor neighbours, so they never make, join or bridge a hot spot.
    radius_m
        DBSCAN's ``eps``: two observations at most this far apart (in metres) are
        neighbours.  25–40 m suits a district walk.
    min_count
        DBSCAN's ``min_samples``: an observation with at least this many observations within
        ``radius_m`` (itself included) is a core point.
    positive_categories
        The ids of the positive categories (safe places), left out of the analysis.  None
        (the default) means the catalogue's (``positive: true``); ``()`` keeps every
        observation.

    Returns
    -------
    list of HotSpot
        Ordered by count (descending), then mean feeling (descending), then smallest member
        id; ``id`` is the 1-based position.  Fields:

        - ``observation_ids``: the members' ids, ascending (core and border points; DBSCAN's
          noise is left out);
        - ``count``: number of members, always >= ``min_count``;
        - ``centre``: (lon, lat) of the members' centroid (computed in EPSG:3006);
        - ``area`` / ``area_m2``: the members' convex hull buffered by ``radius_m / 2`` in
          EPSG:3006 (the same as the convex hull of the buffered points), as a GeoJSON
          Polygon in WGS84 and its area in m²; it contains every member;
        - ``main_categories``: up to three (category, count), most frequent first, ties by
          category id;
        - ``mean_feeling``: mean of the members' feeling (1–5, 5 = very unsafe);
        - ``resolved_share``: share of members whose status is resolved, verified or closed;
        - ``district_ids``: the members' districts, most members first, ties by id.

    Notes
    -----
    scikit-learn gives a border point to the first cluster that reaches it, so in rare
    layouts a core point's neighbours are all taken by neighbouring clusters and its own
    cluster ends up smaller than ``min_count``; such a remnant is not reported (its members
    count as noise here).  Duplicated coordinates are handled as weights, so memory stays
    bounded when many pins share one spot; many *distinct* pins within ``radius_m`` of each
    other still cost memory in proportion to the number of neighbour pairs (scikit-learn
    stores each point's neighbourhood).

    Raises
    ------
    ValueError
        If ``radius_m`` is not a positive finite number, ``min_count`` is not an integer
        >= 1 or ``positive_categories`` is not a collection of ids (a bare string is
        refused); the message names the parameter and the value.
    """
    radius_m = _positive("radius_m", radius_m)
    try:
        mc = operator.index(min_count)
    except TypeError:
        raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}") from None
    if isinstance(min_count, bool) or mc < 1:
        raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
    obs = _problems(observations, positive_categories)
    if not obs:
        return []

    e, n = _metric_arrays(obs)
    # A canonical order (easting, northing, id), so that the result, down to the last bit of
    # every float, depends on the set of observations and not on the order they came in.
    ids = np.fromiter((o.id for o in obs), dtype=np.int64, count=len(obs))
    order = np.lexsort((ids, n, e))
    obs = [obs[i] for i in order]
    e, n = e[order], n[order]
    labels = _dbscan_labels(e, n, radius_m, mc)

    members = np.flatnonzero(labels >= 0)
    if members.size == 0:
        return []
    members = members[np.argsort(labels[members], kind="stable")]
    cut = np.flatnonzero(np.diff(labels[members])) + 1
    groups = [g for g in np.split(members, cut) if len(g) >= mc]
    if not groups:
        return []

    # Geometry for all clusters at once (vectorised shapely and pyproj).  The members go in
    # as one LineString per cluster (one coordinate array: far cheaper to build than a
    # MultiPoint of Point objects; its convex hull is that of its vertices), with the first
    # member repeated so that a cluster of one still has the two vertices a line needs.
    counts = np.array([len(g) for g in groups])
    gidx = np.repeat(np.arange(len(groups)), counts)
    flat = np.concatenate(groups)
    line_idx = np.concatenate((gidx, np.arange(len(groups))))
    line_pts = np.concatenate((flat, [g[0] for g in groups]))
    by_line = np.argsort(line_idx, kind="stable")  # shapely wants the indices ascending
    line_idx, line_pts = line_idx[by_line], line_pts[by_line]
    lines = shapely.linestrings(np.column_stack((e[line_pts], n[line_pts])),
                                indices=line_idx)
    polys = shapely.buffer(shapely.convex_hull(lines), radius_m / 2.0, quad_segs=8)
    areas = shapely.area(polys)
    geojson = _polygons_to_geojson(polys)
    ce = np.bincount(gidx, weights=e[flat]) / counts
    cn = np.bincount(gidx, weights=n[flat]) / counts
    clon, clat = to_wgs84_arrays(ce, cn)

    rows = []
    for k, g in enumerate(groups):
        ms = [obs[i] for i in g]
        cats = Counter(o.category for o in ms)
        dists = Counter(o.district_id for o in ms if o.district_id)
        rows.append(dict(
            observation_ids=tuple(sorted(o.id for o in ms)),
            count=len(ms),
            centre=(float(clon[k]), float(clat[k])),
            area=geojson[k],
            area_m2=float(areas[k]),
            main_categories=tuple(sorted(cats.items(), key=lambda kv: (-kv[1], kv[0]))[:3]),
            mean_feeling=sum(o.feeling for o in ms) / len(ms),
            resolved_share=sum(o.status in RESOLVED_STATUSES for o in ms) / len(ms),
            district_ids=tuple(d for d, _ in sorted(dists.items(), key=lambda kv: (-kv[1], kv[0]))),
        ))
    rows.sort(key=lambda r: (-r["count"], -r["mean_feeling"], r["observation_ids"][0]))
    return [HotSpot(id=i, **r) for i, r in enumerate(rows, start=1)]


# --------------------------------------------------------------------------- Gi* grid


def gi_star_grid(observations: Sequence[Observation], cell_m: float = 50.0, alpha: float = 0.05,
                 weight_by_feeling: bool = False, *,
                 positive_categories: Collection[str] | None = None) -> list[GridCell]:
    """Getis-Ord Gi* hot and cold spots of problems on a square grid in EPSG:3006.

    Safe places (see ``positive_categories``) are left out first: they add to no cell's
    value and do not widen the grid.  The grid is aligned to multiples of ``cell_m`` in
    SWEREF 99 TM and covers the points'
    extent plus one empty cell on every side; its n cells are the study area.  Each cell's
    value x is its number of observations (or the sum of their feelings with
    ``weight_by_feeling``).  With binary queen weights that include the cell itself (w_ij = 1
    for the cell and its up to 8 neighbours inside the grid, W_i = sum_j w_ij):

        Gi* = (sum_j w_ij x_j - X̄ W_i) / (S sqrt((n W_i - W_i²) / (n - 1)))

    where X̄ and S are the mean and the (population) standard deviation of x over all n cells
    (Getis & Ord 1992; Ord & Getis 1995).  Gi* is itself the z-score; the p-value is
    two-sided from the standard normal distribution (analytic, not a permutation pseudo p).

    Parameters
    ----------
    observations
        The observations to analyse (WGS84 lon/lat, as stored).
    cell_m
        Side of a square cell in metres.
    alpha
        Significance level for ``kind``; no correction for multiple testing is applied, so
        about ``alpha / 2`` of the cells of a random pattern come out "hot" by chance.
    weight_by_feeling
        Sum the feelings (1–5) per cell instead of counting observations.
    positive_categories
        Safe places left out, as in :func:`hot_spots`.

    Returns
    -------
    list of GridCell
        Only cells that hold observations or are significant (an empty cell can be hot
        beside a dense one, or cold inside a dense area), ordered by z descending, then by
        position (west to east, south to north).  Fields: ``area`` (GeoJSON Polygon, WGS84,
        coordinates rounded to 7 decimals), ``count`` (observations in the cell), ``z``,
        ``p`` and ``kind`` ("hot": p < alpha and z > 0; "cold": p < alpha and z < 0; else
        "ns").  A cell whose neighbourhood is the whole grid (the centre of a 3 × 3 grid)
        has z = 0 and p = 1.

    Notes
    -----
    The work is proportional to the number of occupied cells, not to the grid's size: only
    occupied cells and their neighbours are computed one by one; every other cell has a
    zero neighbourhood sum and its z-score depends only on its number of neighbours. Those
    empty cells are listed only if they are significant, which needs at most
    ``MAX_DENSE_CELLS`` cells in the grid. The one-cell margin is part of the study area,
    so the cells along the edge of a uniform pattern tend to come out cold.

    Raises
    ------
    ValueError
        If ``cell_m`` is not a positive finite number, ``alpha`` is not in (0, 1),
        ``positive_categories`` is not a collection of ids, or the grid is too large (see
        Notes); the message names the parameter and the value.
    """
    cell_m = _positive("cell_m", cell_m)
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number between 0 and 1, got {alpha!r}")
    a = float(alpha)
    obs = _problems(observations, positive_categories)
    if not obs:
        return []
    from scipy.special import ndtr  # imported here: scipy takes ~0.4 s to import

    e, north = _metric_arrays(obs)
    fx = np.floor(e / cell_m)
    fy = np.floor(north / cell_m)
    x0, y0 = fx.min() - 1, fy.min() - 1  # grid origin in cells: one cell of margin
    nx = int(fx.max() - x0) + 2
    ny = int(fy.max() - y0) + 2
    n_cells = nx * ny
    if n_cells > 2 ** 62:
        raise ValueError(f"cell_m={cell_m!r} is too small for the points' extent "
                         f"({n_cells} cells)")
    ix = (fx - x0).astype(np.int64)
    iy = (fy - y0).astype(np.int64)
    if weight_by_feeling:
        vals = np.fromiter((o.feeling for o in obs), dtype=float, count=len(obs))
    else:
        vals = np.ones(len(obs))

    occ_key, inv = np.unique(ix * ny + iy, return_inverse=True)
    occ_count = np.bincount(inv)
    occ_val = np.bincount(inv, weights=vals)
    mean = occ_val.sum() / n_cells
    s = math.sqrt(max(float((occ_val ** 2).sum()) / n_cells - mean * mean, 0.0))

    # Neighbourhood sums of every cell within one cell of an occupied cell.  Occupied cells
    # are never on the margin, so their 8 neighbours are always inside the grid.
    ox, oy = np.divmod(occ_key, ny)
    shifts = [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    nb_key = np.concatenate([(ox + dx) * ny + (oy + dy) for dx, dy in shifts])
    cand_key, cinv = np.unique(nb_key, return_inverse=True)
    local = np.bincount(cinv, weights=np.tile(occ_val, len(shifts)))
    count = np.zeros(len(cand_key), dtype=np.int64)
    count[np.searchsorted(cand_key, occ_key)] = occ_count

    def weights_sum(key: np.ndarray) -> np.ndarray:
        cx, cy = np.divmod(key, ny)
        wx = 3 - (cx == 0) - (cx == nx - 1)
        wy = 3 - (cy == 0) - (cy == ny - 1)
        return (wx * wy).astype(float)

    def z_scores(local_sum: np.ndarray, w: np.ndarray) -> np.ndarray:
        var = (n_cells * w - w * w) / (n_cells - 1)
        den = s * np.sqrt(var)
        num = local_sum - mean * w
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
        return z

    z = z_scores(local, weights_sum(cand_key))

    # Empty cells with no occupied neighbour: z depends only on W (4, 6 or 9).
    extra_key = np.empty(0, dtype=np.int64)
    w_types = np.array([4.0, 6.0, 9.0])
    z0 = z_scores(np.zeros(3), w_types)
    sig_types = w_types[2 * ndtr(-np.abs(z0)) < a]
    if sig_types.size and n_cells > len(cand_key):
        if n_cells > MAX_DENSE_CELLS:
            raise ValueError(f"cell_m={cell_m!r} gives {n_cells} cells over the points' extent; "
                             f"at most {MAX_DENSE_CELLS} — use larger cells or fewer points")
        mask = np.isin(weights_sum(np.arange(n_cells, dtype=np.int64)), sig_types)
        mask[cand_key] = False
        extra_key = np.flatnonzero(mask).astype(np.int64)
    if extra_key.size:
        cand_key = np.concatenate((cand_key, extra_key))
        z = np.concatenate((z, z_scores(np.zeros(len(extra_key)), weights_sum(extra_key))))
        count = np.concatenate((count, np.zeros(len(extra_key), dtype=np.int64)))

    p = 2.0 * ndtr(-np.abs(z))
    significant = p < a
    keep = np.flatnonzero((count > 0) | significant)
    keep = keep[np.lexsort((cand_key[keep], -z[keep]))]
    if keep.size == 0:
        return []

    kx, ky = np.divmod(cand_key[keep], ny)
    ex0 = (x0 + kx) * cell_m
    ny0 = (y0 + ky) * cell_m
    boxes = shapely.box(ex0, ny0, ex0 + cell_m, ny0 + cell_m, ccw=True)
    areas = _polygons_to_geojson(boxes, decimals=7)
    out = []
    for j, k in enumerate(keep):
        zk, pk = float(z[k]), float(p[k])
        kind = ("hot" if zk > 0 else "cold") if pk < a else "ns"
        out.append(GridCell(area=areas[j], count=int(count[k]), z=zk, p=pk, kind=kind))
    return out
