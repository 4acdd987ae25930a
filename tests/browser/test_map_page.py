"""The planner map in headless Chromium with no internet: layers, a pin's details, and a
measure planned from a hot spot, linked to its observations and a promise activity."""

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from geo.store import Store
from tests.browser.conftest import map_frame, sign_in

pytestmark = pytest.mark.browser

TILE_HOST = "tile.openstreetmap.org"


def others(page):
    return [u for u in page.outside if urlparse(u).hostname != TILE_HOST]


def test_map_shows_outline_pins_hot_spots_and_layers_without_internet(app_url, page):
    sign_in(page, app_url)
    frame = map_frame(page)
    pins = frame.locator("path.tk-obs").count()
    assert pins >= 50, f"expected Andersberg's demo pins, saw {pins}"
    assert frame.locator("path.tk-hotspot").count() >= 5 and frame.locator(".tk-spot-count").count() >= 5
    assert frame.locator("path.tk-measure").count() >= 1
    box = frame.locator(".leaflet-container").bounding_box()
    assert box and box["height"] > 300
    assert frame.locator(".tk-legend").text_content().split()[0] == "Teckenförklaring"
    layers = frame.locator(".leaflet-control-layers").text_content()
    for name in ("Iakttagelser", "Värmekarta", "Hot spots", "Åtgärder", "Getis-Ord"):
        assert name in layers, layers
    assert others(page) == [], others(page)


def test_layers_switch_on_and_off(app_url, page):
    sign_in(page, app_url)
    frame = map_frame(page)
    frame.locator(".leaflet-control-layers").hover()
    frame.get_by_label(re.compile("Värmekarta")).check()
    frame.wait_for_selector("canvas.leaflet-heatmap-layer", timeout=10_000)
    frame.get_by_label(re.compile("Iakttagelser")).uncheck()
    assert frame.locator("path.tk-obs").count() == 0
    frame.get_by_label(re.compile("Hot spots")).uncheck()
    assert frame.locator("path.tk-hotspot").count() == 0
    frame.get_by_label(re.compile("Iakttagelser")).check()
    assert frame.locator("path.tk-obs").count() >= 50
    # clustering, from the sidebar: the map is drawn afresh with cluster bubbles
    page.get_by_text("Gruppera nålar").click()
    drawn = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').last  # the new map
    drawn.locator(".marker-cluster").first.wait_for(timeout=20_000)
    assert drawn.locator(".marker-cluster").count() >= 3
    assert page.console_errors == [] or all("ERR_FAILED" in e for e in page.console_errors)


def test_a_pin_shows_its_details_and_a_hot_spot_becomes_a_measure(app_url, app_db, page):
    sign_in(page, app_url)
    frame = map_frame(page)
    # a click on a pin in a hot spot: its details, and the hot spot it belongs to
    frame.locator(".tk-spot-count").first.click(force=True)
    summary = page.get_by_text(re.compile(r"Hot spot \d+: \d+ iakttagelser"))
    summary.wait_for(timeout=20_000)
    spot_id, count = map(int, re.search(r"Hot spot (\d+): (\d+)", summary.inner_text()).groups())
    # the details come in the same run, just after the summary
    expect(page.get_by_text("Historik").first).to_be_visible(timeout=20_000)
    activity = page.get_by_text(re.compile(r"Aktivitet i medborgarlöftet: \d\.\d+ \w"))  # words, not the id
    expect(activity.first).to_be_visible()
    page.get_by_role("button", name=f"Planera en åtgärd för hot spot {spot_id}").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Rubrik").wait_for(timeout=20_000)
    assert dialog.get_by_label("Rubrik").input_value() == f"Åtgärd vid hot spot {spot_id}"
    dialog.get_by_label("Rubrik").fill("Ny belysning längs gångvägen")
    dialog.get_by_label("Vem (t.ex. fastighetsägare)").fill("HFAB")
    dialog.get_by_role("button", name="Spara åtgärden").click()
    page.get_by_text(re.compile(r"Åtgärd \d+ är sparad")).wait_for(timeout=20_000)
    new_id = int(re.search(r"Åtgärd (\d+)",
                           page.get_by_text(re.compile(r"Åtgärd \d+ är sparad")).inner_text()).group(1))

    measure = Store(app_db).measure(new_id)
    assert measure.title == "Ny belysning längs gångvägen" and measure.responsible_name == "HFAB"
    assert len(measure.observation_ids) == count and measure.geometry["type"] == "Polygon"
    assert measure.activity_id and measure.activity_id.startswith("halmstad-2019")
    assert measure.district_id == "andersberg" and measure.status == "proposed"
    assert others(page) == [], others(page)


def test_about_page_names_sources(app_url, page):
    sign_in(page, app_url)
    page.get_by_role("link", name="Om och källor").click()
    page.wait_for_selector("text=Källor och licenser", timeout=30_000)
    body = page.inner_text("body")
    assert "SCB" in body and "RegSO" in body and "OpenStreetMap" in body
    page.get_by_text("Medborgarlöfte Halmstad 2019").click()
    page.wait_for_selector("text=halmstad-2019.1.6", timeout=10_000)
    assert others(page) == [], others(page)


def test_safe_places_are_shields_in_a_layer_of_their_own(app_url, app_db, page):
    from geo import catalog

    store = Store(app_db)
    shown = store.observations(district_ids=store.districts().family("andersberg"))
    positive = catalog.load().positive_ids()
    safe = [o for o in shown if o.category in positive]
    assert safe, "the demo has safe places in Andersberg"
    sign_in(page, app_url)
    frame = map_frame(page)
    frame.locator("path.tk-safe").first.wait_for(timeout=20_000)
    assert frame.locator("path.tk-safe").count() == len(safe)
    assert frame.locator("path.tk-obs").count() == len(shown) - len(safe)  # not among the dots
    legend = frame.locator(".tk-legend")
    assert legend.locator("svg").count() == 1 and "Trygg plats" in legend.text_content()
    assert "Trygga platser" in frame.locator(".leaflet-control-layers").text_content()
    caption = page.get_by_text(re.compile(r"iakttagelser visas, varav \d+ trygga platser"))
    assert f"varav {len(safe)} trygga platser" in caption.inner_text()
    # each layer has its own switch
    frame.locator(".leaflet-control-layers").hover()
    frame.get_by_label(re.compile("Iakttagelser")).uncheck()
    assert frame.locator("path.tk-obs").count() == 0 and frame.locator("path.tk-safe").count() == len(safe)
    frame.get_by_label(re.compile("Trygga platser")).uncheck()
    assert frame.locator("path.tk-safe").count() == 0
    frame.get_by_label(re.compile("Trygga platser")).check()
    # a click on a shield shows that safe place's details, without a feeling
    frame.locator("path.tk-safe").first.dispatch_event("click")
    line = page.get_by_text(re.compile(r"^#\d+ Trygg plats – guldkorn"))
    line.first.wait_for(timeout=20_000)
    assert "Otrygghet" not in line.first.inner_text()
    assert int(re.match(r"#(\d+)", line.first.inner_text()).group(1)) in {o.id for o in safe}
    assert others(page) == [], others(page)
