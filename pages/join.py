"""Join a walk with its code (or the QR link ?kod=…): no account, a first name and a group."""

import streamlit as st

from geo.model import Group
from geo.store import Invalid
from ui.auth import sign_in_as
from ui.common import get_store, tr

st.title(tr("join.heading"))
st.write(tr("join.intro"))
with st.form("join"):
    code = st.text_input(tr("join.code"), value=st.query_params.get("kod", ""), max_chars=12)
    name = st.text_input(tr("join.name"), max_chars=80, autocomplete="given-name")
    group = st.selectbox(tr("join.group"), [g.value for g in Group],
                         format_func=lambda g: tr(f"group.{g}"))
    go = st.form_submit_button(tr("join.go"), type="primary", width="stretch")
if go:
    try:
        sign_in_as(get_store().join_walk(code, name, group))
        st.rerun()
    except Invalid as e:
        for field, key in e.errors.items():
            st.error(f"{tr('join.' + field)}: {tr(key)}", icon=":material/error:")
