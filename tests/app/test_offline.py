"""The app when the database cannot be reached: a clear message instead of a traceback, and on
the walk the map's pins and an open pin form (with what was typed) survive until the database
is back, when the same Save stores the pin once."""

from __future__ import annotations

import streamlit as st
from streamlit.testing.v1 import AppTest

from geo import demo
from geo.i18n import t
from tests.app.conftest import APP, open_app, run
from tests.app.test_walk_page import ANDERSBERG, button, choose, errors, pending
from tests.conftest import make_store


def test_the_app_says_so_when_the_database_cannot_be_reached(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/trygghetskartan")
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    run(at)  # no exception shown
    assert errors(at) == [t("store.unavailable", "sv")]
    assert "Försök igen" in [b.label for b in at.button]
    st.cache_resource.clear()


def test_a_walk_keeps_its_pins_and_the_pin_form_through_a_lost_database(own_postgres, monkeypatch):
    url = own_postgres.server.create("offline_walk")
    store = make_store(url)
    demo.load(store)
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_resource.clear()
    walk = store.walk_by_code(demo.DEMO_JOIN_CODE)
    kim = store.join_walk(demo.DEMO_JOIN_CODE, "Kim")
    pins_before = len(store.observations(walk_id=walk.id))
    pin = pending(store, ANDERSBERG, walk)
    at = open_app(kim, pin_pending=pin)
    at.text_area[0].input("Mörkt vid tunneln")
    choose(at, "belysning", 4)
    own_postgres.stop()
    try:
        button(at, "Spara").click()
        run(at)
        assert errors(at) == [t("pin.save_failed", "sv") + "\n- " + t("store.unavailable", "sv")]
        assert at.text_area[0].value == "Mörkt vid tunneln"  # nothing typed is lost
        assert [w.value for w in at.warning] == [t("pin.offline", "sv", s=4)]
    finally:
        own_postgres.start()
    button(at, "Spara").click()  # the connection is back: the same Save, once
    run(at)
    assert [s.value for s in at.toast] == [t("pin.saved", "sv")]
    assert not at.warning
    mine = [o for o in store.observations(walk_id=walk.id) if o.participant_id == kim.participant_id]
    assert [(o.uuid, o.description) for o in mine] == [(pin["uuid"], "Mörkt vid tunneln")]
    assert len(store.observations(walk_id=walk.id)) == pins_before + 1
    store.dispose()
    st.cache_resource.clear()
    own_postgres.server.drop(url)
