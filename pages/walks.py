"""Walk leaders (planners, admins): create a walk, show its QR code, open and close the walks
they lead (an admin: every walk, and reopens a closed one; geo.roles.walk_transition_allowed)."""

from datetime import time

import streamlit as st

from geo import walks as wl
from geo.errors import Refused
from geo.i18n import local_time, local_today
from geo.model import LEADER_MAX, MEETING_POINT_MAX, TITLE_MAX, Group, Walk, WalkStatus
from geo.roles import Action, walk_transition_allowed
from geo.safe import html_text, markdown_text
from ui.auth import require
from ui.common import demo_banner, get_store, lang, the_catalog, the_districts, tr
from ui.feedback import flash, refused, show_flash

CLOSED_SHOWN = 20  # the newest closed walks listed; older ones stay on the map page

actor = require(Action.MANAGE_WALKS)
store = get_store()
cat = the_catalog()
districts = the_districts()
munis = {m.id: m for m in cat.municipalities}
st.title(tr("walks.heading"))
demo_banner()
show_flash()


@st.dialog(tr("walks.qr_title"), width="large")
def show_qr(walk: Walk) -> None:
    base_path = st.get_option("server.baseUrlPath") or ""
    code = walk.join_code or ""  # only a walk with a code has this button
    url = (wl.public_join_url(code, st.context.url, base_path)
           or wl.join_url(f"http://localhost:{st.get_option('server.port')}", code, base_path))
    st.markdown(f"**{markdown_text(walk.title)}**")
    left, right = st.columns([3, 2], vertical_alignment="center")
    left.image(wl.qr_png(url, scale=12), width="stretch")
    right.caption(tr("walks.qr_code_label"))
    right.markdown(  # escaped: the code is shown as typed, never as markup
        f'<p style="font:700 min(5.5rem,11vw)/1.1 monospace;letter-spacing:.12em;margin:0">'
        f"{html_text(walk.join_code)}</p>", unsafe_allow_html=True)
    right.caption(tr("walks.qr_intro"))
    st.code(url, language=None)


# --- a new walk -------------------------------------------------------------------------------
gen = st.session_state.setdefault("walks_gen", 0)  # a new number empties the form after saving
with st.container(border=True):
    st.subheader(tr("walks.new"))
    options = [d for m in cat.municipalities for top in districts.top_level(m.id)
               for d in [top, *(p for p in districts.of_municipality(m.id) if p.parent_id == top.id)]]
    c1, c2 = st.columns(2)
    district = c1.selectbox(
        tr("walks.district"), options, index=None, placeholder=tr("walks.choose_district"),
        format_func=lambda d: f"{munis[d.municipality_id].name} · {'↳ ' if d.parent_id else ''}{d.name}",
        key=f"walks_district_{gen}")
    muni_id = district.municipality_id if district else ""
    choices = wl.activities_for(cat, muni_id) if district else []
    labels = {a.id: f"{m.title} – {a.label(lang())}" for m, a in choices}
    activity_ids = [None, *labels]
    suggested = wl.suggested_activity(cat, muni_id) if district else None
    activity = c2.selectbox(
        tr("walks.activity"), activity_ids, disabled=district is None, help=tr("walks.activity_help"),
        index=activity_ids.index(suggested) if suggested in activity_ids else 0,
        format_func=lambda a: labels.get(a) or tr("walks.no_activity"),
        key=f"walks_activity_{gen}_{muni_id}")  # one per municipality: its suggestion first
    with st.form(f"walks_form_{gen}", border=False):
        c3, c4 = st.columns(2)
        day = c3.date_input(tr("walks.date"), value=local_today(), format="YYYY-MM-DD", key=f"walks_date_{gen}")
        start = c4.time_input(tr("walks.start_time"), value=time(18, 0), step=900, key=f"walks_time_{gen}")
        meeting_point = st.text_input(tr("walks.meeting_point"), max_chars=MEETING_POINT_MAX,
                                      key=f"walks_meeting_{gen}")
        groups = st.multiselect(tr("walks.groups"), [g.value for g in Group], placeholder=tr("walks.choose_groups"),
                                format_func=lambda g: tr(f"group.{g}"), key=f"walks_groups_{gen}")
        leader = st.text_input(tr("walks.leader"), value=actor.name, max_chars=LEADER_MAX,
                               key=f"walks_leader_{gen}")
        title = st.text_input(tr("walks.title"), max_chars=TITLE_MAX, help=tr("walks.title_help"),
                              key=f"walks_title_{gen}")
        st.caption(tr("walks.open_rule"))
        create = st.form_submit_button(tr("walks.create"), type="primary", icon=":material/add:")
    if create:
        try:
            walk = wl.create_walk(store, actor, district_id=district.id if district else None,
                                  date=day, start_time=start, meeting_point=meeting_point,
                                  groups=groups, activity_id=activity, leader=leader, title=title)
        except Refused as e:
            refused(e)
        else:
            st.session_state["walks_gen"] = gen + 1
            flash(tr("walks.created", title=markdown_text(walk.title), code=walk.join_code,
                     status=tr(f"status.walk.{walk.status}")))
            if walk.status == WalkStatus.OPEN:  # the leader is at the meeting point: show the code
                st.session_state["walks_qr_now"] = walk.id
            st.rerun()


# --- the walks ----------------------------------------------------------------------------------
def set_status(walk: Walk, status: str, message: str) -> None:
    try:
        store.set_walk_status(walk.id, status, actor)
    except Refused as e:  # e.g. the walk was deleted meanwhile: said after the rerun
        flash(e)
    else:
        flash(tr(message, title=markdown_text(walk.title)))
    st.session_state.pop("walks_closing", None)
    st.rerun()


if qr_now := st.session_state.pop("walks_qr_now", None):
    show_qr(store.walk(qr_now))
st.subheader(tr("walks.list"))
every = wl.ordered(store.walks())
closed = [w for w in every if w.status == WalkStatus.CLOSED]
shown = [w for w in every if w.status != WalkStatus.CLOSED] + closed[:CLOSED_SHOWN]
if not every:
    st.info(tr("walks.none"))
for w in shown:
    counts = wl.walk_counts(store, w)
    place = districts.get(w.district_id)
    with st.container(border=True, key=f"walks_card_{w.id}"):
        st.markdown(f"**{markdown_text(w.title)}**")
        st.caption(tr("walks.line", when=local_time(w.starts_at),
                      district=markdown_text(place.name if place else w.district_id),
                      status=tr(f"status.walk.{w.status}"), code=w.join_code or "–",
                      participants=counts.participants, pins=counts.pins))
        b1, b2, b3 = st.columns(3)
        may_open = walk_transition_allowed(actor, w, WalkStatus.OPEN)  # the leader or an admin
        may_close = walk_transition_allowed(actor, w, WalkStatus.CLOSED)
        if w.join_code and b1.button(tr("walks.show_qr"), key=f"walks_qr_{w.id}",
                                     icon=":material/qr_code_2:", width="stretch"):
            show_qr(w)
        if may_open and w.status == WalkStatus.PLANNED and b2.button(
                tr("walks.open"), key=f"walks_open_{w.id}", type="primary",
                icon=":material/play_arrow:", width="stretch"):
            set_status(w, WalkStatus.OPEN, "walks.opened")
        if may_open and w.status == WalkStatus.CLOSED and b2.button(
                tr("walks.reopen"), key=f"walks_open_{w.id}", icon=":material/replay:", width="stretch"):
            set_status(w, WalkStatus.OPEN, "walks.opened")
        if may_close and b2.button(
                tr("walks.close"), key=f"walks_close_{w.id}", icon=":material/stop_circle:",
                width="stretch"):
            st.session_state["walks_closing"] = w.id
            st.rerun()
        if w.status != WalkStatus.CLOSED and not (may_open or may_close):  # someone else leads it
            b2.caption(tr("walks.leader_only"))
        if b3.button(tr("walks.follow"), key=f"walks_follow_{w.id}", icon=":material/map:",
                     width="stretch"):
            st.session_state["walk_id"] = w.id
            st.switch_page("pages/walk.py")
        if st.session_state.get("walks_closing") == w.id and may_close:
            st.warning(tr("walks.confirm_close", title=markdown_text(w.title)), icon=":material/warning:")
            y, n = st.columns(2)
            if y.button(tr("walks.confirm_yes"), key=f"walks_close_yes_{w.id}", type="primary",
                        width="stretch"):
                set_status(w, WalkStatus.CLOSED, "walks.closed")
            if n.button(tr("walks.cancel"), key=f"walks_close_no_{w.id}", width="stretch"):
                st.session_state.pop("walks_closing", None)
                st.rerun()
if len(closed) > CLOSED_SHOWN:
    st.caption(tr("walks.more_closed", shown=CLOSED_SHOWN, total=len(closed)))
