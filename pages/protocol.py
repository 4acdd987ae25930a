"""The walk protocol (the Swedish method's step after the walk), for the walk leader.

Go through the walk's pins: merge the ones from several tablets that describe the same spot
(suggested by distance and category), set for each point who is responsible, a priority and
a deadline, and download the protocol as a PDF for the participants and the owners.
"""

import hashlib
from collections.abc import Sequence
from datetime import date

import pandas as pd
import streamlit as st

from geo import followup
from geo.errors import Refused
from geo.i18n import local_time
from geo.model import Responsible
from geo.protocol import route_order, walk_protocol_pdf
from geo.roles import Action
from geo.safe import markdown_text
from geo.store import ProtocolChange
from ui.auth import require
from ui.common import get_store, lang, the_catalog, tr
from ui.feedback import flash, refused, show_flash
from ui.mapdata import forget
from ui.planner import PLAN, measure_form, status_label
from ui.triage import triage_bar

actor = require(Action.CHANGE_STATUS)
store = get_store()
cat = the_catalog()
categories = list(cat.categories)
labels = {c.id: c.label(lang()) for c in categories}
st.title(tr("protocol.heading"))
st.caption(tr("protocol.intro"))
if show_flash():
    forget()  # the map and the follow-up show the change at once

walks = sorted(store.walks(), key=lambda w: w.starts_at, reverse=True)
if not walks:
    st.info(tr("pin.no_walks"))
    st.stop()
by_id = {w.id: w for w in walks}
walk = by_id[st.selectbox(tr("map.walk"), list(by_id), key="protocol_walk", format_func=lambda i: (
    f"{local_time(by_id[i].starts_at, '%Y-%m-%d')} · {by_id[i].title} · {tr(f'status.walk.{by_id[i].status}')}"))]
observations = store.observations(walk_id=walk.id)
if not observations:
    st.info(tr("pin.none_yet"))
    st.stop()
by_obs = {o.id: o for o in observations}

# --- merging pins of one spot --------------------------------------------------------------
def merge(ids: Sequence[int]) -> None:
    """The first pin is kept and speaks for the others."""
    try:
        store.merge_observations(ids[0], ids[1:], actor)
    except Refused as e:
        refused(e)
    else:
        flash(tr("protocol.merged", n=len(ids), id=ids[0]))
        st.rerun()


st.subheader(tr("protocol.merge"))
radius = st.slider(tr("protocol.radius"), 5, 50, 15, step=5, key="protocol_radius")
suggestions = followup.merge_suggestions(observations, radius_m=radius)
if not suggestions:
    st.caption(tr("protocol.no_suggestions"))
for group in suggestions:
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.markdown(tr("protocol.suggestion", category=markdown_text(labels.get(by_obs[group[0]].category, "")),
                     n=len(group), ids=", ".join(f"#{i}" for i in group)) + "  \n" + " · ".join(
        markdown_text(by_obs[i].description[:60]) or "–" for i in group))
    if right.button(tr("protocol.merge_button"), key=f"merge-{'-'.join(map(str, group))}", width="stretch"):
        merge(group)
with st.expander(tr("protocol.merge_by_hand")):
    chosen = st.multiselect(tr("protocol.choose"), list(by_obs), key="protocol_manual",
                            format_func=lambda i: (f"#{i} {labels.get(by_obs[i].category, '')} – "
                                                   f"{by_obs[i].description[:40]}"))
    if st.button(tr("protocol.merge_button"), key="merge-manual", disabled=len(chosen) < 2):
        merge(chosen)

# --- the protocol: who acts, how urgently, by when; and triage of the chosen points -----------
st.subheader(tr("protocol.points"))
st.caption(tr("protocol.points_help"))
ordered = route_order(observations, walk.route)
responsibles = [r.value for r in Responsible]
resp_label = {r: tr(f"responsible.{r}") for r in responsibles}
prio_label = {p: tr(f"protocol.priority_{p}") for p in (1, 2, 3)}
frame = pd.DataFrame({
    "chosen": [False] * len(ordered),
    "nr": range(1, len(ordered) + 1),
    "id": [o.id for o in ordered],
    "category": [labels.get(o.category, o.category) for o in ordered],
    "flagged": [o.people for o in ordered],  # pins merged here and those who said "Jag håller med"
    "feeling": [o.feeling for o in ordered],
    "text": [o.description for o in ordered],
    "status": [status_label(o) for o in ordered],
    "responsible": [resp_label.get(o.responsible) if o.responsible else None for o in ordered],
    "priority": [prio_label.get(o.priority) if o.priority else None for o in ordered],
    "due": [o.due for o in ordered],
})
state = "-".join(f"{o.id}.{o.version}" for o in ordered)  # a saved change starts a fresh table
edited = st.data_editor(frame, hide_index=True, width="stretch", placeholder="–",
                        key=f"protocol_table_{walk.id}_{hashlib.sha1(state.encode()).hexdigest()[:12]}",
                        disabled=["nr", "id", "category", "flagged", "feeling", "text", "status"], column_config={
                            "chosen": st.column_config.CheckboxColumn(tr("protocol.choose_row"), width="small"),
                            "nr": st.column_config.NumberColumn(tr("protocol.nr"), width="small"),
                            "id": st.column_config.NumberColumn("#", width="small"),
                            "category": tr("map.category"), "flagged": st.column_config.NumberColumn(
                                tr("protocol.people"), help=tr("protocol.people_help"), width="small"),
                            "feeling": tr("map.feeling"), "text": tr("protocol.texts"), "status": tr("map.status"),
                            "responsible": st.column_config.SelectboxColumn(
                                tr("map.responsible"), options=list(resp_label.values())),
                            "priority": st.column_config.SelectboxColumn(
                                tr("protocol.priority"), options=list(prio_label.values())),
                            "due": st.column_config.DateColumn(tr("map.due"), min_value=date(2000, 1, 1),
                                                               format="YYYY-MM-DD")})
if st.button(tr("protocol.save"), type="primary", key="protocol_save", icon=":material/save:"):
    by_resp = {v: k for k, v in resp_label.items()}
    by_prio = {v: k for k, v in prio_label.items()}
    changes = [ProtocolChange(int(r.id), by_obs[int(r.id)].version, by_resp.get(r.responsible),
                              by_prio.get(r.priority), r.due if isinstance(r.due, date) else None)
               for r in edited.itertuples()]
    try:
        store.set_protocols(actor, changes)
    except Refused as e:  # a Conflict too: someone else changed a point meanwhile
        refused(e)
    else:
        flash(tr("protocol.saved", n=len(changes)))
        st.rerun()

st.subheader(tr("triage.heading"))
measures = store.measures(district_ids=store.districts().family(walk.district_id))
triage_bar(store, actor, [by_obs[int(r.id)] for r in edited.itertuples() if r.chosen], measures, cat,
           key="protocol-triage")
if PLAN in st.session_state:  # "plan a new measure" for the chosen points
    measure_form(store, actor, cat, observations, None)


language = lang()


def protocol_pdf() -> bytes:
    """Assembled by the domain in the page's language when the button is pressed, not on every rerun."""
    return walk_protocol_pdf(walk, observations, cat, store.districts(), lang=language)


st.download_button(tr("protocol.pdf"), protocol_pdf, file_name=f"vandringsprotokoll-{walk.slug}.pdf",
                   mime="application/pdf", icon=":material/picture_as_pdf:", key="protocol_pdf", on_click="ignore")
