"""The walk page on a dark, cold evening: the map is the page on every device, and a tap on a
pin already there offers "Jag håller med" (me too) instead of a second pin.  On a database
without demo data, with one walk made through the store as the walks page makes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from geo.store import Store
from tests.browser.conftest import guarded_page, map_frame
from tests.browser.empty_walk import CODE, walk_app_db  # noqa: F401
from tests.browser.test_accessibility import assert_no_violations, violations
from tests.browser.test_field_capture import empty_spot, join, open_pin_form, tap_at, walk_id


@pytest.fixture(scope="module")
def walk_page_app(walk_app_db) -> tuple[str, str]:  # noqa: F811
    """The app on a database without demo data with one open walk (:data:`CODE`), of this
    module's own, and the database's URL; each test finds an empty place for its own pins."""
    return walk_app_db


DEVICES = {  # name: (viewport, touch device with a mobile browser)
    "ipad-portrait": ({"width": 810, "height": 1080}, False),
    "ipad-landscape": ({"width": 1080, "height": 810}, False),
    "phone": ({"width": 390, "height": 844}, True),
}


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_map_takes_the_height_of_every_device(walk_page_app, browser, scheme):
    app, _ = walk_page_app
    for name, (viewport, mobile) in DEVICES.items():
        context = browser.new_context(viewport=viewport, has_touch=True, is_mobile=mobile, locale="sv-SE",
                                      color_scheme=scheme)
        try:
            page = guarded_page(context)
            join(page, app, f"Höjd {name}", CODE)
            frame = map_frame(page)
            box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
            assert box["height"] >= 0.7 * viewport["height"], (name, scheme, box)
            # the map inside fills its frame, and its controls are big enough for a gloved finger
            inner = frame.evaluate("document.querySelector('.leaflet-container').getBoundingClientRect().height")
            assert inner >= box["height"] - 2, (name, inner, box)
            for control in frame.locator(".leaflet-control-zoom a").all():
                size = control.bounding_box()
                assert size["width"] >= 44 and size["height"] >= 44, (name, size)
            # the scale is in metres only, the legend is there, folded
            expect(frame.locator(".leaflet-control-scale-line")).to_have_count(1)
            assert re.fullmatch(r"\d+ k?m", frame.locator(".leaflet-control-scale-line").inner_text().strip())
            expect(frame.locator("details.tk-legend summary")).to_have_text("Teckenförklaring")
            # the button that shows the sidebar is a finger's size too
            toggle = page.get_by_test_id("stExpandSidebarButton")
            assert toggle.bounding_box()["height"] >= 44, (name, toggle.bounding_box())
            # and nothing serious for axe-core at this size either (iPad portrait: test_accessibility)
            assert_no_violations(violations(page), f"the walk page ({name}, {scheme})")
        finally:
            context.close()


@pytest.mark.slow
def test_a_tap_near_a_pin_offers_me_too_and_two_people_second_it(walk_page_app, tablet):
    app, db = walk_page_app
    author, ali, bea = tablet(), tablet(), tablet()
    join(author, app, "Cia", CODE)
    spot = empty_spot(db, code=CODE)
    tap_at(author, map_frame(author), *spot)
    dialog = author.get_by_role("dialog")
    dialog.get_by_role("radio", name=re.compile("Belysning")).tap()
    dialog.get_by_role("radio", name="4", exact=True).tap()
    dialog.get_by_role("button", name="Spara").tap()
    author.get_by_text("Sparad – nålen syns nu på kartan.").wait_for(timeout=20_000)
    store = Store(db)
    [pin] = [o for o in store.observations(walk_id=walk_id(store, CODE)) if o.reported_by == "Cia"]

    for person, name in ((ali, "Ali"), (bea, "Bea")):
        join(person, app, name, CODE)
        frame = map_frame(person)
        frame.wait_for_function("document.querySelectorAll('path.tk-obs').length >= 1", timeout=20_000)
        # a tap some 12 screen pixels beside the pin: the pin is offered, no new pin started
        x, y = frame.evaluate("""([lon, lat]) => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            const p = map.latLngToContainerPoint([lat, lon]);
            const q = map.containerPointToLatLng([p.x + 12, p.y]);
            return [q.lng, q.lat]; }""", [pin.lon, pin.lat])
        tap_at(person, frame, x, y)
        near = person.get_by_role("dialog")
        near.get_by_text("Nålar nära där du tryckte").wait_for(timeout=20_000)
        for choice in ("Jag håller med", "Öppna", "Ny nål här"):  # the three choices
            expect(near.get_by_role("button", name=choice)).to_have_count(1)
        near.get_by_role("button", name="Jag håller med").tap()
        person.get_by_text(re.compile(r"Tack! Nu håller \d med")).wait_for(timeout=20_000)

    # seconding twice counts once: Bea taps again, and is told she already agrees
    tap_at(bea, map_frame(bea), pin.lon, pin.lat)
    near = bea.get_by_role("dialog")
    near.get_by_text("2 håller med").wait_for(timeout=20_000)
    expect(near.get_by_role("button", name="Du håller med")).to_be_disabled()
    assert Store(db).observation(pin.id).supporters == 2
    # the author's own pin: no agreeing with oneself
    tap_at(author, map_frame(author), pin.lon, pin.lat)
    mine = author.get_by_role("dialog")
    mine.get_by_text("Det här är din egen nål").wait_for(timeout=20_000)
    assert mine.get_by_role("button", name="Jag håller med").count() == 0
    # "Ny nål här" places a new pin at the tap, beside the busy one
    mine.get_by_role("button", name="Ny nål här").tap()
    author.get_by_role("dialog").get_by_text("Vad gäller det?").wait_for(timeout=20_000)



def test_a_rough_gps_reading_asks_for_a_tap_and_shows_where(walk_page_app, tablet):
    app, _ = walk_page_app
    page = tablet(permissions=["geolocation"],
                  geolocation={"latitude": 56.6617, "longitude": 12.9002, "accuracy": 350})
    join(page, app, "Ivar", CODE)
    frame = map_frame(page)
    page.get_by_role("button", name="Här är jag", exact=True).tap()
    page.get_by_text("Positionen är för osäker för en nål (±350 m)").wait_for(timeout=20_000)
    expect(page.get_by_text("view more")).to_have_count(0)  # a long toast's own button is Swedish
    expect(frame.locator("path.tk-rough")).to_have_count(1, timeout=20_000)  # where, roughly
    assert page.get_by_role("dialog").count() == 0  # no pin form for a place 350 m wide
    # the person taps where they are – here right under the toast, which lets the tap through
    toast = page.get_by_test_id("stToast").first.bounding_box()
    mapbox = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    x, y = toast["x"] + toast["width"] / 2, toast["y"] + toast["height"] / 2
    assert mapbox["y"] + mapbox["height"] / 2 < y < mapbox["y"] + mapbox["height"]  # over the map's lower half
    page.touchscreen.tap(x, y)
    page.get_by_role("dialog").get_by_text("Vad gäller det?").wait_for(timeout=20_000)


def test_a_pin_is_made_with_three_photos_and_a_fourth_is_refused(walk_page_app, tablet, tmp_path):
    from tests.browser.test_field_capture import gps_jpeg

    app, db = walk_page_app
    page = tablet()
    dialog = open_pin_form(page, app, db, "Jon", "Nedskräpning", "3", CODE)
    photos = []
    for i in range(4):
        photos.append(tmp_path / f"IMG_{i}.jpg")
        photos[-1].write_bytes(gps_jpeg())
    upload = dialog.locator('input[type="file"]')
    upload.set_input_files([str(p) for p in photos])
    dialog.get_by_text("Högst 3 foton per nål").wait_for(timeout=30_000)
    # take the fourth away again
    dialog.get_by_test_id("stFileChip").filter(has_text="IMG_3.jpg").get_by_test_id("stFileChipDeleteBtn").tap()
    expect(dialog.get_by_text("Fotot bifogas")).to_have_count(3, timeout=30_000)
    expect(dialog.get_by_text("Högst 3 foton per nål")).to_have_count(0)
    dialog.get_by_role("button", name="Spara").tap()
    page.get_by_text("Sparad – nålen syns nu på kartan.").wait_for(timeout=20_000)
    store = Store(db)
    [pin] = [o for o in store.observations(walk_id=walk_id(store, CODE)) if o.reported_by == "Jon"]
    assert len(store.photos(pin.id)) == 3
