"""Triage after the walk, for one or many chosen observations at once: mark them assessed,
close them with a reason, link them to a measure that exists, or plan a new one for them.

The same bar serves the walk protocol and the planner map's table.  The rules are
:mod:`geo.workflow`; the store saves each action as one transaction (all chosen pins or none)
and moves linked pins as their measure moves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from geo.catalog import Catalog
from geo.errors import Refused
from geo.model import FORM_COMMENT_MAX, Actor, Measure, MeasureStatus, Observation, ObservationStatus
from geo.roles import Action, allowed
from geo.safe import markdown_text
from geo.store import Store
from geo.workflow import CLOSE_REASONS
from ui.common import lang, tr
from ui.feedback import flash, refused
from ui.planner import plan

ACTIONS = ("assess", "close", "link", "plan")


def triage_bar(store: Store, actor: Actor, chosen: Sequence[Observation], measures: Sequence[Measure],
               catalog: Catalog, *, key: str) -> None:
    """The actions for ``chosen``; after a save the page shows the message
    (:func:`ui.feedback.show_flash`)."""
    if not allowed(actor, Action.CHANGE_STATUS):
        return
    if not chosen:
        st.caption(tr("triage.choose_hint"))
        return
    ids = [o.id for o in chosen]
    st.markdown(tr("triage.chosen", n=len(ids), ids=", ".join(f"#{i}" for i in ids)))
    action = st.radio(tr("triage.action"), ACTIONS, horizontal=True, key=f"{key}-action",
                      format_func=lambda a: tr(f"triage.{a}"))
    versions = {o.id: o.version for o in chosen}

    def save(do: Callable[[], object], message: str) -> None:
        try:
            do()
        except Refused as e:  # a refused pin is named: "#12 – nothing was saved: …"
            refused(e)
        else:
            flash(message)
            st.rerun()

    if action == "assess":
        st.caption(tr("triage.assess_help"))
        if st.button(tr("triage.assess_button", n=len(ids)), type="primary", key=f"{key}-assess",
                     icon=":material/fact_check:"):
            save(lambda: store.set_observation_statuses(ids, ObservationStatus.ASSESSED, actor,
                                                        expected_versions=versions),
                 tr("triage.assessed", n=len(ids)))
    elif action == "close":
        c1, c2 = st.columns([1, 2])
        reason = c1.selectbox(tr("triage.reason"), CLOSE_REASONS, key=f"{key}-reason",
                              format_func=lambda r: tr(f"close_reason.{r}"))
        comment = c2.text_input(tr("triage.comment"), max_chars=FORM_COMMENT_MAX, key=f"{key}-comment",
                                help=tr("triage.comment_help"))
        if st.button(tr("triage.close_button", n=len(ids)), type="primary", key=f"{key}-close",
                     icon=":material/block:"):
            save(lambda: store.set_observation_statuses(ids, ObservationStatus.CLOSED, actor, reason=reason,
                                                        comment=comment, expected_versions=versions),
                 tr("triage.closed", n=len(ids), reason=tr(f"close_reason.{reason}")))
    elif action == "link":
        open_ones = [m for m in measures if m.status != MeasureStatus.CANCELLED]
        if not open_ones:
            st.caption(tr("triage.no_measures"))
            return
        by_id = {m.id: m for m in open_ones}
        types = {t.id: t.label(lang()) for t in catalog.measure_types}
        chosen_measure = st.selectbox(
            tr("triage.measure"), list(by_id), key=f"{key}-measure",
            format_func=lambda i: f"#{i} {by_id[i].title} · {types.get(by_id[i].type, by_id[i].type)} · "
                                  f"{tr(f'status.measure.{by_id[i].status}')}")
        m = by_id[chosen_measure]
        st.caption(tr("triage.link_help", status=tr(f"status.measure.{m.status}")))
        if st.button(tr("triage.link_button", n=len(ids), id=m.id), type="primary", key=f"{key}-link",
                     icon=":material/link:"):
            save(lambda: store.update_measure(m.id, actor, expected_version=m.version,
                                              observation_ids=tuple(sorted(set(m.observation_ids) | set(ids)))),
                 tr("triage.linked", n=len(ids), id=m.id, title=markdown_text(m.title)))
    elif st.button(tr("triage.plan_button", n=len(ids)), type="primary", key=f"{key}-plan",
                   icon=":material/construction:"):
        lon = sum(o.lon for o in chosen) / len(chosen)
        lat = sum(o.lat for o in chosen) / len(chosen)
        plan(observation_ids=ids, geometry={"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
             activity_id=None, title="")
