"""geo.capture.pins_near: the pins within a finger's reach of a tap, measured in metres in
SWEREF 99 TM at the map's zoom, nearest first; merged pins never offered."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from geo import crs
from geo.capture import TAP_PX, metres_per_pixel, pins_near
from tests import factories as make

TAP = (12.9012, 56.6606)  # Andersberg
X0, Y0 = crs.to_metric(*TAP)


def at(i: int, dx: float, dy: float, **fields):
    """Pin ``i``, ``dx`` metres east and ``dy`` north of the tap (in EPSG:3006)."""
    return make.observation(i, metric=(X0 + dx, Y0 + dy), **fields)


def test_metres_per_pixel_is_web_mercators():
    assert metres_per_pixel(0, 0) == pytest.approx(156543.03392)
    assert metres_per_pixel(TAP[1], 18) == pytest.approx(156543.03392 * math.cos(math.radians(56.6606)) / 2 ** 18)
    assert metres_per_pixel(TAP[1], 18) == pytest.approx(0.3282, abs=1e-4)
    assert metres_per_pixel(TAP[1], 17) == pytest.approx(2 * metres_per_pixel(TAP[1], 18))


def test_a_known_answer_at_zoom_18():
    # 20 px at zoom 18 in Halmstad: about 6.56 m
    north5, east8, south6, west6 = at(1, 0, 5), at(2, 8, 0), at(3, 0, -6), at(4, -6.4, 0)
    found = pins_near(*TAP, [east8, north5, west6, south6], zoom=18)
    assert [o.id for o in found] == [1, 3, 4]  # nearest first; 8 m is beyond reach
    assert [o.id for o in pins_near(*TAP, [east8, north5], zoom=17)] == [1, 2]  # zoomed out: 13 m
    assert [o.id for o in pins_near(*TAP, [east8, north5], zoom=18, px=40)] == [1, 2]


def test_ties_go_by_id_and_merged_pins_are_left_out():
    a, b = make.observation(5, lon=TAP[0], lat=TAP[1] + 1e-5), make.observation(3, lon=TAP[0], lat=TAP[1] + 1e-5)
    merged = make.observation(1, lon=TAP[0], lat=TAP[1], merged_into=5)
    assert [o.id for o in pins_near(*TAP, [a, merged, b], zoom=18)] == [3, 5]


def test_nothing_near_and_nothing_at_all():
    assert pins_near(*TAP, [], zoom=18) == []
    assert pins_near(*TAP, [at(1, 500, 0)], zoom=18) == []
    under = make.observation(1, lon=TAP[0], lat=TAP[1])
    assert pins_near(*TAP, [under], zoom=18, px=0) == [under]  # exactly under the finger


@pytest.mark.parametrize(("kwargs", "named"), [
    (dict(zoom=None), "zoom"), (dict(zoom=math.nan), "zoom"), (dict(zoom=18, px=-1), "px"),
    (dict(zoom=18, px=True), "px"), (dict(zoom="18"), "zoom")])
def test_bad_values_are_named(kwargs, named):
    with pytest.raises(ValueError, match=named):
        pins_near(*TAP, [at(1, 0, 0)], **kwargs)
    with pytest.raises(ValueError, match="lat"):
        pins_near(TAP[0], 95.0, [], zoom=18)


offsets = st.tuples(st.floats(-150, 150), st.floats(-150, 150))


@settings(max_examples=60, deadline=None)
@given(st.lists(offsets, max_size=25), st.floats(14, 21), st.floats(1, 60), offsets)
def test_exactly_the_pins_within_reach_nearest_first(points, zoom, px, tap_offset):
    tap = crs.to_wgs84(X0 + tap_offset[0], Y0 + tap_offset[1])
    pins = [at(i, dx, dy) for i, (dx, dy) in enumerate(points, start=1)]
    radius = px * metres_per_pixel(tap[1], zoom)
    distances = {o.id: crs.distance_m(tap, (o.lon, o.lat)) for o in pins}
    assume(all(abs(d - radius) > 1e-6 for d in distances.values()))  # none on the rim itself
    found = pins_near(*tap, pins, zoom=zoom, px=px)
    assert {o.id for o in found} == {i for i, d in distances.items() if d <= radius}
    assert [distances[o.id] for o in found] == sorted(distances[o.id] for o in found)
    # zoomed in one step, the finger covers half the ground: never more pins
    assert {o.id for o in pins_near(*tap, pins, zoom=zoom + 1, px=px)} <= {o.id for o in found}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(offsets, st.booleans()), max_size=20), st.floats(14, 21))
def test_merged_pins_are_never_offered(points, zoom):
    pins = [at(i, dx, dy, merged_into=999 if merged else None)
            for i, ((dx, dy), merged) in enumerate(points, start=1)]
    found = pins_near(*TAP, pins, zoom=zoom, px=TAP_PX)
    assert all(o.merged_into is None for o in found)
    assert {o.id for o in found} == {o.id for o in pins_near(*TAP, [p for p in pins if p.merged_into is None],
                                                               zoom=zoom)}
