"""Two app servers on one PostgreSQL+PostGIS database, as behind a load balancer: a pin placed
on a tablet served by one shows up by itself on a tablet served by the other."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from geo.store import Store
from tests.browser.conftest import ROOT, map_frame, serve
from tests.browser.test_field_capture import empty_spot, join, pin_count, tap_at, wait_for_pins, walk_id


@pytest.fixture
def shared_db(postgres):
    url = postgres.create()
    env = {**os.environ, "DATABASE_URL": url, "TRYGG_LANG": "sv"}
    subprocess.run([sys.executable, "-m", "geo", "init", "--demo"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    yield url
    postgres.drop(url)


@pytest.mark.slow
def test_a_pin_on_one_server_appears_on_the_other(shared_db, tablet):
    env = {**os.environ, "DATABASE_URL": shared_db, "TRYGG_LANG": "sv"}
    with serve("app.py", env=env) as server_a, serve("app.py", env=env) as server_b:
        tova, kim = tablet(), tablet()
        join(tova, server_a, "Tova")
        join(kim, server_b, "Kim")
        before = pin_count(kim)
        spot = empty_spot(shared_db)
        tap_at(tova, map_frame(tova), *spot)
        dialog = tova.get_by_role("dialog")
        dialog.wait_for(timeout=20_000)
        dialog.get_by_role("radio", name="Belysning").first.tap()
        dialog.get_by_role("radio", name="2", exact=True).tap()
        dialog.get_by_label("Beskriv kort").fill("Mörkt mellan husen")
        dialog.get_by_role("button", name="Spara").tap()
        tova.get_by_text("Sparad – nålen syns nu på kartan.").wait_for(timeout=20_000)
        wait_for_pins(kim, before + 1)  # on the other server, without a reload

    store = Store(shared_db)
    [pin] = [o for o in store.observations(walk_id=walk_id(store)) if o.reported_by == "Tova"]
    assert (pin.description, pin.district_id) == ("Mörkt mellan husen", "andersberg")  # placed by PostGIS
    assert store.backend == "postgresql" and store.integrity_problems() == []
    store.dispose()
