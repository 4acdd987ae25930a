"""The one place that tells a person how their request went: refused, overtaken by someone
else's change, done, or not possible while the database is away.

* :func:`refused` shows any :class:`geo.errors.Refused` (the store's, the sign-in's, a photo's,
  an import's, a role check's) in the session's language: one line per problem, each field
  named by the catalogue's ``field.<name>`` label, never by its raw name.  A
  :class:`~geo.store.Conflict` is said as "someone else changed this – here is the newer
  state"; the page then shows that state.
* :func:`flash` keeps a message (or a refusal) for the next run, after an ``st.rerun()``;
  :func:`show_flash`, called once per page where its messages belong, shows it once.
* :func:`success` says at once that something was done.
* :func:`unavailable` is the page when the database cannot be reached.

Values a refusal carries (a user name, a file's cell) are shown as typed, never as markdown.
"""

from __future__ import annotations

import streamlit as st

from geo.errors import Refused
from geo.photos import PhotoRefused
from geo.roles import Forbidden
from geo.safe import markdown_text
from geo.store import Conflict, Unavailable
from ui.common import RETRY_S, get_store, lang, tr

FLASH = "feedback_flash"  # the message for the next run
DONE_ICON = ":material/check_circle:"
CONFLICT_ICON = ":material/sync_problem:"
# Which words a conflict gets, by what was changed meanwhile (``Conflict.values["what"]``).
CONFLICT_WORDS = {"observation": "pin.conflict"}


def _icon(e: Refused) -> str:
    if isinstance(e, Unavailable):
        return ":material/cloud_off:"
    if isinstance(e, Forbidden):
        return ":material/block:"
    if isinstance(e, PhotoRefused):
        return ":material/hide_image:"
    if e.key.endswith(".wait"):  # too many wrong tries: wait a little
        return ":material/hourglass_top:"
    if e.key.startswith("auth."):  # a refused sign-in
        return ":material/lock:"
    return ":material/error:"


def refusal_text(e: Refused, *, subject: str | None = None) -> str:
    """The markdown :func:`refused` shows: ``subject`` (if any) and one line per problem."""
    lines = e.reasons(lang(), quote=markdown_text)
    if subject is None and e.errors and "id" in e.values:  # the chosen row it was refused for
        subject = tr("feedback.refused_row", id=e.values["id"])
    if subject is None and len(lines) == 1:
        return lines[0]
    body = "\n".join(f"- {line}" for line in lines)
    return f"{subject}\n{body}" if subject else body


def refused(e: Refused, *, subject: str | None = None, conflict: str | None = None) -> None:
    """Show a refusal where the request was made.

    ``subject`` leads the lines (e.g. "The measure could not be saved:"); ``conflict`` is the
    catalogue key of the words for a :class:`~geo.store.Conflict` (by default chosen by what
    was changed, see :data:`CONFLICT_WORDS`)."""
    if isinstance(e, Conflict):
        key = conflict or CONFLICT_WORDS.get(str(e.values.get("what")), "feedback.conflict")
        st.warning(tr(key), icon=CONFLICT_ICON)
        return
    st.error(refusal_text(e, subject=subject), icon=_icon(e))


def problems(errors: dict[str, str], *, subject: str | None = None, **values: object) -> None:
    """A form's own check (``{field: catalogue key}``, before anything reached the store),
    shown like a refusal."""
    refused(Refused("store.invalid", errors, **values), subject=subject)


def success(text: str) -> None:
    """Say that something was done."""
    st.success(text, icon=DONE_ICON)


def flash(message: str | Refused) -> None:
    """Keep ``message`` for the next run (the page is about to ``st.rerun()``); a refusal is
    said in the language of the run that shows it."""
    st.session_state[FLASH] = message


def show_flash(*, toast: bool = False) -> bool:
    """Show the kept message once, and forget it; True when there was one (the page may then
    drop cached reads, so that the change shows at once).  ``toast``: as a toast floating over
    the page (the walk page: a message in the page would push the map down, right where the
    next tap lands)."""
    message = st.session_state.pop(FLASH, None)
    if message is None:
        return False
    if toast:
        if isinstance(message, Refused):
            st.toast(refusal_text(message), icon=_icon(message), duration="long")
        else:
            st.toast(str(message), icon=DONE_ICON)
    elif isinstance(message, Refused):
        refused(message)
    else:
        success(str(message))
    return True


def unavailable(error: Unavailable) -> None:
    """The page when the database cannot be reached: what happened, that nothing typed in an
    open form is lost, and a check every few seconds that reloads the page once the database
    answers again (or at once, with the button)."""
    st.error(tr(error.key), icon=_icon(error))
    st.caption(tr("app.offline_retry", s=RETRY_S))
    st.button(tr("app.retry"), icon=":material/refresh:", key="retry_database")

    @st.fragment(run_every=RETRY_S)
    def watch() -> None:
        try:
            get_store().revision()
        except Unavailable:
            return
        st.rerun(scope="app")

    watch()
