"""The follow-up page's panels: the meeting's lists, verifying or reopening a spot with its
before and after photos, the re-walk, and the promise's progress.

The selections are :mod:`geo.followup` and :mod:`geo.progress`; the store saves.  User text
reaches the page through dataframes (shown as text) or :func:`geo.safe.markdown_text`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from geo.catalog import Catalog
from geo.followup import rewalk_comparison
from geo.i18n import local_time
from geo.model import Actor, Measure, Observation, Walk
from geo.progress import ProgressReport
from geo.roles import Forbidden
from geo.safe import markdown_text
from geo.store import Invalid, Store, StoreError
from ui.common import lang, tr
from ui.pinform import cleaned_photo


def table(frame: pd.DataFrame, empty: str, key: str) -> None:
    if frame.empty:
        st.caption(empty)
    else:
        st.dataframe(frame, hide_index=True, width="stretch", key=key)


def verify_panel(store: Store, actor: Actor, candidates: Sequence[Observation], catalog: Catalog) -> None:
    """Choose a spot; see before and after photos side by side; verify it or reopen it with a
    comment and an "after" photo (saved with the status change, in one transaction)."""
    if not candidates:
        st.caption(tr("followup.nothing_to_verify"))
        return
    labels = {c.id: c.label(lang()) for c in catalog.categories}
    by_id = {o.id: o for o in candidates}
    oid = st.selectbox(tr("followup.spot"), list(by_id), key="fu_spot", format_func=lambda i: (
        f"#{i} {labels.get(by_id[i].category, '')} · {tr(f'status.observation.{by_id[i].status}')} · "
        f"{by_id[i].description[:50]}"))
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
    possible = [a for a in actions if a != o.status]
    key = f"fu-{o.id}-{o.version}"
    action = st.radio(tr("followup.action"), possible, format_func=actions.get, horizontal=True, key=f"{key}-act")
    comment = st.text_input(tr("followup.comment"), key=f"{key}-comment", max_chars=500,
                            help=tr("followup.comment_help"))
    upload = st.file_uploader(tr("followup.after_photo"), type=["jpg", "jpeg", "png", "webp", "gif"], key=f"{key}-photo")
    photo, photo_error = cleaned_photo(upload, f"{key}-clean")
    if photo is not None:  # the person sees the photo is attached before saving
        st.image(photo.thumb, width=200, caption=tr("pin.photo_attached", width=photo.width, height=photo.height))
    if photo_error:
        st.error(photo_error, icon=":material/hide_image:")
    if st.button(tr("followup.save"), type="primary", key=f"{key}-save", disabled=bool(photo_error)):
        try:
            store.set_observation_status(o.id, action, actor, comment=comment, expected_version=o.version,
                                         after_photo=photo)
        except Invalid as e:
            st.error("; ".join(f"{tr(f'followup.field_{f}')}: {tr(k)}" for f, k in e.errors.items()),
                     icon=":material/error:")
        except (StoreError, Forbidden) as e:
            st.error(tr(getattr(e, "key", "store.invalid"), **getattr(e, "values", {})), icon=":material/error:")
        else:
            st.session_state["fu_flash"] = tr("followup.saved", id=o.id, status=tr(f"status.observation.{action}"))
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
    earlier = c1.selectbox(tr("followup.earlier"), list(by_id), index=len(held) - 2, key="fu_earlier", format_func=name.get)
    later = c2.selectbox(tr("followup.later"), list(by_id), index=len(held) - 1, key="fu_later", format_func=name.get)
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
        tr("followup.feeling_now"): [None if r.later_mean is None else round(r.later_mean, 1) for r in rows],
        tr("followup.change"): [None if r.change is None else round(r.change, 1) for r in rows],
    }), tr("followup.no_rewalk"), "fu_rewalk")


def progress_table(report: ProgressReport, district_names: dict[str | None, str]) -> None:
    """The promise's progress: per activity in total, and per district under it."""
    def row(r, f) -> dict:
        return {tr("followup.activity"): f"{r.number} {r.text[:90]}", tr("followup.linked"): f.observations,
                tr("followup.resolved_share"): None if f.resolved_share is None else f"{round(100 * f.resolved_share)} %",
                tr("followup.planned"): f.measures_planned, tr("followup.in_progress"): f.measures_in_progress,
                tr("followup.done"): f.measures_done, tr("followup.overdue"): f.measures_overdue,
                tr("followup.walks"): f.walks}

    st.markdown(f"**{markdown_text(report.title)}** · {report.period_start} – {report.period_end}")
    st.dataframe(pd.DataFrame([row(r, r.total) for r in (*report.activities, report.total)]),
                 hide_index=True, width="stretch", key=f"fu_progress_{report.medborgarlofte_id}")
    with st.expander(tr("followup.per_district")):
        for district_id, figures in report.total.by_district:
            st.markdown(f"**{markdown_text(district_names.get(district_id, tr('followup.elsewhere')))}**")
            st.dataframe(pd.DataFrame([row(r, r.district(district_id)) for r in report.activities]),
                         hide_index=True, width="stretch", key=f"fu_pd_{report.medborgarlofte_id}_{district_id}")


def report_downloads(store: Store, selection, observations: Sequence[Observation], measures: Sequence[Measure],
                     spots, progress: Sequence[ProgressReport], catalog: Catalog, district, map_ids,
                     last_meeting, today) -> None:
    """The meeting's PDF, the Excel action list and the GeoPackage, each made when its
    button is pressed (not on every rerun).  ``district`` names what the reports cover (a
    district or a whole municipality: ``id`` and ``name``); ``map_ids`` the districts drawn."""
    from geo import reports
    from geo.progress import is_overdue

    labels = {c.id: c.label(lang()) for c in catalog.categories}
    types = {t.id: t.label(lang()) for t in catalog.measure_types}

    def obs_row(o: Observation, when) -> reports.ItemRow:
        return reports.ItemRow(ref=f"I {o.id}", what=labels.get(o.category, o.category), place=district.name,
                               status=tr(f"status.observation.{o.status}"), when=when, note=o.description)

    def measure_row(m: Measure) -> reports.ItemRow:
        return reports.ItemRow(ref=f"Å {m.id}", what=m.title, place=types.get(m.type, m.type),
                               status=tr(f"status.measure.{m.status}"), when=m.due,
                               responsible=tr(f"responsible.{m.responsible}")
                               + (f" – {m.responsible_name}" if m.responsible_name else ""))

    def meeting() -> bytes:
        rows = [reports.ProgressRow(label=f"{r.number} {r.text}".strip(), observations=r.total.observations,
                                    measures_planned=r.total.measures_planned,
                                    measures_in_progress=r.total.measures_in_progress,
                                    measures_done=r.total.measures_done, resolved_share=r.total.resolved_share,
                                    measures_overdue=r.total.measures_overdue, walks=r.total.walks,
                                    level=0 if r.kind == "medborgarlofte" else 2)
                for p in progress for r in (*p.activities, p.total)]
        decisions = [tr("followup.decide_measure", id=m.id, title=m.title) for m in selection.proposed] + [
            tr("followup.decide_overdue", id=m.id, title=m.title) for m in selection.overdue]
        if selection.undecided:
            decisions.append(tr("followup.decide_undecided", n=len(selection.undecided)))
        return reports.meeting_pdf(reports.MeetingReport(
            title=tr("followup.report_title", district=district.name), last_meeting=last_meeting, meeting=today,
            districts=(district.name,),
            map_png=reports.map_image(store.districts(), map_ids, observations, measures, spots=spots),
            new=tuple(obs_row(o, o.observed_at.date()) for o in selection.new),
            resolved=tuple(obs_row(o, o.updated_at.date()) for o in selection.resolved),
            overdue=tuple(measure_row(m) for m in selection.overdue),
            waiting=tuple(measure_row(m) for m in selection.proposed),
            progress=tuple(rows), decisions=tuple(decisions),
            promise=" · ".join(p.title for p in progress),
            progress_period=" · ".join(f"{p.period_start} – {p.period_end}" for p in progress)))

    def actions() -> bytes:
        return reports.action_list_xlsx([reports.ActionRow(
            id=m.id, type=types.get(m.type, m.type), title=m.title, status=tr(f"status.measure.{m.status}"),
            responsible=tr(f"responsible.{m.responsible}"), who=m.responsible_name, due=m.due, cost=m.cost_sek,
            observations=m.observation_ids, activity=m.activity_id or "", overdue=is_overdue(m, today))
            for m in measures])

    def layers() -> bytes:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "uppfoljning.gpkg"
            reports.followup_gpkg(path, observations, measures, spots, catalog, lang=lang())
            return path.read_bytes()

    slug = district.id
    c1, c2, c3 = st.columns(3)
    c1.download_button(tr("followup.pdf"), meeting, file_name=f"uppfoljning-{slug}-{today}.pdf",
                       mime="application/pdf", icon=":material/picture_as_pdf:", key="fu_pdf", width="stretch")
    c2.download_button(tr("followup.xlsx"), actions, file_name=f"atgardslista-{slug}-{today}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/table:", key="fu_xlsx", width="stretch")
    c3.download_button(tr("followup.gpkg"), layers, file_name=f"uppfoljning-{slug}-{today}.gpkg",
                       mime="application/geopackage+sqlite3", icon=":material/layers:", key="fu_gpkg",
                       width="stretch")
