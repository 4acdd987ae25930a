"""Trygghetskartan's server: ``streamlit run app.py`` (what ``scripts/run-app.sh`` runs).

Streamlit finds the ``st.App`` below and serves it: the page script is ``main.py`` (page
config, language, sign-in, navigation over pages/; the AppTests run it), and every HTTP
response carries the security headers of :mod:`ui.headers` (no framing by other origins,
referrer policy, nosniff, HSTS over HTTPS), and a page gives a browser without one its
device key (:mod:`ui.device`: the same device joining a walk again is the same participant).
Routes of the app's own go in ``routes=``.
"""

import streamlit as st
from starlette.middleware import Middleware

from ui.api import routes
from ui.chrome import HtmlLang
from ui.device import DeviceKey
from ui.headers import SecurityHeaders

app = st.App("main.py", routes=routes(), middleware=[Middleware(SecurityHeaders), Middleware(DeviceKey),
                                              Middleware(HtmlLang)])
