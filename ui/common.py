"""Shared by every page: the one Store per process, the language, cached reads, the banner."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from geo import catalog, i18n
from geo.catalog import Catalog
from geo.districts import Districts
from geo.store import Store, Unavailable, open_store

LANG_KEY = "lang"
T = TypeVar("T")
CACHE_TTL_S = 10  # the planner map's rows and the counts are at most this many seconds old


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """One Store (and connection pool) per server process, brought to the newest schema on
    first use."""
    return open_store(migrate="outdated")  # a new database, or one made by an older release


def lang() -> str:
    value = st.session_state.get(LANG_KEY, i18n.DEFAULT_LANGUAGE)
    return value if value in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


def tr(key: str, **values: object) -> str:
    """The catalogue text for ``key`` in the session's language."""
    return i18n.t(key, lang(), **values)


def language_picker() -> None:
    st.sidebar.segmented_control(
        tr("app.language"), options=list(i18n.LANGUAGES), key=LANG_KEY,
        format_func=lambda code: {"sv": "Svenska", "en": "English"}[code],
        default=i18n.DEFAULT_LANGUAGE)


def the_catalog() -> Catalog:
    return catalog.load()


def the_districts() -> Districts:
    return get_store().districts()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def has_demo() -> bool:
    return get_store().has_demo()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def row_counts() -> dict[str, int]:
    return get_store().counts()


def demo_banner() -> None:
    if has_demo():
        st.info(tr("app.demo_banner"), icon=":material/science:")


RETRY_S = 5
LAST_GOOD = "last_good_reads"


def last_good(key: str, read: Callable[[], T]) -> T:
    """``read()``; while the database cannot be reached, what it gave last time in this
    session instead, so that a walk page keeps its map, its pins and an open pin form (with
    what was typed) through a dropped connection.  Without an earlier answer, the
    :class:`Unavailable` goes on (and :func:`ui.feedback.unavailable` shows the page for it)."""
    kept: dict[str, T] = st.session_state.setdefault(LAST_GOOD, {})
    try:
        kept[key] = read()
    except Unavailable:
        if key not in kept:
            raise
        st.session_state[OFFLINE] = True
        return kept[key]
    st.session_state[OFFLINE] = False
    return kept[key]


OFFLINE = "database_offline"


def offline() -> bool:
    """Whether the last read of :func:`last_good` had to fall back on an earlier answer."""
    return bool(st.session_state.get(OFFLINE))
