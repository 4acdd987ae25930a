"""The walk's map: pin what feels unsafe, see everyone's pins live, change your own.

A participant sees the walk they joined; planners and admins choose a walk (the walks page
sends them here with ``st.session_state["walk_id"]``).  A tap on the map (or "Här är jag")
places a pin and opens the pin form (:mod:`ui.pinform`); a tap on a pin opens it.  The map is
a fragment that reruns every few seconds, so other people's pins arrive without a reload; only
the pins are sent again, so the map keeps its zoom.  The rules live in :mod:`geo.capture`.
A closed walk shows a participant what became of their pins (:mod:`ui.outcomes`).
"""

from __future__ import annotations

import uuid

import streamlit as st
from streamlit_folium import st_folium

from geo import capture
from geo.mapview import walk_map, walk_pins
from geo.model import Actor, Role, Walk, WalkStatus
from geo.roles import Action, allowed
from geo.safe import markdown_text
from geo.walks import ordered as ordered_walks
from ui.auth import current_actor, require, still_signed_in
from ui.common import get_store, lang, last_good, offline, the_catalog, tr
from ui.feedback import flash, show_flash
from ui.geolocate import GpsError, here_button
from ui.outcomes import participant_outcomes
from ui.pinform import (
    MOVING,
    OPEN_PIN,
    PENDING,
    SAVE_ERRORS,
    TOUCH_CSS,
    new_pin_dialog,
    pin_dialog,
    pin_list,
    save_refusal,
)

REFRESH_S = 4
MAP_HEIGHT = 520
MOVE_TO = "pin_move_to"  # a PinPlace outside the district, waiting for confirmation
SEEN = "pin_seen"  # the map taps and GPS readings already handled

store = get_store()
categories = list(the_catalog().categories)


def chosen_walk(actor: Actor | None) -> Walk:
    if actor is not None and actor.role == Role.PARTICIPANT and (walk_id := actor.walk_id) is not None:
        return last_good("walk", lambda: store.walk(walk_id))
    walks = ordered_walks(store.walks())  # open first, then planned, then closed
    if not walks:
        st.info(tr("pin.no_walks"), icon=":material/info:")
        st.stop()
    by_id = {w.id: w for w in walks}
    if st.session_state.get("walk_id") not in by_id:
        st.session_state["walk_id"] = walks[0].id
    chosen = st.selectbox(tr("pin.choose_walk"), list(by_id), key="walk_id", format_func=lambda i: (
        f"{by_id[i].title} · {tr(f'status.walk.{by_id[i].status}')}"))
    return by_id[chosen]


signed_in = current_actor()
if signed_in is None:
    require(Action.VIEW_WALK)
walk = chosen_walk(signed_in)
actor = require(Action.VIEW_WALK, walk_id=walk.id)
can_add = allowed(actor, Action.ADD_OBSERVATION, walk=walk)
seen = st.session_state.setdefault(SEEN, {})
st.html(TOUCH_CSS)


def district_name(district_id: str | None) -> str:
    d = store.districts().get(district_id) if district_id else None
    return markdown_text(d.name) if d else tr("pin.outside_unknown")


def start_pin(lon: float, lat: float, accuracy_m: float | None = None) -> None:
    """A new pin at (lon, lat): its uuid is made now, so saving twice saves once."""
    for key in (OPEN_PIN, MOVING, MOVE_TO, "gps_error"):
        st.session_state.pop(key, None)
    st.session_state[PENDING] = {
        "place": capture.place_pin(lon, lat, walk, store.districts(), accuracy_m),
        "uuid": str(uuid.uuid4())}


def move_pin(obs_id: int, place: capture.PinPlace) -> None:
    try:
        obs = store.observation(obs_id)
        store.update_observation(obs_id, actor, expected_version=obs.version,
                                 lon=place.lon, lat=place.lat)
        flash(tr("pin.moved"))
    except SAVE_ERRORS as e:  # e.g. the walk was closed meanwhile: said after the rerun
        flash(save_refusal(e))
    for key in (MOVING, MOVE_TO):
        st.session_state.pop(key, None)


st.title(markdown_text(walk.title))
st.caption(" · ".join(filter(None, [
    district_name(walk.district_id), tr(f"status.walk.{walk.status}"),
    tr("pin.code", code=walk.join_code) if walk.join_code else ""])))
# Everything that comes and goes (messages, the GPS button, the move banner) lives in this one
# container: Streamlit knows elements by their position, and a message appearing above the map
# would make the browser draw the map afresh and lose the person's zoom.
with st.container():
    show_flash()
    if walk.status == WalkStatus.PLANNED:
        st.info(tr("pin.not_open"), icon=":material/schedule:")
    elif walk.status == WalkStatus.CLOSED:
        st.info(tr("pin.closed"), icon=":material/task_alt:")
    if can_add:
        fix = here_button(tr("pin.here"), key=f"gps-{walk.id}", busy_label=tr("pin.locating"))
        if fix is not None and fix.at_ms != seen.get("gps"):
            seen["gps"] = fix.at_ms
            if isinstance(fix, GpsError):
                st.session_state["gps_error"] = fix.reason
            else:
                start_pin(fix.lon, fix.lat, fix.accuracy_m)
        if reason := st.session_state.get("gps_error"):
            st.warning(tr(f"gps.{reason}"), icon=":material/location_disabled:")
        st.caption(tr("pin.tap_hint"))
    if (moving := st.session_state.get(MOVING)) is not None:
        st.info(tr("pin.move_hint"), icon=":material/open_with:")
        if (target := st.session_state.get(MOVE_TO)) is not None:
            st.warning(tr("pin.outside", district=district_name(walk.district_id)),
                       icon=":material/wrong_location:")
            if st.button(tr("pin.outside_ok"), type="primary", key="move-outside-yes"):
                move_pin(moving, target)
                st.rerun()
        if st.button(tr("pin.move_cancel"), key="move-cancel"):
            st.session_state.pop(MOVING, None)
            st.session_state.pop(MOVE_TO, None)
            st.rerun()

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
                     accuracy_m=place.accuracy_m if place else None)
    out = st_folium(walk_map(store.districts(), walk, lang(), night=night), key=f"walkmap-{walk.id}",
                    feature_group_to_add=pins, height=MAP_HEIGHT, use_container_width=True,
                    returned_objects=["last_clicked", "last_object_clicked", "last_active_drawing"])
    if offline():  # the pins as last seen; the map stays, and so does an open pin form
        st.warning(tr("pin.offline", s=REFRESH_S), icon=":material/cloud_off:")
    else:
        st.caption(tr("pin.live", n=len(observations), s=REFRESH_S))
    tapped_pin = capture.click_point(out.get("last_object_clicked"))
    if tapped_pin is not None and tapped_pin != seen.get("pin"):
        seen["pin"] = tapped_pin  # the pin's own place comes as the "drawing" of the tap
        if hits := capture.pins_at((out.get("last_active_drawing") or {}).get("geometry"), observations):
            st.session_state.pop(PENDING, None)
            st.session_state[OPEN_PIN] = hits[-1].id  # the newest of the pins at that place
            st.rerun()
    tapped = capture.click_point(out.get("last_clicked"))
    if tapped is not None and tapped != seen.get("map"):
        seen["map"] = tapped
        if (moving_id := st.session_state.get(MOVING)) is not None:
            place = capture.place_pin(*tapped, walk, store.districts())
            if place.in_walk_district:
                move_pin(moving_id, place)
            else:
                st.session_state[MOVE_TO] = place
            st.rerun()
        elif can_add:
            start_pin(*tapped)
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
elif (open_id := st.session_state.get(OPEN_PIN)) is not None:
    pin_dialog(store, actor, walk, categories, open_id)
