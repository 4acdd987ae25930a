"""The follow-up page's panels: the meeting's figures, the promise at a glance (figures, a
chart and a table per activity), verifying or reopening a spot with its before and after
photos, the re-walk, and the meeting's reports.

Every figure comes from one :class:`geo.followup.MeetingTally` (:mod:`geo.meeting` turns it
into words and documents); the store saves.  User text reaches the page through dataframes
(shown as text) or :func:`geo.safe.markdown_text`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import pandas as pd
import streamlit as st

from geo import meeting
from geo.catalog import Catalog
from geo.errors import Refused
from geo.followup import MeetingTally, next_to_verify, rewalk_comparison
from geo.i18n import local_time
from geo.model import FORM_COMMENT_MAX, Actor, Observation, ObservationStatus, Walk
from geo.progress import ProgressReport
from geo.reports import CHART_SERIES, ProgressRow
from geo.safe import markdown_text
from geo.store import Store
from geo.workflow import FOLLOW_UP, next_statuses
from ui.common import lang, tr
from ui.feedback import flash, refused, show_flash
from ui.mapdata import forget
from ui.pinform import cleaned_photo
from ui.tables import EMPTY

NEXT_SPOT = "fu_next_spot"


def table(frame: pd.DataFrame, empty: str, key: str) -> None:
    if frame.empty:
        st.caption(empty)
    else:
        st.dataframe(frame, hide_index=True, width="stretch", key=key)


def headline(tally: MeetingTally) -> None:
    """The meeting's figures (:data:`geo.meeting.HEADLINE`), as the PDF's summary counts them."""
    helps = {"waiting": tr("followup.waiting_help"), "guldkorn": tr("followup.guldkorn_help")}
    rows = meeting.figure_rows(tally, lang(), meeting.HEADLINE)
    for column, (key, label, value) in zip(st.columns(len(rows)), rows, strict=True):
        column.metric(label, value, help=helps.get(key))


def verify_panel(store: Store, actor: Actor, candidates: Sequence[Observation], catalog: Catalog) -> None:
    """Choose a spot; see before and after photos side by side; verify it or reopen it with a
    comment and an "after" photo (saved with the status change, in one transaction).  After
    a saved decision the next resolved spot is shown (:func:`geo.followup.next_to_verify`)."""
    show_flash()
    if not candidates:
        st.caption(tr("followup.nothing_to_verify"))
        return
    labels = {c.id: c.label(lang()) for c in catalog.categories}
    by_id = {o.id: o for o in candidates}
    if (following := st.session_state.pop(NEXT_SPOT, None)) in by_id:
        st.session_state["fu_spot"] = following  # before the selectbox is made
    waiting = sum(o.status == ObservationStatus.RESOLVED for o in candidates)
    st.caption(tr("followup.to_verify", n=waiting))
    names = {i: f"#{i} {labels.get(o.category, '')} · {tr(f'status.observation.{o.status}')} · {o.description[:50]}"
             for i, o in by_id.items()}  # words made in the run, not when the widget is read
    oid = st.selectbox(tr("followup.spot"), list(by_id), key="fu_spot", format_func=lambda i: names.get(i, str(i)))
    o = by_id[oid]
    if o.description:
        st.markdown(markdown_text(o.description))
    photos = store.photos(o.id)
    before, after = st.columns(2)
    for column, kind in ((before, "before"), (after, "after")):
        column.caption(tr(f"followup.photos_{kind}"))
        shots = [p for p in photos if p["kind"] == kind]
        if shots:
            column.image([store.photo(p["id"])[0] for p in shots], width="stretch")
        else:
            column.caption(tr("followup.no_photo"))
    actions = {"verified": tr("followup.verify"), "assessed": tr("followup.reopen")}
    steps = next_statuses(o.status, by=FOLLOW_UP)  # what the follow-up meeting may do here
    possible = [a for a in actions if a in steps]
    key = f"fu-{o.id}-{o.version}"
    action = st.radio(tr("followup.action"), possible, format_func=actions.get, horizontal=True, key=f"{key}-act")
    comment = st.text_input(tr("followup.comment"), key=f"{key}-comment", max_chars=FORM_COMMENT_MAX,
                            help=tr("followup.comment_help"))
    upload = st.file_uploader(tr("followup.after_photo"), type=["jpg", "jpeg", "png", "webp", "gif"],
                              key=f"{key}-photo")
    photo, photo_error = cleaned_photo(upload, f"{key}-clean")
    if photo is not None:  # the person sees the photo is attached before saving
        st.image(photo.thumb, width=200, caption=tr("pin.photo_attached", width=photo.width, height=photo.height))
    if photo_error:
        refused(photo_error)
    if st.button(tr("followup.save"), type="primary", key=f"{key}-save", disabled=bool(photo_error)):
        try:
            store.set_observation_status(o.id, action, actor, comment=comment, expected_version=o.version,
                                         after_photo=photo)
        except Refused as e:
            refused(e)
        else:
            forget()  # the decision shows at once in the figures and lists
            flash(tr("followup.saved", id=o.id, status=tr(f"status.observation.{action}")))
            st.session_state[NEXT_SPOT] = next_to_verify(candidates, o.id)
            st.rerun()


def rewalk_panel(walks: Sequence[Walk], observations: Sequence[Observation], catalog: Catalog) -> None:
    """An earlier walk and its re-walk: for each earlier point, flagged again? feeling now?"""
    held = [w for w in sorted(walks, key=lambda w: w.starts_at) if any(o.walk_id == w.id for o in observations)]
    if len(held) < 2:
        st.caption(tr("followup.no_rewalk"))
        return
    by_id = {w.id: w for w in held}
    name = {i: f"{local_time(w.starts_at, '%Y-%m-%d')} · {w.title}" for i, w in by_id.items()}
    c1, c2, c3 = st.columns([2, 2, 1])
    earlier = c1.selectbox(tr("followup.earlier"), list(by_id), index=len(held) - 2, key="fu_earlier",
                           format_func=lambda i: name.get(i, str(i)))
    later = c2.selectbox(tr("followup.later"), list(by_id), index=len(held) - 1, key="fu_later",
                         format_func=lambda i: name.get(i, str(i)))
    radius = c3.number_input(tr("followup.radius"), 5, 200, 40, step=5, key="fu_radius")
    rows = rewalk_comparison([o for o in observations if o.walk_id == earlier],
                             [o for o in observations if o.walk_id == later], radius_m=radius)
    labels = {c.id: c.label(lang()) for c in catalog.categories}
    again = sum(r.flagged_again for r in rows)
    st.caption(tr("followup.rewalk_summary", n=len(rows), again=again, gone=len(rows) - again))
    table(pd.DataFrame({
        "#": [r.observation_id for r in rows],
        tr("map.category"): [labels.get(r.category, r.category) for r in rows],
        tr("followup.feeling_then"): [r.feeling for r in rows],
        tr("followup.flagged_again"): [tr("followup.yes") if r.flagged_again else tr("followup.no") for r in rows],
        tr("followup.feeling_now"): [number(r.later_mean) for r in rows],
        tr("followup.change"): [number(r.change, sign=True) for r in rows],
    }), tr("followup.no_rewalk"), "fu_rewalk")


def number(value: float | None, sign: bool = False) -> str:
    """A figure with one decimal as text ("2,5" in Swedish, "+1,0" with ``sign``), "–" for none."""
    if value is None:
        return EMPTY
    text = f"{value:+.1f}" if sign else f"{value:.1f}"
    text = text.replace("-", "−")
    return text.replace(".", ",") if lang() == "sv" else text


def share(value: float | None) -> str:
    return EMPTY if value is None else f"{round(100 * value)} %"


def progress_frame(rows: Sequence[ProgressRow]) -> pd.DataFrame:
    """The promise's table (:func:`geo.meeting.progress_rows`) for the page: no id, no None."""
    return pd.DataFrame([{
        tr("followup.activity"): r.label, tr("followup.linked"): f.observations,
        tr("report.col.resolved"): f.resolved, tr("followup.resolved_share"): share(f.resolved_share),
        tr("followup.planned"): f.measures_planned, tr("followup.in_progress"): f.measures_in_progress,
        tr("followup.done"): f.measures_done, tr("followup.overdue"): f.measures_overdue,
        tr("followup.walks"): f.walks} for r in rows for f in (r.figures,)])


def chart(progress: Sequence[ProgressReport], catalog: Catalog) -> None:
    """Bars per activity with something to report, the same figures and colours as the PDF's
    chart (:func:`geo.reports.activity_chart`); Streamlit serves the chart library itself."""
    rows = meeting.chart_rows(progress, catalog, lang())
    if not rows:
        st.caption(tr("followup.nothing_in_period"))
        return
    names = [tr(f"report.chart.{key}") for key, _ in CHART_SERIES]
    frame = pd.DataFrame({tr("followup.activity"): [r.label for r in rows],
                          **{n: [getattr(r.figures, key) for r in rows] for n, (key, _) in zip(names, CHART_SERIES)}})
    st.bar_chart(frame, x=tr("followup.activity"), y=names, color=[c for _, c in CHART_SERIES],
                 horizontal=True, stack=False, sort=False, x_label="", y_label="",
                 height=120 + 110 * len(rows))


def glance(tally: MeetingTally, catalog: Catalog, district_names: Mapping[str | None, str]) -> None:
    """What did the promise achieve: for the chosen period (since the last meeting, or the
    promise's own), each medborgarlöfte's headline figures, the chart per activity and the
    table, activities with nothing to report hidden unless asked for."""
    st.subheader(tr("followup.achieved"))
    st.session_state.setdefault("fu_period", "since")
    periods = {"since": tr("followup.since_meeting"), "promise": tr("followup.promise_period")}
    period = st.segmented_control(tr("followup.period"), list(periods), key="fu_period", required=True,
                                  format_func=lambda p: periods.get(p, p))
    progress = tally.since if period == "since" else tally.promise
    if not progress:
        st.caption(tr("followup.nothing_in_period"))
        return
    for report in progress:
        f = report.total.total
        if f.empty():  # a medborgarlöfte with nothing in the period: its row in the table says so
            continue
        st.markdown(f"**{markdown_text(report.title)}** · {report.period_start} – {report.period_end}")
        m1, m2, m3, m4 = st.columns(4)
        m1.metric(tr("report.chart.observations"), f.observations)
        m2.metric(tr("report.col.resolved"), f.resolved,
                  help=tr("followup.resolved_share") + ": " + share(f.resolved_share))
        m3.metric(tr("followup.measures_done"), f.measures_done)
        m4.metric(tr("followup.walks"), f.walks)
    chart(progress, catalog)
    st.caption(tr("followup.chart_help"))
    show_empty = st.toggle(tr("followup.show_empty"), key="fu_show_empty")
    rows, hidden = meeting.progress_rows(progress, catalog, lang(), show_empty=show_empty)
    st.dataframe(progress_frame(rows), hide_index=True, width="stretch", key=f"fu_progress_{period}")
    if hidden:
        st.caption(tr("followup.hidden_rows", n=hidden))
    districts = [d for d, _f in progress[0].total.by_district]
    if len(districts) > 1:
        with st.expander(tr("followup.per_district")):
            for district_id in districts:
                st.markdown(f"**{markdown_text(district_names.get(district_id, tr('followup.elsewhere')))}**")
                part = meeting.progress_rows([_only(report, district_id) for report in progress], catalog,
                                             lang(), show_empty=show_empty, totals=False)[0]
                if part:
                    st.dataframe(progress_frame(part), hide_index=True, width="stretch",
                                 key=f"fu_pd_{period}_{district_id}")
                else:
                    st.caption(tr("followup.nothing_in_period"))


def _only(report: ProgressReport, district_id: str | None) -> ProgressReport:
    """``report`` with each activity's total replaced by one district's figures."""
    from dataclasses import replace

    return replace(report, activities=tuple(replace(a, total=a.district(district_id)) for a in report.activities))


class Area(Protocol):
    """What the reports cover: a district, or a whole municipality."""
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...


def report_downloads(store: Store, tally: MeetingTally, catalog: Catalog, area: Area,
                     map_ids: str | Sequence[str] | None) -> None:
    """The meeting's PDF, the Excel action list and the GeoPackage, each assembled from the
    tally by :mod:`geo.meeting` in the page's language when its button is pressed (not on
    every rerun).  ``area`` names what the reports cover; ``map_ids`` the districts drawn."""
    language = lang()

    def pdf() -> bytes:
        return meeting.meeting_pdf(tally, catalog, store.districts(), area_name=area.name, map_ids=map_ids,
                                   lang=language)

    def actions() -> bytes:
        return meeting.action_list_xlsx(tally, catalog, area_name=area.name, lang=language)

    def layers() -> bytes:
        return meeting.followup_gpkg_bytes(tally, catalog, lang=language)

    slug, today = area.id, tally.today
    c1, c2, c3 = st.columns(3)
    c1.download_button(tr("followup.pdf"), pdf, file_name=f"uppfoljning-{slug}-{today}.pdf",
                       mime="application/pdf", icon=":material/picture_as_pdf:", key="fu_pdf", width="stretch",
                       on_click="ignore")  # no rerun: it could drop the file while it is made
    c2.download_button(tr("followup.xlsx"), actions, file_name=f"atgardslista-{slug}-{today}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/table:", key="fu_xlsx", width="stretch", on_click="ignore")
    c3.download_button(tr("followup.gpkg"), layers, file_name=f"uppfoljning-{slug}-{today}.gpkg",
                       mime="application/geopackage+sqlite3", icon=":material/layers:", key="fu_gpkg",
                       width="stretch", on_click="ignore")
