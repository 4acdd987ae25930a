"""The follow-up meeting's documents from one tally, in one language.

:func:`geo.followup.meeting_tally` counts; this module turns the tally's rows into words (in
``lang``, headings and cells alike) and hands plain values to :mod:`geo.reports`.  The
follow-up page's figures (:func:`figure_rows`, :func:`progress_rows`), the meeting PDF
(:func:`meeting_report`, :func:`meeting_pdf`), the Excel action list with its
"Sammanfattning" sheet (:func:`action_list_xlsx`) and the GeoPackage (:func:`followup_gpkg`)
all come from the same tally, so none can count differently.  Each document is assembled
here from the tally and one ``lang``: its headings and its cells (status names, category and
activity labels, responsible) are in that language.  No Streamlit, no database.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from . import reports
from .catalog import Catalog
from .districts import Districts
from .followup import FIGURES, MeetingTally
from .hotspots import HotSpot
from .hotspots import hot_spots as find_hot_spots
from .i18n import STOCKHOLM, t
from .model import Measure, Observation
from .progress import ProgressReport, activity_labels

# The figure keys and their labels (the page's metrics use the same).
LABELS = {"new": "followup.new", "resolved": "followup.resolved",
          "overdue": "followup.overdue_measures", "waiting": "followup.waiting",
          "undecided": "followup.undecided_count", "proposed": "followup.proposed_count",
          "guldkorn": "followup.guldkorn"}
HEADLINE = ("new", "resolved", "overdue", "waiting", "guldkorn")  # the page's metrics


def figure_rows(tally: MeetingTally, lang: str, keys: Sequence[str] = FIGURES) -> list[tuple[str, str, int]]:
    """``(key, label, value)`` of the meeting's figures, in the order of ``keys``
    (:data:`geo.followup.FIGURES`; :data:`HEADLINE` for the page's metrics)."""
    figures = tally.figures()
    return [(k, t(LABELS[k], lang), figures[k]) for k in keys]


def _local(value: datetime) -> date:
    return value.astimezone(STOCKHOLM).date()


# --------------------------------------------------------------------------- per activity


def progress_rows(progress: Sequence[ProgressReport], catalog: Catalog, lang: str, *,
                  show_empty: bool = False, totals: bool = True) -> tuple[list[reports.ProgressRow], int]:
    """The promise's table: per medborgarlöfte its total (bold, when ``totals``) and its
    activities, labelled "1.6 Trygghetsvandringar …" in ``lang``.  Activities with nothing
    to report (:meth:`geo.progress.Figures.empty`), and a medborgarlöfte with nothing at all,
    are left out unless ``show_empty``; the second value is how many activities were left
    out."""
    labels = activity_labels(catalog, lang)
    rows: list[reports.ProgressRow] = []
    hidden = 0
    for report in progress:
        if report.total.total.empty() and not show_empty:  # a promise with nothing at all
            hidden += len(report.activities)
            continue
        if totals:
            rows.append(reports.ProgressRow(report.title, report.total.total, level=0))
        for a in report.activities:
            if a.total.empty() and not show_empty:
                hidden += 1
                continue
            rows.append(reports.ProgressRow(labels.get(a.id, a.id), a.total, level=2))
    return rows, hidden


def chart_rows(progress: Sequence[ProgressReport], catalog: Catalog, lang: str) -> list[reports.ProgressRow]:
    """The activities with something to report, for the chart (page and PDF alike)."""
    return progress_rows(progress, catalog, lang, totals=False)[0]


def period_text(progress: Sequence[ProgressReport]) -> str:
    return " · ".join(dict.fromkeys(f"{p.period_start} – {p.period_end}" for p in progress))


def since_period(tally: MeetingTally) -> str:
    return f"{tally.last_meeting + timedelta(days=1)} – {tally.today}"


# --------------------------------------------------------------------------- the PDF


def meeting_report(tally: MeetingTally, catalog: Catalog, *, area_name: str, lang: str,
                   district_names: Mapping[str, str] | None = None, map_png: bytes | None = None,
                   charts: bool = True, created: datetime | None = None) -> reports.MeetingReport:
    """The meeting PDF's content from the tally, every heading and cell in ``lang``.
    ``area_name`` names the selection (a district or a municipality); ``district_names``
    names each row's district (default: ``area_name``)."""
    cats = {c.id: c.label(lang) for c in catalog.categories}
    types = {m.id: m.label(lang) for m in catalog.measure_types}
    names = district_names or {}

    def observation(o: Observation, when: date) -> reports.ItemRow:
        return reports.ItemRow(ref=f"{t('report.ref_observation', lang)} {o.id}",
                               what=cats.get(o.category, o.category),
                               place=names.get(o.district_id, area_name) if o.district_id else area_name,
                               status=t(f"status.observation.{o.status}", lang), when=when,
                               note=o.description)

    def measure(m: Measure, when: date | None) -> reports.ItemRow:
        who = t(f"responsible.{m.responsible}", lang) + (f" – {m.responsible_name}" if m.responsible_name else "")
        return reports.ItemRow(ref=f"{t('report.ref_measure', lang)} {m.id}", what=m.title,
                               place=types.get(m.type, m.type),
                               status=t(f"status.measure.{m.status}", lang), when=when, responsible=who)

    def section(title: str, period: str, progress: Sequence[ProgressReport]) -> reports.ProgressSection:
        rows, hidden = progress_rows(progress, catalog, lang)
        drawn = [r for r in rows if r.level >= 2]
        return reports.ProgressSection(
            title=title, period=period, rows=tuple(rows), hidden=hidden,
            chart_png=reports.activity_chart(drawn, lang) if charts and drawn else None)

    decisions = [t("followup.decide_measure", lang, id=m.id, title=m.title) for m in tally.proposed] + [
        t("followup.decide_overdue", lang, id=m.id, title=m.title) for m in tally.overdue]
    if tally.undecided:
        decisions.append(t("followup.decide_undecided", lang, n=len(tally.undecided)))
    return reports.MeetingReport(
        title=t("followup.report_title", lang, district=area_name), last_meeting=tally.last_meeting,
        meeting=tally.today, districts=(area_name,), map_png=map_png,
        new=tuple(observation(o, _local(o.observed_at)) for o in tally.new),
        resolved=tuple(observation(o, _local(tally.resolved_at.get(o.id, o.updated_at)))
                       for o in tally.resolved),
        overdue=tuple(measure(m, m.due) for m in tally.overdue),
        waiting=tuple(observation(o, _local(o.created_at)) for o in tally.undecided)
        + tuple(measure(m, _local(m.created_at)) for m in tally.proposed),
        guldkorn=tuple(observation(o, _local(o.observed_at)) for o in tally.guldkorn),
        decisions=tuple(decisions), promise=" · ".join(p.title for p in tally.promise),
        sections=(section(t("followup.since_meeting", lang), since_period(tally), tally.since),
                  section(t("followup.promise_period", lang), period_text(tally.promise), tally.promise)),
        created=created)


def hot_spots(tally: MeetingTally, catalog: Catalog) -> list[HotSpot]:
    """The hot spots of the selection's problems (safe places left out), as the map and the
    GeoPackage show them."""
    return find_hot_spots(tally.observations, positive_categories=catalog.positive_ids())


def meeting_pdf(tally: MeetingTally, catalog: Catalog, districts: Districts, *, area_name: str,
                map_ids: str | Sequence[str] | None, lang: str, spots: Sequence[HotSpot] | None = None,
                created: datetime | None = None) -> bytes:
    """The meeting PDF in ``lang``: :func:`meeting_report` with the map of ``map_ids`` (the
    selection's observations, measures and hot spots: ``spots``, or by default
    :func:`hot_spots`).  ``created`` fixes the PDF's creation date (None = now)."""
    spots = hot_spots(tally, catalog) if spots is None else spots
    png = reports.map_image(districts, map_ids, tally.observations, tally.measures, spots=spots,
                            catalog=catalog, lang=lang)
    report = meeting_report(tally, catalog, area_name=area_name, lang=lang, map_png=png, created=created,
                            district_names={d.id: d.name for d in districts})
    return reports.meeting_pdf(report, lang=lang)


# --------------------------------------------------------------------------- Excel


def action_rows(tally: MeetingTally, catalog: Catalog, lang: str) -> list[reports.ActionRow]:
    """One row per measure of the selection, its activity as a label ("–" when none)."""
    types = {m.id: m.label(lang) for m in catalog.measure_types}
    acts = activity_labels(catalog, lang, width=250)
    overdue = {m.id for m in tally.overdue}
    return [reports.ActionRow(
        id=m.id, type=types.get(m.type, m.type), title=m.title, status=t(f"status.measure.{m.status}", lang),
        responsible=t(f"responsible.{m.responsible}", lang), who=m.responsible_name, due=m.due,
        cost=m.cost_sek, observations=m.observation_ids,
        activity=acts.get(m.activity_id, "–") if m.activity_id else "–", overdue=m.id in overdue)
        for m in tally.measures]


def summary_tables(tally: MeetingTally, catalog: Catalog, *, area_name: str,
                   lang: str) -> list[reports.SummaryTable]:
    """The "Sammanfattning" sheet: the meeting's figures, then the promise's figures per
    activity since the meeting and over the promise's period (every activity, empty ones
    too: a spreadsheet filters)."""
    heads = tuple(t(f"report.col.{k}", lang) for k in (
        "activity", "observations", "resolved", "resolved_share", "planned", "in_progress", "done",
        "overdue", "walks"))

    def table(title: str, progress: Sequence[ProgressReport]) -> reports.SummaryTable:
        rows = progress_rows(progress, catalog, lang, show_empty=True)[0]
        return reports.SummaryTable(title, heads, tuple(
            (r.label, f.observations, f.resolved, f.resolved_share, f.measures_planned,
             f.measures_in_progress, f.measures_done, f.measures_overdue, f.walks)
            for r in rows for f in (r.figures,)))

    return [
        reports.SummaryTable(
            t("report.xlsx.figures", lang, area=area_name, start=tally.last_meeting, end=tally.today),
            (t("report.xlsx.what", lang), t("report.xlsx.count", lang)),
            tuple((label, value) for _k, label, value in figure_rows(tally, lang))),
        table(f"{t('followup.since_meeting', lang)} ({since_period(tally)})", tally.since),
        table(f"{t('followup.promise_period', lang)} ({period_text(tally.promise)})", tally.promise),
    ]


def action_list_xlsx(tally: MeetingTally, catalog: Catalog, *, area_name: str, lang: str) -> bytes:
    """The Excel action list with its "Sammanfattning" sheet, headings and cells in ``lang``."""
    return reports.action_list_xlsx(action_rows(tally, catalog, lang), lang=lang,
                                    summary=summary_tables(tally, catalog, area_name=area_name, lang=lang))


# --------------------------------------------------------------------------- GeoPackage

# Fields that let QGIS count what the meeting counts ("ny_sedan_motet" = true, …).
OBSERVATION_MARKS = {"ny_sedan_motet": "new", "atgardad_sedan_motet": "resolved",
                     "vantar_pa_beslut": "undecided", "guldkorn": "guldkorn"}
MEASURE_MARKS = {"forsenad": "overdue", "vantar_pa_beslut": "proposed"}


def followup_gpkg(path: str | os.PathLike[str], tally: MeetingTally, catalog: Catalog, *,
                  spots: Sequence[HotSpot] | None = None, lang: str) -> dict[str, int]:
    """The GeoPackage of the selection: its layers with the meeting's marks as bool fields
    (:data:`OBSERVATION_MARKS`, :data:`MEASURE_MARKS`) and the table ``sammanfattning``
    with the figures of :func:`figure_rows`; labels in ``lang``.  ``spots``: the hot spots
    (by default :func:`hot_spots`)."""
    return reports.followup_gpkg(
        path, tally.observations, tally.measures, hot_spots(tally, catalog) if spots is None else spots,
        catalog, lang=lang,
        marks={f: [o.id for o in getattr(tally, k)] for f, k in OBSERVATION_MARKS.items()},
        measure_marks={f: [m.id for m in getattr(tally, k)] for f, k in MEASURE_MARKS.items()},
        summary=figure_rows(tally, lang))


def followup_gpkg_bytes(tally: MeetingTally, catalog: Catalog, *, spots: Sequence[HotSpot] | None = None,
                        lang: str) -> bytes:
    """:func:`followup_gpkg` as bytes (for a download)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "uppfoljning.gpkg"
        followup_gpkg(path, tally, catalog, spots=spots, lang=lang)
        return path.read_bytes()
