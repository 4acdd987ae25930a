"""The planner map through AppTest: the filters select, hot spots are listed, a measure is
planned (with its problems named) and edited with a status change."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from tests.app.conftest import PLANNER, open_app, run


def planner(**state) -> AppTest:
    return open_app(PLANNER, **state)


def shown(at: AppTest) -> tuple[int, int]:
    line = next(c.value for c in at.caption if " iakttagelser visas" in c.value)
    n, total = line.split(" iakttagelser visas")[0].split(" av ")
    return int(n), int(total)


def test_filters_narrow_what_is_shown(db):
    at = planner()
    n, total = shown(at)
    assert n == total > 50
    at.multiselect(key="f_cats").select("belysning")
    run(at)
    lighting = shown(at)[0]
    expected = [o for o in db.observations(district_ids=db.districts().family("andersberg"))
                if o.category == "belysning"]
    assert lighting == len(expected) < total
    at.slider(key="f_feel").set_value((5, 5))
    run(at)
    assert shown(at)[0] == len([o for o in expected if o.feeling == 5])
    at.toggle(key="f_dark").set_value(True)
    run(at)
    assert shown(at)[0] <= len([o for o in expected if o.feeling == 5])
    at.date_input(key="f_period").set_value((date(2025, 1, 1), date(2025, 12, 31)))
    run(at)
    assert shown(at)[0] == 0 and "Inga hot spots med det här urvalet." in [c.value for c in at.caption]


def test_a_measure_is_planned_and_its_problems_named(db):
    family = db.districts().family("andersberg")
    pins = db.observations(district_ids=family)[:3]
    before = len(db.measures())
    at = planner(map_plan={"observation_ids": [o.id for o in pins], "activity_id": None, "title": "",
                           "geometry": {"type": "Point", "coordinates": [pins[0].lon, pins[0].lat]}})
    save = next(b for b in at.button if b.label == "Spara åtgärden")
    save.click()
    run(at)
    assert any(e.value.startswith("Åtgärden kunde inte sparas:") and "\n- Rubrik: måste fyllas i" in e.value
               for e in at.error)
    assert len(db.measures()) == before
    at.text_input(key="mnew-title").input("Ny belysning vid gångtunneln")
    at.text_input(key="mnew-rname").input("HFAB")
    next(b for b in at.button if b.label == "Spara åtgärden").click()
    run(at)
    assert any(s.value.startswith("Åtgärd ") and s.value.endswith("är sparad.") for s in at.success)
    new = max(db.measures(), key=lambda m: m.id)
    assert (new.title, new.responsible_name, new.observation_ids) == (
        "Ny belysning vid gångtunneln", "HFAB", tuple(sorted(o.id for o in pins)))
    assert new.activity_id == pins[0].activity_id and new.status == "proposed"  # the pins' activity


def test_a_measure_is_edited_and_a_cancellation_needs_a_reason(db):
    measure = next(m for m in db.measures() if m.status == "proposed")
    at = planner(map_edit_measure=measure.id)
    key = f"m{measure.id}-{measure.version}"
    at.selectbox(key=f"{key}-status").set_value("cancelled")
    next(b for b in at.button if b.label == "Spara åtgärden").click()
    run(at)
    assert any("- Kommentar: ange ett skäl" in e.value for e in at.error)
    assert db.measure(measure.id).status == "proposed"
    at.text_input(key=f"{key}-comment").input("Fastighetsägaren åtgärdar själv")
    at.number_input(key=f"{key}-cost").set_value(12000)
    next(b for b in at.button if b.label == "Spara åtgärden").click()
    run(at)
    after = db.measure(measure.id)
    assert (after.status, after.status_reason, after.cost_sek) == ("cancelled", "Fastighetsägaren åtgärdar själv",
                                                                   12000)
    assert [h.to_status for h in db.history("measure", measure.id)][-1] == "cancelled"


def test_the_hot_spots_tab_lists_the_clusters(db):
    at = planner()
    assert "Hot spots (täta kluster)" in [t.label for t in at.tabs]
    spots_line = next(c.value for c in at.caption if "hot spots" in c.value)
    assert int(spots_line.split(" · ")[1].split()[0]) >= 5


def test_a_measure_saved_by_someone_else_meanwhile_is_shown_not_overwritten(db):
    """Two planners edit the same measure: the second Save is refused, the form keeps what
    was typed, the newer saved state is shown, and one button loads it into the form."""
    measure = next(m for m in db.measures() if m.status == "proposed")
    at = planner(map_edit_measure=measure.id)
    key = f"m{measure.id}-{measure.version}"
    at.text_input(key=f"{key}-title").input("Min rubrik")
    db.update_measure(measure.id, PLANNER, expected_version=measure.version, title="Kollegans rubrik",
                      responsible_name="Gatukontoret")
    next(b for b in at.button if b.label == "Spara åtgärden").click()
    run(at)
    assert [w.value for w in at.warning][-1].startswith("Någon annan sparade åtgärden")
    assert any("Kollegans rubrik" in m.value for m in at.markdown)
    assert at.text_input(key=f"{key}-title").value == "Min rubrik"  # nothing typed is lost
    assert db.measure(measure.id).title == "Kollegans rubrik"  # nothing overwritten
    next(b for b in at.button if b.label == "Ladda det nya läget i formuläret").click()
    run(at)
    newer = f"m{measure.id}-{measure.version + 1}"
    assert at.text_input(key=f"{newer}-title").value == "Kollegans rubrik"
    at.text_input(key=f"{newer}-title").input("Min rubrik")
    next(b for b in at.button if b.label == "Spara åtgärden").click()
    run(at)
    assert db.measure(measure.id).title == "Min rubrik"


def test_the_details_panel_names_other_pins_close_by(db):
    at = planner()
    shown = db.observations(district_ids=db.districts().family(at.session_state["map_district"].id))
    a, near = next((o, n) for o in shown if (n := db.observations_near(o.lon, o.lat, 50, exclude=[o.id])))
    at = planner(map_selected=[a.id])
    [caption] = [c.value for c in at.caption if c.value.startswith("Inom 50 m finns också:")]
    assert caption.split(":", 1)[1].strip().startswith(f"#{near[0][0].id} ")
    assert f"{near[0][1]:.0f} m)" in caption
