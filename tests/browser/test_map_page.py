"""The first map page in headless Chromium with no internet: outline and demo pins show."""

from urllib.parse import urlparse

import pytest

from tests.browser.conftest import map_frame, sign_in

pytestmark = pytest.mark.browser

TILE_HOST = "tile.openstreetmap.org"


def test_map_shows_outline_and_demo_pins_without_internet(app_url, page):
    sign_in(page, app_url)
    frame = map_frame(page)
    # The district outline is an SVG path; demo pins are circle markers with class tk-obs.
    frame.wait_for_selector("path.tk-obs", timeout=30_000)
    pins = frame.locator("path.tk-obs").count()
    assert pins >= 50, f"expected Andersberg's demo pins, saw {pins}"
    assert frame.locator("path.leaflet-interactive, path").count() > pins  # + outline
    box = frame.locator(".leaflet-container").bounding_box()
    assert box and box["height"] > 300
    # Legend and layer control came along, in Swedish.
    assert frame.locator(".tk-legend").inner_text().startswith("Teckenförklaring")
    assert "Iakttagelser" in frame.locator(".leaflet-control-layers").inner_text()
    # Nothing but map tiles was asked of another host.
    others = [u for u in page.outside if urlparse(u).hostname != TILE_HOST]
    assert others == [], others


def test_pin_popup_shows_escaped_text(app_url, page):
    sign_in(page, app_url)
    frame = map_frame(page)
    frame.wait_for_selector("path.tk-obs")
    frame.locator("path.tk-obs").first.dispatch_event("click")
    popup = frame.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    text = popup.inner_text()
    assert "Kategori" in text and "Otrygghet" in text


def test_about_page_names_sources(app_url, page):
    sign_in(page, app_url)
    page.get_by_role("link", name="Om och källor").click()
    page.wait_for_selector("text=Källor och licenser", timeout=30_000)
    body = page.inner_text("body")
    assert "SCB" in body and "RegSO" in body and "OpenStreetMap" in body
    page.get_by_text("Medborgarlöfte Halmstad 2019").click()
    page.wait_for_selector("text=halmstad-2019.1.6", timeout=10_000)
    others = [u for u in page.outside if urlparse(u).hostname != TILE_HOST]
    assert others == [], others
