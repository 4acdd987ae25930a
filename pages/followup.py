"""The follow-up meeting: what is new since the last meeting, what was resolved, what is
overdue and what waits for a decision; verify or reopen spots; the re-walk; what each
promise achieved; and the meeting's reports."""

from datetime import date, timedelta
from types import SimpleNamespace

import streamlit as st
from streamlit_folium import st_folium

from geo import followup, hotspots
from geo.plannermap import planner_map
from geo.progress import promise_progress
from geo.roles import Action
from ui.auth import require
from ui.common import demo_banner, get_store, lang, the_catalog, the_districts, tr
from ui.followup import (
    progress_table,
    report_downloads,
    rewalk_panel,
    table,
    verify_panel,
)
from ui.mapdata import district_rows
from ui.tables import measure_frame, observation_frame

actor = require(Action.CHANGE_STATUS)
store = get_store()
cat = the_catalog()
districts = the_districts()
st.title(tr("followup.heading"))
demo_banner()
if message := st.session_state.pop("fu_flash", None):
    district_rows.clear()  # the decision shows at once in the figures and lists
    st.success(message, icon=":material/check_circle:")

munis = [m for m in cat.municipalities if districts.top_level(m.id)]
c1, c2, c3 = st.columns([1, 2, 1])
muni = c1.selectbox(tr("map.municipality"), munis, format_func=lambda m: m.name, key="fu_muni")
options = [d for top in districts.top_level(muni.id) for d in
           [top] + [p for p in districts.of_municipality(muni.id) if p.parent_id == top.id]]
district = c2.selectbox(tr("map.district"), [None, *options], index=1, key="fu_district",
                        format_func=lambda d: tr("followup.whole", name=muni.name) if d is None
                        else ("↳ " if d.parent_id else "") + d.name)
today = date.today()
last = c3.date_input(tr("followup.last_meeting"), value=today - timedelta(days=90), max_value=today,
                     key="fu_last", format="YYYY-MM-DD")
tops = [d.id for d in districts.top_level(muni.id)]
shown_on_map = district.id if district else tops
area = district or SimpleNamespace(id=muni.id, name=muni.name)  # what the reports are about


def rows(district_ids):
    """Observations, measures and walks of these districts and their parts (cached reads)."""
    found = [district_rows(d) for d in district_ids]
    return tuple([row for part in found for row in part[i]] for i in range(3))


observations, measures, walks = rows([district.id] if district else tops)
history = store.histories("observation", [o.id for o in observations])
selection = followup.since_last_meeting(observations, measures, history, last_meeting=last, today=today,
                                        positive_categories={c.id for c in cat.categories if c.positive})

m1, m2, m3, m4 = st.columns(4)
m1.metric(tr("followup.new"), len(selection.new))
m2.metric(tr("followup.resolved"), len(selection.resolved))
m3.metric(tr("followup.overdue_measures"), len(selection.overdue))
m4.metric(tr("followup.waiting"), len(selection.undecided) + len(selection.proposed))

st_folium(planner_map(districts, shown_on_map, observations=observations, measures=measures, walks=walks,
                      categories=list(cat.categories), measure_types=list(cat.measure_types), lang=lang()),
          key=f"fu-map-{area.id}", height=460, use_container_width=True, returned_objects=[])
st.caption(tr("followup.map_help"))

tabs = st.tabs([tr("followup.new"), tr("followup.resolved"), tr("followup.overdue_measures"),
                tr("followup.waiting"), tr("followup.verify_tab"), tr("followup.rewalk"),
                tr("followup.progress"), tr("followup.reports")])
with tabs[0]:
    table(observation_frame(selection.new, cat), tr("followup.none"), "fu_new")
with tabs[1]:
    table(observation_frame(selection.resolved, cat), tr("followup.none"), "fu_resolved")
with tabs[2]:
    table(measure_frame(selection.overdue, cat), tr("followup.none"), "fu_overdue")
with tabs[3]:
    st.caption(tr("followup.undecided"))
    table(observation_frame(selection.undecided, cat), tr("followup.none"), "fu_undecided")
    st.caption(tr("followup.proposed"))
    table(measure_frame(selection.proposed, cat), tr("followup.none"), "fu_proposed")
with tabs[4]:
    # resolved spots wait for the meeting's verification: they come first, newest first
    order = {"resolved": 0, "closed": 1, "verified": 2}
    verify_panel(store, actor, sorted((o for o in reversed(followup.kept(observations)) if o.status in order),
                                      key=lambda o: order[o.status]), cat)
with tabs[5]:
    rewalk_panel(walks, observations, cat)
everything = rows(tops)  # the promise's progress is the whole municipality's
progress = [promise_progress(cat, *everything, medborgarlofte_id=ml.id, today=today, districts=districts)
            for ml in cat.medborgarloften if ml.municipality_id == muni.id]
with tabs[6]:
    names = {d.id: d.name for d in districts}
    for report in progress:
        progress_table(report, names)
with tabs[7]:
    st.caption(tr("followup.reports_help"))
    report_downloads(store, selection, followup.kept(observations), measures, hotspots.hot_spots(observations),
                     progress, cat, area, shown_on_map, last, today)
