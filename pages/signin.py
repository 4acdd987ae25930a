"""Sign-in for planners and admins (local account or the municipality's identity provider)."""

import streamlit as st

from geo.auth import SignInRefused, sign_in
from geo.demo import DEMO_ACCOUNTS, DEMO_JOIN_CODE
from ui.auth import current_actor, oidc_configured, oidc_refusal, sign_in_as
from ui.client import source_address
from ui.common import demo_banner, get_store, has_demo, tr
from ui.feedback import refused

st.title(tr("auth.heading"))
if oidc_configured():
    if st.user.is_logged_in and current_actor() is None:
        st.warning(oidc_refusal())  # unverified address, no account, or signed out here
    st.button(tr("auth.oidc"), icon=":material/badge:", on_click=st.login, type="primary")
    st.divider()

with st.form("signin", enter_to_submit=True):
    username = st.text_input(tr("auth.username"), autocomplete="username")
    password = st.text_input(tr("auth.password"), type="password", autocomplete="current-password")
    submitted = st.form_submit_button(tr("auth.sign_in"), type="primary", width="stretch")
if submitted:
    try:
        sign_in_as(sign_in(get_store(), username, password, source=source_address()))
        st.rerun()
    except SignInRefused as e:
        refused(e)

st.page_link("pages/join.py", label=tr("join.link"), icon=":material/qr_code_2:")

if has_demo():
    demo_banner()
    st.markdown(tr("auth.demo_accounts"))
    st.table({tr("auth.username"): [u for u, _, _, _ in DEMO_ACCOUNTS] + ["–"],
              tr("auth.password"): [p for _, p, _, _ in DEMO_ACCOUNTS] + ["–"],
              tr("auth.role"): [tr(f"role.{r}") for _, _, r, _ in DEMO_ACCOUNTS] + [tr("role.participant")],
              tr("join.code"): ["", "", DEMO_JOIN_CODE]})
