"""The triage bar (ui/triage.py) through AppTest, on both backends: what a planner does with the
chosen rows of the walk protocol or the planner map's table — mark them assessed, close them
with a reason, link them to a measure, plan a new one — and what the store then holds.  The
protocol page's checkboxes are driven in a browser (tests/browser/test_whole_loop.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from streamlit.testing.v1 import AppTest

from geo.model import MeasureDraft
from tests import factories as make
from tests.app.conftest import PLANNER, run

WHEN = datetime(2026, 10, 20, 18, 30, tzinfo=UTC)


def bar(ids: list[int]) -> AppTest:
    """The bar alone, for the observations ``ids`` (read from the test's database)."""
    def script(ids):

        from geo import catalog
        from tests.app.conftest import PLANNER
        from ui.common import get_store
        from ui.feedback import show_flash
        from ui.triage import triage_bar

        store = get_store()
        show_flash()
        chosen = store.observations(ids=ids)
        triage_bar(store, PLANNER, chosen, store.measures(), catalog.load(), key="t")

    at = AppTest.from_function(script, args=(ids,), default_timeout=60)
    at.session_state["actor"] = PLANNER
    return run(at)


def pins(db, n=3):
    return db.add_observations([make.draft(lon=12.9012 + i * 1e-4, feeling=4, observed_at=WHEN)
                                for i in range(n)], PLANNER).ids


def button(at, label):
    return next(b for b in at.button if b.label == label)


def test_many_rows_are_assessed_at_once(db):
    a, b, c = pins(db)
    at = bar([a, b])
    assert any(f"#{a}, #{b}" in m.value for m in at.markdown)
    button(at, "Markera 2 som bedömda").click()
    run(at)
    assert [s.value for s in at.success] == ["2 iakttagelser är bedömda."]
    assert [db.observation(i).status for i in (a, b, c)] == ["assessed", "assessed", "new"]


def test_closing_takes_a_reason_and_says_what_was_refused(db):
    a, b, _ = pins(db)
    at = bar([a, b])
    at.radio(key="t-action").set_value("close")
    run(at)
    at.selectbox(key="t-reason").set_value("other")
    run(at)
    button(at, "Stäng 2").click()
    run(at)  # "another reason" needs a comment: nothing is saved
    assert [e.value for e in at.error] == ["Kommentar: ange ett skäl"]
    assert [db.observation(i).status for i in (a, b)] == ["new", "new"]
    at.selectbox(key="t-reason").set_value("felanmalan")
    at.text_input(key="t-comment").input("Ärende 4711")
    run(at)
    button(at, "Stäng 2").click()
    run(at)
    assert [s.value for s in at.success] == ["2 iakttagelser är stängda: Anmäld till felanmälan."]
    closed = db.observation(a)
    assert (closed.status, closed.status_reason) == ("closed", "felanmalan")
    assert db.history("observation", b)[-1].comment == "Ärende 4711"


def test_a_refusal_names_the_pin_and_saves_nothing(db):
    a, b, _ = pins(db)
    db.set_observation_statuses([b], "closed", PLANNER, reason="duplicate")
    at = bar([a, b])
    button(at, "Markera 2 som bedömda").click()
    run(at)  # b is closed: reopening it needs a reason
    assert [e.value for e in at.error] == [f"#{b} – inget sparades:\n- Kommentar: ange ett skäl"]
    assert [db.observation(i).status for i in (a, b)] == ["new", "closed"]


def test_rows_are_linked_to_a_measure_and_follow_it(db):
    a, b, c = pins(db)
    mid = db.add_measure(MeasureDraft(type="belysning_ny", title="Ny belysning vid tunneln", responsible="kommun",
                                      geometry={"type": "Point", "coordinates": [12.9012, 56.6606]},
                                      status="decided", observation_ids=(c,)), PLANNER)
    db.set_measure_status(mid, "in_progress", PLANNER)
    at = bar([a, b])
    at.radio(key="t-action").set_value("link")
    run(at)
    at.selectbox(key="t-measure").set_value(mid)
    run(at)
    button(at, f"Koppla 2 till åtgärd #{mid}").click()
    run(at)
    assert [s.value for s in at.success] == [f"2 iakttagelser är kopplade till åtgärd #{mid} Ny belysning vid tunneln."]
    assert db.measure(mid).observation_ids == (a, b, c)
    assert [db.observation(i).status for i in (a, b, c)] == ["in_progress"] * 3
    assert db.history("observation", a)[-1].measure_id == mid


def test_a_new_measure_is_planned_for_the_chosen_rows(db):
    a, b, _ = pins(db)
    at = bar([a, b])
    at.radio(key="t-action").set_value("plan")
    run(at)
    button(at, "Planera en ny åtgärd för 2").click()
    run(at)
    plan = at.session_state["map_plan"]
    assert plan["observation_ids"] == [a, b] and plan["geometry"]["type"] == "Point"
