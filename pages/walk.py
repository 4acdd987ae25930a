"""The walk's map: pin what feels unsafe, see everyone's pins live, change your own.

A participant sees the walk they joined; planners and admins choose a walk (the walks page
sends them here with ``st.session_state["walk_id"]``).  The map is the page: it takes the
height the device has (:func:`ui.pinform.walk_css`), and messages come as toasts, so nothing
moves it.  A tap on the map (or "Här är jag") places a pin and opens the pin form
(:mod:`ui.pinform`); a tap on or near pins offers them – *Jag håller med*, *Öppna* – or a new
pin there.  The map is a fragment that reruns every few seconds, so other people's pins
arrive without a reload; only the pins are sent again, so the map keeps its zoom.  The rules
live in :mod:`geo.capture`, the actions in :mod:`ui.pinactions`.  A closed walk shows a
participant what became of their pins (:mod:`ui.outcomes`).
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo import capture
from geo.mapview import walk_map, walk_pins
from geo.model import WalkStatus
from geo.roles import Action, allowed
from geo.safe import markdown_text
from ui.auth import current_actor, require, still_signed_in
from ui.common import get_store, lang, last_good, offline, the_catalog, tr
from ui.feedback import show_flash
from ui.geolocate import here_button
from ui.outcomes import participant_outcomes
from ui.pinactions import MOVE_TO, ROUGH, SEEN, PinActions, chosen_walk
from ui.pinform import (
    MOVING,
    NEAR,
    OPEN_PIN,
    PENDING,
    TOUCH_CSS,
    near_dialog,
    new_pin_dialog,
    pin_dialog,
    pin_list,
    walk_css,
)

REFRESH_S = 4
MAP_HEIGHT = 520  # px, until the page's CSS gives the map the device's height
START_ZOOM = 15  # what the map reports before it was zoomed

store = get_store()
categories = list(the_catalog().categories)
signed_in = current_actor()
if signed_in is None:
    require(Action.VIEW_WALK)
walk = chosen_walk(store, signed_in)
actor = require(Action.VIEW_WALK, walk_id=walk.id)
can_add = allowed(actor, Action.ADD_OBSERVATION, walk=walk)
seen = st.session_state.setdefault(SEEN, {})
st.html(TOUCH_CSS + walk_css(st.context.theme.type == "dark"))
pin = PinActions(store, actor, walk)
district_name = pin.district_name

st.title(markdown_text(walk.title))
# One row above the map, of the same height whatever happens (the GPS button, or the move
# buttons, or why pins cannot be made): messages are toasts, so the map never moves – a
# message above it would push it down right where the next tap lands, and Streamlit knows
# elements by their position, so the map would be drawn afresh and lose its zoom.
about, actions = st.columns([3, 2], vertical_alignment="center")
moving = st.session_state.get(MOVING)
about.caption(" · ".join(filter(None, [
    district_name(walk.district_id), tr(f"status.walk.{walk.status}"),
    tr("pin.code", code=walk.join_code) if walk.join_code else ""])))
if moving is not None:
    about.caption(tr("pin.move_hint"))
elif can_add:
    about.caption(tr("pin.tap_hint"))
with actions:
    show_flash(toast=True)
    if moving is not None:
        if (target := st.session_state.get(MOVE_TO)) is not None:
            st.caption(tr("pin.outside", district=district_name(walk.district_id)))
            if st.button(tr("pin.outside_ok"), type="primary", key="move-outside-yes", width="stretch"):
                pin.move(moving, target)
                st.rerun()
        if st.button(tr("pin.move_cancel"), key="move-cancel", width="stretch", icon=":material/close:"):
            st.session_state.pop(MOVING, None)
            st.session_state.pop(MOVE_TO, None)
            st.rerun()
    elif walk.status == WalkStatus.PLANNED:
        st.info(tr("pin.not_open"), icon=":material/schedule:")
    elif walk.status == WalkStatus.CLOSED:
        st.info(tr("pin.closed"), icon=":material/task_alt:")
    elif can_add:
        fix = here_button(tr("pin.here"), key=f"gps-{walk.id}", busy_label=tr("pin.locating"))
        if fix is not None and fix.at_ms != seen.get("gps"):
            seen["gps"] = fix.at_ms
            pin.located(fix)

night = st.sidebar.toggle(tr("pin.night"), key="night", help=tr("pin.night_help"),
                          value=st.context.theme.type == "dark")


def live_map() -> None:
    """The walk's map and pins; reruns by itself so that other people's pins show up."""
    if last_good("walk-status", lambda: store.walk(walk.id).status) != walk.status:
        st.rerun()  # opened or closed by the leader
    if not still_signed_in():
        st.rerun()  # signed out in another browser, the link expired, the account disabled
    observations = last_good(f"pins-{walk.id}", lambda: store.visible_observations(actor, walk_id=walk.id))
    mine = {o.id for o in observations
            if actor.participant_id is not None and o.participant_id == actor.participant_id}
    place = (st.session_state.get(PENDING) or {}).get("place")
    pins = walk_pins(observations, categories, walk, lang(), mine=mine,
                     pending=(place.lon, place.lat) if place else None,
                     accuracy_m=place.accuracy_m if place else None, rough=st.session_state.get(ROUGH))
    # The pins take no taps of their own: every tap is a tap on the map, and the pins within
    # capture.TAP_PX of it (at the map's zoom) are offered.
    out = st_folium(walk_map(store.districts(), walk, lang(), categories=categories, night=night),
                    key=f"walkmap-{walk.id}", feature_group_to_add=pins, height=MAP_HEIGHT,
                    use_container_width=True, returned_objects=["last_clicked", "zoom"])
    if offline():  # the pins as last seen; the map stays, and so does an open pin form
        st.warning(tr("pin.offline", s=REFRESH_S), icon=":material/cloud_off:")
    else:
        st.caption(tr("pin.live", n=len(observations), s=REFRESH_S))
    tapped = capture.click_point(out.get("last_clicked"))
    if tapped is not None and tapped != seen.get("map"):
        seen["map"] = tapped
        if capture.sent_offline(tapped, observations, actor.participant_id):
            pass  # a tap made offline, sent again by Streamlit: the map's outbox saved it (geo.outbox)
        elif (moving_id := st.session_state.get(MOVING)) is not None:
            place = capture.place_pin(*tapped, walk, store.districts())
            if place.in_walk_district:
                pin.move(moving_id, place)
            else:
                st.session_state[MOVE_TO] = place
            st.rerun()
        elif near := capture.pins_near(*tapped, observations, out.get("zoom") or START_ZOOM, px=capture.TAP_PX):
            for key in (PENDING, OPEN_PIN):
                st.session_state.pop(key, None)
            st.session_state[NEAR] = {"tap": tapped, "ids": [o.id for o in near]}
            st.rerun()
        elif can_add:
            pin.start(*tapped)
            st.rerun()


# run_every stays the same on every run: a different value makes a new fragment, and the
# browser would then draw the map afresh and lose the person's zoom.
st.fragment(live_map, run_every=REFRESH_S)()

if walk.status == WalkStatus.CLOSED and not actor.is_planner:
    participant_outcomes(actor, walk, the_catalog())
else:
    pin_list(store, actor, walk, categories)

if PENDING in st.session_state and can_add:
    new_pin_dialog(store, actor, walk, categories, district_name)
elif (near := st.session_state.get(NEAR)) is not None:
    near_dialog(store, actor, walk, categories, near, pin.start if can_add else None)
elif (open_id := st.session_state.get(OPEN_PIN)) is not None:
    pin_dialog(store, actor, walk, categories, open_id)
