"""The PDF machinery the meeting report and the walk protocol share (fpdf2).

fpdf2 is pure Python; it embeds a *subset* of a TrueType font, so å, ä and ö are real text
that a reader can search and copy, and its ``table()`` breaks long tables across pages and
repeats the heading row.  Its text is plain by default (``markdown=False``): nothing in a
description is interpreted — not HTML, not ``**``, not the page-count alias ``{nb}``
(switched on only while the footer is written; see :func:`make_pdf`).

The font is DejaVu Sans from matplotlib (``matplotlib/mpl-data/fonts/ttf``): matplotlib is
a dependency anyway (it draws the map), so the font is there on every machine that can run
this.  Characters the font lacks (emoji, CJK) are shown as ``?`` instead of an empty box.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..i18n import STOCKHOLM, t
from .base import CELL_MAX, plain, png_size

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.fonts import FontFace


@lru_cache(maxsize=1)
def font_path() -> tuple[Path, Path]:
    """DejaVu Sans (regular, bold) as shipped inside matplotlib."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
    for p in (regular, bold):
        if not p.is_file():
            raise FileNotFoundError(f"font not found: {p} (matplotlib ships it)")
    return regular, bold


@lru_cache(maxsize=1)
def _glyphs() -> frozenset[int]:
    """The code points DejaVu Sans (as shipped) can draw."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    with TTFont(str(font_path()[0]), lazy=True) as f:
        return frozenset(f.getBestCmap())


def _printable(text: str) -> str:
    """``text`` with characters the font lacks replaced by "?" (combining marks are joined
    first, so "a" + ring above stays "å")."""
    text = unicodedata.normalize("NFC", text)
    have = _glyphs()
    if all(ord(ch) in have or ch == "\n" for ch in text):
        return text
    return "".join(ch if ord(ch) in have or ch == "\n" else "?" for ch in text)


def cell(value: object, limit: int = CELL_MAX) -> str:
    """``value`` as text the PDF shows as typed: plain, cut at ``limit``, printable."""
    return _printable(plain(value, limit))


def _alias(pdf: FPDF, alias: str | None) -> None:
    """Set (or with None, switch off) the page-count alias."""
    pdf.alias_nb_pages(cast(str, alias))  # fpdf2 takes None for "no alias"


@lru_cache(maxsize=1)
def _pdf_class() -> Callable[[str, str], FPDF]:
    """fpdf2's FPDF with the footer "Trygghetskartan · title … Sida n av m", made with the
    footer's left text and the language (fpdf2 is imported when a PDF is made, not with the
    package)."""
    from fpdf import FPDF

    class _Pdf(FPDF):
        """A4 portrait, DejaVu Sans, footer "Sida n av m".

        fpdf2 replaces the alias ``{nb}`` in any text while it is set, so the alias is set
        only while the footer is written and again when the document is closed (the
        footer's own placeholders are the only ones registered): a ``{nb}`` typed by a user
        stays as typed.
        """
        def __init__(self, footer_left: str, report_lang: str) -> None:
            super().__init__(orientation="portrait", unit="mm", format="A4")
            self.closing = False
            self.footer_left, self.report_lang = footer_left, report_lang

        def footer(self) -> None:
            _alias(self, None)  # the title is user text
            self.set_y(-12)
            self.set_font("DejaVu", "", 7.5)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, self.footer_left, align="L")
            self.set_x(self.l_margin)
            _alias(self, "{nb}")
            self.cell(0, 5, t("report.page", self.report_lang, page=self.page_no(), total="{nb}"), align="R")
            self.set_text_color(0, 0, 0)
            if not self.closing:
                _alias(self, None)

        def output(self, *args: Any, **kwargs: Any) -> Any:
            self.closing = True
            return super().output(*args, **kwargs)

    return _Pdf


def make_pdf(title: str, lang: str, created: datetime | None) -> tuple[FPDF, datetime]:
    """A new A4 document in ``lang`` with its metadata, and the creation time it states
    (``created``, or now)."""
    pdf = _pdf_class()(cell(f"{t('report.app', lang)} · {title}", 95), lang)
    _alias(pdf, None)
    regular, bold = font_path()
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_font("DejaVu", "", 10)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(cell(title, 300))
    pdf.set_author(t("report.app", lang))
    pdf.set_creator(t("report.app", lang))
    pdf.set_lang(lang)
    when = created or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=STOCKHOLM)
    pdf.set_creation_date(when)
    return pdf, when


def heading(pdf: FPDF, text: str, size: float = 12.5) -> None:
    if pdf.get_y() > pdf.h - 45:  # keep a heading with the first lines below it
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", size)
    pdf.multi_cell(0, size * 0.5, cell(text, 300), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("DejaVu", "", 9)


def line(pdf: FPDF, text: str, size: float = 9.5, bold: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.48, cell(text, 2000), align="L", new_x="LMARGIN", new_y="NEXT")


def image(pdf: FPDF, png: bytes, max_h: float) -> None:
    """A PNG as wide as the page (at most ``max_h`` mm high), centred, on a new page when it
    does not fit."""
    wpx, hpx = png_size(png)
    w = pdf.epw
    h = w * hpx / wpx
    if h > max_h:
        h, w = max_h, max_h * wpx / hpx
    if pdf.get_y() + h > pdf.h - pdf.b_margin:
        pdf.add_page()
    x = pdf.l_margin + (pdf.epw - w) / 2
    pdf.image(io.BytesIO(png), x=x, y=pdf.get_y(), w=w, h=h)
    pdf.set_y(pdf.get_y() + h + 2)


def table(pdf: FPDF, headings: Sequence[str], rows: Iterable[Sequence[object]],
          widths: Sequence[float], *, align: Sequence[str] | None = None,
          styles: Sequence[FontFace | None] | None = None, limits: Sequence[int] | None = None,
          size: float = 8.0) -> None:
    """A table with a bold heading row repeated on every page; every value plain text."""
    from fpdf.fonts import FontFace

    pdf.set_font("DejaVu", "", size)
    head = FontFace(family="DejaVu", emphasis="BOLD", size_pt=size, fill_color=(226, 230, 236))
    with pdf.table(col_widths=tuple(widths), width=pdf.epw, text_align="LEFT",
                   headings_style=head, line_height=size * 0.46, padding=(0.9, 1.2),
                   borders_layout="HORIZONTAL_LINES", cell_fill_color=(246, 247, 249),
                   cell_fill_mode="ROWS", repeat_headings=1, markdown=False,
                   v_align="TOP") as t_:
        hr = t_.row()
        for i, h in enumerate(headings):
            hr.cell(cell(h, 200), align=(align[i] if align else "LEFT"))
        for k, row in enumerate(rows):
            r = t_.row(style=styles[k] if styles else None)
            for i, v in enumerate(row):
                r.cell(cell(v, limits[i] if limits else CELL_MAX), align=(align[i] if align else "LEFT"))
    pdf.set_font("DejaVu", "", 9)
