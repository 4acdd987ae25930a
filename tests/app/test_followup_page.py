"""The follow-up page through AppTest: the meeting's figures, verifying and reopening a spot
(with the reason a reopening needs), and the promise's progress for Halmstad 2019."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from geo import catalog, demo, progress
from tests.app.conftest import PLANNER, open_app, run


def followup_page(**state) -> AppTest:
    return open_app(PLANNER, "pages/followup.py", **state)


def metrics(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value) for m in at.metric}


def test_the_meetings_figures_follow_the_meeting_date(db):
    at = followup_page()
    overdue = [m for m in db.measures(district_ids=db.districts().family("andersberg"))
               if progress.is_overdue(m, date.today())]
    assert metrics(at)["Försenade åtgärder"] == len(overdue)
    at.date_input(key="fu_last").set_value(date(2019, 10, 1))  # before the demo's walks
    run(at)
    new = len([o for o in db.observations(district_ids=db.districts().family("andersberg"))])
    assert metrics(at)["Nytt sedan mötet"] == new > 0


def test_a_resolved_spot_is_verified_and_another_reopened_with_a_reason(db):
    family = db.districts().family("andersberg")
    resolved = [o for o in db.observations(district_ids=family) if o.status == "resolved"]
    assert len(resolved) >= 2
    first, second = resolved[-1], resolved[-2]
    at = followup_page(fu_spot=first.id)
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
    at = followup_page()
    report = progress.promise_progress(catalog.load(), db.observations(), db.measures(), db.walks(),
                                       medborgarlofte_id="halmstad-2019", today=date.today())
    frames = [d.value for d in at.dataframe if "Aktivitet" in d.value.columns]
    total = frames[0].iloc[-1]
    assert total["Iakttagelser"] == report.total.total.observations == 168
    assert total["Vandringar"] == report.total.total.walks
    row = frames[0][frames[0]["Aktivitet"].str.startswith("1.6 ")].iloc[0]
    assert row["Iakttagelser"] == report.activity("halmstad-2019.1.6").total.observations
    assert demo.DEMO_JOIN_CODE  # the demo is what the page shows


def test_the_reports_are_offered_for_download(db):
    at = followup_page()
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Mötesrapport (PDF)", "Åtgärdslista (Excel)", "Kartlager för QGIS (GeoPackage)"]


def test_the_whole_municipality_is_a_choice(db):
    at = followup_page()
    at.selectbox(key="fu_district").select_index(0)  # "Hela Halmstad"
    run(at)
    halmstad = [d.id for d in db.districts().of_municipality("halmstad")]
    overdue = [m for m in db.measures(district_ids=halmstad) if progress.is_overdue(m, date.today())]
    assert metrics(at)["Försenade åtgärder"] == len(overdue)
    assert [b.label for b in at.get("download_button")][0] == "Mötesrapport (PDF)"
