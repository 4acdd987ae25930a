"""The participant's walk: its district and the pins placed so far."""

import streamlit as st
from streamlit_folium import st_folium

from geo.mapview import district_map
from geo.roles import Action
from geo.safe import markdown_text
from ui.auth import current_actor, require
from ui.common import get_store, lang, the_catalog, tr

signed_in = current_actor()
actor = require(Action.VIEW_WALK, walk_id=signed_in.walk_id if signed_in else None)
store = get_store()
walk = store.walk(actor.walk_id)
cat = the_catalog()
st.title(markdown_text(walk.title))
st.caption(tr("walk.status_line", status=tr(f"status.walk.{walk.status}"), code=walk.join_code or ""))
observations = store.visible_observations(actor)
m = district_map(store.districts(), walk.district_id, observations=observations, measures=[],
                 walks=[walk], categories=list(cat.categories),
                 measure_types=list(cat.measure_types), lang=lang())
st_folium(m, height=560, use_container_width=True, returned_objects=[], key="walk_map")
st.caption(tr("map.count", n=len(observations), m=0))
