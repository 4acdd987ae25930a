"""Join a walk with its code (or the QR link ?kod=…): no account, a first name and a group.

Wrong codes are slowed down per connection (:class:`geo.auth.Throttle`)."""

import uuid

import streamlit as st

from geo.auth import Throttle
from geo.errors import Refused
from geo.model import JOIN_CODE_MAX, NAME_MAX, Group
from ui.auth import join_as
from ui.common import get_store, tr
from ui.feedback import refused


@st.cache_resource(show_spinner=False)
def join_throttle() -> Throttle:
    """One throttle for the whole server process."""
    return Throttle()


def who_is_trying() -> str:
    """The connection's IP address; on the same machine (no address) the browser session."""
    ip = st.context.ip_address
    if isinstance(ip, str) and ip:
        return ip
    return str(st.session_state.setdefault("join_key", f"session:{uuid.uuid4()}"))


st.title(tr("join.heading"))
st.write(tr("join.intro"))
with st.form("join"):
    code = st.text_input(tr("join.code"), value=st.query_params.get("kod", ""), max_chars=JOIN_CODE_MAX)
    name = st.text_input(tr("join.name"), max_chars=NAME_MAX, autocomplete="given-name")
    group = st.selectbox(tr("join.group"), [g.value for g in Group],
                         format_func=lambda g: tr(f"group.{g}"))
    go = st.form_submit_button(tr("join.go"), type="primary", width="stretch")
if go:
    throttle, key = join_throttle(), who_is_trying()
    if wait := throttle.wait_s(key):
        refused(Refused("join.more.wait", seconds=wait))
        st.stop()
    try:
        actor = get_store().join_walk(code, name, group)
    except Refused as e:
        if "code" in e.errors and (wait := throttle.failed(key)):  # wrong codes are slowed down
            refused(Refused("join.more.wait", seconds=wait))
        refused(e)
    else:
        throttle.succeeded(key)
        join_as(actor)
        st.rerun()
