"""Trygghetskartan – entry point: page config, language, navigation over pages/."""

from pathlib import Path

import streamlit as st

from ui.common import language_picker, tr

ICON = Path(__file__).resolve().parent / "static" / "favicon.png"

# A local file: a material or emoji page icon makes the browser fetch it from a third party.
st.set_page_config(page_title="Trygghetskartan", page_icon=str(ICON), layout="wide")
language_picker()

pages = [
    st.Page("pages/map.py", title=tr("nav.map"), icon=":material/map:", url_path="karta", default=True),
    st.Page("pages/about.py", title=tr("nav.about"), icon=":material/info:", url_path="om"),
]
st.navigation(pages).run()
