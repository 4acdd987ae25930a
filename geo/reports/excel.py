"""The Excel action list (openpyxl): the sheet "Åtgärdslista" and a "Sammanfattning" sheet
of tables.  Every text cell is stored as a string, never as a formula, even when it starts
with ``=``."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from ..i18n import t
from .rows import ActionRow, SummaryTable

_XLSX_COLUMNS = ("id", "type", "title", "status", "responsible", "who", "due", "cost",
                 "observations", "activity", "overdue")
_XLSX_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_text(value: object) -> str:
    return _XLSX_BAD.sub("", "" if value is None else str(value))[:32767]


def _checked(rows: Sequence[ActionRow]) -> list[ActionRow]:
    data = list(rows)
    for i, r in enumerate(data):
        if not isinstance(r, ActionRow):
            raise ValueError(f"rows[{i}]: expected an ActionRow, got {type(r).__name__}")
        if r.due is not None and not isinstance(r.due, date):
            raise ValueError(f"rows[{i}].due: expected a date or None, got {r.due!r}")
        if r.cost is not None and (isinstance(r.cost, bool) or not isinstance(r.cost, (int, float))
                                   or not math.isfinite(r.cost)):
            raise ValueError(f"rows[{i}].cost: expected a number or None, got {r.cost!r}")
    return data


def action_list_xlsx(rows: Sequence[ActionRow], lang: str = "sv",
                     summary: Sequence[SummaryTable] = ()) -> bytes:
    """The action list as an Excel workbook (``.xlsx``): the sheet "Åtgärdslista" and, when
    ``summary`` is given, a second sheet "Sammanfattning" with its tables one under another
    (each a bold title, a bold heading row and its rows; numbers stay numbers, None is "–").

    Columns: Id, Typ, Rubrik, Status, Ansvarig, Vem, Klart senast (an Excel date,
    ``yyyy-mm-dd``), Kostnad (kr) (a number), Kopplade iakttagelser, Aktivitet i
    medborgarlöftet, Försenad ("ja"/"nej").  The heading row is bold and frozen, the table
    has an autofilter, and the widths follow the content (8–60 characters).  Printing:
    landscape, one page wide, the heading row repeated.  Text cells are always strings:
    a title starting with ``=`` is not a formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    data = _checked(rows)

    wb = Workbook()
    ws = wb.active
    ws.title = t("report.xlsx.sheet", lang)
    wb.properties.creator = t("report.app", lang)
    headings = [t(f"report.xlsx.{c}", lang) for c in _XLSX_COLUMNS]
    ws.append(headings)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E2E6EC")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    yes, no = t("report.xlsx.yes", lang), t("report.xlsx.no", lang)
    widths = [len(h) for h in headings]
    for n, r in enumerate(data, start=2):
        obs = r.observations if isinstance(r.observations, str) else \
            ", ".join(str(int(i)) for i in r.observations)
        due = r.due.date() if isinstance(r.due, datetime) else r.due
        values = [int(r.id), r.type, r.title, r.status, r.responsible, r.who, due, r.cost,
                  obs, r.activity, yes if r.overdue else no]
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=n, column=c)
            if isinstance(v, (int, float, date)) and not isinstance(v, bool):
                cell.value = v
            else:
                cell.value = _xlsx_text(v)
                cell.data_type = "s"  # never a formula
            if c == 7 and v is not None:
                cell.number_format = "yyyy-mm-dd"
            elif c == 8 and v is not None:
                cell.number_format = "#,##0"
            shown = 10 if c == 7 else len(str(cell.value or ""))
            widths[c - 1] = max(widths[c - 1], min(shown, 60))
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(8, min(w, 60)) + 2
    last = get_column_letter(len(_XLSX_COLUMNS))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{len(data) + 1}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if summary:
        _summary_sheet(wb.create_sheet(t("report.xlsx.summary_sheet", lang)), summary, bold, fill)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _summary_sheet(ws: Any, tables: Sequence[SummaryTable], bold: Any, fill: Any) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    n = 1
    for i, table in enumerate(tables):
        if not isinstance(table, SummaryTable):
            raise ValueError(f"summary[{i}]: expected a SummaryTable, got {type(table).__name__}")
        ws.cell(row=n, column=1, value=_xlsx_text(table.title)).font = Font(bold=True, size=12)
        n += 1
        for c, h in enumerate(table.headings, start=1):
            cell = ws.cell(row=n, column=c, value=_xlsx_text(h))
            cell.font, cell.fill = bold, fill
            widths[c] = max(widths.get(c, 0), len(str(h)))
        n += 1
        for row in table.rows:
            for c, v in enumerate(row, start=1):
                cell = ws.cell(row=n, column=c)
                if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                    cell.value = v
                    if isinstance(v, float):
                        cell.number_format = "0%" if 0 <= v <= 1 else "0.0"
                else:
                    cell.value = "–" if v is None else _xlsx_text(v)
                    cell.data_type = "s"
                widths[c] = max(widths.get(c, 0), min(len(str(cell.value)), 70))
            n += 1
        n += 1  # an empty row between tables
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = max(8, w) + 2
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


