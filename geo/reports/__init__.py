"""Follow-up reports: a map image, the meeting PDF, the walk protocol PDF, the Excel action
list and the GeoPackage for QGIS — pure functions that return bytes (or write one file), one
module per format.

Nothing here reads the database or imports Streamlit, and nothing here chooses words: the
rows (:mod:`.rows`) arrive in words, and every heading comes from the string catalogue
(``report.*`` in ``data/strings.toml``) in the ``lang`` given.  :mod:`geo.meeting` (the
follow-up meeting's documents, from one :class:`geo.followup.MeetingTally`) and
:mod:`geo.protocol` (the walk protocol, from a walk) make the rows and pass the same ``lang``,
so headings and cells are in one language.

=============================  ==========================================================
:func:`map_image`              (:mod:`.mapimage`) PNG of a district with observations,
                               measures and hot spots, drawn in SWEREF 99 TM without tiles.
:func:`activity_chart`         (:mod:`.chart`) PNG bar chart of the promise's figures per
                               activity.
:func:`meeting_pdf`            (:mod:`.meetingpdf`) the follow-up meeting's report from a
                               :class:`MeetingReport`.
:func:`walk_protocol_pdf`      (:mod:`.protocolpdf`) the walk protocol: one
                               :class:`ProtocolRow` per point.
:func:`action_list_xlsx`       (:mod:`.excel`) the Excel action list from :class:`ActionRow`
                               rows, with a "Sammanfattning" sheet of :class:`SummaryTable`.
:func:`followup_gpkg`          (:mod:`.gpkg`) a GeoPackage with the layers
                               ``iakttagelser``, ``atgarder`` and ``hot_spots`` (and the
                               table ``sammanfattning``).
=============================  ==========================================================

Library choices
---------------
* **PDF: fpdf2** (pure Python, ~3 MB installed; needs Pillow, fontTools and defusedxml); see
  :mod:`.pdf`.  ReportLab would do too, but its ``Paragraph`` parses a markup language, so
  every user string would need escaping: one missed call and ``<`` breaks a report.
* **Map and chart: matplotlib's Agg canvas** (~35 MB with contourpy, kiwisolver, cycler,
  pyparsing), used through ``Figure`` + ``FigureCanvasAgg`` and never ``pyplot``: no global
  figure state, safe in Streamlit's threads, no GUI backend chosen by accident.  The PNG is
  encoded by Pillow from the RGB pixels with no metadata, so the same input gives the same
  bytes.
* **Excel: openpyxl**; **GeoPackage: pyogrio** (GDAL), through Arrow.

Speed (measured here): a 500-row meeting report (four lists of 125 rows, 27 pages, with a
1600 px map) builds in about 4.2 s, nearly all of it fpdf2 breaking table cells into lines;
the map image of 500 observations in 0.7 s; the Excel list and the GeoPackage of 500 rows
in about 0.1 s each.

Text safety
-----------
User text (descriptions, titles, names) goes into the PDF as plain text: control characters
are removed (tab becomes a space), a cell is cut at :data:`CELL_MAX` characters (the protocol's
text column at :data:`TEXTS_MAX`) with "…", so that one row always fits on a page.  In the
Excel file every text cell is stored as a string, never as a formula, even when it starts
with ``=``.  Text drawn on the map image (catalogue labels, district names) is drawn with
matplotlib's math parsing off, so a ``$`` is a dollar sign.
"""

from .base import CELL_MAX, TEXTS_MAX
from .chart import CHART_SERIES, activity_chart
from .excel import action_list_xlsx
from .gpkg import GPKG_LAYERS, SUMMARY_LAYER, followup_gpkg
from .mapimage import map_image
from .meetingpdf import meeting_pdf
from .pdf import font_path
from .protocolpdf import walk_protocol_pdf
from .rows import (
    ActionRow,
    ItemRow,
    MeetingReport,
    ProgressRow,
    ProgressSection,
    ProtocolRow,
    SummaryTable,
)

__all__ = [
    "ItemRow", "ProgressRow", "ProgressSection", "MeetingReport", "ProtocolRow", "ActionRow",
    "SummaryTable", "GPKG_LAYERS", "SUMMARY_LAYER", "CELL_MAX", "TEXTS_MAX", "CHART_SERIES",
    "map_image", "activity_chart", "meeting_pdf", "walk_protocol_pdf", "action_list_xlsx",
    "followup_gpkg", "font_path",
]
