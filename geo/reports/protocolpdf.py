"""The walk protocol as a PDF, from :class:`~geo.reports.rows.ProtocolRow` rows already in
words (:func:`geo.protocol.walk_protocol_pdf` makes them from a walk)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from ..i18n import t
from .base import TEXTS_MAX, plain
from .pdf import heading, image, line, make_pdf, table
from .rows import ProtocolRow

_PROTOCOL_FIELDS = tuple(f.name for f in fields(ProtocolRow))


def _protocol_row(i: int, row: ProtocolRow | Mapping[str, Any]) -> ProtocolRow:
    if isinstance(row, ProtocolRow):
        return row
    if isinstance(row, Mapping):
        unknown = sorted(set(row) - set(_PROTOCOL_FIELDS))
        if unknown:
            raise ValueError(f"rows[{i}]: unknown fields {unknown}; known: {_PROTOCOL_FIELDS}")
        try:
            return ProtocolRow(**row)
        except TypeError as exc:
            raise ValueError(f"rows[{i}]: {exc}") from None
    raise ValueError(f"rows[{i}]: expected a ProtocolRow or a mapping, got {type(row).__name__}")


def _texts(texts: tuple[str, ...] | str) -> str:
    """What the participants wrote: one text as it is, several each on a line with "– "."""
    cut = [plain(x, TEXTS_MAX) for x in ([texts] if isinstance(texts, str) else texts)]
    return "\n".join(f"– {x}" for x in cut if x) if len(cut) > 1 else (cut[0] if cut else "")


def walk_protocol_pdf(walk_title: str, walk_date: date | datetime | str, district_name: str,
                      rows: Sequence[ProtocolRow | Mapping[str, Any]],
                      map_png: bytes | None, *, lang: str = "sv",
                      created: datetime | None = None) -> bytes:
    """The walk protocol as a PDF (A4 portrait): the walk, its date and district, the map
    excerpt and one table row per point in the order given (the caller orders them along
    the route): Nr, Kategori, Plats, Antal pers. (how many people flagged the spot: the pins
    merged into it and those who pressed *Jag håller med*, :attr:`ProtocolRow.people`), Vad
    deltagarna skrev (each text on its own line, starting "– "), Ansvarig, Prioritet, Klart
    senast — headings in ``lang``.

    ``rows`` are :class:`ProtocolRow` or mappings with the same keys.  ``created`` fixes the
    PDF's creation date (for identical bytes); None = now.
    """
    points = [_protocol_row(i, r) for i, r in enumerate(rows)]
    pdf, _ = make_pdf(f"{t('report.protocol.title', lang)} – {plain(walk_title, 200)}", lang, created)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 17)
    pdf.multi_cell(0, 8, t("report.protocol.title", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    line(pdf, t("report.protocol.walk", lang, title=plain(walk_title, 300)), bold=True)
    line(pdf, t("report.protocol.date", lang, date=plain(walk_date, 40)))
    line(pdf, t("report.protocol.district", lang, name=plain(district_name, 200)))
    line(pdf, t("report.protocol.count", lang, n=len(points)))
    pdf.ln(1)
    line(pdf, t("report.protocol.intro_people", lang), size=8.5)
    if map_png is not None:
        pdf.ln(2)
        image(pdf, bytes(map_png), max_h=140)
    heading(pdf, t("report.section.points", lang))
    if not points:
        line(pdf, t("report.nothing", lang))
        return bytes(pdf.output())
    headings = [t(f"report.protocol.{k}", lang) for k in (
        "nr", "category", "place", "people", "texts", "responsible", "priority", "deadline")]
    body = [[p.number, p.category, p.place, p.people, _texts(p.texts), p.responsible, p.priority, p.deadline]
            for p in points]
    table(pdf, headings, body, (8, 24, 27, 12, 52, 22, 16, 19),
          align=("RIGHT", "LEFT", "LEFT", "RIGHT", "LEFT", "LEFT", "LEFT", "LEFT"),
          limits=(20, 200, 300, 20, TEXTS_MAX, 200, 60, 40), size=7.5)
    return bytes(pdf.output())
