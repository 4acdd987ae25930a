"""Join a walk with its code (or the QR link ?kod=…): no account, a first name and a group.

Wrong codes are slowed down per source address, in the database (:func:`geo.auth.claim_join`):
a new session or another browser at the same address meets the same count, and a right code
takes back only its own try.  Joining a walk again from the same device (its key, :mod:`ui.device`)
brings back the same participant with their own pins; the code and its slow-down still apply."""

import streamlit as st

from geo.auth import claim_join, joined, wrong_code_wait
from geo.errors import Refused
from geo.model import JOIN_CODE_MAX, NAME_MAX, Group
from ui.auth import join_as
from ui.client import source_address
from ui.common import get_store, tr
from ui.device import device_key
from ui.feedback import refused

st.title(tr("join.heading"))
st.write(tr("join.intro"))
with st.form("join"):
    code = st.text_input(tr("join.code"), value=st.query_params.get("kod", ""), max_chars=JOIN_CODE_MAX)
    name = st.text_input(tr("join.name"), max_chars=NAME_MAX, autocomplete="given-name")
    group = st.selectbox(tr("join.group"), [g.value for g in Group],
                         format_func=lambda g: tr(f"group.{g}"))
    go = st.form_submit_button(tr("join.go"), type="primary", width="stretch")
if go:
    store, source = get_store(), source_address()
    claim = claim_join(store, source)  # counted as a wrong code until it turns out right
    if claim.wait_s:
        refused(Refused("join.more.wait", seconds=claim.wait_s))
        st.stop()
    try:
        came = store.join_from_device(code, name, group, device_key=device_key())
    except Refused as e:
        if "code" not in e.errors:  # the code was right (a name is missing): its try is taken back
            joined(store, source, claim)
        elif wait := wrong_code_wait(claim):  # this wrong code makes the next try wait
            refused(Refused("join.more.wait", seconds=wait))
        refused(e)
    else:
        joined(store, source, claim)
        join_as(came.actor, returned=came.returned, typed=came.typed)
        st.rerun()
