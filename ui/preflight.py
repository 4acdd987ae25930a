"""A production start that is not safe (:mod:`geo.production`) shows only what to fix: no
sign-in, no join, no page of the app, whatever the address asks for.

The same checks as ``python -m geo preflight``, made on what this server really runs with:
Streamlit's own secrets (``st.secrets``), its listening address and certificate.  The answer
is kept for :data:`ui.common.CACHE_TTL_S` seconds, so a ``demo remove`` shows after a reload.
"""

from __future__ import annotations

import os

import streamlit as st
from streamlit import config

from geo import production
from geo.errors import Refused
from ui.auth import auth_section
from ui.common import CACHE_TTL_S, get_store, tr
from ui.feedback import refused


def unsafe_start() -> list[Refused]:
    """Why this production server must not be used (empty: not production, or nothing)."""
    return _problems() if production.is_production() else []


@st.cache_resource(ttl=CACHE_TTL_S, show_spinner=False)
def _problems() -> list[Refused]:
    return production.problems(
        get_store(), auth=auth_section(), address=config.get_option("server.address"),
        tls=bool(config.get_option("server.sslCertFile")), public_url=os.environ.get("PUBLIC_URL", ""))


def refuse_start(problems: list[Refused]) -> None:
    """The only page: what to fix, one refusal per problem."""

    def what_to_fix() -> None:
        st.title(tr("production.title"))
        st.write(tr("production.intro"))
        for problem in problems:
            refused(problem)

    st.navigation([st.Page(what_to_fix, title=tr("production.title"), url_path="installning", default=True)],
                  position="hidden").run()
