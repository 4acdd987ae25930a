"""Who is using this session: sign-in state, the role guard pages call, sign-out.

Every sign-in makes a server-side session (:mod:`geo.store.security`); the Streamlit session
keeps only its secret (:class:`Session` under :data:`SESSION_KEY`).  :func:`current_actor`
asks the database on every page run whom that secret signs in (one indexed read) and reads
the account again, since its role or name may have changed.  A session that was revoked (a
sign-out, a disabled account, a new password, removed demo accounts), that expired (a
participant's link a grace period after the walk closed) or that was unused for longer than
:data:`IDLE_S` signs the person out at once, with a message that says why.  An actor in
``st.session_state`` without a valid session is not signed in.

- **Accounts** (:func:`sign_in_as`: a right password, or the identity provider's verified
  address once per Streamlit session): a session that ends after :data:`IDLE_S` without a
  page run, and :data:`MAX_AGE` after sign-in at the latest.
- **Participants** (:func:`join_as`): the session is the token in the link (``?t=…``), so a
  reload, a dropped connection or a bookmark resumes the walk.  Their sign-out ends every
  session of that participant (Back, or the old address in another browser, lands on the join
  page) and shows the join page with the walk's code filled in.  Joining that walk again from the same device (its key,
  :mod:`ui.device`) brings the same participant back with their own pins; *Byt deltagare*
  signs out and forgets the device, so the next person on a shared tablet joins as someone new.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from geo import production
from geo.auth import actor_for_identity
from geo.model import Actor, Role
from geo.roles import Action, Forbidden, allowed
from geo.safe import markdown_text
from geo.store import Store, Unavailable
from ui.common import get_store, tr
from ui.feedback import refused

ACTOR_KEY = "actor"  # whom the session's last check signed in (never trusted on its own)
SESSION_KEY = "auth_session"  # the Session: the secret of the server-side session
TOKEN_PARAM = "t"  # the participant's link token in the page's address (see join_as)
JOIN_CODE_PARAM = "kod"  # a walk's code in the address (its QR link): the join page fills it in
# Planners' and admins' sessions end after this long without a page run (a working day;
# a computer left signed in overnight asks for the password again), and MAX_AGE after
# sign-in however busy.  Participants' links have no idle limit: they end at sign-out, or a
# grace period after the walk closed (geo.store.walks.LINK_GRACE).
IDLE_S = 12 * 60 * 60
MAX_AGE = timedelta(days=7)

NOTICE_KEY = "auth_notice"  # (kind, catalogue key, values): said once on the next check
JOIN_NEXT_KEY = "auth_join_next"  # a participant's session ended: the visitor starts at join
OIDC_KEY = "auth_oidc_tried"  # the identity provider's sign-in was used in this session
CONFIRM_KEY = "auth_confirm_leave"  # "leave" or "switch": a participant's tap, to confirm
_CHECKED = "auth_checked"  # (this run's marker, actor): the session is checked once per run
_log = logging.getLogger(__name__)
_NOTICE_ICONS = {"warning": ":material/logout:", "info": ":material/check_circle:"}


@dataclass(frozen=True)
class Session:
    """What the Streamlit session keeps of its server-side session."""

    secret: str
    participant: bool = False  # a participant's link (no idle limit) or an account's session
    since: datetime = field(default_factory=lambda: datetime.now(UTC))


def auth_section() -> Mapping[str, Any] | None:
    """The ``[auth]`` section of Streamlit's secrets (what ``st.login`` signs in with), or None."""
    try:
        if "auth" not in st.secrets:
            return None
        return {k: v for k, v in st.secrets["auth"].items()}
    except Exception:  # noqa: BLE001 - no or an unreadable secrets file: Streamlit has no [auth] either
        return None


def oidc_configured() -> bool:
    """True when the secrets have an ``[auth]`` section for ``st.login`` whose
    ``cookie_secret`` is safe (:func:`geo.production.secret_problems`).  With the example's
    secret, or a short or repetitive one, anyone could sign a sign-in cookie for any address,
    so the identity provider's sign-in is off, whatever the environment (the log says why; a
    production start is refused altogether, :mod:`ui.preflight`)."""
    auth = auth_section()
    if auth is None:
        return False
    if problems := production.secret_problems(auth):
        _warn_weak_secret(problems[0].key)
        return False
    return True


@lru_cache(maxsize=4)
def _warn_weak_secret(key: str) -> None:
    _log.warning("The identity provider's sign-in is off: its cookie_secret is not safe (%s). "
                 "README, Security.", key)


# --- the check on every run ---------------------------------------------------------------
def current_actor() -> Actor | None:
    """Whom this session's server-side session signs in, checked once per page run; None for
    a visitor (and for anyone whose session has ended, who is then told why)."""
    run = _this_run()
    checked = st.session_state.get(_CHECKED)
    if run is not None and isinstance(checked, tuple) and checked[0] is run:
        actor: Actor | None = checked[1]
        return actor
    actor = _check(get_store())
    if run is not None:
        st.session_state[_CHECKED] = (run, actor)
    _show_notice()
    return actor


def _this_run() -> object | None:
    """An object that is new on every script run (Streamlit gives each run fresh cursors)."""
    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.cursors


def _check(store: Store) -> Actor | None:
    session = st.session_state.get(SESSION_KEY)
    if isinstance(session, Session):
        try:
            actor = _session_actor(store, session)
        except Unavailable:
            # The database is away: the last run's check stands (nothing can be written
            # meanwhile, and the walk page keeps its pins); without one, the page says so.
            kept = st.session_state.get(ACTOR_KEY)
            if not isinstance(kept, Actor):
                raise
            return kept
        if actor is None:
            _ended(store, session)
            return None
        st.session_state[ACTOR_KEY] = actor
        if session.participant and st.query_params.get(TOKEN_PARAM) != session.secret:
            st.query_params[TOKEN_PARAM] = session.secret  # a reload keeps the walk
        return actor
    st.session_state.pop(ACTOR_KEY, None)  # an actor without a session is not signed in
    if token := st.query_params.get(TOKEN_PARAM):
        # A participant whose page was reloaded, or whose connection dropped for longer than
        # the server keeps a session: the link's token resumes the walk.
        if (participant := store.resume(token)) is not None:
            _keep(Session(token, participant=True), participant)
            return participant
        del st.query_params[TOKEN_PARAM]
        _tell("warning", "auth.link_ended")
        st.session_state[JOIN_NEXT_KEY] = True
    if oidc_configured() and st.user.is_logged_in and not st.session_state.get(OIDC_KEY):
        st.session_state[OIDC_KEY] = True  # once per Streamlit session, not again after it ends
        email = st.user.get("email")
        actor = actor_for_identity(store, email if isinstance(email, str) else None,
                                   st.user.get("email_verified"))
        if actor is not None and actor.user_id is not None:
            sign_in_as(actor)
            store.record_sign_in(actor.user_id, datetime.now(UTC))
            return actor
    return None


def still_signed_in() -> bool:
    """Whether this session's server-side session still signs someone in: for a fragment
    that reruns by itself (the walk's live map), whose runs are not full page runs.  When it
    says no, the fragment asks for a full run, which signs out and says why.  With the
    database away the last check stands (True)."""
    session = st.session_state.get(SESSION_KEY)
    if not isinstance(session, Session):
        return False
    try:
        return _session_actor(get_store(), session) is not None
    except Unavailable:
        return True


def _session_actor(store: Store, session: Session) -> Actor | None:
    """The Actor ``session`` signs in now (its account or participant read again), or None."""
    holder = store.session_holder(session.secret, idle_s=None if session.participant else IDLE_S)
    if holder is None:
        return None
    if holder.user_id is not None:
        user = store.user_by_id(holder.user_id)
        if user is None or user.disabled:
            return None
        return Actor(role=Role(user.role), name=user.display_name or user.username, user_id=user.id)
    if holder.participant_id is None or (p := store.participant(holder.participant_id)) is None:
        return None
    return Actor(role=Role.PARTICIPANT, name=p.name, participant_id=p.id, walk_id=p.walk_id)


def _ended(store: Store, session: Session) -> None:
    """The session no longer signs anyone in: sign out here at once and say why."""
    last = st.session_state.get(ACTOR_KEY)
    store.revoke_session(session.secret)  # an idle one, too: it never comes back
    if session.participant:
        if TOKEN_PARAM in st.query_params:
            del st.query_params[TOKEN_PARAM]
        _clear()
        _tell("warning", "auth.link_ended")
        st.session_state[JOIN_NEXT_KEY] = True
        return
    key, values = _why_ended(store, last, session)
    _clear(keep=(OIDC_KEY,))  # the identity provider's sign-in is not made again by itself
    _tell("warning", key, **values)


def _why_ended(store: Store, last: object, session: Session) -> tuple[str, dict[str, object]]:
    user = store.user_by_id(last.user_id) if isinstance(last, Actor) and last.user_id else None
    if user is None:
        return "auth.ended_gone", {}
    if user.disabled:
        return "auth.ended_disabled", {}
    row = store.credentials(username=user.username)
    changed = row.get("password_changed_at") if row else None
    if isinstance(changed, datetime) and changed >= session.since:
        return "auth.ended_password", {}
    return "auth.ended_idle", {"hours": IDLE_S // 3600}


def _keep(session: Session, actor: Actor) -> None:
    st.session_state[SESSION_KEY] = session
    st.session_state[ACTOR_KEY] = actor
    if (run := _this_run()) is not None:
        st.session_state[_CHECKED] = (run, actor)


def _clear(keep: tuple[str, ...] = ()) -> None:
    """Forget everything this Streamlit session holds but its language (and ``keep``)."""
    for key in list(st.session_state.keys()):
        if key != "lang" and key not in keep:
            del st.session_state[key]


def _tell(kind: str, key: str, **values: object) -> None:
    st.session_state[NOTICE_KEY] = (kind, key, values)


def _show_notice() -> None:
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice is None:
        return
    kind, key, values = notice
    show = st.warning if kind == "warning" else st.info
    show(tr(key, **values), icon=_NOTICE_ICONS.get(kind))


def lands_on_join() -> bool:
    """Whether a visitor's pages start at the join page (a participant's session just ended:
    the next person on the tablet joins with the code)."""
    return bool(st.session_state.get(JOIN_NEXT_KEY))


def oidc_refusal() -> str:
    """Why someone signed in at the identity provider is not signed in here (in words)."""
    email = st.user.get("email")
    shown = markdown_text(email if isinstance(email, str) else "?")
    if st.user.get("email_verified") is not True:
        return tr("auth.email_unverified", email=shown)
    if actor_for_identity(get_store(), email if isinstance(email, str) else None, True) is None:
        return tr("auth.no_account", email=shown)
    return tr("auth.oidc_again", email=shown)


# --- signing in and out -----------------------------------------------------------------
def sign_in_as(actor: Actor) -> None:
    """Sign in an account that has shown who it is (a right password, or the identity
    provider): a new server-side session, whose secret only this Streamlit session holds."""
    if actor.user_id is None:
        raise ValueError("only an account signs in with sign_in_as (participants: join_as)")
    store = get_store()
    if isinstance(old := st.session_state.get(SESSION_KEY), Session):
        store.revoke_session(old.secret)
    now = datetime.now(UTC)
    secret = store.new_session(user_id=actor.user_id, expires_at=now + MAX_AGE)
    _keep(Session(secret, since=now), actor)


def join_as(actor: Actor, *, returned: bool = False, typed: str = "") -> None:
    """Sign a participant in and put their link's token in the address, so that a reload, a
    lost connection or a bookmark brings them back to the walk without joining again.
    ``returned``: the device's earlier participant came back (welcomed by name; ``typed``, the
    name typed, is mentioned when it is another)."""
    token = get_store().reconnect_token(actor)  # a session of its own (geo.store.security)
    st.query_params.clear()
    st.query_params[TOKEN_PARAM] = token
    st.session_state.pop(JOIN_NEXT_KEY, None)
    _keep(Session(token, participant=True), actor)
    if returned:
        key, values = welcome_back(actor.name, typed)
        _tell("info", key, **values)


def welcome_back(name: str, typed: str) -> tuple[str, dict[str, object]]:
    """The catalogue key and values that welcome back the device's participant ``name`` (safe
    for Markdown), saying so when the name ``typed`` is another (not merely another case)."""
    if typed and typed.casefold() != name.casefold():
        return "join.welcome_back_as", {"name": markdown_text(name), "typed": markdown_text(typed)}
    return "join.welcome_back", {"name": markdown_text(name)}


def sign_out(*, switch: bool = False) -> None:
    """End the session in the database, then here.  A participant's sign-out ends every
    session of that participant, so their link stops working everywhere, and lands on the join
    page with the walk's code filled in; ``switch`` (*Byt deltagare*) also forgets the device
    they joined from, in the same transaction, so the next join there is someone new."""
    session, actor = st.session_state.get(SESSION_KEY), st.session_state.get(ACTOR_KEY)
    store = get_store()
    participant = isinstance(actor, Actor) and actor.role == Role.PARTICIPANT
    code: str | None = None
    if participant and isinstance(actor, Actor) and actor.participant_id is not None:
        store.sign_out_participant(actor.participant_id, forget_device=switch)
        if actor.walk_id is not None:
            code = store.walk(actor.walk_id).join_code
    if isinstance(session, Session):
        store.revoke_session(session.secret)
    if participant and code:  # the next join needs only a name (one step in the history)
        st.query_params.from_dict({JOIN_CODE_PARAM: code})
    else:
        st.query_params.clear()
    _clear()
    if participant:
        st.session_state[JOIN_NEXT_KEY] = True
        _tell("info", "auth.switched" if switch else "auth.left_walk")
    else:
        _tell("info", "auth.signed_out")
    if oidc_configured() and st.user.is_logged_in:
        st.logout()


def require(action: Action, **context: object) -> Actor:
    """Stop the page unless the session's actor may do ``action``."""
    actor = current_actor()
    if actor is None or not allowed(actor, action, **context):  # type: ignore[arg-type]
        refused(Forbidden(action, actor or Actor(role=Role.PARTICIPANT, name="?")))
        st.stop()
    return actor


def who_box() -> None:
    """The signed-in person and the sign-out button, in the sidebar.  A participant has two,
    each asked to confirm (one more tap on a big button): *Logga ut* (their pins stay, and
    joining again on this device gives them back) and *Byt deltagare* (a shared tablet: the
    next person who joins here is someone new)."""
    actor = current_actor()
    if actor is None:
        return
    st.sidebar.caption(tr("auth.signed_in_as", name=markdown_text(actor.name),
                          role=tr(f"role.{actor.role}")))
    if actor.role != Role.PARTICIPANT:
        if st.sidebar.button(tr("auth.sign_out"), icon=":material/logout:", key="sign_out"):
            sign_out()
            st.rerun()
        return
    asked = st.session_state.get(CONFIRM_KEY)
    if asked not in ("leave", "switch"):
        if st.sidebar.button(tr("auth.sign_out"), icon=":material/logout:", key="sign_out",
                             width="stretch"):
            st.session_state[CONFIRM_KEY] = "leave"
            st.rerun()
        if st.sidebar.button(tr("auth.switch"), icon=":material/switch_account:", key="switch",
                             width="stretch"):
            st.session_state[CONFIRM_KEY] = "switch"
            st.rerun()
        return
    switch = asked == "switch"
    icon = ":material/switch_account:" if switch else ":material/logout:"
    st.sidebar.warning(tr("auth.switch_confirm" if switch else "auth.leave_confirm"), icon=icon)
    if st.sidebar.button(tr("auth.switch_yes" if switch else "auth.leave_yes"), icon=icon,
                         key="switch_yes" if switch else "sign_out_yes", type="primary", width="stretch"):
        sign_out(switch=switch)
        st.rerun()
    if st.sidebar.button(tr("auth.leave_no"), key="sign_out_no", width="stretch"):
        st.session_state.pop(CONFIRM_KEY, None)
        st.rerun()
