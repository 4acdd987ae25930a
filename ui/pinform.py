"""The pin form of the walk page: a new pin, and an existing pin to look at or change.

Both are dialogs (full width on a tablet, big targets).  The form keeps its values under keys
made from the pin's uuid (or the observation's id and version), so a failed save keeps what
was typed and a second tap on "Spara" saves the same pin, not another.  What may be saved is
decided by :mod:`geo.capture` and the store; this module only asks and shows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFile

from geo import capture, roles
from geo.errors import Refused
from geo.model import DESCRIPTION_MAX, FEELING_MIN, Actor, Category, Observation, Walk
from geo.photos import PER_PIN, TRY_AGAIN, CleanPhoto, PhotoRefused, clean_photo
from geo.roles import Action, Forbidden, allowed
from geo.safe import markdown_text
from geo.store import Conflict, NotFound, Store, StoreError, Unavailable
from ui.common import lang, last_good, tr
from ui.feedback import flash, problems, refused
from ui.mapdata import forget

PHOTO_TYPES = ["jpg", "jpeg", "png", "webp", "gif"]
# session keys
PENDING = "pin_pending"  # {"place": PinPlace, "uuid": str}: a pin being placed
OPEN_PIN = "pin_open"  # id of the observation whose dialog is open
MOVING = "pin_moving"  # id of the observation the next tap moves
NEAR = "pin_near"  # {"tap": (lon, lat), "ids": [...]}: a tap on or near pins, to choose for
NEAR_SHOWN = 3  # the pins nearest a tap that it offers

# Large touch targets (at least 44 px, here 48-52) for fingers and gloves: buttons, the
# sidebar's toggle, a dialog's close.
TOUCH_CSS = """<style>
button[data-testid^="stBaseButton"]{min-height:48px}
button[data-variant]{min-height:52px;min-width:56px;padding:0 18px;font-size:1.05rem}
[data-testid="stFileUploaderDropzone"] button{min-height:52px}
[data-testid="stCheckbox"] label{min-height:44px;align-items:center}
[data-testid="stExpandSidebarButton"],[data-testid="stSidebarCollapseButton"] button,
[data-testid="stSidebarCollapseButton"] [data-testid="stBaseButton-headerNoPadding"]{min-width:48px;min-height:48px}
div[role="dialog"] button[aria-label="Close"]{min-width:48px;min-height:48px}
</style>"""


MAP = 'iframe[title="streamlit_folium.st_folium"]'


def walk_css(dark: bool) -> str:
    """The walk page's layout: the map takes the height the device has (portrait, landscape,
    phone), the title is compact, toasts come whole at the bottom and let taps through to the
    map under them (not over "Här är jag", never catching a tap meant for the map), and the
    pin form's *Spara* row stays in view at the bottom
    of the dialog while the form scrolls (on a phone the form is taller than the screen)."""
    background = st.get_option(f"theme.{'dark' if dark else 'light'}.backgroundColor") or (
        "#0e1117" if dark else "#ffffff")
    return f"""<style>
.stMainBlockContainer{{padding-top:3.5rem;padding-bottom:1.5rem}}
.stMainBlockContainer h1{{font-size:clamp(1.35rem,4.5vw,2rem);padding:.2rem 0 0}}
{MAP}{{height:max(360px,calc(100dvh - 200px))!important}}
@media (max-width:640px){{.stMainBlockContainer h1{{font-size:1.15rem}}
{MAP}{{height:max(360px,calc(100dvh - 235px))!important}}}}
[data-testid="stToastContainer"]{{top:auto!important;bottom:1rem}}
[data-testid="stToastContainer"],[data-testid="stToastContainer"] *{{pointer-events:none}}
[data-testid="stToastText"]{{-webkit-line-clamp:none!important;max-height:none!important;overflow:visible!important}}
[data-testid="stToastViewButton"]{{display:none}}
.stDialog div:has(.st-key-pin-actions){{overflow:clip}}
.stDialog div:has(> .st-key-pin-actions){{position:sticky;bottom:0;z-index:3;background:{background};
padding:.5rem 0 .25rem}}
.st-key-pin-actions [data-testid="stHorizontalBlock"]{{flex-wrap:nowrap;gap:.5rem}}
.st-key-pin-actions [data-testid="stColumn"]{{min-width:0;flex:1 1 0}}
</style>"""


def save_refusal(error: Refused) -> Refused:
    """Why a pin could not be saved, for :func:`ui.feedback.refused`: a refused role here
    usually means that the walk was closed meanwhile, and the pin form says so."""
    return Refused("pin.not_allowed") if isinstance(error, Forbidden) else error


SAVE_ERRORS = (StoreError, Forbidden)
SAVE_FAILED = "pin.save_failed"  # "could not save – what you filled in is kept:"


def cleaned_photo(upload: UploadedFile | None, key: str) -> tuple[CleanPhoto | None, PhotoRefused | None]:
    """The uploaded photo cleaned (:func:`geo.photos.clean_photo`), once per file; or why it
    is refused (shown with :func:`ui.feedback.refused`, naming the file).  One photo at a
    time per browser session, within the server's limit on photos cleaned at once; "busy –
    try again" is not remembered, so the next run tries the same file again."""
    if upload is None:
        return None, None
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    cached = st.session_state.get(key)
    if cached and cached[0] == digest:
        return cached[1], cached[2]
    ctx = get_script_run_ctx()
    try:
        result, error = clean_photo(data, upload.name, owner=ctx.session_id if ctx else None), None
    except PhotoRefused as e:
        result, error = None, e
    if error is None or error.key not in TRY_AGAIN:
        st.session_state[key] = (digest, result, error)
    return result, error


def pin_fields(prefix: str, categories: Sequence[Category], initial: Observation | None = None,
               ) -> tuple[str | None, int | None, str, list[CleanPhoto], Refused | None]:
    """Category buttons, feeling 1–5, a short text and up to :data:`geo.photos.PER_PIN`
    photos; returns what was chosen (the photos cleaned, or why one is refused).

    A safe place (a positive category) is not asked how unsafe it feels: one tap fewer, and
    no question that contradicts the choice.  Its feeling is :data:`FEELING_MIN` (1 = safe on
    the stored scale, where 5 = very unsafe), and the form says so."""
    icons = {c.id: c.material_icon for c in categories}
    labels = {c.id: c.label(lang()) for c in categories}
    positive = {c.id for c in categories if c.positive}
    category = st.pills(tr("pin.category"), list(labels), key=f"{prefix}-cat",
                        default=initial.category if initial else None,
                        format_func=lambda i: f":material/{icons[i]}: {labels[i]}")
    feeling: int | None
    if category in positive:
        st.info(tr("pin.safe_feeling"), icon=":material/verified_user:")
        feeling = FEELING_MIN
    else:  # a safe place's 1 is no answer to "how unsafe" when it becomes a problem
        feeling = st.segmented_control(tr("pin.feeling"), [1, 2, 3, 4, 5], key=f"{prefix}-feel",
                                       default=initial.feeling if initial and initial.category not in positive
                                       else None,
                                       format_func=lambda n: tr(f"pin.feeling_label.{n}"))
    text = st.text_area(tr("pin.text"), value=initial.description if initial else "",
                        placeholder=tr("pin.text_placeholder"), max_chars=DESCRIPTION_MAX,
                        key=f"{prefix}-text", height=90)
    uploads = st.file_uploader(tr("pin.add_photos" if initial else "pin.photos", n=PER_PIN),
                               type=PHOTO_TYPES, key=f"{prefix}-photo", accept_multiple_files=True) or []
    photos: list[CleanPhoto] = []
    photo_error: Refused | None = None
    for i, upload in enumerate(uploads[:PER_PIN]):
        photo, error = cleaned_photo(upload, f"{prefix}-clean-{i}")
        if photo is not None:
            photos.append(photo)
        photo_error = photo_error or error
    if len(uploads) > PER_PIN:
        photo_error = Refused("pin.too_many_photos", n=PER_PIN)
    if photos:
        st.image([p.thumb for p in photos], width=160,
                 caption=[tr("pin.photo_attached", width=p.width, height=p.height) for p in photos])
    if photo_error:  # said at once, not first when saving
        refused(photo_error)
    return category, feeling, text, photos, photo_error


def close(key: str) -> Callable[[], None]:
    def closing() -> None:
        if key == OPEN_PIN:  # forget which version the closed form showed
            for k in [k for k in st.session_state if str(k).startswith("pin-version-")]:
                del st.session_state[k]
        st.session_state.pop(key, None)
    return closing


def new_pin_dialog(*args: Any) -> None:
    """The form for the pin being placed (``st.session_state[PENDING]``), as a dialog."""
    st.dialog(tr("pin.new_title"), width="large", on_dismiss=close(PENDING))(new_pin)(*args)


def pin_dialog(store: Store, actor: Actor, walk: Walk, categories: Sequence[Category],
               obs_id: int) -> None:
    """An existing pin in a dialog: its details, and the form for whoever may change it."""
    try:
        obs = store.observation(obs_id)
    except NotFound:  # deleted meanwhile
        close(OPEN_PIN)()
        return
    title = (tr("pin.edit_title") if allowed(actor, Action.EDIT_OBSERVATION, observation=obs, walk=walk)
             else tr("pin.view_title"))
    st.dialog(title, width="large", on_dismiss=close(OPEN_PIN))(open_pin)(
        store, actor, walk, categories, obs_id)


def new_pin(store: Store, actor: Actor, walk: Walk, categories: Sequence[Category],
            district_name: Callable[[str | None], str]) -> None:
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
        st.warning(tr("pin.outside", district=district_name(walk.district_id)),
                   icon=":material/wrong_location:")
        confirmed = st.checkbox(tr("pin.outside_ok"), key=f"{uid}-outside")
    category, feeling, text, photos, photo_error = pin_fields(uid, categories)
    with st.container(key="pin-actions"):  # stays in view at the bottom while the form scrolls
        save_col, cancel_col = st.columns(2)
        save = save_col.button(tr("pin.save"), type="primary", width="stretch", key=f"{uid}-save",
                               icon=":material/check:")
        if cancel_col.button(tr("pin.cancel"), width="stretch", key=f"{uid}-cancel"):
            close(PENDING)()
            st.rerun()
    if not save:
        return
    try:
        pid = actor.participant_id
        participant = last_good("participant", lambda: store.participant(pid)) if pid else None
    except Unavailable:  # then the save below says so, and keeps the form
        participant = None
    draft, errors = capture.pin_draft(
        place, walk, category=category, feeling=feeling, description=text, uuid=uid,
        observed_at=datetime.now(UTC), categories=[c.id for c in categories],
        confirmed_outside=confirmed, reported_by=actor.name,
        group=participant.group if participant else "")
    if photo_error:
        errors["photo"] = "pin.photo_refused"
    if errors or draft is None:
        problems(errors, subject=tr("pin.fix_fields"))
        return
    try:
        store.add_observations([draft], actor, photos={uid: photos} if photos else None)
    except SAVE_ERRORS as e:  # keep what was typed, say why
        refused(save_refusal(e), subject=tr(SAVE_FAILED))
        return
    close(PENDING)()
    flash(tr("pin.saved"))
    st.rerun()


def open_pin(store: Store, actor: Actor, walk: Walk, categories: Sequence[Category],
             obs_id: int) -> None:
    try:
        obs = store.observation(obs_id)
    except NotFound:
        close(OPEN_PIN)()
        st.rerun()
    labels = {c.id: c.label(lang()) for c in categories}
    may_edit = allowed(actor, Action.EDIT_OBSERVATION, observation=obs, walk=walk)
    safe = any(c.id == obs.category and c.positive for c in categories)
    st.markdown(f"**{markdown_text(labels.get(obs.category, obs.category))}** · "
                + (tr("map.safe_place") if safe else f"{tr('field.feeling')} {obs.feeling}/5"))
    mine = actor.participant_id is not None and obs.participant_id == actor.participant_id
    if obs.reported_by and (mine or allowed(actor, Action.SEE_NAMES)):
        st.caption(tr("pin.by", name=markdown_text(obs.reported_by)))
    if stored := store.photos(obs.id):
        st.image([store.photo(p["id"], thumb=True)[0] for p in stored], width=160)
    if not may_edit:
        if obs.description:
            st.markdown(markdown_text(obs.description))
        return
    # The form is keyed by the version it shows: when someone else saved meanwhile, this run
    # reads a newer version, and the person is told and shown it rather than losing their
    # change silently or overwriting the other one.
    shown = st.session_state.get(f"pin-version-{obs.id}")
    if shown is not None and shown != obs.version:
        refused(Conflict("store.conflict", what="observation", id=obs.id))
    st.session_state[f"pin-version-{obs.id}"] = obs.version
    prefix = f"edit-{obs.id}-{obs.version}"
    category, feeling, text, photos, photo_error = pin_fields(prefix, categories, obs)
    c1, c2, c3 = st.container(key="pin-actions").columns(3)
    save = c1.button(tr("pin.save"), type="primary", width="stretch", key=f"{prefix}-save",
                     icon=":material/check:")
    if c2.button(tr("pin.move"), width="stretch", key=f"{prefix}-move", icon=":material/open_with:"):
        close(OPEN_PIN)()
        st.session_state[MOVING] = obs.id
        st.rerun()
    if c3.button(tr("pin.delete"), width="stretch", key=f"{prefix}-delete", icon=":material/delete:"):
        st.session_state[f"{prefix}-confirm-delete"] = True
    if st.session_state.get(f"{prefix}-confirm-delete") and st.button(
            tr("pin.delete_confirm"), type="primary", key=f"{prefix}-delete-yes",
            icon=":material/delete_forever:"):
        finish(lambda: store.delete_observation(obs.id, actor), tr("pin.deleted"))
    if not save:
        return
    errors = capture.pin_problems(capture.PinPlace(obs.lon, obs.lat, obs.district_id, True),
                                  category, feeling, text, labels, confirmed_outside=True)
    if photo_error:
        errors["photo"] = "pin.photo_refused"
    if errors:
        problems(errors, subject=tr("pin.fix_fields"))
        return

    def save_changes() -> None:
        store.update_observation(obs.id, actor, expected_version=obs.version, category=category,
                                 feeling=feeling, description=text)
        for photo in photos:
            store.add_photo(obs.id, photo, actor)

    finish(save_changes, tr("pin.changed"))


def finish(action: Callable[[], Any], done: str) -> None:
    """Run a change; on success close the dialog with ``done``, else say why and stay."""
    try:
        action()
    except Conflict as e:  # this run shows the newer version in the form
        refused(e)
        return
    except SAVE_ERRORS as e:
        refused(save_refusal(e), subject=tr(SAVE_FAILED))
        return
    close(OPEN_PIN)()
    flash(done)
    st.rerun()


def pin_list(store: Store, actor: Actor, walk: Walk, categories: Sequence[Category]) -> None:
    """Below the map: a participant's own pins (the leader: every pin), each with "Öppna" –
    the way to a pin that does not need a steady finger on the map."""
    observations = last_good(f"pins-{walk.id}", lambda: store.visible_observations(actor, walk_id=walk.id))
    shown = observations if actor.is_planner else [
        o for o in observations if o.participant_id == actor.participant_id]
    labels = {c.id: c.label(lang()) for c in categories}
    positive = {c.id for c in categories if c.positive}
    heading = tr("pin.all", n=len(shown)) if actor.is_planner else tr("pin.mine", n=len(shown))
    with st.expander(heading, expanded=bool(shown) and not actor.is_planner):
        if not shown:
            st.caption(tr("pin.none_yet"))
        for o in reversed(shown):
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.markdown(f"**{markdown_text(labels.get(o.category, o.category))}**"
                          + ("" if o.category in positive else f" · {o.feeling}/5")
                          + (f" – {markdown_text(o.description[:80])}" if o.description else ""))
            if right.button(tr("pin.open_pin"), key=f"open-{o.id}", width="stretch"):
                st.session_state.pop(PENDING, None)
                st.session_state[OPEN_PIN] = o.id
                st.rerun()


def near_dialog(store: Store, actor: Actor, walk: Walk, categories: Sequence[Category],
                near: dict[str, Any], new_pin_at: Callable[[float, float], None] | None) -> None:
    """A tap on or near pins (``st.session_state[NEAR]``): the pins there, each with *Jag håller
    med* (second it: the busiest spots are the ones people most want to flag again) and
    *Öppna*, and *Ny nål här* (``new_pin_at``; None where the person cannot add pins)."""
    st.dialog(tr("support.nearby"), width="large", on_dismiss=close(NEAR))(near_pins)(
        store, actor, walk, categories, near, new_pin_at)


def near_pins(store: Store, actor: Actor, walk: Walk, categories: Sequence[Category],
              near: dict[str, Any], new_pin_at: Callable[[float, float], None] | None) -> None:
    labels = {c.id: c.label(lang()) for c in categories}
    positive = {c.id for c in categories if c.positive}
    pins = []
    for obs_id in near["ids"][:NEAR_SHOWN]:
        try:
            pins.append(store.observation(obs_id))
        except NotFound:  # deleted meanwhile
            continue
    seconded = store.seconded(actor, [o.id for o in pins])
    for o in pins:
        with st.container(border=True):
            st.markdown(f"**{markdown_text(labels.get(o.category, o.category))}**"
                        + ("" if o.category in positive else f" · {tr('field.feeling')} {o.feeling}/5")
                        + (f" – {markdown_text(o.description[:120])}" if o.description else ""))
            st.caption(tr("support.count", n=o.supporters))
            agree, open_ = st.columns(2)
            problem = roles.second_problem(actor, o, walk)
            if o.id in seconded:
                agree.button(tr("support.done"), key=f"near-{o.id}-done", disabled=True,
                             icon=":material/check:", width="stretch")
            elif problem == "support.own_pin":
                agree.caption(tr("support.own_pin"))
            elif problem is None and agree.button(tr("support.action"), key=f"near-{o.id}-second",
                                                  help=tr("support.action_help"), type="primary",
                                                  icon=":material/thumb_up:", width="stretch"):
                try:
                    n = store.second(o.id, actor)
                except SAVE_ERRORS as e:
                    refused(e)
                else:
                    forget()  # the planner map's cached rows show the new count at once
                    close(NEAR)()
                    flash(tr("support.seconded", n=n))
                    st.rerun()
            if open_.button(tr("support.open"), key=f"near-{o.id}-open", icon=":material/visibility:",
                            width="stretch"):
                close(NEAR)()
                st.session_state[OPEN_PIN] = o.id
                st.rerun()
    if new_pin_at is not None and st.button(tr("support.new_pin"), key="near-new", icon=":material/add_location_alt:",
                                            width="stretch"):
        new_pin_at(*near["tap"])
        st.rerun()
