"""The planner map's panels: filters, a pin's details, hot spots, and the measure form.

What is selected and computed lives in :mod:`geo.filters`, :mod:`geo.hotspots` and the store;
this module asks and shows.  Every piece of user text goes through
:func:`geo.safe.markdown_text` (or a dataframe, which shows text as text).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from geo.catalog import Catalog
from geo.errors import Refused
from geo.filters import ObservationFilter
from geo.hotspots import HotSpot
from geo.i18n import local_date, local_time, local_today
from geo.model import (
    FEELING_MAX,
    FEELING_MIN,
    REASON_REQUIRED,
    RESPONSIBLE_NAME_MAX,
    TITLE_MAX,
    Actor,
    Measure,
    MeasureDraft,
    Observation,
    ObservationStatus,
    Responsible,
    StatusChange,
    Walk,
)
from geo.outcomes import reason_text
from geo.progress import activity_labels
from geo.roles import Action, allowed
from geo.safe import markdown_text
from geo.store import Conflict, Store
from geo.workflow import MEASURE_TRANSITIONS
from ui.common import lang, tr
from ui.feedback import flash, refused
from ui.tables import measure_frame, observation_frame

SELECTED = "map_selected"  # ids of the observations shown in the details panel
PLAN = "map_plan"  # {"observation_ids", "geometry", "activity_id", "title"}: a measure being planned
EDIT = "map_edit_measure"  # id of the measure being edited
EDIT_SEEN = "map_edit_seen"  # {measure id: the version the planner opened}
NEAR_M = 50  # the details panel lists other pins this close (metres, EPSG:3006)


def filter_controls(observations: Sequence[Observation], walks: Sequence[Walk], catalog: Catalog) -> ObservationFilter:
    """The filters, in the sidebar: period, walk, category, status, activity, time, feeling."""
    side = st.sidebar
    side.subheader(tr("planner.filters"))
    days = [local_date(o.observed_at) for o in observations]  # the filter compares Swedish dates
    today = local_today()
    first, last = (min(days), max(days)) if days else (today - timedelta(days=365), today)
    period = side.date_input(tr("planner.period"), value=(first, last), key="f_period", format="YYYY-MM-DD",
                             min_value=date(2000, 1, 1), max_value=max(last, today))
    start, end = (period + (None, None))[:2] if isinstance(period, tuple) else (period, None)
    walk_by_id = {w.id: w for w in walks}
    chosen_walks = side.multiselect(tr("map.walk"), list(walk_by_id), key="f_walks",
                                    format_func=lambda i: (
                                        f"{local_time(walk_by_id[i].starts_at, '%Y-%m-%d')} {walk_by_id[i].title}"),
                                    placeholder=tr("planner.all"))
    labels = {c.id: c.label(lang()) for c in catalog.categories}
    cats = side.multiselect(tr("map.category"), list(labels), format_func=lambda c: labels.get(c, c), key="f_cats",
                            placeholder=tr("planner.all"))
    statuses = side.multiselect(tr("map.status"), [s.value for s in ObservationStatus], key="f_status",
                                format_func=lambda s: tr(f"status.observation.{s}"), placeholder=tr("planner.all"))
    used = sorted({o.activity_id for o in observations}, key=lambda a: (a is None, a or ""))
    acts = activity_labels(catalog, lang())
    activity = side.multiselect(tr("map.activity"), used, key="f_acts", placeholder=tr("planner.all"),
                                format_func=lambda a: tr("planner.no_activity") if a is None else acts.get(a, a))
    hours = side.slider(tr("planner.hours"), 0, 24, (0, 24), key="f_hours", help=tr("planner.hours_help"))
    evening = side.toggle(tr("planner.after_dark"), key="f_dark")
    feeling = side.slider(tr("map.feeling"), FEELING_MIN, FEELING_MAX, (FEELING_MIN, FEELING_MAX), key="f_feel")
    return ObservationFilter(
        start=start, end=end, walk_ids=frozenset(chosen_walks) or None,
        categories=frozenset(cats) or None, statuses=frozenset(statuses) or None,
        activity_ids=frozenset(activity) or None,
        hours=(18, 6) if evening else (None if hours == (0, 24) else hours),
        feeling_min=feeling[0], feeling_max=feeling[1])


def observation_table(observations: Sequence[Observation], catalog: Catalog,
                      walks: dict[int, Walk]) -> list[Observation]:
    """The filtered observations as a table; the chosen rows (one or many) are returned: the
    first is shown on the map and in details, all of them can be triaged together."""
    frame = observation_frame(observations, catalog, walks)
    event = st.dataframe(frame, hide_index=True, width="stretch", height=300, key="obs_table",
                         on_select="rerun", selection_mode="multi-row", placeholder="–",
                         column_config={"#": st.column_config.NumberColumn("#", width="small")})
    rows = event.selection.rows if event else []
    return [observations[r] for r in rows if r < len(observations)]


def details(store: Store, actor: Actor, observations: Sequence[Observation], catalog: Catalog,
            spot: HotSpot | None = None) -> None:
    """Everything about the pins at one place (or in one hot spot): text, photos, history,
    linked measures, activity; and the button that plans a measure for them."""
    labels = {c.id: c.label(lang()) for c in catalog.categories}
    positive = catalog.positive_ids()
    acts = activity_labels(catalog, lang(), width=200)
    may_plan = allowed(actor, Action.MANAGE_MEASURES)
    if spot is not None:
        st.markdown(tr("planner.spot_summary", id=spot.id, n=spot.count, feeling=spot.mean_feeling,
                       resolved=round(100 * spot.resolved_share), main=", ".join(
                           f"{labels.get(c, c)} ({n})" for c, n in spot.main_categories)))
        if may_plan and st.button(tr("planner.plan_spot", id=spot.id), icon=":material/construction:",
                                  key="plan_from_spot", type="primary"):
            plan(observation_ids=list(spot.observation_ids), geometry=spot.area, activity_id=None,
                 title=tr("planner.spot_title", id=spot.id))
    if may_plan and st.button(tr("planner.plan_here"), icon=":material/add_location_alt:", key="plan_from_pin"):
        first = observations[0]
        plan(observation_ids=[o.id for o in observations],
             geometry={"type": "Point", "coordinates": [first.lon, first.lat]}, activity_id=None, title="")
    for o in observations:
        with st.container(border=True):
            st.markdown(f"**#{o.id} {markdown_text(labels.get(o.category, o.category))}** · "
                        + ("" if o.category in positive else f"{tr('map.feeling')} {o.feeling}/5 · ")
                        + markdown_text(status_label(o)))
            st.caption(local_time(o.observed_at) + (
                f" · {markdown_text(o.reported_by)}" if o.reported_by and allowed(actor, Action.SEE_NAMES) else ""))
            if o.supporters:  # "Jag håller med" on the walk: more people than the pin's writer
                st.caption(tr("support.details", n=o.supporters, people=o.people))
            if o.description:
                st.markdown(markdown_text(o.description))
            if photos := store.photos(o.id):
                st.image([store.photo(p["id"], thumb=True)[0] for p in photos], width=140,
                         caption=[tr(f"planner.photo_{p['kind']}") for p in photos])
            if o.activity_id:
                st.caption(f"{tr('map.activity')}: {markdown_text(acts.get(o.activity_id, o.activity_id))}")
            linked = [m for m in store.measures(district_ids=[o.district_id] if o.district_id else None)
                      if o.id in m.observation_ids]
            for m in linked:
                st.caption(f"{tr('map.measures')}: #{m.id} {markdown_text(m.title)} · "
                           f"{tr(f'status.measure.{m.status}')}")
                if may_plan and st.button(tr("planner.open_measure", id=m.id), key=f"edit-{o.id}-{m.id}",
                                          icon=":material/edit:", help=tr("planner.open_measure_help")):
                    edit(m.id)
            if near := store.observations_near(o.lon, o.lat, NEAR_M, exclude=[x.id for x in observations]):
                st.caption(tr("planner.near", m=NEAR_M) + " " + ", ".join(
                    f"#{x.id} {markdown_text(labels.get(x.category, x.category))} "
                    f"({tr(f'status.observation.{x.status}')}, {d:.0f} m)" for x, d in near[:8])
                    + (" …" if len(near) > 8 else ""))
            with st.expander(tr("planner.history")):
                for h in store.history("observation", o.id):
                    st.caption(history_line(h))


def status_label(o: Observation) -> str:
    """An observation's status in words, with the reason it was closed."""
    label = tr(f"status.observation.{o.status}")
    if o.status == ObservationStatus.CLOSED and o.status_reason:
        return f"{label} ({reason_text(o.status_reason, lang())})"
    return label


def history_line(h: StatusChange) -> str:
    """One entry of an observation's history in words (markdown, user text escaped): when,
    who, from → to, the measure that moved it, the closing reason and the comment."""
    return (f"{local_time(h.at)} · {markdown_text(h.actor)} · "
            + (f"{tr(f'status.observation.{h.from_status}')} → " if h.from_status else "")
            + tr(f"status.observation.{h.to_status}")
            + (f" · {tr('workflow.by_measure', id=h.measure_id)}" if h.measure_id else "")
            + (f" · {markdown_text(reason_text(h.reason, lang()))}" if h.reason else "")
            + (f" · {markdown_text(h.comment)}" if h.comment else ""))


def plan(**values: Any) -> None:
    """Open the measure form with these values (from a pin, a hot spot or a selection)."""
    st.session_state[PLAN] = values
    st.session_state.pop(EDIT, None)
    st.rerun()


def edit(measure_id: int) -> None:
    """Open the measure form on a measure that exists (its status is changed there too)."""
    st.session_state[EDIT] = measure_id
    st.session_state.pop(PLAN, None)
    st.rerun()


def spot_table(spots: Sequence[HotSpot], catalog: Catalog) -> HotSpot | None:
    """Hot spots as a table; a chosen row can become a measure."""
    labels = {c.id: c.label(lang()) for c in catalog.categories}
    frame = pd.DataFrame({
        "#": [s.id for s in spots],
        tr("planner.count"): [s.count for s in spots],
        tr("planner.main"): [", ".join(f"{labels.get(c, c)} ({n})" for c, n in s.main_categories) for s in spots],
        tr("planner.mean_feeling"): [round(s.mean_feeling, 1) for s in spots],
        tr("planner.resolved"): [f"{round(100 * s.resolved_share)} %" for s in spots],
        tr("planner.area"): [round(s.area_m2) for s in spots],
    })
    event = st.dataframe(frame, hide_index=True, width="stretch", key="spot_table",
                         on_select="rerun", selection_mode="single-row")
    rows = event.selection.rows if event else []
    return spots[rows[0]] if rows else None


def most_common_activity(observations: Sequence[Observation]) -> str | None:
    found = Counter(o.activity_id for o in observations if o.activity_id).most_common(1)
    return found[0][0] if found else None


def measure_form(store: Store, actor: Actor, catalog: Catalog, candidates: Sequence[Observation],
                 drawn: dict[str, Any] | None) -> None:
    """Create (``st.session_state[PLAN]``) or edit (``[EDIT]``) a measure, in a dialog; the
    page shows the message after a save (:func:`ui.feedback.show_flash`)."""
    editing = store.measure(st.session_state[EDIT]) if EDIT in st.session_state else None
    title = tr("planner.edit_measure") if editing else tr("planner.new_measure")
    # The form edits the version the planner opened, even when someone else saves meanwhile:
    # then Save is refused and both are shown (nothing is overwritten, nothing typed is lost).
    seen = st.session_state.setdefault(EDIT_SEEN, {})
    version = seen.setdefault(editing.id, editing.version) if editing else None

    def closing() -> None:
        st.session_state.pop(PLAN, None)
        st.session_state.pop(EDIT, None)
        st.session_state.pop(EDIT_SEEN, None)

    st.dialog(title, width="large", on_dismiss=closing)(_measure_body)(
        store, actor, catalog, candidates, drawn, editing, version, closing)


def _newer_state(measure: Measure) -> None:
    """What someone else saved meanwhile, and the way to take it over."""
    st.markdown("\n".join(f"- **{tr(label)}**: {value}" for label, value in (
        ("field.title", markdown_text(measure.title)),
        ("field.status", tr(f"status.measure.{measure.status}")),
        ("map.responsible", tr(f"responsible.{measure.responsible}") + (
            f" ({markdown_text(measure.responsible_name)})" if measure.responsible_name else "")),
        ("map.due", measure.due.isoformat() if measure.due else "–"),
        ("planner.cost", f"{measure.cost_sek:,} kr".replace(",", " ") if measure.cost_sek is not None else "–"),
        ("map.description", markdown_text(measure.description) or "–"))))

    def take_over() -> None:
        st.session_state.get(EDIT_SEEN, {}).pop(measure.id, None)

    st.button(tr("planner.take_newer"), on_click=take_over, icon=":material/refresh:",
              key=f"m{measure.id}-take-newer")


def _measure_body(store: Store, actor: Actor, catalog: Catalog, candidates: Sequence[Observation],
                  drawn: dict[str, Any] | None, editing: Measure | None, version: int | None,
                  closing: Callable[[], None]) -> None:
    start = st.session_state.get(PLAN, {})
    key = f"m{editing.id}-{version}" if editing else "mnew"
    types = {t.id: t.label(lang()) for t in catalog.measure_types}
    acts = activity_labels(catalog, lang())
    categories = {c.id: c.label(lang()) for c in catalog.categories}
    obs_by_id = {o.id: o for o in candidates}
    linked = list(editing.observation_ids if editing else start.get("observation_ids", []))
    for oid in linked:  # linked pins outside the current filter stay choosable
        if oid not in obs_by_id:
            obs_by_id[oid] = store.observation(oid)
    geometry = (drawn or (editing.geometry if editing else start.get("geometry")))
    if drawn:
        st.info(tr("planner.drawn", kind=drawn.get("type", "")), icon=":material/draw:")
    else:
        st.caption(tr("planner.draw_hint"))
    c1, c2 = st.columns(2)
    mtype = c1.selectbox(tr("map.measure_type"), list(types), format_func=lambda i: types.get(i, i), key=f"{key}-type",
                         index=list(types).index(editing.type) if editing else 0)
    name = c2.text_input(tr("planner.title"), value=editing.title if editing else start.get("title", ""),
                         max_chars=TITLE_MAX, key=f"{key}-title")
    text = st.text_area(tr("map.description"), value=editing.description if editing else "", key=f"{key}-text")
    c3, c4 = st.columns(2)
    resp = c3.selectbox(tr("map.responsible"), [r.value for r in Responsible], key=f"{key}-resp",
                        format_func=lambda r: tr(f"responsible.{r}"),
                        index=[r.value for r in Responsible].index(editing.responsible) if editing else 0)
    resp_name = c4.text_input(tr("planner.responsible_name"), value=editing.responsible_name if editing else "",
                              placeholder="HFAB, Hallstahem …", max_chars=RESPONSIBLE_NAME_MAX, key=f"{key}-rname")
    c5, c6 = st.columns(2)
    due = c5.date_input(tr("map.due"), value=editing.due if editing else None, key=f"{key}-due", format="YYYY-MM-DD")
    cost = c6.number_input(tr("planner.cost"), min_value=0, step=1000, key=f"{key}-cost",
                           value=editing.cost_sek if editing else None)
    default_act = editing.activity_id if editing else (start.get("activity_id") or most_common_activity(
        [obs_by_id[i] for i in linked]))
    activity = st.selectbox(tr("map.activity"), [None, *acts], key=f"{key}-act",
                            format_func=lambda a: tr("planner.no_activity") if a is None else acts[a],
                            index=([None, *acts].index(default_act) if default_act in acts else 0))
    chosen = st.multiselect(tr("planner.answers"), list(obs_by_id), default=linked, key=f"{key}-obs",
                            format_func=lambda i: f"#{i} {categories.get(obs_by_id[i].category, '')} · "
                                                  f"{tr(f'status.observation.{obs_by_id[i].status}')} · "
                                                  f"{obs_by_id[i].description[:40]}")
    new_status, comment = None, ""
    if editing:
        nexts = sorted(MEASURE_TRANSITIONS.get(editing.status, ()))
        new_status = st.selectbox(tr("planner.status_change"), [None, *nexts], key=f"{key}-status",
                                  format_func=lambda s: tr(f"status.measure.{editing.status}") + " "
                                  + tr("planner.unchanged")
                                  if s is None else "→ " + tr(f"status.measure.{s}"))
        comment = st.text_input(tr("planner.comment"), key=f"{key}-comment",
                                help=tr("planner.comment_help") if new_status in REASON_REQUIRED else None)
    if not st.button(tr("planner.save_measure"), type="primary", key=f"{key}-save", icon=":material/check:"):
        return
    fields: dict[str, Any] = dict(type=mtype, title=name, description=text, geometry=geometry or {}, responsible=resp,
                  responsible_name=resp_name.strip(), due=due, activity_id=activity,
                  cost_sek=int(cost) if cost is not None else None, observation_ids=tuple(chosen))
    try:
        if editing:
            store.update_measure(editing.id, actor, expected_version=editing.version if version is None else version,
                                 status=new_status, comment=comment, **fields)
            done = tr("planner.measure_saved", id=editing.id)
        else:
            done = tr("planner.measure_saved", id=store.add_measure(MeasureDraft(**fields), actor))
    except Conflict as e:  # nothing is overwritten: the newer state, and what was typed, stay
        refused(e, conflict="planner.measure_conflict")
        if editing:
            _newer_state(store.measure(editing.id))
        return
    except Refused as e:
        refused(e, subject=tr("planner.fix"))
        return
    closing()
    st.session_state.pop("map_drawn", None)
    flash(done)
    st.rerun()


def measure_table(measures: Sequence[Measure], catalog: Catalog) -> Measure | None:
    frame = measure_frame(measures, catalog)
    event = st.dataframe(frame, hide_index=True, width="stretch", key="measure_table",
                         on_select="rerun", selection_mode="single-row")
    rows = event.selection.rows if event else []
    return measures[rows[0]] if rows else None
