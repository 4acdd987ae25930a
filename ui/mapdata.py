"""Cached reads for the map page: one district's rows, refreshed every few seconds."""

from __future__ import annotations

import streamlit as st

from geo.model import Measure, Observation, StatusChange, Walk
from ui.common import CACHE_TTL_S, get_store


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def district_rows(district_id: str) -> tuple[list[Observation], list[Measure], list[Walk]]:
    """Observations, measures and walks of a district and its parts."""
    store = get_store()
    family = store.districts().family(district_id)
    return (store.observations(district_ids=family), store.measures(district_ids=family),
            store.walks(district_ids=family))


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def district_history(district_id: str) -> list[StatusChange]:
    """The status histories of a district's observations and measures (the follow-up's
    "resolved since" and "moved since"), read with its rows."""
    observations, measures, _walks = district_rows(district_id)
    store = get_store()
    return (store.histories("observation", [o.id for o in observations])
            + store.histories("measure", [m.id for m in measures]))


def forget() -> None:
    """After a save: every page shows the change at once."""
    district_rows.clear()
    district_history.clear()
