"""The planner map: where do people feel unsafe, which spots are hot, what is planned there.

Filters (sidebar) select the observations; the map shows them with a heat map, hot spots
(:mod:`geo.hotspots`) and measures as layers; a click on a pin or a row in the table shows
its details, and a measure is planned from a pin, a hot spot or a drawn area.  Panning and
zooming do not rerun the page: the map reports only clicks and drawings.
"""

import folium
import streamlit as st
from shapely.geometry import Point, shape
from streamlit_folium import st_folium

from geo import capture, hotspots
from geo.crs import leaflet
from geo.filters import apply
from geo.plannermap import planner_map
from geo.roles import Action, allowed
from ui.auth import require
from ui.common import demo_banner, get_store, lang, the_catalog, the_districts, tr
from ui.feedback import show_flash
from ui.mapdata import district_rows, forget
from ui.planner import (
    EDIT,
    PLAN,
    SELECTED,
    details,
    edit,
    filter_controls,
    measure_form,
    measure_table,
    observation_table,
    plan,
    spot_table,
)
from ui.triage import triage_bar

actor = require(Action.VIEW_ALL)
store = get_store()
cat = the_catalog()
districts = the_districts()
may_plan = allowed(actor, Action.MANAGE_MEASURES)
st.title(tr("app.title"))
st.caption(tr("app.tagline"))
demo_banner()
if show_flash():
    forget()  # the new or changed measure shows at once

munis = [m for m in cat.municipalities if districts.top_level(m.id)]
c1, c2 = st.columns([1, 2])
muni = c1.selectbox(tr("map.municipality"), munis, format_func=lambda m: m.name, key="map_muni")
options = [d for top in districts.top_level(muni.id) for d in
           [top] + [p for p in districts.of_municipality(muni.id) if p.parent_id == top.id]]
district = c2.selectbox(tr("map.district"), options, key="map_district",
                        format_func=lambda d: ("↳ " if d.parent_id else "") + d.name)
everything, measures, walks = district_rows(district.id)
observations = apply(everything, filter_controls(everything, walks, cat))

side = st.sidebar
side.subheader(tr("planner.layers"))
cluster = side.toggle(tr("planner.cluster"), value=len(observations) > 1500, key="l_cluster")
heat = side.toggle(tr("map.heat"), key="l_heat")
radius = side.slider(tr("planner.radius"), 10, 150, 35, step=5, key="l_radius", help=tr("planner.radius_help"))
min_count = side.slider(tr("planner.min_count"), 2, 15, 3, key="l_min")
gi = side.toggle(tr("map.gi_star"), key="l_gi", help=tr("planner.gi_help"))
cell = side.slider(tr("planner.cell"), 25, 250, 50, step=25, key="l_cell", disabled=not gi)
tiles = side.toggle(tr("map.tiles"), value=True, help=tr("map.tiles_help"), key="map_tiles")

spots = hotspots.hot_spots(observations, radius_m=radius, min_count=min_count)
cells = hotspots.gi_star_grid(observations, cell_m=cell) if gi and observations else []
by_id = {o.id: o for o in observations}
selected = [by_id[i] for i in st.session_state.get(SELECTED, []) if i in by_id]

left, right = st.columns([2, 1], gap="medium")
with right:
    st.subheader(tr("planner.details"))
    if not selected:
        st.caption(tr("planner.details_hint"))
    else:
        spot_id = st.session_state.get("map_spot")
        details(store, actor, selected, cat, spot=next((s for s in spots if s.id == spot_id), None))

with left:
    m = planner_map(districts, district.id, observations=observations, measures=measures, walks=walks,
                    categories=list(cat.categories), measure_types=list(cat.measure_types), lang=lang(),
                    spots=spots, cells=cells, cluster=cluster, heat=heat, tiles=tiles, draw=may_plan)
    ring = folium.FeatureGroup(name="selection", control=False)
    for o in selected:
        folium.CircleMarker(leaflet(o.lon, o.lat), radius=18, color="#d7263d", weight=4, fill=False,
                            interactive=False, class_name="tk-selected").add_to(ring)
    focus = st.session_state.get("map_focus", {}).get(district.id)  # a table row's place
    out = st_folium(m, key=f"planner-{district.id}", height=620, use_container_width=True,
                    returned_objects=["last_object_clicked", "last_active_drawing"],
                    feature_group_to_add=ring, center=focus, zoom=18 if focus else None)
    positive = cat.positive_ids()
    safe = sum(o.category in positive for o in observations)  # shown, but in no hot spot
    shown_line = tr("planner.shown", n=len(observations), total=len(everything), safe=safe, spots=len(spots),
                    m=len(measures))
    st.caption(f"{shown_line} · {district.attribution}")

seen = st.session_state.setdefault("map_seen", {})
clicked = capture.click_point(out.get("last_object_clicked"))
new_click = clicked is not None and clicked != seen.get("click")
drawing = (out.get("last_active_drawing") or {}).get("geometry")
if drawing and drawing != seen.get("drawing"):
    seen["drawing"] = drawing
    if not new_click:  # a click on a pin or an area also reports that layer as "drawing"
        st.session_state["map_drawn"] = drawing
if new_click and clicked is not None:
    seen["click"] = clicked
    # st_folium reports the clicked layer as GeoJSON too: a pin's exact place, or an area
    target = (out.get("last_active_drawing") or {}).get("geometry") or {}
    here = capture.pins_at(target, observations)
    spot = None if here else next((s for s in spots if shape(s.area).contains(Point(*clicked))), None)
    if here:  # the pins at that place, and the hot spot they belong to
        spot = next((s for s in spots if here[0].id in s.observation_ids), None)
    if here or spot is not None:
        st.session_state[SELECTED] = [o.id for o in here] or (list(spot.observation_ids) if spot else [])
        st.session_state["map_spot"] = spot.id if spot else None
        st.rerun()
drawn = st.session_state.get("map_drawn")

if may_plan and drawn:
    inside = [o for o in observations if shape(drawn).buffer(1e-6).contains(Point(o.lon, o.lat))] \
        if drawn["type"] == "Polygon" else []
    c1, c2 = st.columns([3, 1], vertical_alignment="center")
    c1.info(tr("planner.drawn_ready", kind=tr(f"planner.shape_{drawn['type']}"), n=len(inside)),
            icon=":material/draw:")
    if c2.button(tr("planner.plan_drawn"), key="plan_drawn", type="primary", width="stretch"):
        plan(observation_ids=[o.id for o in inside], geometry=drawn, activity_id=None, title="")

tab_obs, tab_spots, tab_measures = st.tabs([tr("map.table"), tr("map.hot_spots"), tr("map.measures")])
chosen_row = chosen_spot = chosen_measure = None
with tab_obs:
    if observations:
        chosen_rows = observation_table(observations, cat, {w.id: w for w in walks})
        chosen_row = chosen_rows[0] if chosen_rows else None
        triage_bar(store, actor, chosen_rows, measures, cat, key="map-triage")
    else:
        st.info(tr("app.no_data"))
with tab_spots:
    if spots:
        st.caption(tr("planner.spots_help", radius=radius, n=min_count))
        chosen_spot = spot_table(spots, cat)
    else:
        st.caption(tr("planner.no_spots"))
with tab_measures:
    if measures:
        chosen_measure = measure_table(measures, cat)
    else:
        st.caption(tr("planner.no_measures"))
    if chosen_measure is not None and may_plan and st.button(
            tr("planner.edit_measure_n", id=chosen_measure.id), key="edit_measure", icon=":material/edit:"):
        edit(chosen_measure.id)

# a row chosen in a table (only when the choice is new: the map's clicks choose too)
if chosen_row is not None and seen.get("row") != chosen_row.id:
    seen["row"] = chosen_row.id
    st.session_state.update({SELECTED: [chosen_row.id], "map_spot": None,
                             "map_focus": {district.id: leaflet(chosen_row.lon, chosen_row.lat)}})
    st.rerun()
if chosen_spot is not None and seen.get("spot") != chosen_spot.id:
    seen["spot"] = chosen_spot.id
    st.session_state.update({SELECTED: list(chosen_spot.observation_ids), "map_spot": chosen_spot.id,
                             "map_focus": {district.id: leaflet(*chosen_spot.centre)}})
    st.rerun()

if may_plan and (PLAN in st.session_state or EDIT in st.session_state):
    measure_form(store, actor, cat, observations, drawn if PLAN in st.session_state else None)
