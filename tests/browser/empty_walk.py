"""Shared by the accessibility and language tests: the app on a database without demo data
that has one open walk (made as a planner would, through the store), and a participant who
joins it with its code on an iPad in portrait (810×1080) in light or dark."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page

from geo.model import SYSTEM
from geo.store import Store
from tests.browser.conftest import ROOT, guarded_page, serve
from tests.browser.test_whole_loop import tap_to_pin

CODE = "KVALL7"
NAME_LABEL = "Förnamn eller smeknamn"
IPAD_PORTRAIT = {"width": 810, "height": 1080}
SPOT = (12.8985, 56.6612)  # a footpath in Andersberg


@pytest.fixture(scope="module")
def walk_app(walk_app_db) -> str:
    """The app's address: a new database (migrated, the catalogue and districts), no demo
    data, and one open walk in Andersberg with the join code :data:`CODE`."""
    return walk_app_db[0]


@pytest.fixture(scope="module")
def walk_app_db(tmp_path_factory) -> tuple[str, str]:
    """:func:`walk_app`'s address and its database's URL (to check what a page saved)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'kommun.db'}"
    env = {**os.environ, "DATABASE_URL": url, "TRYGG_LANG": "sv"}
    subprocess.run([sys.executable, "-m", "geo", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
    store = Store(url)
    assert not store.has_demo()
    store.add_walk(SYSTEM, slug="kvallsvandring", district_id="andersberg", title="Kvällsvandring",
                   starts_at=datetime.now(UTC), status="open", join_code=CODE)
    store.dispose()
    with serve("app.py", env=env) as app:
        yield app, url


@pytest.fixture
def ipad(browser):
    """A factory of iPad-portrait touch pages with no internet: ``ipad("dark")``."""
    contexts = []

    def new(color_scheme: str = "light", locale: str = "sv-SE") -> Page:
        context = browser.new_context(viewport=IPAD_PORTRAIT, screen=IPAD_PORTRAIT, device_scale_factor=2,
                                      is_mobile=True, has_touch=True, locale=locale,
                                      color_scheme=color_scheme)
        contexts.append(context)
        return guarded_page(context)

    yield new
    for c in contexts:
        c.close()


def settled(page: Page) -> None:
    """Wait until the page's script run is over (Streamlit marks its app element)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)


def open_join(page: Page, app: str) -> None:
    """The join page from the walk's QR link, with the code filled in."""
    page.goto(f"{app}/?kod={CODE}")
    page.get_by_label(NAME_LABEL).wait_for(timeout=60_000)
    settled(page)


def join(page: Page, app: str, name: str = "Tova") -> None:
    """Join the open walk as a participant; the walk page with its map is shown."""
    open_join(page, app)
    page.get_by_label(NAME_LABEL).fill(name)
    page.get_by_role("button", name="Gå med", exact=True).tap()
    page.wait_for_selector("text=Tryck på kartan där det känns otryggt", timeout=30_000)
    settled(page)


def open_pin_form(page: Page) -> None:
    """Tap the map: the pin form (a dialog) opens."""
    tap_to_pin(page, *SPOT)
    settled(page)
