"""The participant stays themselves on their device, in Chromium, on a database without demo
data: Kim joins on a tablet and pins; *Logga ut* (confirmed) lands on the join page with the
code filled in; Kim joins again on the same tablet, under another name even, and is welcomed
back as Kim, the pin listed as theirs and still editable (its text changed and saved).  Another
tablet joining as "Kim" is someone new, who cannot change the pin.  *Byt deltagare* on the
first tablet (confirmed) lands on the join page too, and the next person who joins there is
someone new.  The device key is the app's own cookie: HttpOnly, SameSite=Lax, a year."""

from __future__ import annotations

import os
import subprocess
import sys
import time as clock
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from geo import walks as wl
from geo.model import SYSTEM
from geo.roles import Action, allowed
from geo.store import Store
from geo.store.schema import participant
from tests.browser.conftest import ROOT, serve
from tests.browser.test_whole_loop import fill_pin, settled, tap_to_pin
from ui.device import COOKIE, MAX_AGE

pytestmark = pytest.mark.browser

SPOT = (12.8985, 56.6612)  # a footpath in Andersberg
NAME = "Förnamn eller smeknamn"


@pytest.fixture(scope="module")
def device_app(tmp_path_factory):
    """The app on a new database (migrated, the catalogue and districts, no demo data) with one
    walk, made and opened as the walks page makes it (today, so that it opens at once)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('device') / 'kommun.db'}"
    env = {**os.environ, "DATABASE_URL": url, "TRYGG_LANG": "sv"}
    subprocess.run([sys.executable, "-m", "geo", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
    store = Store(url)
    assert not store.has_demo()
    walk = wl.create_walk(store, SYSTEM, district_id="andersberg",
                          date=datetime.now(ZoneInfo("Europe/Stockholm")).date(), start_time=time(18, 0),
                          meeting_point="Andersbergs centrum", groups=["boende"], leader="Lena")
    assert walk.status == "open"
    with serve("app.py", env=env) as app:
        yield app, store, walk
    store.dispose()


def join(page, app: str, code: str, name: str) -> None:
    page.goto(f"{app}/?kod={code}")
    join_here(page, name)


def join_here(page, name: str) -> None:
    """Join from the join page already shown (its code filled in)."""
    page.get_by_label(NAME).fill(name)
    page.get_by_role("button", name="Gå med", exact=True).tap()
    page.wait_for_selector("text=Tryck på kartan där det känns otryggt", timeout=30_000)
    settled(page)


def sidebar(page):
    """The sidebar, unfolded (it starts folded on the walk; it stays open once opened)."""
    side = page.locator('[data-testid="stSidebar"]')
    if side.get_attribute("data-collapsed") != "false":
        page.locator('[data-testid="stExpandSidebarButton"]').click()
    expect(side).to_have_attribute("data-collapsed", "false")
    return side


def leave(page, button: str, confirm_text: str, yes: str, done: str, code: str) -> None:
    """Tap ``button`` in the sidebar, confirm, and land on the join page with the code."""
    side = sidebar(page)
    side.get_by_role("button", name=button).click()
    side.get_by_text(confirm_text).wait_for(timeout=30_000)
    side.get_by_role("button", name=yes).click()
    page.get_by_text(done).wait_for(timeout=30_000)
    expect(page.get_by_role("heading", name="Gå med i en trygghetsvandring")).to_be_visible(timeout=30_000)
    settled(page)
    expect(page.get_by_label("Vandringskod")).to_have_value(code)
    assert "t=" not in page.url


def people(store: Store, walk_id: int) -> dict[int, tuple[str, str | None]]:
    with store.engine.connect() as conn:
        return {r.id: (r.name, r.device_hash) for r in conn.execute(
            select(participant.c.id, participant.c.name, participant.c.device_hash)
            .where(participant.c.walk_id == walk_id))}


def wait_for(check, timeout: float = 20) -> None:
    deadline = clock.monotonic() + timeout
    while not check():
        assert clock.monotonic() < deadline, "the database did not get there"
        clock.sleep(0.2)


def test_leaving_and_joining_again_on_the_same_device_keeps_the_pins_editable(device_app, tablet):
    app, store, walk = device_app
    code = walk.join_code
    first = tablet()
    join(first, app, code, "Kim")
    [cookie] = [c for c in first.context.cookies() if c["name"] == COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert abs(cookie["expires"] - (clock.time() + MAX_AGE)) < 3600 and not cookie["secure"]
    tap_to_pin(first, *SPOT)
    fill_pin(first, "Belysning", "4", "Lampan är trasig")
    [pin] = store.observations(walk_id=walk.id)
    kim = pin.participant_id
    assert people(store, walk.id)[kim][1] is not None  # the device is remembered

    leave(first, "Logga ut", "Dina nålar finns kvar, och går du med igen med koden på den här enheten",
          "Ja, logga ut", "Du är utloggad från vandringen", code)

    # the same tablet, another name typed: Kim comes back, with the pin
    join_here(first, "Kimmie")
    first.get_by_text("Välkommen tillbaka, Kim – dina nålar finns kvar").wait_for(timeout=30_000)
    first.get_by_text("du skrev Kimmie").wait_for(timeout=30_000)
    first.get_by_text("Inloggad: Kim (Deltagare)").wait_for(state="attached", timeout=30_000)
    first.get_by_text("Mina iakttagelser (1)").wait_for(timeout=30_000)
    first.get_by_text("Lampan är trasig").wait_for(timeout=30_000)
    first.get_by_role("button", name="Öppna", exact=True).first.tap()  # the own pins' list
    dialog = first.get_by_role("dialog")
    dialog.get_by_text("Din iakttagelse").wait_for(timeout=30_000)
    dialog.get_by_label("Beskriv kort").fill("Lampan är trasig och gången är mörk")
    dialog.get_by_role("button", name="Spara").tap()
    first.get_by_text("Ändringen är sparad.").wait_for(timeout=30_000)
    assert store.observation(pin.id).description == "Lampan är trasig och gången är mörk"
    assert set(people(store, walk.id)) == {kim}  # no one new

    # another tablet, the same name: someone new, who cannot change Kim's pin
    other = tablet()
    join(other, app, code, "Kim")
    other.get_by_text("Mina iakttagelser (0)").wait_for(timeout=30_000)
    expect(other.get_by_text("Välkommen tillbaka")).to_have_count(0)
    [stranger] = set(people(store, walk.id)) - {kim}
    actor = store.resume(other.url.split("t=")[1].split("&")[0])
    assert actor is not None and actor.participant_id == stranger
    assert not allowed(actor, Action.EDIT_OBSERVATION, observation=store.observation(pin.id), walk=store.walk(walk.id))

    # Byt deltagare on the first tablet: the device forgets Kim, the next person is new
    leave(first, "Byt deltagare", "Nästa person som går med på den här surfplattan blir en ny deltagare",
          "Ja, byt deltagare", "Du är utloggad. Nästa person", code)
    wait_for(lambda: people(store, walk.id)[kim][1] is None)
    join_here(first, "Lo")
    first.get_by_text("Mina iakttagelser (0)").wait_for(timeout=30_000)
    first.get_by_text("Inloggad: Lo (Deltagare)").wait_for(state="attached", timeout=30_000)
    expect(first.get_by_text("Välkommen tillbaka")).to_have_count(0)
    everyone = people(store, walk.id)
    [lo] = [pid for pid, (name, _) in everyone.items() if name == "Lo"]
    assert lo not in (kim, stranger) and everyone[lo][1] is not None
    assert store.observation(pin.id).participant_id == kim  # the pin stays Kim's
