"""Below the map of a closed walk: a participant's own pins, today's status and the measures
that answer each, read-only (:mod:`geo.outcomes` decides what is shown and in which words).

The walk's pins (merged ones included) and the measures linked to them are read once for the
walk and kept for a few seconds for every participant of it; each page run then picks the
person's own pins out of that, so nothing is read per pin.
"""

from __future__ import annotations

import streamlit as st

from geo import outcomes
from geo.catalog import Catalog
from geo.i18n import EMPTY, local_time
from geo.model import Actor, Measure, Observation, ObservationStatus, Walk
from geo.safe import markdown_text
from ui.common import CACHE_TTL_S, get_store, lang, last_good, offline, tr


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def walk_outcome_data(walk_id: int) -> tuple[list[Observation], list[Measure]]:
    """The walk's pins with the merged ones, and the measures linked to any of them: two
    reads, shared by everyone looking at the walk for :data:`CACHE_TTL_S` seconds."""
    store = get_store()
    observations = store.observations(walk_id=walk_id, include_merged=True)
    return observations, outcomes.linked_measures((o.id for o in observations), store.measures())


def measure_lines(row: outcomes.PinOutcome, catalog: Catalog) -> list[str]:
    lines = []
    for m in row.measures:
        kind = catalog.measure_type(m.type)
        details = " · ".join([
            f"{tr('outcome.type')}: {markdown_text(kind.label(lang()) if kind else EMPTY)}",
            f"{tr('outcome.responsible')}: {markdown_text(outcomes.responsible_text(m, lang()))}",
            f"{tr('outcome.due')}: {outcomes.due_text(m)}"])
        lines.append(f"- **{markdown_text(m.title or EMPTY)}** – "
                     f"{outcomes.measure_status_text(m.status, m.status_reason, lang(), markdown_text)}"
                     f"  \n  {details}")
    return lines


def participant_outcomes(actor: Actor, walk: Walk, catalog: Catalog) -> None:
    """The list "what happened to your observations" for ``actor`` on the closed ``walk``."""
    observations, measures = last_good(f"outcomes-{walk.id}", lambda: walk_outcome_data(walk.id))
    rows = outcomes.participant_outcomes(actor.participant_id, observations, measures)
    st.subheader(tr("outcome.heading"))
    if offline():
        st.warning(tr("outcome.offline"), icon=":material/cloud_off:")
    if not rows:
        st.caption(tr("outcome.none"))
        return
    st.caption(tr("outcome.intro"))
    for row in rows:
        category = catalog.category(row.category)
        with st.container(border=True):
            st.markdown(f"**{markdown_text(category.label(lang()) if category else EMPTY)}** · "
                        f"{tr('outcome.when', at=local_time(row.observed_at))}")
            if row.description:
                st.markdown(markdown_text(row.description))
            safe = bool(category and category.positive) and row.status != ObservationStatus.CLOSED
            status = tr("outcome.safe_place") if safe and not row.measures else \
                outcomes.observation_status_text(row.status, row.status_reason, lang(), markdown_text)
            st.markdown(f"**{tr('outcome.status')}:** {status}")
            if row.merged:
                st.caption(tr("outcome.merged"))
            if row.measures:
                st.markdown(f"**{tr('outcome.measures')}:**")
                st.markdown("\n".join(measure_lines(row, catalog)))
            elif not safe and row.status != ObservationStatus.CLOSED:  # no measure is coming for these
                st.caption(tr("outcome.no_measure"))
