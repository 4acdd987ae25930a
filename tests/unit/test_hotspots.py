"""Hot spots (DBSCAN in EPSG:3006) and the Gi* grid: known answers worked out by hand,
edge cases, and properties checked against brute-force references written here."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LinearRing, Point, shape

from geo import crs, districts
from geo.hotspots import GridCell, HotSpot, gi_star_grid, hot_spots
from geo.model import Observation
from tests import factories as make

E0, N0 = 369_000.0, 6_282_000.0  # SWEREF 99 TM, in Halmstad
T = datetime(2019, 10, 15, 18, 0, tzinfo=UTC)


def obs(i: int, e: float, n: float, category: str = "belysning", feeling: int = 3,
        status: str = "new", district: str | None = "andersberg") -> Observation:
    return make.observation(i, at=T, metric=(e, n), walk_id=None, district_id=district, category=category,
                            feeling=feeling, status=status)


def metric(o: Observation) -> tuple[float, float]:
    return crs.to_metric(o.lon, o.lat)


# --------------------------------------------------------------------------- hand-made set

# Three tight groups 200 m apart (5, 4 and 3 points) and 4 isolated points.
GROUP_A = [  # id, dx, dy, category, feeling, status
    (1, 0, 0, "belysning", 5, "resolved"), (2, 8, 0, "belysning", 4, "verified"),
    (3, 0, 8, "vegetation", 4, "new"), (4, -8, 0, "belysning", 3, "assessed"),
    (5, 0, -8, "vegetation", 4, "closed")]
GROUP_B = [(10, 200, 0, "klotter", 2, "new"), (11, 210, 0, "trafik", 3, "new"),
           (12, 200, 10, "klotter", 2, "new"), (13, 210, 10, "passage", 3, "new")]
GROUP_C = [(14, 0, 200, "vegetation", 5, "in_progress"), (15, 12, 200, "vegetation", 5, "resolved"),
           (16, 6, 210, "vegetation", 4, "measure_planned")]
ISOLATED = [(6, 200, 200, "ovrigt", 1, "new"), (7, -200, 0, "ovrigt", 1, "new"),
            (8, 0, -200, "ovrigt", 1, "new"), (9, 400, 400, "ovrigt", 1, "new")]


def hand_made() -> list[Observation]:
    rows = GROUP_A + GROUP_B + GROUP_C + ISOLATED
    out = [obs(i, E0 + dx, N0 + dy, c, f, s) for i, dx, dy, c, f, s in rows]
    random.Random(7).shuffle(out)
    return out


def test_hand_made_set_gives_three_hot_spots_counted_by_hand():
    spots = hot_spots(hand_made())  # defaults: 35 m, 3 observations
    assert [(h.id, h.count) for h in spots] == [(1, 5), (2, 4), (3, 3)]
    a, b, c = spots
    assert a.observation_ids == (1, 2, 3, 4, 5)
    assert b.observation_ids == (10, 11, 12, 13)
    assert c.observation_ids == (14, 15, 16)
    assert a.main_categories == (("belysning", 3), ("vegetation", 2))
    assert b.main_categories == (("klotter", 2), ("passage", 1), ("trafik", 1))
    assert c.main_categories == (("vegetation", 3),)
    assert a.mean_feeling == pytest.approx(4.0)
    assert b.mean_feeling == pytest.approx(2.5)
    assert c.mean_feeling == pytest.approx(14 / 3)
    assert a.resolved_share == pytest.approx(3 / 5)  # resolved, verified, closed
    assert b.resolved_share == 0.0
    assert c.resolved_share == pytest.approx(1 / 3)
    assert all(h.district_ids == ("andersberg",) for h in spots)
    # centroids, computed in metres: A's is E0, N0; B's is 5 m in from its corner
    assert crs.distance_m(a.centre, crs.to_wgs84(E0, N0)) < 0.01
    assert crs.distance_m(b.centre, crs.to_wgs84(E0 + 205, N0 + 5)) < 0.01
    assert crs.distance_m(c.centre, crs.to_wgs84(E0 + 6, N0 + 610 / 3)) < 0.01
    assert all(isinstance(h, HotSpot) for h in spots)


def test_result_does_not_depend_on_input_order():
    data = hand_made()
    by_id = sorted(data, key=lambda o: o.id)
    assert hot_spots(data) == hot_spots(list(reversed(data))) == hot_spots(by_id)


def test_ties_in_count_are_ordered_by_mean_feeling():
    calm = [obs(i, E0 + 5 * i, N0, feeling=2) for i in range(1, 4)]
    scary = [obs(i, E0 + 500 + 5 * i, N0, feeling=5) for i in range(4, 7)]
    spots = hot_spots(calm + scary)
    assert [(h.id, h.observation_ids, h.mean_feeling) for h in spots] == [
        (1, (4, 5, 6), 5.0), (2, (1, 2, 3), 2.0)]


def test_empty_input():
    assert hot_spots([]) == []
    assert gi_star_grid([]) == []


def test_one_point():
    p = [obs(1, E0, N0)]
    assert hot_spots(p) == []
    (h,) = hot_spots(p, min_count=1)
    assert h.observation_ids == (1,) and h.count == 1
    # a single point buffered by radius/2: a 32-gon inscribed in a circle of 17.5 m
    assert h.area_m2 == pytest.approx(math.pi * 17.5 ** 2, rel=0.01)
    assert h.area_m2 < math.pi * 17.5 ** 2


def test_all_points_at_one_spot_form_one_cluster():
    same = [obs(i, E0, N0, feeling=1 + i % 5) for i in range(1, 8)]
    (h,) = hot_spots(same)
    assert h.count == 7 and h.observation_ids == tuple(range(1, 8))
    assert crs.distance_m(h.centre, crs.to_wgs84(E0, N0)) < 0.01
    assert h.area_m2 == pytest.approx(math.pi * 17.5 ** 2, rel=0.01)


def test_many_pins_on_one_spot_stay_cheap():
    # 20,000 identical coordinates: without merging duplicates this needs 4·10^8 neighbours
    many = [obs(i, E0, N0) for i in range(20_000)] + [obs(20_000, E0 + 300, N0)]
    (h,) = hot_spots(many)
    assert h.count == 20_000 and 20_000 not in h.observation_ids


def test_min_count_larger_than_n_gives_none():
    group = [obs(i, E0 + i, N0) for i in range(1, 5)]
    assert len(hot_spots(group, min_count=4)) == 1
    assert hot_spots(group, min_count=5) == []


def test_radius_changes_the_answer():
    # two groups of three, 60 m apart (closest pair 60 m)
    g1 = [obs(i, E0, N0 + dy) for i, dy in ((1, -10), (2, 0), (3, 10))]
    g2 = [obs(i, E0 + 60, N0 + dy) for i, dy in ((4, -10), (5, 0), (6, 10))]
    assert [h.observation_ids for h in hot_spots(g1 + g2, radius_m=35)] == [(1, 2, 3), (4, 5, 6)]
    assert [h.observation_ids for h in hot_spots(g1 + g2, radius_m=70)] == [(1, 2, 3, 4, 5, 6)]


# --------------------------------------------------------------------------- safe places

SAFE = "trygg_plats"  # the catalogue's positive category


def test_the_catalogue_names_the_positive_categories():
    from geo import catalog

    assert catalog.load().positive_ids() == frozenset({SAFE})


def test_safe_places_alone_make_no_hot_spot():
    safe = [obs(i, E0 + 2 * i, N0, SAFE, feeling=1) for i in range(1, 7)]  # six within 10 m
    assert hot_spots(safe) == []
    assert len(hot_spots(safe, positive_categories=())) == 1  # they would, were they problems


def test_safe_places_do_not_join_a_hot_spot_or_change_its_figures():
    problems = [(1, 0, 0, "belysning", 5, "new"), (2, 8, 0, "belysning", 4, "resolved"),
                (3, 0, 8, "vegetation", 3, "new")]
    safe = [(4, 4, 4, SAFE, 1, "verified"), (5, -4, 0, SAFE, 1, "resolved"), (6, 2, 2, SAFE, 1, "new")]
    data = [obs(i, E0 + dx, N0 + dy, c, f, s) for i, dx, dy, c, f, s in problems + safe]
    (h,) = hot_spots(data)
    assert h.observation_ids == (1, 2, 3) and h.count == 3
    assert h.main_categories == (("belysning", 2), ("vegetation", 1))
    assert h.mean_feeling == pytest.approx(4.0)  # (5 + 4 + 3) / 3, not 15 / 6
    assert h.resolved_share == pytest.approx(1 / 3)  # not 3 / 6
    assert h == hot_spots(data[:3])[0]  # the same spot as without the safe places
    # counted as problems they would join: the control that shows the test can fail
    (everything,) = hot_spots(data, positive_categories=())
    assert everything.count == 6 and (SAFE, 3) in everything.main_categories


def test_safe_places_neither_bridge_two_spots_nor_complete_one():
    # two groups of three problems 60 m apart, safe places every 15 m between them
    g1 = [obs(i, E0, N0 + dy) for i, dy in ((1, -10), (2, 0), (3, 10))]
    g2 = [obs(i, E0 + 60, N0 + dy) for i, dy in ((4, -10), (5, 0), (6, 10))]
    bridge = [obs(10 + k, E0 + 15 * k, N0, SAFE, feeling=1) for k in range(1, 4)]
    assert [h.observation_ids for h in hot_spots(g1 + g2 + bridge)] == [(1, 2, 3), (4, 5, 6)]
    assert [h.count for h in hot_spots(g1 + g2 + bridge, positive_categories=())] == [9]
    # two problems and one safe place close together: not three observations of a problem
    pair = [obs(20, E0 + 500, N0), obs(21, E0 + 505, N0), obs(22, E0 + 503, N0 + 3, SAFE, feeling=1)]
    assert hot_spots(pair) == []
    assert [h.observation_ids for h in hot_spots(pair, positive_categories=())] == [(20, 21, 22)]


def test_positive_categories_can_be_named():
    data = [obs(i, E0 + 3 * i, N0, "ovrigt") for i in range(1, 4)] + \
           [obs(i, E0 + 3 * i, N0, SAFE, feeling=1) for i in range(4, 7)]
    assert hot_spots(data) == hot_spots(data, positive_categories={SAFE})
    assert [h.observation_ids for h in hot_spots(data)] == [(1, 2, 3)]
    assert [h.observation_ids for h in hot_spots(data, positive_categories=["ovrigt"])] == [(4, 5, 6)]


def test_gi_star_leaves_safe_places_out():
    # the one-point grid worked by hand below, plus safe places: in the same cell (which
    # would make its count 4) and 300 m away (which would widen the grid to 9 x 3 cells)
    p = [obs(1, E0 + 25, N0 + 25)]
    safe = [obs(2, E0 + 20, N0 + 20, SAFE, feeling=1), obs(3, E0 + 30, N0 + 30, SAFE, feeling=1),
            obs(4, E0 + 10, N0 + 40, SAFE, feeling=1), obs(5, E0 + 325, N0 + 25, SAFE, feeling=1)]
    assert gi_star_grid(p + safe) == gi_star_grid(p)
    assert gi_star_grid(p + safe, weight_by_feeling=True) == gi_star_grid(p, weight_by_feeling=True)
    (c,) = gi_star_grid(p + safe)
    assert (c.count, c.z, c.kind) == (1, 0.0, "ns")
    counted = gi_star_grid(p + safe, positive_categories=())
    assert sorted(c.count for c in counted if c.count) == [1, 4]  # the control


@pytest.mark.parametrize("bad", ["trygg_plats", b"trygg_plats", 3, object()])
def test_positive_categories_must_be_a_collection_of_ids(bad):
    data = [obs(1, E0, N0)]
    with pytest.raises(ValueError, match="positive_categories"):
        hot_spots(data, positive_categories=bad)
    with pytest.raises(ValueError, match="positive_categories"):
        gi_star_grid(data, positive_categories=bad)


def test_a_cluster_may_straddle_two_districts():
    ds = districts.load()
    east = crs.geometry_to_metric(ds.geometry("vallas-ostra"))
    west = crs.geometry_to_metric(ds.geometry("vallas-vastra"))
    border = east.boundary.intersection(west.boundary)
    c = border.interpolate(0.5, normalized=True)
    ring = []
    for i in range(8):  # eight points on a 10 m circle around a point of the border
        e, n = c.x + 10 * math.cos(i * math.pi / 4), c.y + 10 * math.sin(i * math.pi / 4)
        ring.append(obs(i + 1, e, n, district=ds.place(*crs.to_wgs84(e, n)).id))
    assert {o.district_id for o in ring} == {"vallas-ostra", "vallas-vastra"}  # precondition
    (h,) = hot_spots(ring)
    assert h.count == 8
    assert set(h.district_ids) == {"vallas-ostra", "vallas-vastra"}


def test_areas_are_valid_polygons_holding_every_member():
    data = hand_made()
    by_id = {o.id: o for o in data}
    for radius in (20.0, 35.0, 70.0):
        for h in hot_spots(data, radius_m=radius):
            assert h.area["type"] == "Polygon" and len(h.area["coordinates"]) == 1
            poly = shape(h.area)
            assert poly.is_valid and not poly.is_empty
            assert LinearRing(h.area["coordinates"][0]).is_ccw  # RFC 7946 exterior ring
            assert all(poly.contains(Point(by_id[i].lon, by_id[i].lat)) for i in h.observation_ids)
            # the area, measured in EPSG:3006, is what area_m2 says
            assert crs.area_m2(poly) == pytest.approx(h.area_m2, rel=1e-6)
            # and it reaches about radius/2 beyond the members (convex hull + buffer)
            pts = [metric(by_id[i]) for i in h.observation_ids]
            metric_poly = crs.geometry_to_metric(poly)
            assert all(metric_poly.exterior.distance(Point(p)) > 0.49 * radius for p in pts)


def test_a_remnant_smaller_than_min_count_is_not_reported():
    """scikit-learn's DBSCAN lets earlier clusters take a core point's border points; the
    core point at the centre is then a cluster of one. Built in units of eps = 35 m."""
    from sklearn.cluster import DBSCAN

    s = 35.0
    pts = [(0.0, 0.0)]  # the centre: a core point (itself + three border points)
    for ang in (100, 180, 260):
        ux, uy = math.cos(math.radians(ang)), math.sin(math.radians(ang))
        pts += [(r * ux, r * uy) for r in (0.95, 1.85, 2.5, 2.6)]  # border, core, two more
    data = [obs(i + 1, E0 + x * s, N0 + y * s) for i, (x, y) in enumerate(pts)]
    # what scikit-learn does, in the (easting, northing) order hot_spots uses
    xy = np.array(sorted(metric(o) for o in data))
    labels = DBSCAN(eps=s, min_samples=4).fit_predict(xy)
    assert sorted(np.bincount(labels[labels >= 0]).tolist()) == [1, 4, 4, 4]
    spots = hot_spots(data, radius_m=s, min_count=4)
    assert [h.count for h in spots] == [4, 4, 4]
    assert all(1 not in h.observation_ids for h in spots)


@pytest.mark.parametrize("kwargs, name", [
    ({"radius_m": 0}, "radius_m"), ({"radius_m": -5.0}, "radius_m"),
    ({"radius_m": float("nan")}, "radius_m"), ({"radius_m": float("inf")}, "radius_m"),
    ({"radius_m": "35"}, "radius_m"),
    ({"min_count": 0}, "min_count"), ({"min_count": -2}, "min_count"),
    ({"min_count": 2.5}, "min_count"), ({"min_count": True}, "min_count"),
])
def test_hot_spots_refuse_bad_parameters(kwargs, name):
    with pytest.raises(ValueError) as err:
        hot_spots(hand_made(), **kwargs)
    assert name in str(err.value) and repr(next(iter(kwargs.values()))) in str(err.value)


@pytest.mark.parametrize("kwargs, name", [
    ({"cell_m": 0}, "cell_m"), ({"cell_m": -50.0}, "cell_m"), ({"cell_m": float("nan")}, "cell_m"),
    ({"cell_m": "50"}, "cell_m"),
    ({"alpha": 0}, "alpha"), ({"alpha": 1.0}, "alpha"), ({"alpha": -0.1}, "alpha"),
    ({"alpha": float("nan")}, "alpha"), ({"alpha": None}, "alpha"),
])
def test_gi_star_refuses_bad_parameters(kwargs, name):
    with pytest.raises(ValueError) as err:
        gi_star_grid(hand_made(), **kwargs)
    assert name in str(err.value) and repr(next(iter(kwargs.values()))) in str(err.value)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 150), st.integers(0, 150)), min_size=1, max_size=60),
       st.integers(3, 60), st.integers(1, 6), st.randoms(use_true_random=False))
def test_hot_spot_invariants(points, radius, min_count, rnd):
    r = radius + 0.5  # integer coordinates are never exactly r apart
    data = [obs(i, E0 + x, N0 + y) for i, (x, y) in enumerate(points)]
    spots = hot_spots(data, radius_m=r, min_count=min_count)
    members = [i for h in spots for i in h.observation_ids]
    assert len(members) == len(set(members))  # each observation in at most one hot spot
    assert sum(h.count for h in spots) <= len(data)
    assert all(h.count >= min_count and h.count == len(h.observation_ids) for h in spots)
    assert [h.id for h in spots] == list(range(1, len(spots) + 1))
    keys = [(-h.count, -h.mean_feeling) for h in spots]
    assert keys == sorted(keys)
    # DBSCAN's semantics against brute force: core points (>= min_count within r) that are
    # within r of each other share a hot spot, and every member is within r of a core member.
    xy = np.array(points, dtype=float)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    near = d <= r
    core = near.sum(axis=1) >= min_count
    spot_of = {i: h.id for h in spots for i in h.observation_ids}
    for i, j in zip(*np.nonzero(near & core[:, None] & core[None, :])):
        assert spot_of.get(int(i)) == spot_of.get(int(j))
    for h in spots:
        ids = list(h.observation_ids)
        assert any(core[i] for i in ids)
        assert all(any(near[i, j] and core[j] for j in ids) for i in ids)
    shuffled = data[:]
    rnd.shuffle(shuffled)
    assert hot_spots(shuffled, radius_m=r, min_count=min_count) == spots


# --------------------------------------------------------------------------- Gi*


def cell_points(cells: dict[tuple[int, int], int], cell_m: float = 50.0, seed: int = 1,
                feeling=lambda i: 3) -> list[Observation]:
    """k points inside each cell (col, row) of the grid aligned at E0, N0, away from edges."""
    rng = random.Random(seed)
    out = []
    for (cx, cy), k in cells.items():
        for _ in range(k):
            e = E0 + (cx + rng.uniform(0.1, 0.9)) * cell_m
            n = N0 + (cy + rng.uniform(0.1, 0.9)) * cell_m
            out.append(obs(len(out) + 1, e, n, feeling=feeling(len(out))))
    return out


def cell_index(c: GridCell, cell_m: float) -> tuple[int, int]:
    centre = crs.geometry_to_metric(shape(c.area)).centroid
    return math.floor((centre.x - E0) / cell_m), math.floor((centre.y - N0) / cell_m)


def reference_gi_star(values: dict[tuple[int, int], float], cell_m: float):
    """Gi* on the full grid, cell by cell, in Getis & Ord's (1992) form:
    G* = sum_j w_ij x_j / sum_j x_j, E = W/n, Var = W(n-W)/(n²(n-1)) · Y2/Y1²."""
    xs = [c[0] for c in values]
    ys = [c[1] for c in values]
    cols = range(min(xs) - 1, max(xs) + 2)
    rows = range(min(ys) - 1, max(ys) + 2)
    grid = np.array([[values.get((x, y), 0.0) for y in rows] for x in cols])
    n = grid.size
    y1 = grid.sum() / n
    y2 = (grid ** 2).sum() / n - y1 ** 2
    out = {}
    for i, x in enumerate(cols):
        for j, y in enumerate(rows):
            block = grid[max(i - 1, 0):i + 2, max(j - 1, 0):j + 2]
            w = block.size
            if w == n or y2 <= 0:
                out[(x, y)] = 0.0
                continue
            g = block.sum() / grid.sum()
            var = w * (n - w) / (n * n * (n - 1)) * y2 / y1 ** 2
            out[(x, y)] = (g - w / n) / math.sqrt(var)
    return out


def test_gi_star_one_point_worked_by_hand():
    # one point: a 3 x 3 grid; its own cell's neighbourhood is the whole grid (z = 0); a corner
    # cell has z = (1 - 4/9) / (sqrt(8)/9 · sqrt((36 - 16)/8)) = sqrt(5)/2, an edge cell 1/sqrt(2)
    p = [obs(1, E0 + 25, N0 + 25)]
    (c,) = gi_star_grid(p)
    assert (c.count, c.z, c.p, c.kind) == (1, 0.0, 1.0, "ns")
    assert cell_index(c, 50.0) == (0, 0)
    assert shape(c.area).contains(Point(p[0].lon, p[0].lat))
    assert crs.area_m2(shape(c.area)) == pytest.approx(2500, rel=1e-4)
    cells = gi_star_grid(p, alpha=0.3)  # corners: p = 0.264 < 0.3; edges: p = 0.480
    assert [(cell_index(c, 50.0), c.kind) for c in cells][-1] == ((0, 0), "ns")
    corners = cells[:4]
    assert {cell_index(c, 50.0) for c in corners} == {(-1, -1), (-1, 1), (1, -1), (1, 1)}
    assert all(c.kind == "hot" and c.count == 0 for c in corners)
    assert all(c.z == pytest.approx(math.sqrt(5) / 2) for c in corners)
    assert len(cells) == 5


def test_gi_star_dense_corner_block_is_hot():
    cells = {(x, y): 1 for x in range(20) for y in range(20)}
    block = {(x, y) for x in range(3) for y in range(3)}
    cells.update({c: 15 for c in block})
    out = gi_star_grid(cell_points(cells))
    got = {cell_index(c, 50.0): c for c in out}
    assert all(got[c].kind == "hot" and got[c].z > 1.96 and got[c].count == 15 for c in block)
    hot = {k for k, c in got.items() if c.kind == "hot"}
    assert all(max(x, y) <= 4 for x, y in hot)  # nothing hot far from the block
    assert out[0].kind == "hot" and cell_index(out[0], 50.0) in block  # ordered by z


def test_gi_star_uniform_pattern_has_no_hot_cell():
    cells = {(x, y): 4 for x in range(30) for y in range(30)}
    out = gi_star_grid(cell_points(cells, seed=3))
    occupied = [c for c in out if c.count]
    assert len(occupied) == 900 and all(c.count == 4 for c in occupied)
    assert not [c for c in out if c.kind == "hot"]
    # the edge effect: the empty margin pulls the pattern's rim down; only the rim is cold
    rim = {-1, 0, 29, 30}
    cold = [cell_index(c, 50.0) for c in out if c.kind == "cold"]
    assert cold and all(x in rim or y in rim for x, y in cold)


def test_gi_star_lists_an_empty_cold_hole():
    # 30 x 30 cells of 10 points with a 5 x 5 hole: the hole's inner 3 x 3 cells have no
    # occupied neighbour at all, and are significantly cold
    hole = {(x, y) for x in range(12, 17) for y in range(12, 17)}
    cells = {(x, y): 10 for x in range(30) for y in range(30) if (x, y) not in hole}
    out = gi_star_grid(cell_points(cells, seed=4))
    cold = {cell_index(c, 50.0) for c in out if c.kind == "cold" and c.count == 0}
    assert {(x, y) for x in range(13, 16) for y in range(13, 16)} <= cold
    centre = next(c for c in out if cell_index(c, 50.0) == (14, 14))
    assert centre.z < -5 and centre.p < 1e-6


def test_gi_star_weight_by_feeling_uses_the_feelings():
    # the same count everywhere, but one cell's observations feel much worse
    cells = {(x, y): 3 for x in range(15) for y in range(15)}
    pts = cell_points(cells, feeling=lambda i: 1)
    scary = [o.id for o in pts if cell_index_of(o) == (7, 7)]
    pts = [obs(o.id, *metric(o), feeling=5 if o.id in scary else 1) for o in pts]
    by_count = gi_star_grid(pts)
    by_feeling = gi_star_grid(pts, weight_by_feeling=True)
    assert not [c for c in by_count if c.kind == "hot"]
    hot = {cell_index(c, 50.0) for c in by_feeling if c.kind == "hot"}
    # (7, 7) and its eight neighbours share the same neighbourhood sum, 8 · 3 + 15
    assert hot == {(x, y) for x in range(6, 9) for y in range(6, 9)}


def cell_index_of(o: Observation, cell_m: float = 50.0) -> tuple[int, int]:
    e, n = metric(o)
    return math.floor((e - E0) / cell_m), math.floor((n - N0) / cell_m)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 400), st.floats(0, 400), st.integers(1, 5)),
                min_size=1, max_size=80),
       st.sampled_from([20.0, 25.0, 50.0, 125.0]), st.floats(0.001, 0.5), st.booleans())
def test_gi_star_agrees_with_the_reference(points, cell_m, alpha, by_feeling):
    # every cell size divides E0 and N0, so the grid (aligned in EPSG:3006) is aligned at E0, N0
    # keep points away from cell edges so the WGS84 round trip cannot move them across one
    pts = [(x, y, f) for x, y, f in points if 0.01 < (x / cell_m) % 1 < 0.99
           and 0.01 < (y / cell_m) % 1 < 0.99]
    if not pts:
        return
    data = [obs(i, E0 + x, N0 + y, feeling=f) for i, (x, y, f) in enumerate(pts)]
    out = gi_star_grid(data, cell_m=cell_m, alpha=alpha, weight_by_feeling=by_feeling)
    values: dict[tuple[int, int], float] = {}
    counts: dict[tuple[int, int], int] = {}
    for x, y, f in pts:
        k = (math.floor(x / cell_m), math.floor(y / cell_m))
        values[k] = values.get(k, 0.0) + (f if by_feeling else 1.0)
        counts[k] = counts.get(k, 0) + 1
    ref = reference_gi_star(values, cell_m)
    for c in out:
        assert math.isfinite(c.z) and 0.0 <= c.p <= 1.0
        assert c.kind == ("ns" if c.p >= alpha else "hot" if c.z > 0 else "cold")
        assert c.p == pytest.approx(math.erfc(abs(c.z) / math.sqrt(2)), abs=1e-12)
    got = {cell_index(c, cell_m): c for c in out}
    assert len(got) == len(out)
    want = {k for k, z in ref.items() if counts.get(k) or math.erfc(abs(z) / math.sqrt(2)) < alpha}
    # a cell whose p lies within rounding of alpha may go either way
    borderline = {k for k, z in ref.items() if abs(math.erfc(abs(z) / math.sqrt(2)) - alpha) < 1e-9}
    assert want - borderline <= set(got) <= want | borderline
    for k, c in got.items():
        assert c.count == counts.get(k, 0)
        assert c.z == pytest.approx(ref[k], abs=1e-9)
