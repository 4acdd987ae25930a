"""The participant's pages through AppTest: join (right code, wrong code, slowed down),
resume by the link's token, the pin form (named problems, outside the district, saving),
own pins and others', and what a closed walk allows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from geo import auth, capture, catalog, demo
from geo.model import Actor, ObservationDraft, Role
from tests import factories as make
from tests.app.conftest import APP, PLANNER, open_app, run

ANDERSBERG = (12.8990, 56.6608)
OUTSIDE = (12.8700, 56.6450)  # south of Andersberg



def visitor(**query) -> AppTest:
    """A new browser session; without a token or ``kod`` it opens the join page by hand."""
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    run(at)
    if not query:
        at.switch_page("pages/join.py")
        run(at)
    return at


def as_actor(actor: Actor, **state) -> AppTest:
    return open_app(actor, **state)


def join(at: AppTest, code: str, name: str = "Kim") -> AppTest:
    at.text_input[0].input(code)
    at.text_input[1].input(name)
    at.button[0].click()
    return run(at)


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def pending(db, lon_lat, walk) -> dict:
    return {"place": capture.place_pin(*lon_lat, walk, db.districts()), "uuid": str(uuid.uuid4())}


def choose(at: AppTest, category: str | None, feeling: int | None) -> None:
    groups = {g.label: g for g in at.get("button_group")}
    if category:
        groups["Vad gäller det?"].set_value(category)
    if feeling:
        groups["Hur otryggt känns det här?"].set_value(feeling)


@pytest.fixture
def open_walk(db):
    return db.walk_by_code(demo.DEMO_JOIN_CODE)


def test_join_with_the_qr_link_lands_on_the_walk_with_a_token(db, open_walk):
    at = visitor(kod=demo.DEMO_JOIN_CODE)
    assert at.text_input[0].value == demo.DEMO_JOIN_CODE  # filled in from the link
    at.text_input[1].input("Kim")
    at.button[0].click()
    run(at)
    actor = at.session_state["actor"]
    assert (actor.role, actor.walk_id, actor.name) == (Role.PARTICIPANT, open_walk.id, "Kim")
    assert at.title[0].value.startswith("Demovandring i Andersberg")
    token = at.query_params["t"]
    assert db.resume(token) == actor and "kod" not in at.query_params


def test_a_reload_with_the_token_resumes_the_walk(db, open_walk):
    kim = db.join_walk(demo.DEMO_JOIN_CODE, "Kim")
    at = visitor(t=db.reconnect_token(kim))
    assert at.session_state["actor"] == kim and at.title[0].value.startswith("Demovandring")
    stranger = visitor(t="not-a-token")
    assert "actor" not in stranger.session_state and "t" not in stranger.query_params


def test_wrong_code_says_so_and_repeated_wrong_codes_are_slowed(db):
    """Wrong codes count per address (every AppTest session is the same machine, "local"):
    a new session does not start afresh, and a right code in between does not reset them."""
    at = visitor()
    join(at, "ZZZZZZ")
    assert errors(at) == ["Vandringskod: det finns ingen pågående vandring med den koden"]
    join(at, "ZZZZZZ")
    join(at, "ZZZZZZ")
    kim = join(visitor(), demo.DEMO_JOIN_CODE)  # someone at the same address joins
    assert kim.session_state["actor"].role == Role.PARTICIPANT
    at = visitor()  # a new session
    join(at, "ZZZZZZ")
    assert not any("vänta" in e for e in errors(at))
    join(at, "ZZZZZZ")  # the fifth wrong code from this address: now it waits
    assert any(e.startswith("För många felaktiga koder – vänta 2 sekunder") for e in errors(at))
    # a wrong code from another tablet here a few seconds later makes it 4 s (a page run
    # may take longer than 2 s on a busy machine)
    auth.claim_join(db, "local", datetime.now(UTC) + timedelta(seconds=3))
    join(at, demo.DEMO_JOIN_CODE)  # even the right code waits until the time is up
    assert "actor" not in at.session_state and any("vänta" in e for e in errors(at))


def test_missing_name_is_named(db):
    at = join(visitor(), demo.DEMO_JOIN_CODE, name="  ")
    assert errors(at) == ["Förnamn eller smeknamn: måste fyllas i"]


def test_pin_form_names_what_is_missing_and_keeps_what_was_typed(db, open_walk):
    kim = db.join_walk(demo.DEMO_JOIN_CODE, "Kim")
    pin = pending(db, ANDERSBERG, open_walk)
    at = as_actor(kim, pin_pending=pin)
    at.text_area[0].input("Mörkt vid tunneln")
    button(at, "Spara").click()
    run(at)
    assert errors(at) == ["Fyll i det som saknas:\n- Kategori: måste fyllas i\n"
                          "- Otrygghet: måste fyllas i"]
    assert at.text_area[0].value == "Mörkt vid tunneln"
    choose(at, "belysning", 4)
    button(at, "Spara").click()
    run(at)
    assert [t.value for t in at.toast] == ["Sparad – nålen syns nu på kartan."]
    [saved] = [o for o in db.observations(walk_id=open_walk.id) if o.participant_id == kim.participant_id]
    assert (saved.uuid, saved.category, saved.feeling, saved.description) == (pin["uuid"], "belysning", 4,
                                                                              "Mörkt vid tunneln")
    assert (saved.district_id, saved.activity_id) == ("andersberg", open_walk.activity_id)
    assert "pin_pending" not in at.session_state


def test_a_pin_outside_the_district_asks_for_confirmation(db, open_walk):
    kim = db.join_walk(demo.DEMO_JOIN_CODE, "Kim")
    at = as_actor(kim, pin_pending=pending(db, OUTSIDE, open_walk))
    assert any("utanför vandringens område" in w.value for w in at.warning)
    choose(at, "klotter", 2)
    button(at, "Spara").click()
    run(at)
    assert "bekräfta att platsen ska sparas" in errors(at)[0]
    at.checkbox[0].check()
    button(at, "Spara").click()
    run(at)
    assert [t.value for t in at.toast] == ["Sparad – nålen syns nu på kartan."]


def own_pin(db, walk, actor, feeling=3) -> int:
    return db.add_observation(make.draft(lon=ANDERSBERG[0], lat=ANDERSBERG[1], feeling=feeling, walk_id=walk.id,
                                         description="Mörkt", observed_at=None), actor)


def test_own_pin_is_changed_and_deleted_others_only_shown(db, open_walk):
    kim, lo = db.join_walk(demo.DEMO_JOIN_CODE, "Kim"), db.join_walk(demo.DEMO_JOIN_CODE, "Lo")
    mine, theirs = own_pin(db, open_walk, kim), own_pin(db, open_walk, lo, feeling=5)
    at = as_actor(kim, pin_open=mine)
    choose(at, None, 1)
    button(at, "Spara").click()
    run(at)
    assert [t.value for t in at.toast] == ["Ändringen är sparad."]
    assert db.observation(mine).feeling == 1 and db.observation(mine).version == 2

    at = as_actor(kim, pin_open=theirs)
    assert not [b for b in at.button if b.label in ("Spara", "Ta bort", "Flytta")]
    assert "Lo" not in " ".join(c.value for c in at.caption)  # other people's names stay hidden

    at = as_actor(kim, pin_open=mine)
    button(at, "Ta bort").click()
    run(at)
    button(at, "Ja, ta bort iakttagelsen").click()
    run(at)
    assert [t.value for t in at.toast] == ["Iakttagelsen är borttagen."]
    assert {o.id for o in db.observations(walk_id=open_walk.id)} >= {theirs} and mine not in {
        o.id for o in db.observations(walk_id=open_walk.id)}


def test_a_stale_edit_is_told_and_shown_the_new_state(db, open_walk):
    kim = db.join_walk(demo.DEMO_JOIN_CODE, "Kim")
    mine = own_pin(db, open_walk, kim)
    at = as_actor(kim, pin_open=mine)
    db.update_observation(mine, PLANNER, expected_version=1, feeling=5)  # the leader, meanwhile
    choose(at, None, 2)
    button(at, "Spara").click()
    run(at)
    assert any("Någon annan ändrade iakttagelsen" in w.value for w in at.warning)
    assert db.observation(mine).feeling == 5  # the leader's change stands
    assert at.get("button_group")[-1].value == 5  # and is what the form now shows


def test_after_closing_participants_only_look(db, open_walk):
    kim = db.join_walk(demo.DEMO_JOIN_CODE, "Kim")
    mine = own_pin(db, open_walk, kim)
    db.set_walk_status(open_walk.id, "closed", PLANNER)
    at = as_actor(kim, pin_open=mine)
    assert any("Vandringen är avslutad" in i.value for i in at.info)
    assert not [b for b in at.button if b.label in ("Spara", "Ta bort", "Flytta")]
    at = as_actor(kim, pin_pending=pending(db, ANDERSBERG, open_walk))
    assert not [b for b in at.button if b.label == "Spara"]  # no new pins either


def test_the_leader_sees_every_pin_and_may_change_any(db, open_walk):
    kim = db.join_walk(demo.DEMO_JOIN_CODE, "Kim")
    theirs = own_pin(db, open_walk, kim)
    at = as_actor(PLANNER, walk_id=open_walk.id)
    at.switch_page("pages/walk.py")
    run(at)
    assert at.selectbox(key="walk_id").value == open_walk.id
    n = len(db.observations(walk_id=open_walk.id))
    assert at.expander[0].label == f"Alla iakttagelser på vandringen ({n})"
    at.session_state["pin_open"] = theirs
    run(at)
    assert "Satt av Kim" in [c.value for c in at.caption]  # planners see who reported
    choose(at, None, 2)
    button(at, "Spara").click()
    run(at)
    assert db.observation(theirs).feeling == 2


# --------------------------------------------------------------------------- safe places

SAFE = next(c.id for c in catalog.load().categories if c.positive)
UNSAFE_QUESTION = "Hur otryggt känns det här?"
SAFE_NOTE = "Trygg plats: sparas som ”1 Tryggt” – här finns inget mer att välja."


def questions(at: AppTest) -> list[str]:
    """The pin form's button groups (the sidebar's language switch left out)."""
    return [g.label for g in at.get("button_group") if g.label != "Språk"]


def test_a_safe_place_is_not_asked_how_unsafe_it_feels_and_is_saved_as_safe(db, open_walk):
    kim = db.join_walk(demo.DEMO_JOIN_CODE, "Kim")
    pin = pending(db, ANDERSBERG, open_walk)
    at = as_actor(kim, pin_pending=pin)
    assert UNSAFE_QUESTION in questions(at)  # before a category is chosen
    choose(at, "belysning", 5)  # first a problem that felt very unsafe ...
    run(at)
    choose(at, SAFE, None)  # ... then the person decides it is a safe place
    run(at)
    assert questions(at) == ["Vad gäller det?"]
    assert SAFE_NOTE in [i.value for i in at.info]
    button(at, "Spara").click()
    run(at)
    assert [t.value for t in at.toast] == ["Sparad – nålen syns nu på kartan."]
    [saved] = [o for o in db.observations(walk_id=open_walk.id) if o.participant_id == kim.participant_id]
    assert (saved.uuid, saved.category, saved.feeling) == (pin["uuid"], SAFE, 1)  # 1 = safe, not the 5


def test_a_safe_place_changed_into_a_problem_must_be_given_a_feeling(db, open_walk):
    kim = db.join_walk(demo.DEMO_JOIN_CODE, "Kim")
    mine = db.add_observation(ObservationDraft(category=SAFE, lon=ANDERSBERG[0], lat=ANDERSBERG[1],
                                               feeling=1, walk_id=open_walk.id, description="Bra ljus"), kim)
    at = as_actor(kim, pin_open=mine)
    assert questions(at) == ["Vad gäller det?"] and SAFE_NOTE in [i.value for i in at.info]
    assert any(m.value.endswith("· Trygg plats") for m in at.markdown)  # not "Otrygghet 1/5"
    choose(at, "belysning", None)
    run(at)
    assert UNSAFE_QUESTION in questions(at)
    assert at.get("button_group")[-1].value is None  # the safe place's 1 is not an answer
    button(at, "Spara").click()
    run(at)
    assert any("- Otrygghet: måste fyllas i" in e for e in errors(at))
    assert db.observation(mine).category == SAFE
    choose(at, None, 4)
    button(at, "Spara").click()
    run(at)
    assert [t.value for t in at.toast] == ["Ändringen är sparad."]
    assert (db.observation(mine).category, db.observation(mine).feeling) == ("belysning", 4)


def test_a_problem_changed_into_a_safe_place_is_saved_as_safe(db, open_walk):
    kim = db.join_walk(demo.DEMO_JOIN_CODE, "Kim")
    mine = own_pin(db, open_walk, kim, feeling=5)
    at = as_actor(kim, pin_open=mine)
    assert UNSAFE_QUESTION in questions(at)
    choose(at, SAFE, None)
    run(at)
    assert UNSAFE_QUESTION not in questions(at)
    button(at, "Spara").click()
    run(at)
    assert [t.value for t in at.toast] == ["Ändringen är sparad."]
    assert (db.observation(mine).category, db.observation(mine).feeling) == (SAFE, 1)
