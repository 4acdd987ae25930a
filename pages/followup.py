"""The follow-up meeting: the meeting's figures and what the promise achieved (at the top),
then what is new since the last meeting, what was resolved, what is overdue, what waits for a
decision and the safe places (guldkorn); verify or reopen spots; the re-walk; and the
meeting's reports.  Every figure comes from one tally (geo.followup.meeting_tally)."""

from datetime import timedelta
from types import SimpleNamespace

import streamlit as st
from streamlit_folium import st_folium

from geo import followup
from geo.i18n import local_today
from geo.model import Measure, Observation, Walk
from geo.plannermap import planner_map
from geo.roles import Action
from ui.auth import require
from ui.common import demo_banner, get_store, lang, the_catalog, the_districts, tr
from ui.followup import glance, headline, report_downloads, rewalk_panel, table, verify_panel
from ui.mapdata import district_history, district_rows
from ui.tables import measure_frame, observation_frame

actor = require(Action.CHANGE_STATUS)
store = get_store()
cat = the_catalog()
districts = the_districts()
st.title(tr("followup.heading"))
demo_banner()
munis = [m for m in cat.municipalities if districts.top_level(m.id)]
c1, c2, c3 = st.columns([1, 2, 1])
muni = c1.selectbox(tr("map.municipality"), munis, format_func=lambda m: m.name, key="fu_muni")
options = [d for top in districts.top_level(muni.id) for d in
           [top] + [p for p in districts.of_municipality(muni.id) if p.parent_id == top.id]]
district = c2.selectbox(tr("map.district"), [None, *options], index=1, key="fu_district",
                        format_func=lambda d: tr("followup.whole", name=muni.name) if d is None
                        else ("↳ " if d.parent_id else "") + d.name)
today = local_today()  # the meeting's day in Sweden, whatever the server's clock says
last = c3.date_input(tr("followup.last_meeting"), value=today - timedelta(days=90), max_value=today,
                     key="fu_last", format="YYYY-MM-DD")
tops = [d.id for d in districts.top_level(muni.id)]
shown_on_map = district.id if district else tops
area = district or SimpleNamespace(id=muni.id, name=muni.name)  # what the reports are about


def rows(district_ids: list[str]) -> tuple[list[Observation], list[Measure], list[Walk]]:
    """Observations, measures and walks of these districts and their parts (cached reads)."""
    found = [district_rows(d) for d in district_ids]
    return ([o for part in found for o in part[0]], [m for part in found for m in part[1]],
            [w for part in found for w in part[2]])


chosen = [district.id] if district else tops
observations, measures, walks = rows(chosen)
history = [h for d in chosen for h in district_history(d)]  # cached with the rows
tally = followup.meeting_tally(observations, measures, walks, history, catalog=cat, last_meeting=last,
                               today=today, municipality_id=muni.id, districts=districts,
                               district_ids=[district.id] if district else None)

headline(tally)
glance(tally, cat, {d.id: d.name for d in districts})

st_folium(planner_map(districts, shown_on_map, observations=observations, measures=measures, walks=walks,
                      categories=list(cat.categories), measure_types=list(cat.measure_types), lang=lang()),
          key=f"fu-map-{area.id}", height=460, use_container_width=True, returned_objects=[])
st.caption(tr("followup.map_help"))

# A navigation that keeps its choice over a rerun: saving a decision stays on the verify view.
to_verify = followup.verify_order(tally.observations)
figures = tally.figures()
views = {"new": ("followup.new", figures["new"]), "resolved": ("followup.resolved", figures["resolved"]),
         "overdue": ("followup.overdue_measures", figures["overdue"]),
         "waiting": ("followup.waiting", figures["waiting"]), "guldkorn": ("followup.guldkorn", figures["guldkorn"]),
         "verify": ("followup.verify_tab", sum(o.status == "resolved" for o in to_verify)),
         "rewalk": ("followup.rewalk", None), "reports": ("followup.reports", None)}
names = {v: tr(key) + ("" if n is None else f" ({n})") for v, (key, n) in views.items()}  # words made now
st.session_state.setdefault("fu_view", "new")
view = st.segmented_control(tr("followup.view"), list(views), key="fu_view", required=True,
                            format_func=lambda v: names[v])
if view == "new":
    table(observation_frame(tally.new, cat), tr("followup.none"), "fu_new")
elif view == "resolved":
    table(observation_frame(tally.resolved, cat), tr("followup.none"), "fu_resolved")
elif view == "overdue":
    table(measure_frame(tally.overdue, cat, today), tr("followup.none"), "fu_overdue")
elif view == "waiting":
    st.caption(tr("followup.waiting_help"))
    st.markdown(f"**{tr('followup.undecided')}**")
    table(observation_frame(tally.undecided, cat), tr("followup.none"), "fu_undecided")
    st.markdown(f"**{tr('followup.proposed')}**")
    table(measure_frame(tally.proposed, cat, today), tr("followup.none"), "fu_proposed")
elif view == "guldkorn":
    st.markdown(f"**{tr('followup.guldkorn_heading')}**")
    st.caption(tr("followup.guldkorn_help"))
    table(observation_frame(tally.guldkorn, cat), tr("followup.none"), "fu_guldkorn")
elif view == "verify":
    verify_panel(store, actor, to_verify, cat)
elif view == "rewalk":
    rewalk_panel(walks, observations, cat)
else:
    st.caption(tr("followup.reports_help"))
    report_downloads(store, tally, cat, area, shown_on_map)
