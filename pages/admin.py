"""Admin: users (local accounts and identity-provider addresses) and imports of observations."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import io as geo_io
from geo.auth import hash_password
from geo.errors import Refused
from geo.i18n import local_time
from geo.roles import Action
from geo.safe import markdown_text
from ui.auth import require
from ui.common import get_store, tr
from ui.feedback import flash, refused, show_flash, success

actor = require(Action.MANAGE_USERS)
store = get_store()
st.title(tr("admin.heading"))
show_flash()

st.subheader(tr("admin.users"))
users = store.users(actor)
st.dataframe(pd.DataFrame({
    tr("auth.username"): [u.username for u in users],
    tr("admin.display_name"): [u.display_name for u in users],
    tr("auth.role"): [tr(f"role.{u.role}") for u in users],
    tr("admin.email_short"): [u.email or "" for u in users],
    tr("admin.active"): [not u.disabled for u in users],
    tr("admin.last_sign_in"): [local_time(u.last_sign_in) if u.last_sign_in else "" for u in users],
}), hide_index=True, width="stretch")

c1, c2 = st.columns(2)
with c1.form("add_user", clear_on_submit=True):
    st.markdown(f"**{tr('admin.add_user')}**")
    username = st.text_input(tr("auth.username"))
    display = st.text_input(tr("admin.display_name"))
    role = st.selectbox(tr("auth.role"), ["planner", "admin"], format_func=lambda r: tr(f"role.{r}"))
    email = st.text_input(tr("admin.email"), help=tr("admin.email_help"))
    password = st.text_input(tr("auth.password"), type="password", help=tr("admin.password_help"))
    if st.form_submit_button(tr("admin.add_user"), type="primary"):
        try:
            store.add_user(actor, username=username, role=role, display_name=display,
                           email=email or None, password_hash=hash_password(password) if password else None)
        except Refused as e:
            refused(e)
        else:
            flash(tr("cli.user_added", username=markdown_text(username), role=tr(f"role.{role}")))
            st.rerun()
with c2.form("toggle_user"):
    st.markdown(f"**{tr('admin.disable_user')}**")
    who = st.selectbox(tr("auth.username"), [u.username for u in users])
    disable = st.toggle(tr("admin.disabled"), value=False)
    if st.form_submit_button(tr("admin.save")) and who:
        try:
            store.set_user_disabled(actor, who, disable)
        except Refused as e:
            refused(e)
        else:
            st.rerun()

st.subheader(tr("admin.import"))
st.caption(tr("admin.import_help"))
upload = st.file_uploader(tr("admin.import_file"), type=["geojson", "json", "csv", "gpkg"],
                          max_upload_size=geo_io.MAX_IMPORT_BYTES // (1024 * 1024))
layer = None
if upload is not None and upload.name.lower().endswith(".gpkg"):  # a GeoPackage may hold several
    layer = st.text_input(tr("admin.import_layer"), help=tr("admin.import_layer_help")).strip() or None
if upload is not None and st.button(tr("admin.import_go"), type="primary"):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        try:
            result = geo_io.import_file(store, path, actor, layer=layer)
        except Refused as e:
            refused(e)
        else:
            st.cache_data.clear()  # the maps and counts show the imported rows at once
            success(tr("cli.imported", added=result.added, skipped=result.skipped,
                       file=markdown_text(upload.name)))
