"""Sessions as people meet them in Chromium: on a shared tablet a participant's *Logga ut*
asks once more, then ends their link everywhere: Back, and the old address in another
browser, land on the join page with a short message and no walk; another browser with the
link open is out within seconds, untouched, and someone joining elsewhere is someone new.
A planner whose account is disabled is signed out at the next click."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from geo.auth import hash_password
from geo.model import SYSTEM, Role
from geo.store import Store
from geo.store.schema import participant
from tests.browser.conftest import map_frame, sign_in

pytestmark = pytest.mark.browser

JOIN_HEADING = "Gå med i en trygghetsvandring"
LINK_ENDED = "Länken gäller inte längre – gå med igen med koden."


def join(page, app_url: str, name: str) -> None:
    page.goto(f"{app_url}/?kod=DEMO24")
    page.get_by_label("Förnamn eller smeknamn").fill(name)
    page.get_by_role("button", name="Gå med", exact=True).click()
    map_frame(page)
    page.wait_for_function("new URLSearchParams(location.search).has('t')", timeout=30_000)


def on_the_join_page_without_a_walk(page) -> None:
    expect(page.get_by_role("heading", name=JOIN_HEADING)).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1000)  # time for a walk to show up, if it wrongly would
    expect(page.locator('iframe[title="streamlit_folium.st_folium"]')).to_have_count(0)
    expect(page.get_by_role("heading", name="Demovandring i Andersberg")).to_have_count(0)
    assert "t=" not in page.url


def test_a_participants_sign_out_ends_their_link_on_every_browser(app_url, app_db, tablet):
    page = tablet()
    join(page, app_url, "Ylva")
    link = page.url
    elsewhere = tablet()  # the same link, open in another browser (a phone, say)
    elsewhere.goto(link)
    map_frame(elsewhere)

    page.locator('[data-testid="stExpandSidebarButton"]').click()  # folded on the walk
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Logga ut").click()
    sidebar.get_by_text("Logga ut från vandringen?").wait_for(timeout=30_000)
    yes = sidebar.get_by_role("button", name="Ja, logga ut")
    assert yes.bounding_box()["height"] >= 44  # a big button for a finger
    yes.click()
    page.get_by_text("Du är utloggad från vandringen").wait_for(timeout=30_000)
    on_the_join_page_without_a_walk(page)

    page.go_back()  # Back: the walk's old address, with the link's token
    page.get_by_text(LINK_ENDED).wait_for(timeout=30_000)
    on_the_join_page_without_a_walk(page)

    fresh = tablet()  # the old address in a new browser
    fresh.goto(link)
    fresh.get_by_text(LINK_ENDED).wait_for(timeout=30_000)
    on_the_join_page_without_a_walk(fresh)

    # the other browser that had the link open is out by itself: its live map checks the link
    elsewhere.get_by_text(LINK_ENDED).wait_for(timeout=30_000)
    on_the_join_page_without_a_walk(elsewhere)

    # someone new on another tablet (on the same one, after *Logga ut*, Ylva would be back:
    # handing a tablet over is *Byt deltagare*, tests/browser/test_same_device.py)
    join(tablet(), app_url, "Åke")
    store = Store(app_db)
    try:
        with store.engine.connect() as conn:
            people = conn.execute(select(participant.c.name, participant.c.id)
                                  .where(participant.c.name.in_(["Ylva", "Åke"]))).all()
    finally:
        store.dispose()
    assert sorted(name for name, _ in people) == ["Ylva", "Åke"] and people[0][1] != people[1][1]


def test_a_disabled_planner_is_signed_out_at_the_next_click(app_url, app_db, page):
    store = Store(app_db)
    try:
        store.add_user(SYSTEM, username="sara.s", role=Role.PLANNER, display_name="Sara S",
                       password_hash=hash_password("saras-losenord-1"))
        sign_in(page, app_url, "sara.s", "saras-losenord-1")
        store.set_user_disabled(SYSTEM, "sara.s", True)
    finally:
        store.dispose()
    page.get_by_role("link", name="Om och källor").click()
    page.get_by_text("Du har loggats ut: kontot är avstängt.").wait_for(timeout=30_000)
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    expect(page.get_by_text("Inloggad:")).to_have_count(0)  # once the run has finished
