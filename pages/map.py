"""Map page: a district's boundary, its walks' routes, observations and measures."""

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.i18n import local_time
from geo.mapview import district_map
from geo.roles import Action
from ui.auth import require
from ui.common import demo_banner, lang, the_catalog, the_districts, tr
from ui.mapdata import district_rows

require(Action.VIEW_ALL)

cat = the_catalog()
districts = the_districts()
st.title(tr("app.title"))
st.caption(tr("app.tagline"))
demo_banner()

munis = [m for m in cat.municipalities if districts.top_level(m.id)]
c1, c2, c3 = st.columns([1, 2, 2])
muni = c1.selectbox(tr("map.municipality"), munis, format_func=lambda m: m.name, key="map_muni")
options = [d for top in districts.top_level(muni.id) for d in
           [top] + [p for p in districts.of_municipality(muni.id) if p.parent_id == top.id]]
district = c2.selectbox(tr("map.district"), options, key="map_district",
                        format_func=lambda d: ("↳ " if d.parent_id else "") + d.name)
observations, measures, walks = district_rows(district.id)
walk = c3.selectbox(tr("map.walk"), [None, *walks], key="map_walk",
                    format_func=lambda w: tr("map.all_walks") if w is None
                    else f"{local_time(w.starts_at, '%Y-%m-%d')} – {w.title}")
if walk is not None:
    observations = [o for o in observations if o.walk_id == walk.id]
tiles = st.toggle(tr("map.tiles"), value=True, help=tr("map.tiles_help"), key="map_tiles")

m = district_map(districts, district.id, observations=observations, measures=measures,
                 walks=[walk] if walk else walks, categories=list(cat.categories),
                 measure_types=list(cat.measure_types), lang=lang(), tiles=tiles)
st_folium(m, height=620, width=None, returned_objects=[], key="district_map")
st.caption(f"{tr('map.count', n=len(observations), m=len(measures))} · {district.attribution} · "
           f"{tr('map.area', km2=district.area_km2)}")

if not observations:
    st.info(tr("app.no_data"))
else:
    cats = {c.id: c.label(lang()) for c in cat.categories}
    with st.expander(tr("map.table"), expanded=False):
        st.dataframe(pd.DataFrame({
            tr("map.observed_at"): [local_time(o.observed_at) for o in observations],
            tr("map.category"): [cats.get(o.category, o.category) for o in observations],
            tr("map.feeling"): [o.feeling for o in observations],
            tr("map.status"): [tr(f"status.observation.{o.status}") for o in observations],
            tr("map.description"): [o.description for o in observations],
        }), hide_index=True, width="stretch")
