"""Pins made with no connection, on an iPad, on a database without demo data: the map says at
once that it is offline and how many pins wait, keeps each pin made in its own small form,
and sends each exactly once when the connection is back – also after the page was closed and
the participant's link opened again.

What Chromium does with ``context.set_offline(True)`` (measured here, Streamlit 1.67): the
page's WebSocket to Streamlit is *not* closed – no close event, and Streamlit's status
widget shows no "Connecting" – but no frame comes through in either direction until the
context is online again.  ``navigator.onLine`` turns false at once in the page and in the
map's frame, which is what the outbox reads first (beside a failed request to the app and
Streamlit's own connection status)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, time

import pytest
from playwright.sync_api import expect

from geo import i18n
from geo import walks as wl
from geo.crs import distance_m
from geo.model import SYSTEM
from geo.store import Store
from tests.browser.conftest import ROOT, guarded_page, map_frame, serve
from tests.browser.test_field_capture import tap_at

pytestmark = pytest.mark.browser

# three places in Andersberg, some 100 m apart, inside the map an iPad shows
PLACES = [((12.8985, 56.6612), "Belysning", "belysning"),
          ((12.9005, 56.6618), "Klotter och skadegörelse", "klotter"),
          ((12.8995, 56.6600), "Trygg plats – guldkorn", "trygg_plats")]


@pytest.fixture(scope="module")
def offline_app(tmp_path_factory):
    """The app on a new database (migrated, catalogue and districts, no demo data) with one
    walk in Andersberg, open today: made with the same call the walks page makes."""
    url = f"sqlite:///{tmp_path_factory.mktemp('offline') / 'kommun.db'}"
    env = {**os.environ, "DATABASE_URL": url, "TRYGG_LANG": "sv"}
    subprocess.run([sys.executable, "-m", "geo", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
    store = Store(url)
    assert not store.has_demo() and store.counts()["observation"] == 0
    with serve("app.py", env=env) as app:
        yield app, store
    store.dispose()


def new_walk(store: Store):
    return wl.create_walk(store, SYSTEM, district_id="andersberg", date=i18n.local_date(datetime.now(UTC)),
                          start_time=time(18, 0), meeting_point="Andersbergs centrum", groups=["boende"],
                          leader="Pia", open_now=True)


def join(page, app: str, code: str, name: str) -> None:
    page.goto(f"{app}/?kod={code}")
    page.get_by_label("Förnamn eller smeknamn").fill(name)
    page.get_by_role("button", name="Gå med", exact=True).tap()
    page.wait_for_selector("text=Tryck på kartan där det känns otryggt", timeout=30_000)


def banner(frame):
    return frame.locator(".tk-ob-banner")


def pin_offline(page, frame, place, category: str, text: str, feeling: str | None = "4") -> None:
    """Tap the map where ``place`` is, fill the outbox's form and save it on the tablet."""
    tap_at(page, frame, *place)
    form = frame.get_by_role("dialog")
    form.wait_for(timeout=10_000)
    for button in form.get_by_role("button").all():  # big targets for a finger
        assert button.bounding_box()["height"] >= 48, button.inner_text()
    form.get_by_role("button", name=category, exact=True).tap()
    if feeling is not None:
        form.get_by_role("button", name=feeling, exact=True).tap()
    form.get_by_label("Beskriv kort").fill(text)
    form.get_by_role("button", name="Spara", exact=True).tap()
    form.wait_for(state="detached", timeout=5_000)


def waiting(frame, walk_id: int) -> int:
    return frame.evaluate(f"JSON.parse(localStorage.getItem('trygghetskartan-outbox-{walk_id}') || '[]').length")


@pytest.mark.slow
def test_three_pins_made_offline_are_sent_exactly_once(offline_app, tablet):
    app, store = offline_app
    walk = new_walk(store)
    assert walk.status == "open"
    districts = store.districts()
    assert all(districts.place(*place).id == "andersberg" for place, _, _ in PLACES)
    page = tablet()
    assert page.viewport_size == {"width": 810, "height": 1080}
    join(page, app, walk.join_code, "Kim")
    frame = map_frame(page)
    expect(banner(frame)).to_be_hidden()

    page.context.set_offline(True)
    expect(banner(frame)).to_have_text(re.compile("^Ingen anslutning – tryck på kartan"), timeout=3_000)
    for n, (place, category, _) in enumerate(PLACES, start=1):
        pin_offline(page, frame, place, category, f"Nål {n}", feeling=None if n == 3 else str(n + 2))
        expect(banner(frame)).to_have_text(
            "Ingen anslutning – 1 nål väntar" if n == 1 else f"Ingen anslutning – {n} nålar väntar")
    assert frame.locator("path.tk-queued").count() == 3  # drawn as hollow rings
    assert waiting(frame, walk.id) == 3
    os.makedirs("/tmp/shots", exist_ok=True)
    page.screenshot(path="/tmp/shots/offline-3-waiting.png")
    page.wait_for_timeout(2_000)
    assert store.observations(walk_id=walk.id) == []  # nothing reached the server
    assert page.get_by_role("dialog").count() == 0  # the page's own pin form did not open

    page.context.set_offline(False)
    for label in ("Sparad: Belysning", "Sparad: Klotter och skadegörelse", "Sparad: Trygg plats – guldkorn"):
        frame.get_by_text(label, exact=True).wait_for(timeout=15_000)
    expect(banner(frame)).to_be_hidden(timeout=15_000)
    assert waiting(frame, walk.id) == 0 and frame.locator("path.tk-queued").count() == 0

    def check_saved() -> None:
        saved = sorted(store.observations(walk_id=walk.id), key=lambda o: o.description)
        assert [o.category for o in saved] == [c for _, _, c in PLACES]
        assert [o.description for o in saved] == ["Nål 1", "Nål 2", "Nål 3"]
        assert [o.feeling for o in saved] == [3, 4, 1]  # a safe place: 1, as the pin form saves it
        for o, (place, _, _) in zip(saved, PLACES, strict=True):
            assert distance_m((o.lon, o.lat), place) < 6  # a CSS pixel is ~2.5 m here
            assert o.reported_by == "Kim" and o.walk_id == walk.id and o.district_id == "andersberg"

    check_saved()
    # Streamlit is back too, and sends whatever it still holds: no pin comes twice, and the
    # page opens no pin form of its own for a tap that was made offline.
    page.wait_for_timeout(10_000)
    check_saved()
    assert page.get_by_role("dialog").count() == 0
    frame.wait_for_function("document.querySelectorAll('path.tk-obs').length === 2"
                            " && document.querySelectorAll('path.tk-safe').length === 1", timeout=15_000)
    assert {u.split("/")[2] for u in page.outside} <= {"tile.openstreetmap.org"}


@pytest.mark.slow
def test_a_pin_left_waiting_is_sent_when_the_link_is_opened_again(offline_app, tablet):
    app, store = offline_app
    walk = new_walk(store)
    page = tablet()
    join(page, app, walk.join_code, "Lo")
    link = page.url
    assert "t=" in link
    frame = map_frame(page)
    context = page.context
    context.set_offline(True)
    pin_offline(page, frame, PLACES[0][0], "Belysning", "Mörkt vid gångvägen")
    expect(banner(frame)).to_have_text("Ingen anslutning – 1 nål väntar")
    page.close()  # the tablet's browser tab is closed before the connection is back

    context.set_offline(False)
    again = guarded_page(context)  # later, the link opened again, online
    again.goto(link)
    frame = map_frame(again)
    frame.get_by_text("Sparad: Belysning", exact=True).wait_for(timeout=20_000)
    expect(banner(frame)).to_be_hidden(timeout=10_000)
    assert waiting(frame, walk.id) == 0
    again.wait_for_timeout(6_000)
    [saved] = store.observations(walk_id=walk.id)
    assert saved.description == "Mörkt vid gångvägen" and saved.reported_by == "Lo"
    again.reload()  # nothing is left to send again
    frame = map_frame(again)
    again.wait_for_timeout(5_000)
    assert len(store.observations(walk_id=walk.id)) == 1
