"""The walk page's pin actions and its choice of walk (:mod:`pages.walk` stays thin).

:class:`PinActions` starts a pin where a person tapped or where "Här är jag" found them,
moves one of their pins, and says – as a toast, so the map never moves – why a GPS reading
makes no pin.  The rules are :mod:`geo.capture`'s; the session keys below are the page's.
"""

from __future__ import annotations

import uuid

import streamlit as st

from geo import capture
from geo.model import Actor, Role, Walk
from geo.safe import markdown_text
from geo.store import Store
from geo.walks import ordered as ordered_walks
from ui.common import last_good, tr
from ui.feedback import flash
from ui.geolocate import GpsError, GpsFix
from ui.pinform import MOVING, NEAR, OPEN_PIN, PENDING, SAVE_ERRORS, save_refusal

MOVE_TO = "pin_move_to"  # a PinPlace outside the district, waiting for confirmation
SEEN = "pin_seen"  # the map taps and GPS readings already handled
ROUGH = "gps_rough"  # (lon, lat, accuracy m) of a GPS reading too uncertain for a pin


def chosen_walk(store: Store, actor: Actor | None) -> Walk:
    """A participant's own walk; for planners and admins the walk chosen in a select box
    (open walks first, then planned, then closed)."""
    if actor is not None and actor.role == Role.PARTICIPANT and (walk_id := actor.walk_id) is not None:
        return last_good("walk", lambda: store.walk(walk_id))
    walks = ordered_walks(store.walks())
    if not walks:
        st.info(tr("pin.no_walks"), icon=":material/info:")
        st.stop()
    by_id = {w.id: w for w in walks}
    if st.session_state.get("walk_id") not in by_id:
        st.session_state["walk_id"] = walks[0].id
    chosen = st.selectbox(tr("pin.choose_walk"), list(by_id), key="walk_id", format_func=lambda i: (
        f"{by_id[i].title} · {tr(f'status.walk.{by_id[i].status}')}"))
    return by_id[chosen]


class PinActions:
    """What a tap or a GPS reading does on ``walk`` for ``actor``."""

    def __init__(self, store: Store, actor: Actor, walk: Walk) -> None:
        self.store, self.actor, self.walk = store, actor, walk

    def district_name(self, district_id: str | None) -> str:
        d = self.store.districts().get(district_id) if district_id else None
        return markdown_text(d.name) if d else tr("pin.outside_unknown")

    def start(self, lon: float, lat: float, accuracy_m: float | None = None) -> None:
        """A new pin at (lon, lat): its uuid is made now, so saving twice saves once."""
        for key in (OPEN_PIN, NEAR, MOVING, MOVE_TO, ROUGH):
            st.session_state.pop(key, None)
        st.session_state[PENDING] = {
            "place": capture.place_pin(lon, lat, self.walk, self.store.districts(), accuracy_m),
            "uuid": str(uuid.uuid4())}

    def move(self, obs_id: int, place: capture.PinPlace) -> None:
        """Move the pin ``obs_id`` to ``place``; the result is said after the rerun."""
        try:
            obs = self.store.observation(obs_id)
            self.store.update_observation(obs_id, self.actor, expected_version=obs.version,
                                          lon=place.lon, lat=place.lat)
            flash(tr("pin.moved"))
        except SAVE_ERRORS as e:  # e.g. the walk was closed meanwhile
            flash(save_refusal(e))
        for key in (MOVING, MOVE_TO):
            st.session_state.pop(key, None)

    def located(self, fix: GpsFix | GpsError) -> None:
        """A "Här är jag" reading: a pin there, or – refused, too uncertain (> 50 m) or outside
        the walk's district – a toast that says why and asks for a tap on the map instead (a
        rough reading's circle stays on the map, to tap in)."""
        if isinstance(fix, GpsError):
            st.toast(tr(f"gps.{fix.reason}"), icon=":material/location_disabled:", duration="long")
            return
        place = capture.place_pin(fix.lon, fix.lat, self.walk, self.store.districts(), fix.accuracy_m)
        if (problem := capture.gps_problem(place)) is None:
            self.start(fix.lon, fix.lat, fix.accuracy_m)
            return
        st.session_state[ROUGH] = (fix.lon, fix.lat, fix.accuracy_m)
        st.toast(tr(problem, m=round(fix.accuracy_m), district=self.district_name(self.walk.district_id)),
                 icon=":material/wrong_location:", duration="long")
