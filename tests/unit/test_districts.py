"""Real SCB districts: placement of points and areas measured in SWEREF 99 TM."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from geo import crs, districts


@pytest.fixture(scope="module")
def ds():
    return districts.load()


def test_every_app_district_is_there(ds):
    ids = {d.id for d in ds}
    assert {"andersberg", "vallas", "vallas-ostra", "vallas-vastra", "halmstad-centrum",
            "barnangen", "hallsberg", "almhult"} <= ids
    assert ds.get("barnangen").regsokod == "1961R001"
    assert all(d.attribution.startswith(("Källa: SCB", "Bearbetning av SCB")) for d in ds)


def test_point_in_andersbergs_centre_and_one_in_the_sea(ds):
    centre = ds.get("andersberg").centre
    assert ds.place(*centre).id == "andersberg"
    assert ds.place(12.80, 56.64) is None  # Laholmsbukten, off Halmstad
    assert [d.id for d in ds.containing(*ds.get("vallas-ostra").centre)] == ["vallas-ostra", "vallas"]


def test_areas_are_measured_in_metres(ds):
    # SCB states Andersberg at 0.65 km² and Vallås at 4.50 km²; we measure in EPSG:3006.
    assert crs.area_m2(ds.geometry("andersberg")) / 1e6 == pytest.approx(0.649, abs=0.002)
    assert crs.area_m2(ds.geometry("vallas")) / 1e6 == pytest.approx(4.504, abs=0.005)
    parts = crs.area_m2(ds.geometry("vallas-ostra")) + crs.area_m2(ds.geometry("vallas-vastra"))
    assert parts == pytest.approx(crs.area_m2(ds.geometry("vallas")), rel=1e-4)


def test_axis_order_is_lon_lat_everywhere():
    e, n = crs.to_metric(12.90123, 56.660631)
    assert 300_000 < e < 400_000 and 6_200_000 < n < 6_300_000  # easting, northing
    lon, lat = crs.to_wgs84(e, n)
    assert (round(lon, 6), round(lat, 6)) == (12.90123, 56.660631)
    assert crs.leaflet(12.9, 56.6) == [56.6, 12.9]
    assert crs.leaflet_bounds(12.8, 56.6, 12.9, 56.7) == [[56.6, 12.8], [56.7, 12.9]]
    assert crs.latlon_text(12.9012, 56.6606) == "56.66060, 12.90120"
    # 1 km east of Andersberg is about 0.0163 degrees of longitude at 56.66° N
    assert crs.distance_m((12.90123, 56.660631), (12.91758, 56.660631)) == pytest.approx(1000, abs=5)


def test_family_includes_parts(ds):
    assert ds.family("vallas") == ["vallas", "vallas-ostra", "vallas-vastra"]
    assert ds.family("andersberg") == ["andersberg"]


@settings(max_examples=200, deadline=None)
@given(st.floats(12.85, 12.95), st.floats(56.64, 56.70))
def test_placement_agrees_with_the_polygons(ds, lon, lat):
    placed = ds.place(lon, lat)
    holders = [d.id for d in ds if ds.geometry(d.id).intersects(Point(lon, lat))]
    if placed is None:
        assert holders == []
    else:
        assert placed.id in holders
        assert placed.area_km2 == min(ds.get(h).area_km2 for h in holders)
