"""The follow-up meeting's report as a PDF, from a :class:`~geo.reports.rows.MeetingReport`
whose every value is already in words (:func:`geo.meeting.meeting_report` makes one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from ..i18n import STOCKHOLM, t
from .base import plain
from .pdf import cell, heading, image, line, make_pdf, table
from .rows import ItemRow, MeetingReport, ProgressRow, ProgressSection

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

_ITEM_WIDTHS = (11, 28, 30, 22, 20, 31, 38)
_PROGRESS_WIDTHS = {"activity": 39.5, "district": 19, "observations": 20, "resolved": 18.5,
                    "resolved_share": 17, "planned": 17, "in_progress": 17, "done": 14, "overdue": 17.5,
                    "walks": 19}


def _items(pdf: FPDF, section: str, rows: Sequence[ItemRow], lang: str) -> None:
    heading(pdf, f"{t(f'report.section.{section}', lang)} ({len(rows)})")
    if not rows:
        line(pdf, t("report.nothing", lang))
        return
    for i, r in enumerate(rows):
        if not isinstance(r, ItemRow):
            raise ValueError(f"{section}[{i}]: expected an ItemRow, got {type(r).__name__}")
    headings = [t("report.col.ref", lang), t("report.col.what", lang),
                t("report.col.place", lang), t("report.col.status", lang),
                t(f"report.col.date_{section}", lang), t("report.col.responsible", lang),
                t("report.col.note", lang)]
    table(pdf, headings, ([r.ref, r.what, r.place, r.status, r.when, r.responsible, r.note] for r in rows),
          _ITEM_WIDTHS)


def _share(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    if not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"resolved_share must be from 0 to 1 or None, got {value!r}")
    return t("report.share", lang, pct=round(value * 100))


def _progress_table(pdf: FPDF, rows: Sequence[ProgressRow], lang: str) -> None:
    from fpdf.fonts import FontFace

    for i, r in enumerate(rows):
        if not isinstance(r, ProgressRow):
            raise ValueError(f"progress[{i}]: expected a ProgressRow, got {type(r).__name__}")
    placed = any(r.district for r in rows)  # the district column when a row names one
    keys = ("activity",) + (("district",) if placed else ()) + (
        "observations", "resolved", "resolved_share", "planned", "in_progress", "done", "overdue", "walks")
    widths = [_PROGRESS_WIDTHS[k] for k in keys]
    widths[0] += pdf.epw - sum(widths)  # the activity's text takes what is left
    if widths[0] < 30:
        scale = pdf.epw / sum(_PROGRESS_WIDTHS[k] for k in keys)
        widths = [_PROGRESS_WIDTHS[k] * scale for k in keys]
    headings = [t(f"report.col.{k}", lang) for k in keys]
    body: list[list[object]] = []
    styles: list[FontFace | None] = []
    bold = FontFace(family="DejaVu", emphasis="BOLD")
    for r in rows:
        f = r.figures
        label = ("    " + r.label) if r.level >= 2 else r.label
        body.append([label] + ([r.district or t("report.total", lang)] if placed else []) + [
            f.observations, f.resolved, _share(f.resolved_share, lang), f.measures_planned,
            f.measures_in_progress, f.measures_done, f.measures_overdue, f.walks])
        styles.append(bold if r.level < 2 else None)
    table(pdf, headings, body, widths, align=("LEFT",) * (1 + placed) + ("RIGHT",) * (len(keys) - 1 - placed),
          styles=styles, size=7)


def _progress(pdf: FPDF, report: MeetingReport, lang: str) -> None:
    heading(pdf, t("report.section.progress", lang))
    if report.promise:
        line(pdf, t("report.promise", lang, title=report.promise))
    if not report.sections:
        if report.progress_period:
            line(pdf, t("report.progress_period", lang, period=report.progress_period))
        pdf.ln(1)
        if not report.progress:
            line(pdf, t("report.nothing", lang))
            return
        _progress_table(pdf, report.progress, lang)
    for i, section in enumerate(report.sections):
        if not isinstance(section, ProgressSection):
            raise ValueError(f"sections[{i}]: expected a ProgressSection, got {type(section).__name__}")
        heading(pdf, f"{section.title} ({section.period})" if section.period else section.title, size=10.5)
        if section.chart_png is not None:
            image(pdf, bytes(section.chart_png), max_h=110)
        if section.rows:
            _progress_table(pdf, section.rows, lang)
        else:
            line(pdf, t("report.nothing", lang))
        if section.hidden:
            pdf.ln(0.5)
            line(pdf, t("report.hidden_rows", lang, n=section.hidden), size=7.5)
    pdf.ln(1)
    line(pdf, t("report.progress_note", lang), size=7.5)


def _decisions(pdf: FPDF, decisions: Sequence[str], lang: str) -> None:
    heading(pdf, f"{t('report.section.decisions', lang)} ({len(decisions)})")
    if not decisions:
        line(pdf, t("report.nothing", lang))
        return
    for i, d in enumerate(decisions, start=1):
        if pdf.get_y() > pdf.h - 35:
            pdf.add_page()
        pdf.set_font("DejaVu", "B", 9.5)
        pdf.cell(8, 5, f"{i}.")
        pdf.set_font("DejaVu", "", 9.5)
        pdf.multi_cell(0, 5, cell(d, 1000), new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(pdf.l_margin + 8)
        pdf.set_font("DejaVu", "", 8)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(0, 7, t("report.decision_line", lang), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1.5)


def _check_date(name: str, value: object) -> date:
    if not isinstance(value, date):
        raise ValueError(f"{name}: expected a date, got {value!r}")
    return value


def _front(pdf: FPDF, report: MeetingReport, lang: str, when_text: str) -> None:
    """Page one: the title, the period, the districts, the medborgarlöfte, when it was made,
    the counts in one line and the map."""
    last, this = report.last_meeting, report.meeting
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 5, t("report.meeting", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "B", 17)
    pdf.multi_cell(0, 8, cell(report.title, 300), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    line(pdf, t("report.period_since", lang, start=last.isoformat(), end=this.isoformat()), bold=True)
    names = [n for n in report.districts if n]
    if names:
        line(pdf, t("report.districts" if len(names) > 1 else "report.district", lang,
                    names=", ".join(plain(n, 200) for n in names)))
    if report.promise:
        line(pdf, t("report.promise", lang, title=plain(report.promise, 300)))
    line(pdf, t("report.created", lang, when=when_text), size=8.5)
    pdf.ln(1.5)
    line(pdf, t("report.summary", lang, new=len(report.new), resolved=len(report.resolved),
                overdue=len(report.overdue), waiting=len(report.waiting),
                guldkorn=len(report.guldkorn)), bold=True)
    if report.map_png is not None:
        pdf.ln(2)
        image(pdf, bytes(report.map_png), max_h=150)


def meeting_pdf(report: MeetingReport, lang: str = "sv") -> bytes:
    """The follow-up meeting's report as a PDF (A4 portrait, printable), every heading in
    ``lang`` (the rows' values are shown as given).

    Page one: the title, the period ("since the last meeting … up to and including …"),
    the district(s), the medborgarlöfte, when it was made, a one-line summary of the counts
    and the map.  Then the sections "Nytt sedan förra mötet", "Åtgärdat sedan förra
    mötet", "Försenade åtgärder", "Väntar på beslut" (observations and measures), "Guldkorn
    – platser som känns trygga" (each a table, or "Inget att redovisa."), "Medborgarlöftet:
    framsteg per aktivitet" (per period with its chart, when ``sections`` are given) and
    "Beslut att fatta" (numbered, with a line to write the decision on).  Every page has
    "Sida n av m" in its footer.

    Raises ``ValueError`` when a field has the wrong type (naming it) or the meeting comes
    before the last meeting.
    """
    if not isinstance(report, MeetingReport):
        raise ValueError(f"report: expected a MeetingReport, got {type(report).__name__}")
    last = _check_date("last_meeting", report.last_meeting)
    this = _check_date("meeting", report.meeting)
    if this < last:
        raise ValueError(f"meeting {this} is before last_meeting {last}")
    pdf, when = make_pdf(report.title, lang, report.created)
    pdf.add_page()
    _front(pdf, report, lang, when.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M"))
    for section in ("new", "resolved", "overdue", "waiting", "guldkorn"):
        _items(pdf, section, getattr(report, section), lang)
    _progress(pdf, report, lang)
    _decisions(pdf, report.decisions, lang)
    return bytes(pdf.output())
