"""Follow-up reports: a map image, the meeting PDF, the walk protocol PDF, the Excel action
list and the GeoPackage for QGIS — pure functions that return bytes (or write one file).

Nothing here reads the database or imports Streamlit: the follow-up page (or the command
line) selects the rows, turns codes into words, and hands over plain values.  The reports are
Swedish documents, so every function takes ``lang="sv"`` by default (not the interface's
language); every heading comes from the string catalogue (``report.*`` in
``data/strings.toml``).

=============================  ==========================================================
:func:`map_image`              PNG of a district with observations, measures and hot
                               spots, drawn in SWEREF 99 TM without any map tiles.
:func:`activity_chart`         PNG bar chart of the promise's figures per activity.
:func:`meeting_pdf`            the follow-up meeting's report from a :class:`MeetingReport`.
:func:`walk_protocol_pdf`      the walk protocol: one :class:`ProtocolRow` per point.
:func:`action_list_xlsx`       the Excel action list from :class:`ActionRow` rows, with a
                               "Sammanfattning" sheet of :class:`SummaryTable` tables.
:func:`followup_gpkg`          a GeoPackage with the layers ``iakttagelser``, ``atgarder``
                               and ``hot_spots`` (and the table ``sammanfattning``).
=============================  ==========================================================

:mod:`geo.meeting` fills these from one :class:`geo.followup.MeetingTally`, so the meeting's
documents and the follow-up page count the same.

Library choices
---------------
* **PDF: fpdf2** (pure Python, ~3 MB installed; needs Pillow, fontTools and defusedxml).
  It embeds a *subset* of a TrueType font, so å, ä and ö are real text that a reader can
  search and copy, and its ``table()`` breaks long tables across pages and repeats the
  heading row.  Its text is plain by default (``markdown=False``): nothing in a description
  is interpreted — not HTML, not ``**``, not the page-count alias ``{nb}`` (switched on only
  while the footer is written; see :class:`_Pdf`).  ReportLab would do too, but its
  ``Paragraph`` parses a markup language, so every user string would need escaping: one
  missed call and ``<`` breaks a report.
* **Font: DejaVu Sans from matplotlib** (``matplotlib/mpl-data/fonts/ttf``).  matplotlib is a
  dependency anyway (it draws the map), so the font is there on every machine that can run
  this module, unlike Debian's ``fonts-dejavu-core``.  Characters the font lacks (emoji, CJK)
  are shown as ``?`` instead of an empty box or a warning per glyph.
* **Map: matplotlib's Agg canvas** (~35 MB with contourpy, kiwisolver, cycler, pyparsing),
  used through ``Figure`` + ``FigureCanvasAgg`` and never ``pyplot``: no global figure
  state, safe in Streamlit's threads, no GUI backend chosen by accident.  Shapes are drawn
  from shapely geometries as matplotlib paths (what geopandas' ``plot`` does inside, without
  its ``pyplot`` import).  The PNG is encoded by Pillow from the RGB pixels with no metadata,
  so the same input gives the same bytes.
* **Excel: openpyxl**; **GeoPackage: pyogrio** (GDAL), through Arrow so that dates are
  GeoPackage ``DATE`` fields and missing integers stay integer fields.

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

from __future__ import annotations

import io
import math
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from .crs import SWEREF99TM, geometry_to_metric, to_metric
from .hotspots import RESOLVED_STATUSES, HotSpot
from .i18n import STOCKHOLM, t
from .model import Measure, MeasureStatus, Observation
from .protocol import ProtocolRow

__all__ = [
    "ItemRow", "ProgressRow", "ProgressSection", "MeetingReport", "ProtocolRow", "ActionRow",
    "SummaryTable", "GPKG_LAYERS", "SUMMARY_LAYER", "CELL_MAX", "TEXTS_MAX", "map_image",
    "activity_chart", "meeting_pdf", "walk_protocol_pdf", "action_list_xlsx", "followup_gpkg",
    "font_path",
]

CELL_MAX = 600    # characters in one table cell of a PDF
TEXTS_MAX = 1500  # characters in the protocol's "what the participants wrote" cell
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GPKG_LAYERS = ("iakttagelser", "atgarder", "hot_spots")
SUMMARY_LAYER = "sammanfattning"  # a table without geometry: the meeting's figures

# --------------------------------------------------------------------------- input rows


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One observation or measure in a list of the meeting report ("new", "resolved",
    "overdue", "waiting").  Every field is shown as it is; the caller turns codes into words.

    ``ref``          how the meeting names it, e.g. ``"I 12"`` (iakttagelse 12) or ``"Å 3"``.
    ``what``         the category label of an observation or the title of a measure.
    ``place``        district name, street or a short description of the place.
    ``status``       the status label, e.g. ``"Åtgärd planerad"``.
    ``when``         the date the list is about: received (new), resolved (resolved), due
                     (overdue), waiting since (waiting); a ``date``, a string or None.
    ``responsible``  owner, e.g. ``"Kommunen – Teknik- och fritidsförvaltningen"``.
    ``note``         free text: a description, "12 dagar sen", the reason to decide…
    """
    ref: str
    what: str
    place: str = ""
    status: str = ""
    when: date | str | None = None
    responsible: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One line of the promise-progress table (cf. ``geo.progress.Figures``).

    ``label``                the activity's (or promise's, or medborgarlöfte's) text.
    ``district``             the district name; "" for the total over all districts.
    ``observations``         observations linked in the period.
    ``measures_planned``, ``measures_in_progress``, ``measures_done``  counts of measures.
    ``resolved_share``       0.0–1.0 (shown as a whole per cent), or None (shown as "–").
    ``measures_overdue``     overdue measures.
    ``walks``                walks held in the period.
    ``level``                0 = medborgarlöfte total, 1 = promise, 2 = activity: 0 and 1
                             are set in bold, 2 is indented.
    ``resolved``             observations resolved (or verified); None: not shown.
    """
    label: str
    observations: int = 0
    measures_planned: int = 0
    measures_in_progress: int = 0
    measures_done: int = 0
    resolved_share: float | None = None
    measures_overdue: int = 0
    walks: int = 0
    district: str = ""
    level: int = 2
    resolved: int | None = None


@dataclass(frozen=True, slots=True)
class ProgressSection:
    """One period of the promise-progress part of the meeting PDF.

    ``title``      e.g. ``"Sedan förra mötet"``; ``period`` the dates in words.
    ``rows``       the table, as :class:`ProgressRow`, in print order.
    ``chart_png``  a PNG (e.g. from :func:`activity_chart`) shown above the table, or None.
    ``hidden``     how many activities with nothing to report were left out of ``rows``.
    """
    title: str
    period: str = ""
    rows: tuple[ProgressRow, ...] = ()
    chart_png: bytes | None = None
    hidden: int = 0


@dataclass(frozen=True, slots=True)
class MeetingReport:
    """Everything the follow-up meeting's PDF shows, as plain values.

    ``title``           e.g. ``"BRÅ Halmstad – uppföljning av trygghetsvandringar"``.
    ``last_meeting``    the date of the previous meeting (the period starts after it).
    ``meeting``         the date of this meeting (the period ends with it).
    ``districts``       the district names the report covers.
    ``map_png``         a PNG (e.g. from :func:`map_image`), or None for no map.
    ``new``, ``resolved``, ``overdue``, ``waiting``  the four lists, as :class:`ItemRow`
                        (``waiting`` holds observations and measures).
    ``guldkorn``        the safe places ("Guldkorn – platser som känns trygga").
    ``progress``        the promise-progress table, as :class:`ProgressRow`, in print order.
    ``sections``        the promise's progress by period (:class:`ProgressSection`), shown
                        instead of ``progress`` when given.
    ``decisions``       the decisions the meeting is to take, one sentence each.
    ``promise``         the medborgarlöfte's title, or "".
    ``progress_period`` the promise's period in words (``"2019-01-01 – 2019-12-31"``) or "".
    ``created``         when the report was made (shown, and the PDF's creation date); None
                        = now.  Give it to get the same bytes for the same report.
    """
    title: str
    last_meeting: date
    meeting: date
    districts: tuple[str, ...] = ()
    map_png: bytes | None = None
    new: tuple[ItemRow, ...] = ()
    resolved: tuple[ItemRow, ...] = ()
    overdue: tuple[ItemRow, ...] = ()
    waiting: tuple[ItemRow, ...] = ()
    progress: tuple[ProgressRow, ...] = ()
    decisions: tuple[str, ...] = ()
    promise: str = ""
    progress_period: str = ""
    created: datetime | None = None
    guldkorn: tuple[ItemRow, ...] = ()
    sections: tuple[ProgressSection, ...] = ()


@dataclass(frozen=True, slots=True)
class SummaryTable:
    """A titled table on the Excel list's "Sammanfattning" sheet: headings and rows of plain
    values (numbers stay numbers; None is written as "–")."""
    title: str
    headings: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class ActionRow:
    """One row of the Excel action list (labels already in words).

    ``observations`` are the linked observation ids (written as ``"12, 15"``) or a string;
    ``due`` a ``date`` (written as a real Excel date) or None; ``cost`` kronor or None;
    ``overdue`` True/False (written as "ja"/"nej").
    """
    id: int
    type: str
    title: str
    status: str
    responsible: str = ""
    who: str = ""
    due: date | None = None
    cost: int | float | None = None
    observations: tuple[int, ...] | str = ()
    activity: str = ""
    overdue: bool = False


# --------------------------------------------------------------------------- small helpers

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _text(value: object, limit: int = CELL_MAX) -> str:
    """``value`` as plain one-cell text: dates as ISO, no control characters, at most
    ``limit`` characters (cut with "…")."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") if value.tzinfo else \
            value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        value = value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _number(n: int | float) -> str:
    """Swedish thousands grouping with a narrow no-break space: 12 500."""
    return f"{n:,.0f}".replace(",", "\u202f")


def _png_size(png: bytes) -> tuple[int, int]:
    if not isinstance(png, (bytes, bytearray)) or png[:8] != PNG_SIGNATURE or len(png) < 24:
        raise ValueError(f"map_png: expected PNG bytes, got {bytes(png[:8])!r}…"
                         if isinstance(png, (bytes, bytearray)) else
                         f"map_png: expected PNG bytes, got {type(png).__name__}")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _hex(colour: str, default: str = "#555555") -> str:
    return colour if isinstance(colour, str) and re.fullmatch(r"#[0-9A-Fa-f]{6}", colour) \
        else default


# --------------------------------------------------------------------------- the map image

_HOT = "#C0392B"


def _path_of(geom: BaseGeometry):
    """A matplotlib Path of a (multi)polygon, holes included."""
    from matplotlib.path import Path as MplPath

    polys = list(getattr(geom, "geoms", [geom]))
    verts, codes = [], []
    for poly in polys:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            verts.append(xy)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2)
                         + [MplPath.CLOSEPOLY])
    if not verts:
        return None
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _nice_length(span_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10^k m) near a fifth of ``span_m``."""
    target = max(span_m / 5.0, 1.0)
    k = 10 ** math.floor(math.log10(target))
    return max((m * k for m in (1, 2, 5, 10) if m * k <= target), default=k)


def _scale_label(metres: float, lang: str) -> str:
    if metres >= 1000:
        km = metres / 1000
        return t("report.map.kilometres", lang, n=f"{km:g}".replace(".", ","))
    return t("report.map.metres", lang, n=f"{metres:g}")


def map_image(districts, district_id: str | Sequence[str] | None,
              observations: Sequence[Observation], measures: Sequence[Measure], *,
              width_px: int = 1600, spots: Sequence[HotSpot] = (), catalog=None,
              labels: Mapping[int, str] | None = None, lang: str = "sv") -> bytes:
    """A PNG map of a district for printing, drawn without internet (no tiles).

    Parameters
    ----------
    districts
        A :class:`geo.districts.Districts` (the boundaries).
    district_id
        A district id, several ids, or None.  The map shows these districts' outlines (and
        their parts thinly); its extent is their bounds with a 6 % margin, so data outside
        is cut off.  With None the extent is the bounds of the data.
    observations, measures
        What to draw (WGS84, as stored).  Observations are dots in their category's colour
        (triangles for positive places); resolved, verified and closed ones are hollow.
        Measures are squares, lines or areas in their measure type's colour (cancelled ones
        grey and dashed).
    width_px
        The image width in pixels (200–6000).  The height follows the extent's shape, the
        map part between 0.55 and 1.3 times the width, plus a legend band below it.
    spots
        Hot spots (:class:`geo.hotspots.HotSpot`): red dashed areas labelled H1, H2, …
    catalog
        A :class:`geo.catalog.Catalog` for the colours and labels; None = the shipped one.
    labels
        Optional short labels by observation id, drawn next to the dot (the walk protocol's
        point numbers: ``{17: "1", 23: "2"}``).
    lang
        The language of the legend and scale bar.

    Returns
    -------
    bytes
        An RGB PNG, ``width_px`` wide.  Drawn in SWEREF 99 TM (EPSG:3006), grid north up
        (within 2° of true north in the districts here), with a scale bar in metres and the
        boundary source line.  The same input gives the same bytes.

    Raises
    ------
    ValueError
        For an unknown district id, a bad ``width_px``, or nothing to draw.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import PathPatch, Rectangle
    from PIL import Image

    if catalog is None:
        from .catalog import load as load_catalog
        catalog = load_catalog()
    if isinstance(width_px, bool) or not isinstance(width_px, int) or not 200 <= width_px <= 6000:
        raise ValueError(f"width_px must be a whole number from 200 to 6000, got {width_px!r}")
    ids = [] if district_id is None else (
        [district_id] if isinstance(district_id, str) else list(district_id))
    outlines, parts, attribution = [], [], []
    for d_id in ids:
        d = districts.get(d_id)
        if d is None:
            raise ValueError(f"district_id: unknown district {d_id!r}")
        outlines.append(geometry_to_metric(districts.geometry(d_id)))
        parts += [geometry_to_metric(districts.geometry(p)) for p in districts.family(d_id)[1:]]
        if d.attribution and d.attribution not in attribution:
            attribution.append(d.attribution)

    obs = list(observations)
    if obs:
        oe, on = to_metric(np.fromiter((o.lon for o in obs), float, len(obs)),
                           np.fromiter((o.lat for o in obs), float, len(obs)))
        oe, on = np.asarray(oe, float), np.asarray(on, float)
    else:
        oe = on = np.empty(0)
    mgeoms = [(m, geometry_to_metric(shape(m.geometry))) for m in measures]
    sgeoms = [(s, geometry_to_metric(shape(s.area))) for s in spots]

    # The extent: the districts, or else everything drawn.
    if outlines:
        bounds = np.array([g.bounds for g in outlines])
    else:
        boxes = [g.bounds for _, g in mgeoms] + [g.bounds for _, g in sgeoms]
        if len(oe):
            boxes.append((oe.min(), on.min(), oe.max(), on.max()))
        if not boxes:
            raise ValueError(t("report.map.nothing", lang))
        bounds = np.array(boxes)
    x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
    x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
    w, h = max(x1 - x0, 50.0), max(y1 - y0, 50.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = w * 1.12, h * 1.12
    ratio = min(max(h / w, 0.55), 1.3)
    if h / w < ratio:
        h = w * ratio
    else:
        w = h / ratio
    x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2

    # What the legend lists: the categories drawn, then the styles.
    cats = {c.id: c for c in catalog.categories}
    mtypes = {c.id: c for c in catalog.measure_types}
    seen = sorted({o.category for o in obs},
                  key=lambda c: (cats[c].positive if c in cats else True, c))
    handles = []
    for c in seen:
        cat = cats.get(c)
        handles.append(Line2D([], [], linestyle="none", marker="^" if cat and cat.positive else "o",
                              markersize=7, markerfacecolor=_hex(cat.colour if cat else ""),
                              markeredgecolor="#222222", markeredgewidth=0.6,
                              label=cat.label(lang) if cat else c))
    if obs:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=7,
                              markerfacecolor="#777777", markeredgecolor="#222222",
                              markeredgewidth=0.6, label=t("report.map.open", lang)))
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=7,
                              markerfacecolor="none", markeredgecolor="#777777",
                              markeredgewidth=1.6, label=t("report.map.done", lang)))
    if mgeoms:
        handles.append(Line2D([], [], linestyle="none", marker="s", markersize=7,
                              markerfacecolor="#999999", markeredgecolor="#222222",
                              label=t("report.map.measure", lang)))
    if sgeoms:
        handles.append(Rectangle((0, 0), 1, 1, facecolor=_HOT + "22", edgecolor=_HOT,
                                 linestyle="--", label=t("report.map.hot_spot", lang)))
    ncol = 3
    legend_rows = math.ceil(len(handles) / ncol)

    fig_w = 8.0  # inches: the look (line widths, text) is the same at every width_px
    dpi = width_px / fig_w
    map_h = fig_w * ratio
    legend_h = 0.12 + 0.24 * legend_rows if handles else 0.0
    height_px = round((map_h + legend_h) * dpi)
    fig = Figure(figsize=(fig_w, height_px / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    total_h = height_px / dpi
    ax = fig.add_axes((0.0, legend_h / total_h, 1.0, map_h / total_h))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#FFFFFF")
    for spine in ax.spines.values():
        spine.set_edgecolor("#444444")
        spine.set_linewidth(0.8)

    for g in outlines:
        p = _path_of(g)
        if p is not None:
            ax.add_patch(PathPatch(p, facecolor="#F2F2EE", edgecolor="none", zorder=1))
    for g in parts:
        p = _path_of(g)
        if p is not None:
            ax.add_patch(PathPatch(p, facecolor="none", edgecolor="#9A9A9A", linewidth=0.6,
                                   linestyle=(0, (4, 3)), zorder=2))
    for g in outlines:
        p = _path_of(g)
        if p is not None:
            ax.add_patch(PathPatch(p, facecolor="none", edgecolor="#1F1F1F", linewidth=1.6,
                                   zorder=3))

    for s, g in sgeoms:
        p = _path_of(g)
        if p is not None:
            ax.add_patch(PathPatch(p, facecolor=_HOT + "1A", edgecolor=_HOT, linewidth=1.3,
                                   linestyle=(0, (5, 3)), zorder=4))
            c = g.centroid
            txt = ax.text(c.x, g.bounds[3], f"H{s.id}", color=_HOT, fontsize=8,
                          fontweight="bold", ha="center", va="bottom", zorder=9)
            txt.set_parse_math(False)

    for m, g in mgeoms:
        mt = mtypes.get(m.type)
        cancelled = m.status == MeasureStatus.CANCELLED
        colour = "#8C8C8C" if cancelled else _hex(mt.colour if mt else "")
        style = (0, (3, 2)) if cancelled else "solid"
        kind = g.geom_type
        if kind in ("Polygon", "MultiPolygon"):
            p = _path_of(g)
            if p is not None:
                ax.add_patch(PathPatch(p, facecolor=colour + "40", edgecolor=colour,
                                       linewidth=1.5, linestyle=style, zorder=5))
        elif kind in ("LineString", "MultiLineString"):
            lines = [np.asarray(line.coords)[:, :2] for line in getattr(g, "geoms", [g])]
            ax.add_collection(LineCollection(lines, colors=[colour], linewidths=3.0,
                                             linestyles=style, capstyle="round", zorder=5))
        elif kind in ("Point", "MultiPoint"):
            pts = np.array([(q.x, q.y) for q in getattr(g, "geoms", [g])])
            ax.scatter(pts[:, 0], pts[:, 1], marker="s", s=60, c=[colour],
                       edgecolors="#222222", linewidths=0.8, zorder=6)

    if obs:
        done = np.array([o.status in RESOLVED_STATUSES for o in obs])
        positive = np.array([bool(cats.get(o.category) and cats[o.category].positive)
                             for o in obs])
        colours = np.array([_hex(cats[o.category].colour if o.category in cats else "")
                            for o in obs])
        for is_done in (True, False):  # open ones on top
            for pos in (False, True):
                sel = (done == is_done) & (positive == pos)
                if not sel.any():
                    continue
                marker = "^" if pos else "o"
                if is_done:
                    ax.scatter(oe[sel], on[sel], marker=marker, s=34, facecolors="white",
                               edgecolors=list(colours[sel]), linewidths=1.6, zorder=7)
                else:
                    ax.scatter(oe[sel], on[sel], marker=marker, s=34, c=list(colours[sel]),
                               edgecolors="#222222", linewidths=0.6, zorder=8)

    if labels:
        from matplotlib.patheffects import withStroke

        halo = [withStroke(linewidth=2.4, foreground="white")]
        for k, o in enumerate(obs):
            label = labels.get(o.id)
            if label is None:
                continue
            ax.annotate(_text(label, 12), (oe[k], on[k]), xytext=(4, 3),
                        textcoords="offset points", fontsize=7.5, fontweight="bold",
                        color="#111111", zorder=9, path_effects=halo,
                        annotation_clip=True).set_parse_math(False)

    # Scale bar (bottom left), north arrow (top right), source line (bottom right).
    bar = _nice_length(x1 - x0)
    bx, by = x0 + 0.03 * (x1 - x0), y0 + 0.045 * (y1 - y0)
    bh = 0.012 * (y1 - y0)
    ax.add_patch(Rectangle((bx - 0.01 * (x1 - x0), by - 0.02 * (y1 - y0)),
                           bar + 0.02 * (x1 - x0) + 0.09 * (x1 - x0), bh + 0.055 * (y1 - y0),
                           facecolor="white", edgecolor="none", alpha=0.85, zorder=10))
    ax.add_patch(Rectangle((bx, by), bar / 2, bh, facecolor="#1F1F1F", edgecolor="#1F1F1F",
                           linewidth=0.6, zorder=11))
    ax.add_patch(Rectangle((bx + bar / 2, by), bar / 2, bh, facecolor="white",
                           edgecolor="#1F1F1F", linewidth=0.6, zorder=11))
    for x, label in ((bx, "0"), (bx + bar, _scale_label(bar, lang))):
        ax.text(x, by + bh * 1.6, label, fontsize=7.5, ha="center" if label == "0" else "left",
                va="bottom", zorder=12).set_parse_math(False)
    ax.annotate("", xy=(0.955, 0.965), xytext=(0.955, 0.875), xycoords="axes fraction",
                arrowprops=dict(arrowstyle="-|>", color="#1F1F1F", linewidth=1.4,
                                mutation_scale=14), zorder=12)
    ax.text(0.955, 0.855, t("report.map.north", lang), transform=ax.transAxes, fontsize=10,
            fontweight="bold", ha="center", va="top", zorder=12).set_parse_math(False)
    src = " · ".join(attribution + ["SWEREF 99 TM"])
    ax.text(0.995, 0.008, src, transform=ax.transAxes, fontsize=6, color="#444444",
            ha="right", va="bottom", zorder=12,
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1.5)
            ).set_parse_math(False)

    if handles:
        leg = fig.legend(handles=handles, loc="lower center", ncol=ncol, frameon=False,
                         fontsize=8, bbox_to_anchor=(0.5, 0.0), borderaxespad=0.3,
                         handletextpad=0.4, columnspacing=1.6)
        for text in leg.get_texts():
            text.set_parse_math(False)

    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(out, format="PNG",
                                                              compress_level=6)
    return out.getvalue()


# --------------------------------------------------------------------------- the chart

# Okabe–Ito colours: told apart with every common colour-vision deficiency, and in grey print.
CHART_SERIES = (("observations", "#0072B2"), ("resolved", "#009E73"),
                ("measures_planned", "#E69F00"), ("measures_in_progress", "#56B4E9"),
                ("measures_done", "#CC79A7"), ("walks", "#555555"))


def activity_chart(rows: Sequence[ProgressRow], lang: str = "sv", width_px: int = 1400) -> bytes:
    """A PNG bar chart of the promise's figures, one group of horizontal bars per row:
    observations linked, resolved, measures planned, in progress and done, walks held
    (:data:`CHART_SERIES`), each bar labelled with its figure.  The rows are drawn top to
    bottom in the order given; their labels are cut at 48 characters.  Drawn with
    matplotlib's Agg canvas (no ``pyplot``), the same input giving the same bytes.  Raises
    ValueError when there is no row or ``width_px`` is not 300–6000."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    data = list(rows)
    if not data:
        raise ValueError("rows: nothing to draw")
    if isinstance(width_px, bool) or not isinstance(width_px, int) or not 300 <= width_px <= 6000:
        raise ValueError(f"width_px must be a whole number from 300 to 6000, got {width_px!r}")
    names = [t(f"report.chart.{key}", lang) for key, _ in CHART_SERIES]
    n, k = len(data), len(CHART_SERIES)
    fig_w = 8.0
    fig_h = 0.9 + 0.16 * k * n + 0.25 * n
    dpi = width_px / fig_w
    fig = Figure(figsize=(fig_w, fig_h), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.36, 0.7 / fig_h, 0.6, 1 - 1.05 / fig_h))
    bar = 0.8 / k
    top = 0.0
    for s_i, (key, colour) in enumerate(CHART_SERIES):
        values = [float(getattr(r, key) or 0) for r in data]
        ys = [g + (s_i - (k - 1) / 2) * bar for g in range(n)]
        bars = ax.barh(ys, values, height=bar * 0.92, color=colour, label=names[s_i])
        for text in ax.bar_label(bars, labels=[f"{v:.0f}" for v in values], padding=2, fontsize=6.5):
            text.set_parse_math(False)
        top = max(top, *values)
    ax.set_yticks(range(n), [_text(r.label, 48) for r in data], fontsize=7.5)
    for text in ax.get_yticklabels():
        text.set_parse_math(False)
    ax.invert_yaxis()  # the first row on top
    ax.set_xlim(0, max(top * 1.12, 1))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    leg = fig.legend(loc="lower center", ncol=3, frameon=False, fontsize=7.5,
                     bbox_to_anchor=(0.5, 0.0))
    for text in leg.get_texts():
        text.set_parse_math(False)
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(out, format="PNG", compress_level=6)
    return out.getvalue()


# --------------------------------------------------------------------------- PDF machinery

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
    from fontTools.ttLib import TTFont

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


def _cell(value: object, limit: int = CELL_MAX) -> str:
    return _printable(_text(value, limit))


def _make_pdf(title: str, lang: str, created: datetime | None):
    from fpdf import FPDF

    class _Pdf(FPDF):
        """A4 portrait, DejaVu Sans, footer "Sida n av m".

        fpdf2 replaces the alias ``{nb}`` in any text while it is set, so the alias is set
        only while the footer is written and again when the document is closed (the
        footer's own placeholders are the only ones registered): a ``{nb}`` typed by a user
        stays as typed.
        """
        closing = False

        def footer(self) -> None:
            self.alias_nb_pages(None)  # the title is user text
            self.set_y(-12)
            self.set_font("DejaVu", "", 7.5)
            self.set_text_color(90, 90, 90)
            left = _cell(f"{t('report.app', lang)} · {title}", 95)
            self.cell(0, 5, left, align="L")
            self.set_x(self.l_margin)
            self.alias_nb_pages("{nb}")
            self.cell(0, 5, t("report.page", lang, page=self.page_no(), total="{nb}"),
                      align="R")
            self.set_text_color(0, 0, 0)
            if not self.closing:
                self.alias_nb_pages(None)

        def output(self, *args, **kwargs):
            self.closing = True
            return super().output(*args, **kwargs)

    pdf = _Pdf(orientation="portrait", unit="mm", format="A4")
    pdf.alias_nb_pages(None)
    regular, bold = font_path()
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_font("DejaVu", "", 10)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(_cell(title, 300))
    pdf.set_author(t("report.app", lang))
    pdf.set_creator(t("report.app", lang))
    pdf.set_lang(lang)
    when = created or datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=STOCKHOLM)
    pdf.set_creation_date(when)
    return pdf, when


def _heading(pdf, text: str, size: float = 12.5) -> None:
    if pdf.get_y() > pdf.h - 45:  # keep a heading with the first lines below it
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", size)
    pdf.multi_cell(0, size * 0.5, _cell(text, 300), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("DejaVu", "", 9)


def _line(pdf, text: str, size: float = 9.5, bold: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.48, _cell(text, 2000), align="L", new_x="LMARGIN",
                   new_y="NEXT")


def _image(pdf, png: bytes, max_h: float) -> None:
    wpx, hpx = _png_size(png)
    w = pdf.epw
    h = w * hpx / wpx
    if h > max_h:
        h, w = max_h, max_h * wpx / hpx
    if pdf.get_y() + h > pdf.h - pdf.b_margin:
        pdf.add_page()
    x = pdf.l_margin + (pdf.epw - w) / 2
    pdf.image(io.BytesIO(png), x=x, y=pdf.get_y(), w=w, h=h)
    pdf.set_y(pdf.get_y() + h + 2)


def _table(pdf, headings: Sequence[str], rows: Iterable[Sequence[object]],
           widths: Sequence[float], *, align: Sequence[str] | None = None,
           styles: Sequence[Any] | None = None, limits: Sequence[int] | None = None,
           size: float = 8.0) -> None:
    """A table with a bold heading row repeated on every page; every value plain text."""
    from fpdf.fonts import FontFace

    pdf.set_font("DejaVu", "", size)
    head = FontFace(family="DejaVu", emphasis="BOLD", size_pt=size, fill_color=(226, 230, 236))
    with pdf.table(col_widths=tuple(widths), width=pdf.epw, text_align="LEFT",
                   headings_style=head, line_height=size * 0.46, padding=(0.9, 1.2),
                   borders_layout="HORIZONTAL_LINES", cell_fill_color=(246, 247, 249),
                   cell_fill_mode="ROWS", repeat_headings=1, markdown=False,
                   v_align="TOP") as table:
        hr = table.row()
        for i, h in enumerate(headings):
            hr.cell(_cell(h, 200), align=(align[i] if align else "LEFT"))
        for k, row in enumerate(rows):
            r = table.row(style=styles[k] if styles else None)
            for i, v in enumerate(row):
                r.cell(_cell(v, limits[i] if limits else CELL_MAX),
                       align=(align[i] if align else "LEFT"))
    pdf.set_font("DejaVu", "", 9)


_ITEM_WIDTHS = (11, 28, 30, 22, 20, 31, 38)


def _items(pdf, section: str, rows: Sequence[ItemRow], lang: str) -> None:
    _heading(pdf, f"{t(f'report.section.{section}', lang)} ({len(rows)})")
    if not rows:
        _line(pdf, t("report.nothing", lang))
        return
    for i, r in enumerate(rows):
        if not isinstance(r, ItemRow):
            raise ValueError(f"{section}[{i}]: expected an ItemRow, got {type(r).__name__}")
    headings = [t("report.col.ref", lang), t("report.col.what", lang),
                t("report.col.place", lang), t("report.col.status", lang),
                t(f"report.col.date_{section}", lang), t("report.col.responsible", lang),
                t("report.col.note", lang)]
    _table(pdf, headings,
           ([r.ref, r.what, r.place, r.status, r.when, r.responsible, r.note] for r in rows),
           _ITEM_WIDTHS)


def _share(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    if not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"resolved_share must be from 0 to 1 or None, got {value!r}")
    return t("report.share", lang, pct=round(value * 100))


def _progress_table(pdf, rows: Sequence[ProgressRow], lang: str) -> None:
    from fpdf.fonts import FontFace

    for i, r in enumerate(rows):
        if not isinstance(r, ProgressRow):
            raise ValueError(f"progress[{i}]: expected a ProgressRow, got {type(r).__name__}")
    # The district column when a row names one; the count of resolved ones when a row has it.
    placed = any(r.district for r in rows)
    counted = any(r.resolved is not None for r in rows)
    keys = ("activity",) + (("district",) if placed else ()) + ("observations",) + (
        ("resolved",) if counted else ()) + ("resolved_share", "planned", "in_progress", "done",
                                             "overdue", "walks")
    width = {"activity": 39.5, "district": 19, "observations": 20, "resolved": 18.5,
             "resolved_share": 17, "planned": 17, "in_progress": 17, "done": 14, "overdue": 17.5,
             "walks": 19}
    widths = [width[k] for k in keys]
    widths[0] += pdf.epw - sum(widths)  # the activity's text takes what is left
    if widths[0] < 30:
        scale = pdf.epw / sum(width[k] for k in keys)
        widths = [width[k] * scale for k in keys]
    headings = [t(f"report.col.{k}", lang) for k in keys]
    body, styles = [], []
    bold = FontFace(family="DejaVu", emphasis="BOLD")
    for r in rows:
        label = ("    " + r.label) if r.level >= 2 else r.label
        cells = [label] + ([r.district or t("report.total", lang)] if placed else []) + [r.observations]
        if counted:
            cells.append("–" if r.resolved is None else r.resolved)
        cells += [_share(r.resolved_share, lang), r.measures_planned, r.measures_in_progress,
                  r.measures_done, r.measures_overdue, r.walks]
        body.append(cells)
        styles.append(bold if r.level < 2 else None)
    _table(pdf, headings, body, widths, align=("LEFT",) * (1 + placed) + ("RIGHT",) * (len(keys) - 1 - placed),
           styles=styles, size=7)


def _progress(pdf, report: MeetingReport, lang: str) -> None:
    _heading(pdf, t("report.section.progress", lang))
    if report.promise:
        _line(pdf, t("report.promise", lang, title=report.promise))
    if not report.sections:
        if report.progress_period:
            _line(pdf, t("report.progress_period", lang, period=report.progress_period))
        pdf.ln(1)
        if not report.progress:
            _line(pdf, t("report.nothing", lang))
            return
        _progress_table(pdf, report.progress, lang)
    for i, section in enumerate(report.sections):
        if not isinstance(section, ProgressSection):
            raise ValueError(f"sections[{i}]: expected a ProgressSection, got {type(section).__name__}")
        _heading(pdf, f"{section.title} ({section.period})" if section.period else section.title,
                 size=10.5)
        if section.chart_png is not None:
            _image(pdf, bytes(section.chart_png), max_h=110)
        if section.rows:
            _progress_table(pdf, section.rows, lang)
        else:
            _line(pdf, t("report.nothing", lang))
        if section.hidden:
            pdf.ln(0.5)
            _line(pdf, t("report.hidden_rows", lang, n=section.hidden), size=7.5)
    pdf.ln(1)
    _line(pdf, t("report.progress_note", lang), size=7.5)


def _decisions(pdf, decisions: Sequence[str], lang: str) -> None:
    _heading(pdf, f"{t('report.section.decisions', lang)} ({len(decisions)})")
    if not decisions:
        _line(pdf, t("report.nothing", lang))
        return
    for i, d in enumerate(decisions, start=1):
        if pdf.get_y() > pdf.h - 35:
            pdf.add_page()
        pdf.set_font("DejaVu", "B", 9.5)
        pdf.cell(8, 5, f"{i}.")
        pdf.set_font("DejaVu", "", 9.5)
        pdf.multi_cell(0, 5, _cell(d, 1000), new_x="LMARGIN", new_y="NEXT")
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


def meeting_pdf(report: MeetingReport, lang: str = "sv") -> bytes:
    """The follow-up meeting's report as a PDF (A4 portrait, printable).

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
    pdf, when = _make_pdf(report.title, lang, report.created)
    pdf.add_page()

    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 5, t("report.meeting", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "B", 17)
    pdf.multi_cell(0, 8, _cell(report.title, 300), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    _line(pdf, t("report.period_since", lang, start=last.isoformat(), end=this.isoformat()),
          bold=True)
    names = [n for n in report.districts if n]
    if names:
        _line(pdf, t("report.districts" if len(names) > 1 else "report.district", lang,
                     names=", ".join(_text(n, 200) for n in names)))
    if report.promise:
        _line(pdf, t("report.promise", lang, title=_text(report.promise, 300)))
    _line(pdf, t("report.created", lang,
                 when=when.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")), size=8.5)
    pdf.ln(1.5)
    _line(pdf, t("report.summary", lang, new=len(report.new), resolved=len(report.resolved),
                 overdue=len(report.overdue), waiting=len(report.waiting),
                 guldkorn=len(report.guldkorn)), bold=True)
    if report.map_png is not None:
        pdf.ln(2)
        _image(pdf, bytes(report.map_png), max_h=150)

    for section in ("new", "resolved", "overdue", "waiting", "guldkorn"):
        _items(pdf, section, getattr(report, section), lang)
    _progress(pdf, report, lang)
    _decisions(pdf, report.decisions, lang)
    return bytes(pdf.output())


# --------------------------------------------------------------------------- walk protocol

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


def walk_protocol_pdf(walk_title: str, walk_date: date | datetime | str, district_name: str,
                      rows: Sequence[ProtocolRow | Mapping[str, Any]],
                      map_png: bytes | None, *, lang: str = "sv",
                      created: datetime | None = None) -> bytes:
    """The walk protocol as a PDF (A4 portrait): the walk, its date and district, the map
    excerpt and one table row per point in the order given (the caller orders them along
    the route): Nr, Kategori, Plats, Antal som pekade ut, Vad deltagarna skrev (each text on
    its own line, starting "– "), Ansvarig, Prioritet, Klart senast.

    ``rows`` are :class:`ProtocolRow` or mappings with the same keys.  ``created`` fixes the
    PDF's creation date (for identical bytes); None = now.
    """
    points = [_protocol_row(i, r) for i, r in enumerate(rows)]
    pdf, _ = _make_pdf(f"{t('report.protocol.title', lang)} – {_text(walk_title, 200)}",
                       lang, created)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 17)
    pdf.multi_cell(0, 8, t("report.protocol.title", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    _line(pdf, t("report.protocol.walk", lang, title=_text(walk_title, 300)), bold=True)
    _line(pdf, t("report.protocol.date", lang, date=_text(walk_date, 40)))
    _line(pdf, t("report.protocol.district", lang, name=_text(district_name, 200)))
    _line(pdf, t("report.protocol.count", lang, n=len(points)))
    pdf.ln(1)
    _line(pdf, t("report.protocol.intro", lang), size=8.5)
    if map_png is not None:
        pdf.ln(2)
        _image(pdf, bytes(map_png), max_h=140)
    _heading(pdf, t("report.section.points", lang))
    if not points:
        _line(pdf, t("report.nothing", lang))
        return bytes(pdf.output())
    headings = [t(f"report.protocol.{k}", lang) for k in (
        "nr", "category", "place", "flagged", "texts", "responsible", "priority", "deadline")]
    body = []
    for p in points:
        texts = [p.texts] if isinstance(p.texts, str) else list(p.texts)
        texts = [_text(x, TEXTS_MAX) for x in texts]
        joined = "\n".join(f"– {x}" for x in texts if x) if len(texts) > 1 else \
            (texts[0] if texts else "")
        body.append([p.number, p.category, p.place, p.flagged_by, joined, p.responsible,
                     p.priority, p.deadline])
    _table(pdf, headings, body, (8, 24, 27, 12, 52, 22, 16, 19),
           align=("RIGHT", "LEFT", "LEFT", "RIGHT", "LEFT", "LEFT", "LEFT", "LEFT"),
           limits=(20, 200, 300, 20, TEXTS_MAX, 200, 60, 40), size=7.5)
    return bytes(pdf.output())


# --------------------------------------------------------------------------- Excel

_XLSX_COLUMNS = ("id", "type", "title", "status", "responsible", "who", "due", "cost",
                 "observations", "activity", "overdue")
_XLSX_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_text(value: object) -> str:
    return _XLSX_BAD.sub("", "" if value is None else str(value))[:32767]


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

    data = list(rows)
    for i, r in enumerate(data):
        if not isinstance(r, ActionRow):
            raise ValueError(f"rows[{i}]: expected an ActionRow, got {type(r).__name__}")
        if r.due is not None and not isinstance(r.due, date):
            raise ValueError(f"rows[{i}].due: expected a date or None, got {r.due!r}")
        if r.cost is not None and (isinstance(r.cost, bool) or not isinstance(r.cost, (int, float))
                                   or not math.isfinite(r.cost)):
            raise ValueError(f"rows[{i}].cost: expected a number or None, got {r.cost!r}")

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


def _summary_sheet(ws, tables: Sequence[SummaryTable], bold, fill) -> None:
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


# --------------------------------------------------------------------------- GeoPackage


def _metric(geom: BaseGeometry) -> BaseGeometry:
    """WGS84 → EPSG:3006, rounded to the centimetre."""
    return shapely.set_precision(geometry_to_metric(geom), 0.01)


def followup_gpkg(path: str | os.PathLike, observations: Sequence[Observation],
                  measures: Sequence[Measure], spots: Sequence[HotSpot], catalog,
                  lang: str = "sv", *, marks: Mapping[str, Iterable[int]] | None = None,
                  measure_marks: Mapping[str, Iterable[int]] | None = None,
                  summary: Sequence[tuple[str, str, int]] = ()) -> dict[str, int]:
    """Write a GeoPackage for QGIS with three layers; return the rows written per layer.

    The CRS is **SWEREF 99 TM (EPSG:3006)**, coordinates rounded to the centimetre: it is
    what Swedish municipalities' GIS and Lantmäteriet's maps use, so the layers sit on the
    municipality's own data without reprojection and QGIS measures lengths and areas in
    metres.  (The re-importable interchange export, :func:`geo.io.export_file`, stays in
    EPSG:4326.)  Field names are Swedish without å/ä/ö; codes stand next to their labels in
    ``lang`` (``status`` / ``status_namn``).

    ``iakttagelser`` (Point): ``id`` int, ``uuid``, ``kategori``, ``kategori_namn``,
    ``positiv`` bool, ``beskrivning``, ``otrygghet`` int (1–5), ``observerad`` datetime
    (UTC, as GeoPackage stores time), ``datum`` date (Swedish local date), ``lokal_tid``
    text (``2019-10-15 18:42``), ``status``, ``status_namn``, ``status_skal``, ``omrade``,
    ``aktivitet``, ``aktivitet_namn`` ("1.6 Trygghetsvandringar …"), ``vandring_id`` int
    (empty when none), ``demo`` bool; then one bool field per entry of ``marks`` (field
    name → the ids that are true), e.g. ``ny_sedan_motet``, so that QGIS counts what the
    meeting counts ("ny_sedan_motet" = true).

    ``atgarder`` (geometry type GEOMETRY: points, lines and areas in one layer; QGIS offers
    them as one sublayer per type): ``id`` int, ``typ``, ``typ_namn``, ``rubrik``,
    ``beskrivning``, ``status``, ``status_namn``, ``status_skal``, ``ansvarig``,
    ``ansvarig_namn``, ``vem``, ``klart_senast`` date, ``kostnad_kr`` int (empty when
    unknown), ``iakttagelser`` text (``"12, 15"``), ``antal_iakttagelser`` int,
    ``aktivitet``, ``aktivitet_namn``, ``omrade``, ``geometri`` (punkt/linje/yta),
    ``langd_m`` and ``yta_m2`` real (empty when they do not apply), ``demo`` bool; then one
    bool field per entry of ``measure_marks``.

    ``hot_spots`` (Polygon): ``id`` int, ``antal`` int, ``huvudkategorier`` text
    (``"Belysning (5), Vegetation och skymd sikt (3)"``), ``otrygghet_snitt`` real,
    ``andel_atgardade`` real (0–1), ``yta_m2`` real, ``iakttagelser`` text, ``omraden`` text.

    ``sammanfattning`` (:data:`SUMMARY_LAYER`, a table without geometry, written only when
    ``summary`` is given): ``nyckel``, ``namn``, ``antal`` int — one row per
    ``(key, label, value)``, the meeting's figures.

    All or nothing: the file is written in a temporary folder next to ``path`` and renamed
    into place, so a failure leaves any earlier file untouched and no half-written one.
    """
    import geopandas as gpd
    import pandas as pd
    import pyarrow as pa
    import pyogrio

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise ValueError(f"path: a GeoPackage needs the suffix .gpkg, got {path.name!r}")
    if not path.parent.is_dir():
        raise ValueError(f"path: the folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise ValueError(f"path: {str(path)!r} is a folder")

    S, I, F, B = pa.string(), pa.int64(), pa.float64(), pa.bool_()
    D, T = pa.date32(), pa.timestamp("ms", tz="UTC")

    def frame(columns: dict[str, tuple[pa.DataType, list]], geoms: list,
              ) -> gpd.GeoDataFrame:
        data = {k: pd.Series(pa.array(v, type=typ), dtype=pd.ArrowDtype(typ))
                for k, (typ, v) in columns.items()}
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=SWEREF99TM),
                                crs=SWEREF99TM)

    from .progress import activity_labels

    cats = {c.id: c for c in catalog.categories}
    mtypes = {c.id: c for c in catalog.measure_types}
    acts = activity_labels(catalog, lang, width=250)
    obs = list(observations)
    marked = {name: set(ids) for name, ids in (marks or {}).items()}
    m_marked = {name: set(ids) for name, ids in (measure_marks or {}).items()}

    def local(o: Observation) -> datetime:
        return o.observed_at.astimezone(STOCKHOLM)

    def utc(o: Observation) -> datetime:
        return o.observed_at.astimezone(timezone.utc)

    obs_frame = frame({
        "id": (I, [o.id for o in obs]),
        "uuid": (S, [o.uuid for o in obs]),
        "kategori": (S, [o.category for o in obs]),
        "kategori_namn": (S, [cats[o.category].label(lang) if o.category in cats else o.category
                              for o in obs]),
        "positiv": (B, [bool(o.category in cats and cats[o.category].positive) for o in obs]),
        "beskrivning": (S, [o.description or "" for o in obs]),
        "otrygghet": (I, [int(o.feeling) for o in obs]),
        "observerad": (T, [utc(o) for o in obs]),
        "datum": (D, [local(o).date() for o in obs]),
        "lokal_tid": (S, [local(o).strftime("%Y-%m-%d %H:%M") for o in obs]),
        "status": (S, [str(o.status) for o in obs]),
        "status_namn": (S, [t(f"status.observation.{o.status}", lang) for o in obs]),
        "status_skal": (S, [o.status_reason or "" for o in obs]),
        "omrade": (S, [o.district_id or "" for o in obs]),
        "aktivitet": (S, [o.activity_id or "" for o in obs]),
        "aktivitet_namn": (S, [acts.get(o.activity_id, o.activity_id or "") for o in obs]),
        "vandring_id": (I, [o.walk_id for o in obs]),
        "demo": (B, [bool(o.is_demo) for o in obs]),
        **{name: (B, [o.id in ids for o in obs]) for name, ids in marked.items()},
    }, [_metric(shapely.Point(o.lon, o.lat)) for o in obs])

    ms = list(measures)
    mg = [_metric(shape(m.geometry)) for m in ms]
    kind = {"Point": "point", "MultiPoint": "point", "LineString": "line",
            "MultiLineString": "line", "Polygon": "area", "MultiPolygon": "area"}
    meas_frame = frame({
        "id": (I, [m.id for m in ms]),
        "typ": (S, [m.type for m in ms]),
        "typ_namn": (S, [mtypes[m.type].label(lang) if m.type in mtypes else m.type for m in ms]),
        "rubrik": (S, [m.title for m in ms]),
        "beskrivning": (S, [m.description or "" for m in ms]),
        "status": (S, [str(m.status) for m in ms]),
        "status_namn": (S, [t(f"status.measure.{m.status}", lang) for m in ms]),
        "status_skal": (S, [m.status_reason or "" for m in ms]),
        "ansvarig": (S, [str(m.responsible) for m in ms]),
        "ansvarig_namn": (S, [t(f"responsible.{m.responsible}", lang) for m in ms]),
        "vem": (S, [m.responsible_name or "" for m in ms]),
        "klart_senast": (D, [m.due for m in ms]),
        "kostnad_kr": (I, [None if m.cost_sek is None else int(m.cost_sek) for m in ms]),
        "iakttagelser": (S, [", ".join(str(i) for i in m.observation_ids) for m in ms]),
        "antal_iakttagelser": (I, [len(m.observation_ids) for m in ms]),
        "aktivitet": (S, [m.activity_id or "" for m in ms]),
        "aktivitet_namn": (S, [acts.get(m.activity_id, m.activity_id or "") for m in ms]),
        "omrade": (S, [m.district_id or "" for m in ms]),
        "geometri": (S, [t(f"report.gpkg.{kind.get(g.geom_type, 'area')}", lang) for g in mg]),
        "langd_m": (F, [round(g.length, 2) if kind.get(g.geom_type) == "line" else None
                        for g in mg]),
        "yta_m2": (F, [round(g.area, 2) if kind.get(g.geom_type) == "area" else None
                       for g in mg]),
        "demo": (B, [bool(m.is_demo) for m in ms]),
        **{name: (B, [m.id in ids for m in ms]) for name, ids in m_marked.items()},
    }, mg)

    sp = list(spots)

    def main(s: HotSpot) -> str:
        return ", ".join(f"{cats[c].label(lang) if c in cats else c} ({n})"
                         for c, n in s.main_categories)

    spot_frame = frame({
        "id": (I, [s.id for s in sp]),
        "antal": (I, [s.count for s in sp]),
        "huvudkategorier": (S, [main(s) for s in sp]),
        "otrygghet_snitt": (F, [round(float(s.mean_feeling), 3) for s in sp]),
        "andel_atgardade": (F, [round(float(s.resolved_share), 4) for s in sp]),
        "yta_m2": (F, [round(float(s.area_m2), 1) for s in sp]),
        "iakttagelser": (S, [", ".join(str(i) for i in s.observation_ids) for s in sp]),
        "omraden": (S, [", ".join(s.district_ids) for s in sp]),
    }, [_metric(shape(s.area)) for s in sp])

    folder = tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        tmp = Path(folder) / path.name
        for layer, df, gtype in ((GPKG_LAYERS[0], obs_frame, "Point"),
                                 (GPKG_LAYERS[1], meas_frame, "Unknown"),
                                 (GPKG_LAYERS[2], spot_frame, "Polygon")):
            pyogrio.write_dataframe(df, tmp, layer=layer, driver="GPKG", use_arrow=True,
                                    geometry_type=gtype, promote_to_multi=False)
        if summary:
            rows = list(summary)
            table = pd.DataFrame({
                k: pd.Series(pa.array(v, type=typ), dtype=pd.ArrowDtype(typ)) for k, (typ, v) in {
                    "nyckel": (S, [str(r[0]) for r in rows]), "namn": (S, [str(r[1]) for r in rows]),
                    "antal": (I, [int(r[2]) for r in rows])}.items()})
            pyogrio.write_dataframe(table, tmp, layer=SUMMARY_LAYER, driver="GPKG", use_arrow=True)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    written = {GPKG_LAYERS[0]: len(obs_frame), GPKG_LAYERS[1]: len(meas_frame),
               GPKG_LAYERS[2]: len(spot_frame)}
    if summary:
        written[SUMMARY_LAYER] = len(summary)
    return written
