"""Participants hear what happened: after the walk is closed, a participant's own link shows
their pins with today's status and the measures that answer each, read-only – also when the
leader merged their pin into someone else's at the walk protocol.  On both backends."""

from __future__ import annotations

from datetime import date

import pytest

from geo import demo, i18n
from geo.model import MeasureDraft, ObservationDraft
from tests.app.conftest import PLANNER, open_app, run
from tests.app.test_walk_page import ANDERSBERG, button, choose, pending, visitor

EDIT_BUTTONS = {"Spara", "Ta bort", "Flytta", "Öppna", "Här är jag"}


@pytest.fixture
def open_walk(db):
    return db.walk_by_code(demo.DEMO_JOIN_CODE)


def shown(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def lamp_measure(db, pin_id: int, title: str = "Ny belysning vid gångtunneln") -> int:
    mid = db.add_measure(MeasureDraft(
        type="belysning_ny", title=title, responsible="kommun", due=date(2031, 3, 31),
        geometry={"type": "Point", "coordinates": list(ANDERSBERG)}, observation_ids=(pin_id,)), PLANNER)
    db.set_measure_status(mid, "decided", PLANNER)
    db.set_measure_status(mid, "in_progress", PLANNER)
    return mid


def test_after_closing_a_participant_sees_the_status_and_measure_of_their_pin(db, open_walk):
    at = visitor(kod=demo.DEMO_JOIN_CODE)  # joins with the QR link and pins through the form
    at.text_input[1].input("Kim")
    at.button[0].click()
    run(at)
    kim, token = at.session_state["actor"], at.query_params["t"]
    at.session_state["pin_pending"] = pending(db, ANDERSBERG, open_walk)
    run(at)
    choose(at, "belysning", 4)
    at.text_area[0].input("Mörkt vid [tunneln]")
    button(at, "Spara").click()
    run(at)
    [pin] = [o.id for o in db.observations(walk_id=open_walk.id) if o.participant_id == kim.participant_id]
    assert "Vad hände med dina iakttagelser?" not in [h.value for h in at.subheader]  # open: as before

    db.set_walk_status(open_walk.id, "closed", PLANNER)
    lamp_measure(db, pin)
    at = visitor(t=token)  # a later visit through the participant's own link
    assert at.session_state["actor"] == kim
    assert [h.value for h in at.subheader] == ["Vad hände med dina iakttagelser?"]
    text = shown(at)
    status = db.observation(pin).status  # as the store reports it today
    assert f"**Status i dag:** {i18n.t(f'outcome.observation.{status}', 'sv')}" in text
    assert "Mörkt vid \\[tunneln\\]" in text  # their own text, escaped
    assert "**Ny belysning vid gångtunneln** – Arbetet pågår" in text
    assert "Typ: Ny belysning" in text and "Ansvarig: Kommunen" in text
    assert "Klart senast: 2031-03-31" in text
    assert "None" not in text and "in_progress" not in text
    assert not {b.label for b in at.button} & EDIT_BUTTONS  # read-only

    at.session_state["lang"] = "en"
    run(at)
    assert [h.value for h in at.subheader] == ["What happened to your observations?"]
    assert f"**Status today:** {i18n.t(f'outcome.observation.{status}', 'en')}" in shown(at)
    assert "– Work is under way" in shown(at)


def test_a_merged_pin_shows_the_kept_pins_measure(db, open_walk):
    kim, lo = db.join_walk(demo.DEMO_JOIN_CODE, "Kim"), db.join_walk(demo.DEMO_JOIN_CODE, "Lo")

    def pin(actor, text: str) -> int:
        return db.add_observation(ObservationDraft(
            category="belysning", lon=ANDERSBERG[0], lat=ANDERSBERG[1], feeling=4,
            walk_id=open_walk.id, description=text), actor)

    kept, theirs = pin(lo, "Lampan är sönder"), pin(kim, "Mörkt här")
    token = db.reconnect_token(kim)
    db.set_walk_status(open_walk.id, "closed", PLANNER)
    db.merge_observations(kept, [theirs], PLANNER)  # the walk protocol
    lamp_measure(db, kept, title="Byt armatur i gångtunneln")

    at = visitor(t=token)
    text = shown(at)
    status = db.observation(kept).status
    assert f"**Status i dag:** {i18n.t(f'outcome.observation.{status}', 'sv')}" in text
    assert "**Byt armatur i gångtunneln** – Arbetet pågår" in text
    assert "slogs ihop med andras nålar" in text
    assert "Mörkt här" in text and "Lampan är sönder" not in text  # only their own words
    assert not {b.label for b in at.button} & EDIT_BUTTONS


def test_the_leader_keeps_the_list_of_every_pin_on_a_closed_walk(db, open_walk):
    db.set_walk_status(open_walk.id, "closed", PLANNER)
    at = open_app(PLANNER, walk_id=open_walk.id)
    at.switch_page("pages/walk.py")
    run(at)
    assert at.expander[0].label.startswith("Alla iakttagelser på vandringen")
    assert "Vad hände med dina iakttagelser?" not in [h.value for h in at.subheader]


def test_a_closed_pin_and_a_safe_place_say_so_and_promise_no_measure(db, open_walk):
    kim = db.join_walk(demo.DEMO_JOIN_CODE, "Kim")
    token = db.reconnect_token(kim)
    graffiti, safe = db.add_observations([
        ObservationDraft(category="klotter", lon=ANDERSBERG[0], lat=ANDERSBERG[1], feeling=2,
                         description="Klotter på elskåpet", walk_id=open_walk.id),
        ObservationDraft(category="trygg_plats", lon=ANDERSBERG[0] + 0.001, lat=ANDERSBERG[1], feeling=1,
                         description="Väl upplyst torg", walk_id=open_walk.id)], kim).ids
    db.set_walk_status(open_walk.id, "closed", PLANNER)
    db.set_observation_statuses([graffiti], "closed", PLANNER, reason="felanmalan", comment="Ärende 4711")
    text = shown(visitor(t=token))
    assert "**Status i dag:** Stängd utan åtgärd: Anmäld till felanmälan" in text
    assert "**Status i dag:** Noterad som en trygg plats – ett guldkorn i protokollet" in text
    assert "Ingen åtgärd kopplad ännu." not in text  # none is coming for either
    assert db.observation(safe).status == "new"
