"""Trygghetskartan – entry point: page config, language, navigation over pages/."""

import streamlit as st

from ui.common import language_picker, tr

st.set_page_config(page_title="Trygghetskartan", page_icon=":material/map:", layout="wide")
language_picker()

pages = [
    st.Page("pages/map.py", title=tr("nav.map"), icon=":material/map:", url_path="karta", default=True),
    st.Page("pages/about.py", title=tr("nav.about"), icon=":material/info:", url_path="om"),
]
st.navigation(pages).run()
