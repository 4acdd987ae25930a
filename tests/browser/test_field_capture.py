"""The participant's evening: join by code on an iPad, tap the map, pin, photo, reload."""

from __future__ import annotations

import io
import re
from urllib.parse import urlparse

import pytest
from PIL import Image
from playwright.sync_api import expect
from shapely.geometry import Point

from geo import demo
from geo.crs import distance_m
from geo.store import Store
from tests.browser.conftest import map_frame

HERE = (12.8985, 56.6612)  # a footpath in Andersberg, away from the demo pins


def gps_jpeg() -> bytes:
    """A camera-like JPEG with a GPS position and camera make in its EXIF."""
    img = Image.new("RGB", (1200, 900), (40, 60, 90))
    exif = Image.Exif()
    exif[0x010F] = "Kamerafabriken"  # Make
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (56.0, 39.0, 38.0), 3: "E", 4: (12.0, 54.0, 4.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def join(page, url: str, name: str, code: str = demo.DEMO_JOIN_CODE) -> None:
    page.goto(f"{url}/?kod={code}")
    page.get_by_label("Förnamn eller smeknamn").fill(name)
    page.get_by_role("button", name="Gå med", exact=True).tap()
    page.wait_for_selector("text=Tryck på kartan där det känns otryggt", timeout=30_000)


def pins(frame) -> int:
    return frame.locator("path.tk-obs").count()


def tap_at(page, frame, lon: float, lat: float) -> None:
    """Tap the map where (lon, lat) is drawn, with a finger."""
    x, y = frame.evaluate("""([lon, lat]) => {
        const map = Object.values(window).find(v => v instanceof L.Map);
        const p = map.latLngToContainerPoint([lat, lon]);
        const r = map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""", [lon, lat])
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    page.touchscreen.tap(box["x"] + x, box["y"] + y)


@pytest.mark.slow
def test_participant_pins_with_photo_on_a_tablet(app_url, app_db, tablet, tmp_path):
    page = tablet()
    join(page, app_url, "Tova")
    frame = map_frame(page)
    before = pins(frame)
    page.screenshot(path="/tmp/shots/1-joined.png")
    tap_at(page, frame, *HERE)
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=20_000)
    page.screenshot(path="/tmp/shots/2-dialog.png")
    # big targets for fingers and gloves: every choice and button at least 44 px high
    targets = [t for t in [*dialog.get_by_role("radio").all(), *dialog.get_by_role("button").all()]
               if t.is_visible() and t.get_attribute("aria-label") not in ("Close", "Stäng")]
    assert len(targets) >= 14 + 5 + 3  # categories, feelings, upload/save/cancel
    for target in targets:
        assert target.bounding_box()["height"] >= 44, target.inner_text()
    dialog.get_by_role("radio", name=re.compile("Belysning")).tap()
    dialog.get_by_role("radio", name="4", exact=True).tap()
    dialog.get_by_label("Beskriv kort").fill("Lampan vid gångtunneln är trasig")
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(gps_jpeg())
    dialog.locator('input[type="file"]').set_input_files(str(photo))
    dialog.get_by_text("Fotot bifogas").wait_for(timeout=20_000)
    page.screenshot(path="/tmp/shots/3-filled.png")
    dialog.get_by_role("button", name="Spara").tap()
    page.get_by_text("Sparad – nålen syns nu på kartan.").wait_for(timeout=20_000)
    wait_for_pins(page, before + 1)
    page.screenshot(path="/tmp/shots/4-saved.png")

    # a reload (or a dropped connection) keeps the participant in the walk, pin and all
    page.reload()
    page.get_by_text("Inloggad: Tova").wait_for(state="attached", timeout=30_000)  # folded sidebar
    wait_for_pins(page, before + 1)
    assert page.get_by_text("Mina iakttagelser (1)").count() == 1

    store = Store(app_db)
    saved = [o for o in store.observations(walk_id=walk_id(store)) if o.reported_by == "Tova"]
    assert len(saved) == 1
    pin = saved[0]
    assert (pin.category, pin.feeling, pin.description) == ("belysning", 4, "Lampan vid gångtunneln är trasig")
    assert pin.district_id == "andersberg" and pin.activity_id == "halmstad-2019.1.6"
    assert distance_m((pin.lon, pin.lat), HERE) < 6  # a CSS pixel is ~2.5 m at the district's zoom
    [meta] = store.photos(pin.id)
    data, mime = store.photo(meta["id"])
    stored = Image.open(io.BytesIO(data))
    assert mime == "image/jpeg" and stored.format == "JPEG" and (meta["width"], meta["height"]) == (1200, 900)
    assert not stored.getexif() and "exif" not in stored.info and b"Kamerafabriken" not in data
    assert {urlparse(u).hostname for u in page.outside} <= {"tile.openstreetmap.org"}


def empty_spot(app_db: str, away_m: float = 150, code: str = demo.DEMO_JOIN_CODE) -> tuple[float, float]:
    """A place in Andersberg with no pin within ``away_m`` metres (earlier tests add pins; at
    the zoom that fits the district on a tablet a pin is some 10 px, about 100 m, across)."""
    store = Store(app_db)
    pins = store.observations(walk_id=walk_id(store, code))
    area = store.districts().geometry("andersberg")
    for lat in (56.6560 + i * 0.0008 for i in range(16)):
        for lon in (12.8940 + j * 0.0012 for j in range(12)):
            if area.contains(Point(lon, lat)) and all(distance_m((o.lon, o.lat), (lon, lat)) > away_m for o in pins):
                return lon, lat
    raise AssertionError("no empty place left in Andersberg")


def walk_id(store: Store, code: str = demo.DEMO_JOIN_CODE) -> int:
    return store.walk_by_code(code).id


def wait_for_pins(page, n: int, timeout: float = 20_000) -> None:
    """Wait until the walk map draws ``n`` pins (the map refreshes by itself)."""
    frame = map_frame(page)
    frame.wait_for_function(f"document.querySelectorAll('path.tk-obs').length === {n}",
                            timeout=timeout)


def pin_count(page) -> int:
    return map_frame(page).locator("path.tk-obs").count()


def test_a_second_tablet_sees_the_pin_without_reloading(app_url, app_db, tablet):
    first, second = tablet(), tablet()
    join(first, app_url, "Ali")
    join(second, app_url, "Bea")
    start = pin_count(second)
    frame = map_frame(first)
    spot = empty_spot(app_db)
    tap_at(first, frame, *spot)
    dialog = first.get_by_role("dialog")
    dialog.get_by_role("radio", name=re.compile("Klotter")).tap()
    dialog.get_by_role("radio", name="3", exact=True).tap()
    dialog.get_by_role("button", name="Spara").tap()
    first.get_by_text("Sparad – nålen syns nu på kartan.").wait_for(timeout=20_000)
    # no reload on the second tablet: the map refreshes its pins by itself
    wait_for_pins(second, start + 1)
    assert second.get_by_text("Inloggad: Bea").count() == 1
    # Bea may look at Ali's pin but not change it, and does not see Ali's name
    tap_at(second, map_frame(second), *spot)
    view = second.get_by_role("dialog")
    view.get_by_text("Klotter och skadegörelse").wait_for(timeout=20_000)
    assert view.get_by_role("button", name="Spara").count() == 0
    assert view.get_by_text("Ali").count() == 0
    assert {urlparse(u).hostname for u in first.outside + second.outside} <= {"tile.openstreetmap.org"}


def test_here_i_am_pins_at_the_gps_position(app_url, app_db, tablet):
    page = tablet(permissions=["geolocation"],
                  geolocation={"latitude": 56.6617, "longitude": 12.9002, "accuracy": 18})
    join(page, app_url, "Gustav")
    map_frame(page)
    page.get_by_role("button", name="Här är jag", exact=True).tap()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("noggrann på ungefär ±18 m").wait_for(timeout=20_000)
    dialog.get_by_role("radio", name=re.compile("Belysning")).tap()
    dialog.get_by_role("radio", name="5 Mycket otryggt").tap()
    dialog.get_by_role("button", name="Spara").tap()
    page.get_by_text("Sparad – nålen syns nu på kartan.").wait_for(timeout=20_000)
    store = Store(app_db)
    [pin] = [o for o in store.observations(walk_id=walk_id(store)) if o.reported_by == "Gustav"]
    assert (pin.lon, pin.lat, pin.feeling) == (12.9002, 56.6617, 5)


def test_gps_refused_says_why_and_tapping_still_works(app_url, app_db, tablet):
    page = tablet()  # no geolocation permission: the browser refuses
    join(page, app_url, "Hedda")
    map_frame(page)
    page.get_by_role("button", name="Här är jag", exact=True).tap()
    page.get_by_text("Platsåtkomst är nekad för sidan").wait_for(timeout=20_000)
    tap_at(page, map_frame(page), *empty_spot(app_db))
    page.get_by_role("dialog").get_by_text("Vad gäller det?").wait_for(timeout=20_000)


def test_hostile_text_through_the_pin_form_runs_nothing(app_url, app_db, tablet):
    from tests.browser.test_security import XSS

    page = tablet()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    join(page, app_url, "<img src=x onerror=alert('namn')>")
    hostile = "\n".join(XSS)
    tap_at(page, map_frame(page), *empty_spot(app_db))
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("radio", name=re.compile("Övrigt")).tap()
    dialog.get_by_role("radio", name="2", exact=True).tap()
    dialog.get_by_label("Beskriv kort").fill(hostile)
    dialog.get_by_role("button", name="Spara").tap()
    page.get_by_text("Sparad – nålen syns nu på kartan.").wait_for(timeout=20_000)
    store = Store(app_db)
    [pin] = [o for o in store.observations(walk_id=walk_id(store)) if o.description == hostile]
    # the text is shown in the map's tooltip and popup, the list, and the pin's own dialog
    frame = map_frame(page)
    for i in range(frame.locator("path.tk-obs").count()):
        frame.locator("path.tk-obs").nth(i).dispatch_event("mouseover")
    page.get_by_role("button", name="Öppna").first.tap()  # the list of own pins is open
    page.get_by_role("dialog").get_by_label("Beskriv kort").wait_for(timeout=20_000)
    assert page.get_by_role("dialog").get_by_label("Beskriv kort").input_value() == hostile
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.evaluate("window.__xss") is None
    assert frame.evaluate("window.top.__xss") is None
    assert frame.locator("img[src=x], svg[onload], iframe[src^=javascript]").count() == 0
    assert page.locator("img[src=x], svg[onload], iframe[src^=javascript]").count() == 0
    assert pin.reported_by.startswith("<img")


def test_a_tablet_in_dark_mode_gets_the_dark_theme_and_a_dark_map(app_url, tablet):
    page = tablet(color_scheme="dark")
    join(page, app_url, "Nattuggla")
    frame = map_frame(page)
    background = page.evaluate("getComputedStyle(document.querySelector('.stApp')).backgroundColor")
    assert background == "rgb(11, 13, 16)"
    frame.wait_for_function(
        "getComputedStyle(document.querySelector('.leaflet-tile-pane')).filter.includes('invert')")
    # the "Här är jag" button keeps a high contrast in the dark theme as well
    assert page.get_by_role("button", name="Här är jag", exact=True).bounding_box()["height"] >= 56


def open_pin_form(page, url: str, db: str, name: str, category: str, feeling: str,
                  code: str = demo.DEMO_JOIN_CODE):
    """Join the walk ``code`` as ``name``, tap an empty place and choose ``category`` and
    ``feeling`` in the pin form, which is returned (a locator of the dialog)."""
    join(page, url, name, code)
    tap_at(page, map_frame(page), *empty_spot(db, code=code))
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("radio", name=re.compile(category)).tap()
    dialog.get_by_role("radio", name=feeling, exact=True).tap()
    return dialog


def test_a_file_that_is_not_an_image_is_refused_with_a_reason(app_url, app_db, tablet, tmp_path):
    page = tablet()
    dialog = open_pin_form(page, app_url, app_db, "Ines", "Belysning", "3")
    fake = tmp_path / "foto.jpg"  # a script with a picture's name
    fake.write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>")
    dialog.locator('input[type="file"]').set_input_files(str(fake))
    dialog.get_by_text(re.compile("SVG-bilder tas inte emot")).wait_for(timeout=20_000)  # at once
    dialog.get_by_role("button", name="Spara").tap()
    dialog.get_by_text("bilden kan inte tas emot").wait_for(timeout=20_000)
    store = Store(app_db)
    assert not [o for o in store.observations(walk_id=walk_id(store)) if o.reported_by == "Ines"]
    # without the file the same pin saves, with what was chosen still chosen
    dialog.get_by_role("button", name=re.compile("Remove|Ta bort")).first.tap()
    dialog.get_by_role("button", name="Spara").tap()
    page.get_by_text("Sparad – nålen syns nu på kartan.").wait_for(timeout=20_000)
    assert [o.feeling for o in store.observations(walk_id=walk_id(store)) if o.reported_by == "Ines"] == [3]


def test_a_safe_place_is_pinned_without_the_unsafe_question_and_shows_as_a_shield(app_url, app_db, tablet):
    page = tablet()
    join(page, app_url, "Saga")
    frame = map_frame(page)
    dots, shields = pins(frame), frame.locator("path.tk-safe").count()
    spot = empty_spot(app_db)
    tap_at(page, frame, *spot)
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=20_000)
    dialog.get_by_text("Hur otryggt känns det här?").wait_for(timeout=20_000)  # until a safe place is chosen
    dialog.get_by_role("radio", name=re.compile("Trygg plats")).tap()
    dialog.get_by_text("Trygg plats: sparas som ”1 Tryggt”").wait_for(timeout=20_000)
    # the form is drawn anew: the question goes once the run is done (not at once)
    expect(dialog.get_by_text("Hur otryggt känns det här?")).to_have_count(0, timeout=20_000)
    expect(dialog.get_by_role("radio", name="1 Tryggt")).to_have_count(0, timeout=20_000)
    dialog.get_by_role("button", name="Spara").tap()  # category, nothing else: one tap to save
    page.get_by_text("Sparad – nålen syns nu på kartan.").wait_for(timeout=20_000)
    frame = map_frame(page)
    frame.wait_for_function(f"document.querySelectorAll('path.tk-safe').length === {shields + 1}",
                            timeout=20_000)
    assert pins(frame) == dots  # a shield, not a dot
    store = Store(app_db)
    [saved] = [o for o in store.observations(walk_id=walk_id(store)) if o.reported_by == "Saga"]
    assert (saved.category, saved.feeling) == ("trygg_plats", 1)
    # a tap on the shield offers the pin (one's own: nothing to agree with); it places no new one
    tap_at(page, frame, saved.lon, saved.lat)
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Det här är din egen nål").wait_for(timeout=20_000)
    assert dialog.get_by_role("button", name="Jag håller med").count() == 0
    dialog.get_by_role("button", name="Öppna").tap()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Din iakttagelse").wait_for(timeout=20_000)
    expect(dialog.get_by_text("Hur otryggt känns det här?")).to_have_count(0, timeout=20_000)
    assert {urlparse(u).hostname for u in page.outside} <= {"tile.openstreetmap.org"}
