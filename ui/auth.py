"""Who is using this session: sign-in state, the role guard pages call, sign-out."""

from __future__ import annotations

import streamlit as st

from geo.auth import actor_for_identity
from geo.model import Actor, Role
from geo.roles import Action, Forbidden, allowed
from geo.safe import markdown_text
from ui.common import get_store, tr
from ui.feedback import refused

ACTOR_KEY = "actor"
TOKEN_PARAM = "t"  # the participant's reconnect token in the page's address (see resume_link)


def oidc_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section for ``st.login``."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False
    except Exception:  # noqa: BLE001 - a broken secrets file means: no identity provider
        return False


def current_actor() -> Actor | None:
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None and (token := st.query_params.get(TOKEN_PARAM)):
        # A participant whose page was reloaded or whose connection dropped for longer than
        # the server keeps a session: the token in the address resumes the walk.
        actor = get_store().resume(token)
        if actor is not None:
            st.session_state[ACTOR_KEY] = actor
        else:
            del st.query_params[TOKEN_PARAM]
    if actor is None and oidc_configured() and st.user.is_logged_in:
        email = st.user.get("email")
        actor = actor_for_identity(get_store(), email if isinstance(email, str) else None)
        if actor is not None:
            st.session_state[ACTOR_KEY] = actor
    return actor


def sign_in_as(actor: Actor) -> None:
    st.session_state[ACTOR_KEY] = actor


def join_as(actor: Actor) -> None:
    """Sign a participant in and put a reconnect token in the address, so that a reload, a
    lost connection or a bookmark brings them back to the walk without joining again."""
    token = get_store().reconnect_token(actor)
    st.query_params.clear()
    st.query_params[TOKEN_PARAM] = token
    sign_in_as(actor)


def sign_out() -> None:
    st.query_params.clear()
    for key in list(st.session_state.keys()):
        if key != "lang":
            del st.session_state[key]
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
    """The signed-in person and the sign-out button, in the sidebar."""
    actor = current_actor()
    if actor is None:
        return
    st.sidebar.caption(tr("auth.signed_in_as", name=markdown_text(actor.name),
                          role=tr(f"role.{actor.role}")))
    if st.sidebar.button(tr("auth.sign_out"), icon=":material/logout:", key="sign_out"):
        sign_out()
        st.rerun()
