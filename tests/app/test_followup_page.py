"""The follow-up page through AppTest: the meeting's figures (the same as the tally the
reports count from), verifying and reopening a spot (with the reason a reopening needs) and
moving on to the next spot on the same view, the safe places listed as guldkorn, no "None"
or raw id in any table, and the promise's progress for Halmstad 2019 at the top."""

from __future__ import annotations

import math
from datetime import date

from streamlit.testing.v1 import AppTest

from geo import catalog, demo, followup, meeting, progress
from geo.i18n import local_today
from tests.app.conftest import PLANNER, open_app, run


def followup_page(**state) -> AppTest:
    return open_app(PLANNER, "pages/followup.py", **state)


def metrics(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value) for m in at.metric}


def tally_of(db, district_id: str | None, last_meeting: date) -> followup.MeetingTally:
    """The tally for a selection, made here from the store's rows (not the page's)."""
    d = db.districts()
    family = d.family(district_id) if district_id else [x.id for x in d.of_municipality("halmstad")]
    obs, ms, ws = (db.observations(district_ids=family), db.measures(district_ids=family),
                   db.walks(district_ids=family))
    history = db.histories("observation", [o.id for o in obs]) + db.histories("measure", [m.id for m in ms])
    return followup.meeting_tally(obs, ms, ws, history, catalog=catalog.load(), last_meeting=last_meeting,
                                  today=local_today(), municipality_id="halmstad", districts=d,
                                  district_ids=[district_id] if district_id else None)


def test_the_meetings_figures_follow_the_meeting_date(db):
    at = followup_page()
    overdue = [m for m in db.measures(district_ids=db.districts().family("andersberg"))
               if progress.is_overdue(m, local_today())]
    assert metrics(at)["Försenade åtgärder"] == len(overdue)
    at.date_input(key="fu_last").set_value(date(2019, 10, 1))  # before the demo's walks
    run(at)
    found = db.observations(district_ids=db.districts().family("andersberg"))
    problems = [o for o in found if o.category not in catalog.load().positive_ids()]
    assert metrics(at)["Nytt sedan mötet"] == len(problems) > 0  # safe places are no new problems
    tally = tally_of(db, "andersberg", date(2019, 10, 1))
    shown = metrics(at)
    for key, label, value in meeting.figure_rows(tally, "sv", meeting.HEADLINE):
        assert shown[label] == value, key
    assert shown["Väntar på beslut"] == len(tally.undecided) + len(tally.proposed)
    assert shown["Guldkorn"] == len([o for o in found if o.category == "trygg_plats" and o.status != "closed"]) > 0


def test_a_resolved_spot_is_verified_and_another_reopened_with_a_reason(db):
    family = db.districts().family("andersberg")
    resolved = [o for o in db.observations(district_ids=family) if o.status == "resolved"]
    assert len(resolved) >= 2
    first, second = resolved[-1], resolved[-2]
    at = followup_page(fu_spot=first.id, fu_view="verify")
    at.radio(key=f"fu-{first.id}-{first.version}-act").set_value("verified")
    at.text_input(key=f"fu-{first.id}-{first.version}-comment").input("Ny lampa sitter uppe")
    next(b for b in at.button if b.label == "Spara beslutet").click()
    run(at)
    assert [s.value for s in at.success] == [f"#{first.id} är nu: Verifierad vid uppföljning."] or \
        db.observation(first.id).status == "verified"
    assert db.observation(first.id).status == "verified"
    assert db.history("observation", first.id)[-1].comment == "Ny lampa sitter uppe"

    at.selectbox(key="fu_spot").set_value(second.id)
    run(at)
    at.radio(key=f"fu-{second.id}-{second.version}-act").set_value("assessed")
    next(b for b in at.button if b.label == "Spara beslutet").click()
    run(at)
    assert any("Kommentar" in e.value for e in at.error) and db.observation(second.id).status == "resolved"
    at.text_input(key=f"fu-{second.id}-{second.version}-comment").input("Lampan är trasig igen")
    next(b for b in at.button if b.label == "Spara beslutet").click()
    run(at)
    assert db.observation(second.id).status == "assessed"


def test_promise_progress_for_halmstad_2019_matches_the_demo(db):
    at = followup_page(fu_period="promise")
    at.selectbox(key="fu_district").select_index(0)  # "Hela Halmstad"
    run(at)
    report = progress.promise_progress(catalog.load(), db.observations(), db.measures(), db.walks(),
                                       medborgarlofte_id="halmstad-2019", today=local_today())
    frames = [d.value for d in at.dataframe if "Aktivitet" in d.value.columns]
    total = frames[0].iloc[0]  # the medborgarlöfte's own row comes first
    assert total["Aktivitet"] == "Medborgarlöfte Halmstad 2019"
    assert total["Iakttagelser"] == report.total.total.observations == 168
    assert total["Vandringar"] == report.total.total.walks
    row = frames[0][frames[0]["Aktivitet"].str.startswith("1.6 ")].iloc[0]
    assert row["Iakttagelser"] == report.activity("halmstad-2019.1.6").total.observations
    assert demo.DEMO_JOIN_CODE  # the demo is what the page shows
    # activities with nothing to report are hidden, and a toggle shows them
    shown = set(frames[0]["Aktivitet"])
    empty = [a for a in report.activities if a.total.empty()]
    assert empty and not any(lbl.startswith(f"{a.number} ") for a in empty for lbl in shown)
    hidden = meeting.progress_rows(tally_of(db, None, local_today()).promise, catalog.load(), "sv")[1]
    assert hidden >= len(empty)
    assert f"{hidden} aktiviteter utan något att redovisa är dolda." in [c.value for c in at.caption]
    at.toggle(key="fu_show_empty").set_value(True)
    run(at)
    frame = next(d.value for d in at.dataframe if "Aktivitet" in d.value.columns)
    assert all(any(lbl.startswith(f"{a.number} ") for lbl in frame["Aktivitet"]) for a in report.activities)


def test_the_reports_are_offered_for_download(db):
    at = followup_page(fu_view="reports")
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Mötesrapport (PDF)", "Åtgärdslista (Excel)", "Kartlager för QGIS (GeoPackage)"]


def test_the_whole_municipality_is_a_choice(db):
    at = followup_page(fu_view="reports")
    at.selectbox(key="fu_district").select_index(0)  # "Hela Halmstad"
    run(at)
    halmstad = [d.id for d in db.districts().of_municipality("halmstad")]
    overdue = [m for m in db.measures(district_ids=halmstad) if progress.is_overdue(m, local_today())]
    assert metrics(at)["Försenade åtgärder"] == len(overdue)
    assert [b.label for b in at.get("download_button")][0] == "Mötesrapport (PDF)"


def test_saving_a_decision_keeps_the_view_and_shows_the_next_spot(db):
    at = followup_page(fu_view="verify")
    spots = [s for s in followup.verify_order(
        db.observations(district_ids=db.districts().family("andersberg"))) if s.status == "resolved"]
    assert len(spots) >= 3
    first = spots[0]
    assert at.selectbox(key="fu_spot").value == first.id  # the newest resolved spot comes first
    for expected_next in (spots[1], spots[2]):
        current = db.observation(at.selectbox(key="fu_spot").value)
        at.radio(key=f"fu-{current.id}-{current.version}-act").set_value("verified")
        next(b for b in at.button if b.label == "Spara beslutet").click()
        run(at)
        assert db.observation(current.id).status == "verified"
        assert at.button_group(key="fu_view").value == "verify"  # still on the verify view
        assert at.selectbox(key="fu_spot").value == expected_next.id
        assert [s.value for s in at.success] == [f"#{current.id} är nu: Verifierad vid uppföljning."]


def test_safe_places_are_listed_as_guldkorn_and_wait_for_nothing(db):
    at = followup_page(fu_view="guldkorn")
    at.date_input(key="fu_last").set_value(date(2019, 10, 1))
    run(at)
    safe = [o for o in db.observations(district_ids=db.districts().family("andersberg"))
            if o.category == "trygg_plats" and o.status != "closed"]
    assert safe
    assert any("Guldkorn – platser som känns trygga" in m.value for m in at.markdown)
    [frame] = observation_tables(at)
    assert sorted(frame["#"]) == sorted(o.id for o in safe)
    assert set(frame["Kategori"]) == {"Trygg plats – guldkorn"}
    at.button_group(key="fu_view").set_value("waiting")
    run(at)
    [undecided] = observation_tables(at)
    assert len(undecided) and not set(undecided["#"]) & {o.id for o in safe}


def observation_tables(at: AppTest) -> list:
    """The lists of observations on the page (their "#" and "Kategori" columns)."""
    return [d.value for d in at.dataframe if {"#", "Kategori"} <= set(d.value.columns)]


def _bad(value) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    text = str(value)
    return text.strip() in ("", "None", "nan", "NaT") or "halmstad-20" in text


def test_no_none_blank_or_raw_id_reaches_the_tables(db):
    at = followup_page(fu_last=date(2019, 10, 1))
    at.selectbox(key="fu_district").select_index(0)  # the whole municipality: every kind of row
    run(at)
    seen = 0
    for period in ("since", "promise"):
        at.button_group(key="fu_period").set_value(period)
        for view in ("new", "resolved", "overdue", "waiting", "guldkorn", "rewalk"):
            at.button_group(key="fu_view").set_value(view)
            run(at)
            for d in at.dataframe:
                frame = d.value
                seen += len(frame)
                bad = [(c, v) for c in frame.columns for v in frame[c] if _bad(v)]
                assert bad == [], (period, view, list(frame.columns), bad[:5])
    assert seen > 100
