"""Trygghetskartan – the page script (``app.py`` serves it): page config, language, sign-in,
navigation over pages/.

Each role gets only its pages (a visitor: sign-in and join; a participant: their walk;
planners: the maps and the walks they lead; admins: also administration), and every page
checks the role again.  A production start that is not safe gets no page but the list of
what to fix (:mod:`ui.preflight`).
"""

from pathlib import Path

import streamlit as st

from geo.model import Role
from geo.store import Unavailable
from ui import chrome
from ui.auth import current_actor, lands_on_join, who_box
from ui.common import language_picker, tr
from ui.feedback import unavailable
from ui.preflight import refuse_start, unsafe_start

# A local file: a material or emoji page icon makes the browser fetch it from a third party.
ICON = Path(__file__).resolve().parent / "static" / "favicon.png"
# Every address of the app's own pages.  Whoever opens one gets a page, never Streamlit's
# "Page not found": a visitor the sign-in (or join) page at that address, which opens once
# signed in; a signed-in person without that page their own start page.
ADDRESSES = ("logga-in", "ga-med", "karta", "vandringar", "vandring", "protokoll", "uppfoljning", "om", "admin")
# Streamlit serves the default page at the root only (its own address, e.g. /karta, would be
# "Page not found"): the default page is registered under this name, which no link uses, and
# its address gets a hidden page of the same script.
HOME = "start"


def every_address(pages: list[st.Page], start: str, start_script: str, *, visitor: bool) -> list[st.Page]:
    """``pages`` (the default page, ``start_script``, under :data:`HOME`; its address is
    ``start``) and, for each of :data:`ADDRESSES` none of them has, a hidden page there: the
    start page's script at ``start``, and at any other address for a visitor; for someone
    signed in, a step to the start page."""
    have = {p.url_path for p in pages}
    home = next(p for p in pages if p.url_path == "")

    def to_start() -> None:
        st.switch_page(home)

    return pages + [st.Page(start_script if visitor or address == start else to_start, title=home.title,
                            url_path=address, visibility="hidden")
                    for address in ADDRESSES if address not in have]


def main() -> None:
    if problems := unsafe_start():  # production, and not safe: no sign-in, only what to fix
        st.set_page_config(page_title="Trygghetskartan", page_icon=str(ICON))
        language_picker()
        chrome.apply()
        refuse_start(problems)
        return
    actor = current_actor()
    # On the walk the map needs the whole width of a tablet: participants start with the sidebar
    # (language, dark map, sign-out) folded away.
    st.set_page_config(page_title="Trygghetskartan", page_icon=str(ICON), layout="wide",
                       initial_sidebar_state="collapsed" if actor and actor.role == Role.PARTICIPANT else "auto")
    language_picker()
    chrome.apply()
    who_box()

    if actor is None:
        # The walk's QR code opens the app's root with ?kod=…: the root always resolves, so the
        # join page comes up at once with the code filled in.
        joining = "kod" in st.query_params or lands_on_join()  # also: a participant just left
        start = "ga-med" if joining else "logga-in"
        pages = [
            st.Page("pages/signin.py", title=tr("nav.sign_in"), icon=":material/login:",
                    url_path=HOME if start == "logga-in" else "logga-in", default=not joining),
            st.Page("pages/join.py", title=tr("nav.join"), icon=":material/qr_code_2:",
                    url_path=HOME if start == "ga-med" else "ga-med", default=joining),
        ]
    elif actor.role == Role.PARTICIPANT:
        start = "vandring"
        pages = [st.Page("pages/walk.py", title=tr("nav.walk"), icon=":material/directions_walk:",
                         url_path=HOME, default=True)]
    else:
        start = "karta"
        pages = [
            st.Page("pages/map.py", title=tr("nav.map"), icon=":material/map:", url_path=HOME, default=True),
            st.Page("pages/walks.py", title=tr("walks.nav"), icon=":material/groups:", url_path="vandringar"),
            st.Page("pages/walk.py", title=tr("nav.walk"), icon=":material/directions_walk:", url_path="vandring"),
            st.Page("pages/protocol.py", title=tr("protocol.nav"), icon=":material/fact_check:", url_path="protokoll"),
            st.Page("pages/followup.py", title=tr("followup.nav"), icon=":material/task_alt:", url_path="uppfoljning"),
            st.Page("pages/about.py", title=tr("nav.about"), icon=":material/info:", url_path="om"),
        ]
        if actor.role == Role.ADMIN:
            pages.append(st.Page("pages/admin.py", title=tr("nav.admin"), icon=":material/admin_panel_settings:",
                                 url_path="admin"))
    start_script = {"logga-in": "pages/signin.py", "ga-med": "pages/join.py", "vandring": "pages/walk.py",
                    "karta": "pages/map.py"}[start]
    st.navigation(every_address(pages, start, start_script, visitor=actor is None)).run()


try:
    main()
except Unavailable as down:  # the database went away: say so, keep the session, come back
    unavailable(down)
