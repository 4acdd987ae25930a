"""The walk's map: pin what feels unsafe, see everyone's pins live, change your own.

A participant sees the walk they joined; planners and admins choose a walk (the walks page
sends them here with ``st.session_state["walk_id"]``).  A tap on the map (or "Här är jag")
places a pin and opens the pin form; a tap on a pin opens it.  The map is a fragment that
reruns every few seconds, so other people's pins arrive without a reload; only the pins are
sent again, so the map keeps its zoom.  The logic lives in :mod:`geo.capture` and the store.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit_folium import st_folium

from geo import capture
from geo.mapview import walk_map, walk_pins
from geo.model import DESCRIPTION_MAX, Actor, Observation, Role, Walk, WalkStatus
from geo.photos import PhotoRefused, clean_photo
from geo.roles import Action, Forbidden, allowed
from geo.safe import markdown_text
from geo.store import Conflict, Invalid, NotFound
from ui.auth import current_actor, require
from ui.common import get_store, lang, the_catalog, tr
from ui.geolocate import GpsError, here_button

REFRESH_S = 4
MAP_HEIGHT = 520
PHOTO_TYPES = ["jpg", "jpeg", "png", "webp", "gif"]
# session keys
PENDING = "pin_pending"  # {"place": PinPlace, "uuid": str}: a pin being placed
OPEN_PIN = "pin_open"  # id of the observation whose dialog is open
MOVING = "pin_moving"  # id of the observation the next tap moves
MOVE_TO = "pin_move_to"  # PinPlace outside the district, waiting for confirmation
FLASH = "pin_flash"  # a message for the next run
SEEN = "pin_seen"  # the map taps and GPS readings already handled

# Large touch targets (at least 44 px, here 48-52) for fingers and gloves.
TOUCH_CSS = """<style>
button[data-testid^="stBaseButton"]{min-height:48px}
button[data-variant]{min-height:52px;min-width:56px;padding:0 18px;font-size:1.05rem}
[data-testid="stFileUploaderDropzone"] button{min-height:52px}
[data-testid="stCheckbox"] label{min-height:44px;align-items:center}
</style>"""

store = get_store()
cat = the_catalog()
categories = list(cat.categories)


def chosen_walk(actor: Actor | None) -> Walk:
    if actor is not None and actor.role == Role.PARTICIPANT:
        return store.walk(actor.walk_id)
    walks = sorted(store.walks(), key=lambda w: (
        {WalkStatus.OPEN: 0, WalkStatus.PLANNED: 1}.get(w.status, 2), -w.starts_at.timestamp()))
    if not walks:
        st.info(tr("pin.no_walks"), icon=":material/info:")
        st.stop()
    by_id = {w.id: w for w in walks}
    if st.session_state.get("walk_id") not in by_id:
        st.session_state["walk_id"] = walks[0].id
    chosen = st.selectbox(tr("pin.choose_walk"), list(by_id), key="walk_id", format_func=lambda i: (
        f"{by_id[i].title} · {tr('status.walk.' + by_id[i].status)}"))
    return by_id[chosen]


signed_in = current_actor()
if signed_in is None:
    require(Action.VIEW_WALK)
walk = chosen_walk(signed_in)
actor = require(Action.VIEW_WALK, walk_id=walk.id)
district = store.districts().get(walk.district_id)
can_add = allowed(actor, Action.ADD_OBSERVATION, walk=walk)
seen = st.session_state.setdefault(SEEN, {})
st.html(TOUCH_CSS)


def flash(message: str) -> None:
    st.session_state[FLASH] = message


def start_pin(lon: float, lat: float, accuracy_m: float | None = None) -> None:
    """A new pin at (lon, lat): its uuid is made now, so saving twice saves once."""
    for key in (OPEN_PIN, MOVING, MOVE_TO, "gps_error"):
        st.session_state.pop(key, None)
    st.session_state[PENDING] = {
        "place": capture.place_pin(lon, lat, walk, store.districts(), accuracy_m),
        "uuid": str(uuid.uuid4())}


def district_name(district_id: str | None) -> str:
    d = store.districts().get(district_id) if district_id else None
    return markdown_text(d.name) if d else tr("pin.outside_unknown")


def move_pin(obs_id: int, place: capture.PinPlace) -> None:
    try:
        obs = store.observation(obs_id)
        store.update_observation(obs_id, actor, expected_version=obs.version,
                                 lon=place.lon, lat=place.lat)
        flash(tr("pin.moved"))
    except (NotFound, Forbidden, Conflict, Invalid, SQLAlchemyError) as e:
        flash(tr("pin.save_failed", reason=problem_text(e)))
    for key in (MOVING, MOVE_TO):
        st.session_state.pop(key, None)


def problem_text(error: Exception) -> str:
    if isinstance(error, Forbidden):
        return tr("pin.not_allowed")
    if isinstance(error, Conflict):
        return tr("pin.conflict")
    if isinstance(error, Invalid):
        return "; ".join(f"{tr('pin.field.' + f) if f in FIELDS else f}: {tr(k)}"
                         for f, k in error.errors.items())
    if isinstance(error, NotFound):
        return tr("store.not_found", what="", id="")
    return tr("pin.connection_lost")


FIELDS = ("place", "category", "feeling", "description", "photo")


def cleaned_photo(upload, key: str):
    """The uploaded photo cleaned (:func:`geo.photos.clean_photo`), once per file."""
    if upload is None:
        return None, None
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    cached = st.session_state.get(key)
    if cached and cached[0] == digest:
        return cached[1], cached[2]
    try:
        result, error = clean_photo(data), None
    except PhotoRefused as e:
        result, error = None, tr(e.key, **e.values)
    st.session_state[key] = (digest, result, error)
    return result, error


def pin_fields(prefix: str, initial: Observation | None = None):
    """The pin form: category buttons, feeling 1–5, a short text and a photo."""
    icons = {c.id: c.material_icon for c in categories}
    labels = {c.id: c.label(lang()) for c in categories}
    category = st.pills(tr("pin.category"), list(labels), key=f"{prefix}-cat",
                        default=initial.category if initial else None,
                        format_func=lambda i: f":material/{icons[i]}: {labels[i]}")
    feeling = st.segmented_control(tr("pin.feeling"), [1, 2, 3, 4, 5], key=f"{prefix}-feel",
                                   default=initial.feeling if initial else None,
                                   format_func=lambda n: tr(f"pin.feeling_label.{n}"))
    text = st.text_area(tr("pin.text"), value=initial.description if initial else "",
                        placeholder=tr("pin.text_placeholder"), max_chars=DESCRIPTION_MAX,
                        key=f"{prefix}-text", height=90)
    upload = st.file_uploader(tr("pin.add_photo") if initial else tr("pin.photo"), type=PHOTO_TYPES,
                              key=f"{prefix}-photo")
    photo, photo_error = cleaned_photo(upload, f"{prefix}-clean")
    if photo is not None:
        st.image(photo.thumb, caption=tr("pin.photo_attached", width=photo.width, height=photo.height),
                 width=200)
    return category, feeling, text, photo, photo_error


def show_problems(errors: dict[str, str]) -> None:
    lines = [f"- **{tr('pin.field.' + f)}**: {tr(k)}" for f, k in errors.items()]
    st.error(tr("pin.fix_fields") + "\n" + "\n".join(lines), icon=":material/error:")


def close_pending() -> None:
    st.session_state.pop(PENDING, None)


@st.dialog(tr("pin.new_title"), width="large", on_dismiss=close_pending)
def new_pin_dialog() -> None:
    pending = st.session_state.get(PENDING)
    if pending is None:
        st.rerun()
    place, uid = pending["place"], pending["uuid"]
    if place.accuracy_m is not None:
        st.caption(tr("pin.accuracy", m=round(place.accuracy_m)))
    else:
        st.caption(tr("pin.tapped", district=district_name(place.district_id)))
    confirmed = False
    if not place.in_walk_district:
        st.warning(tr("pin.outside", district=markdown_text(district.name)), icon=":material/wrong_location:")
        confirmed = st.checkbox(tr("pin.outside_ok"), key=f"{uid}-outside")
    category, feeling, text, photo, photo_error = pin_fields(uid)
    save_col, cancel_col = st.columns(2)
    save = save_col.button(tr("pin.save"), type="primary", width="stretch", key=f"{uid}-save",
                           icon=":material/check:")
    if cancel_col.button(tr("pin.cancel"), width="stretch", key=f"{uid}-cancel"):
        close_pending()
        st.rerun()
    if not save:
        return
    participant = store.participant(actor.participant_id) if actor.participant_id else None
    draft, errors = capture.pin_draft(
        place, walk, category=category, feeling=feeling, description=text, uuid=uid,
        observed_at=datetime.now(UTC), categories=[c.id for c in categories],
        confirmed_outside=confirmed, reported_by=actor.name,
        group=participant.group if participant else "")
    if photo_error:
        errors["photo"] = "pin.photo_refused"
    if errors:
        show_problems(errors)
        if photo_error:
            st.error(photo_error, icon=":material/hide_image:")
        return
    try:
        store.add_observations([draft], actor, photos={uid: photo} if photo else None)
    except (Invalid, Forbidden, SQLAlchemyError) as e:  # keep what was typed, say why
        st.error(tr("pin.save_failed", reason=problem_text(e)), icon=":material/cloud_off:")
        return
    close_pending()
    flash(tr("pin.saved"))
    st.rerun()


def close_open_pin() -> None:
    st.session_state.pop(OPEN_PIN, None)


@st.dialog(tr("pin.view_title"), width="large", on_dismiss=close_open_pin)
def pin_dialog(obs_id: int) -> None:
    try:
        obs = store.observation(obs_id)
    except NotFound:
        close_open_pin()
        st.rerun()
    labels = {c.id: c.label(lang()) for c in categories}
    mine = actor.participant_id is not None and obs.participant_id == actor.participant_id
    st.markdown(f"**{markdown_text(labels.get(obs.category, obs.category))}** · "
                f"{tr('pin.field.feeling')} {obs.feeling}/5")
    if obs.reported_by and (mine or allowed(actor, Action.SEE_NAMES)):
        st.caption(tr("pin.by", name=markdown_text(obs.reported_by)))
    photos = store.photos(obs.id)
    if photos:
        st.image([store.photo(p["id"], thumb=True)[0] for p in photos], width=160)
    if not allowed(actor, Action.EDIT_OBSERVATION, observation=obs, walk=walk):
        if obs.description:
            st.markdown(markdown_text(obs.description))
        return
    prefix = f"edit-{obs.id}-{obs.version}"  # a newer version (someone else's save) starts afresh
    category, feeling, text, photo, photo_error = pin_fields(prefix, obs)
    c1, c2, c3 = st.columns(3)
    save = c1.button(tr("pin.save"), type="primary", width="stretch", key=f"{prefix}-save",
                     icon=":material/check:")
    if c2.button(tr("pin.move"), width="stretch", key=f"{prefix}-move", icon=":material/open_with:"):
        close_open_pin()
        st.session_state[MOVING] = obs.id
        st.rerun()
    if c3.button(tr("pin.delete"), width="stretch", key=f"{prefix}-delete", icon=":material/delete:"):
        st.session_state[f"{prefix}-confirm-delete"] = True
    if st.session_state.get(f"{prefix}-confirm-delete"):
        if st.button(tr("pin.delete_confirm"), type="primary", key=f"{prefix}-delete-yes",
                     icon=":material/delete_forever:"):
            try:
                store.delete_observation(obs.id, actor)
            except (Forbidden, NotFound, SQLAlchemyError) as e:
                st.error(tr("pin.save_failed", reason=problem_text(e)))
                return
            close_open_pin()
            flash(tr("pin.deleted"))
            st.rerun()
    if not save:
        return
    errors = capture.pin_problems(capture.PinPlace(obs.lon, obs.lat, obs.district_id, True),
                                  category, feeling, text, labels, confirmed_outside=True)
    if photo_error:
        errors["photo"] = "pin.photo_refused"
    if errors:
        show_problems(errors)
        if photo_error:
            st.error(photo_error, icon=":material/hide_image:")
        return
    try:
        store.update_observation(obs.id, actor, expected_version=obs.version, category=category,
                                 feeling=feeling, description=text)
        if photo is not None:
            store.add_photo(obs.id, photo, actor)
    except Conflict:
        st.warning(tr("pin.conflict"), icon=":material/sync_problem:")
        if st.button(tr("pin.open_pin"), key=f"{prefix}-reload"):
            st.rerun(scope="fragment")
        return
    except (Invalid, Forbidden, NotFound, SQLAlchemyError) as e:
        st.error(tr("pin.save_failed", reason=problem_text(e)), icon=":material/cloud_off:")
        return
    close_open_pin()
    flash(tr("pin.changed"))
    st.rerun()


# --- the page ---------------------------------------------------------------------------
st.title(markdown_text(walk.title))
st.caption(" · ".join(filter(None, [
    markdown_text(district.name) if district else "", tr(f"status.walk.{walk.status}"),
    tr("pin.code", code=walk.join_code) if walk.join_code else ""])))
# Everything that comes and goes (messages, the GPS button, the move banner) lives in this one
# container: Streamlit knows elements by their position, and a message appearing above the map
# would make the browser draw the map afresh and lose the person's zoom.
with st.container():
    if message := st.session_state.pop(FLASH, None):
        st.success(message, icon=":material/check_circle:")
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
            st.warning(tr("pin.outside", district=markdown_text(district.name)),
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
    now = store.walk(walk.id)
    if now.status != walk.status:  # the leader opened or closed the walk: redraw everything
        st.rerun()
    observations = store.visible_observations(actor, walk_id=walk.id)
    mine = {o.id for o in observations
            if actor.participant_id is not None and o.participant_id == actor.participant_id}
    pending = st.session_state.get(PENDING)
    place = pending["place"] if pending else None
    m = walk_map(store.districts(), walk, lang(), night=night)
    pins = walk_pins(observations, categories, walk, lang(), mine=mine,
                     pending=(place.lon, place.lat) if place else None,
                     accuracy_m=place.accuracy_m if place else None)
    out = st_folium(m, key=f"walkmap-{walk.id}", feature_group_to_add=pins, height=MAP_HEIGHT,
                    use_container_width=True, returned_objects=["last_clicked", "last_object_clicked"])
    st.caption(tr("pin.live", n=len(observations), s=REFRESH_S))
    tapped_pin = capture.click_point(out.get("last_object_clicked"))
    if tapped_pin is not None and tapped_pin != seen.get("pin"):
        seen["pin"] = tapped_pin
        if (hit := capture.pin_near(*tapped_pin, observations, tolerance_m=2.0)) is not None:
            st.session_state.pop(PENDING, None)
            st.session_state[OPEN_PIN] = hit.id
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


def pin_list() -> None:
    observations = store.visible_observations(actor, walk_id=walk.id)
    own = [o for o in observations if actor.participant_id is not None
           and o.participant_id == actor.participant_id]
    shown = observations if actor.is_planner else own
    labels = {c.id: c.label(lang()) for c in categories}
    heading = tr("pin.all", n=len(shown)) if actor.is_planner else tr("pin.mine", n=len(shown))
    with st.expander(heading, expanded=bool(shown) and not actor.is_planner):
        if not shown:
            st.caption(tr("pin.none_yet"))
        for o in reversed(shown):
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.markdown(f"**{markdown_text(labels.get(o.category, o.category))}** · {o.feeling}/5"
                          + (f" – {markdown_text(o.description[:80])}" if o.description else ""))
            if right.button(tr("pin.open_pin"), key=f"open-{o.id}", width="stretch"):
                st.session_state.pop(PENDING, None)
                st.session_state[OPEN_PIN] = o.id
                st.rerun()


pin_list()

if PENDING in st.session_state and can_add:
    new_pin_dialog()
elif (open_id := st.session_state.get(OPEN_PIN)) is not None:
    pin_dialog(open_id)
