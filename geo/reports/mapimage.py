"""The map image: a district with observations, measures and hot spots as a PNG for
printing, drawn in SWEREF 99 TM without any map tiles (matplotlib's Agg canvas, never
``pyplot``).  Shapes are drawn from shapely geometries as matplotlib paths; text drawn on the
map is drawn with matplotlib's math parsing off, so a ``$`` is a dollar sign."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..crs import geometry_to_metric, to_metric_arrays
from ..hotspots import RESOLVED_STATUSES, HotSpot
from ..i18n import t
from ..model import Category, Measure, MeasureStatus, Observation
from .base import figure_png, plain

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.path import Path as MplPath

    from ..catalog import Catalog
    from ..districts import Districts

_HOT = "#C0392B"
_FIG_W = 8.0  # inches: the look (line widths, text) is the same at every width_px
_NCOL = 3     # legend columns


@dataclass(frozen=True, slots=True)
class _Layers:
    """What the map draws, in metres (EPSG:3006)."""
    outlines: list[BaseGeometry]   # the chosen districts
    parts: list[BaseGeometry]      # their parts, drawn thinly
    attribution: list[str]         # the boundaries' sources
    obs: list[Observation]
    east: np.ndarray
    north: np.ndarray
    measures: list[tuple[Measure, BaseGeometry]]
    spots: list[tuple[HotSpot, BaseGeometry]]


@dataclass(frozen=True, slots=True)
class _Extent:
    x0: float
    y0: float
    x1: float
    y1: float
    ratio: float  # height / width of the map part

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def _hex(colour: str, default: str = "#555555") -> str:
    return colour if isinstance(colour, str) and re.fullmatch(r"#[0-9A-Fa-f]{6}", colour) \
        else default


def _path_of(geom: BaseGeometry) -> MplPath | None:
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
    return float(max((m * k for m in (1, 2, 5, 10) if m * k <= target), default=k))


def _scale_label(metres: float, lang: str) -> str:
    if metres >= 1000:
        km = metres / 1000
        return t("report.map.kilometres", lang, n=f"{km:g}".replace(".", ","))
    return t("report.map.metres", lang, n=f"{metres:g}")


def _layers(districts: Districts, district_id: str | Sequence[str] | None,
            observations: Sequence[Observation], measures: Sequence[Measure],
            spots: Sequence[HotSpot]) -> _Layers:
    ids = [] if district_id is None else (
        [district_id] if isinstance(district_id, str) else list(district_id))
    outlines: list[BaseGeometry] = []
    parts: list[BaseGeometry] = []
    attribution: list[str] = []
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
        east, north = to_metric_arrays(np.fromiter((o.lon for o in obs), float, len(obs)),
                                       np.fromiter((o.lat for o in obs), float, len(obs)))
    else:
        east = north = np.empty(0)
    return _Layers(outlines, parts, attribution, obs, east, north,
                   [(m, geometry_to_metric(shape(m.geometry))) for m in measures],
                   [(s, geometry_to_metric(shape(s.area))) for s in spots])


def _extent(layers: _Layers, lang: str) -> _Extent:
    """The districts' bounds (or else everything drawn's) with a 6 % margin, the map part
    between 0.55 and 1.3 times as high as wide."""
    if layers.outlines:
        bounds = np.array([g.bounds for g in layers.outlines])
    else:
        boxes = [g.bounds for _, g in layers.measures] + [g.bounds for _, g in layers.spots]
        if len(layers.east):
            boxes.append((layers.east.min(), layers.north.min(), layers.east.max(), layers.north.max()))
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
    return _Extent(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, ratio)


def _legend_handles(layers: _Layers, cats: Mapping[str, Category], lang: str) -> list[Artist]:
    """What the legend lists: the categories drawn, then the styles."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    seen = sorted({o.category for o in layers.obs},
                  key=lambda c: (cats[c].positive if c in cats else True, c))
    handles: list[Artist] = []
    for c in seen:
        cat = cats.get(c)
        handles.append(Line2D([], [], linestyle="none", marker="^" if cat and cat.positive else "o",
                              markersize=7, markerfacecolor=_hex(cat.colour if cat else ""),
                              markeredgecolor="#222222", markeredgewidth=0.6,
                              label=cat.label(lang) if cat else c))
    if layers.obs:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=7,
                              markerfacecolor="#777777", markeredgecolor="#222222",
                              markeredgewidth=0.6, label=t("report.map.open", lang)))
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=7,
                              markerfacecolor="none", markeredgecolor="#777777",
                              markeredgewidth=1.6, label=t("report.map.done", lang)))
    if layers.measures:
        handles.append(Line2D([], [], linestyle="none", marker="s", markersize=7,
                              markerfacecolor="#999999", markeredgecolor="#222222",
                              label=t("report.map.measure", lang)))
    if layers.spots:
        handles.append(Rectangle((0, 0), 1, 1, facecolor=_HOT + "22", edgecolor=_HOT,
                                 linestyle="--", label=t("report.map.hot_spot", lang)))
    return handles


def _shape(ax: Axes, geom: BaseGeometry, **style: Any) -> bool:
    """Add ``geom`` (a polygon or multipolygon) as a patch; False when it has no area."""
    from matplotlib.patches import PathPatch

    p = _path_of(geom)
    if p is not None:
        ax.add_patch(PathPatch(p, **style))
    return p is not None


def _draw_districts(ax: Axes, layers: _Layers) -> None:
    for g in layers.outlines:
        _shape(ax, g, facecolor="#F2F2EE", edgecolor="none", zorder=1)
    for g in layers.parts:
        _shape(ax, g, facecolor="none", edgecolor="#9A9A9A", linewidth=0.6, linestyle=(0, (4, 3)), zorder=2)
    for g in layers.outlines:
        _shape(ax, g, facecolor="none", edgecolor="#1F1F1F", linewidth=1.6, zorder=3)


def _draw_spots(ax: Axes, spots: Sequence[tuple[HotSpot, BaseGeometry]]) -> None:
    """Red dashed areas labelled H1, H2, …"""
    for s, g in spots:
        if _shape(ax, g, facecolor=_HOT + "1A", edgecolor=_HOT, linewidth=1.3, linestyle=(0, (5, 3)), zorder=4):
            c = g.centroid
            ax.text(c.x, g.bounds[3], f"H{s.id}", color=_HOT, fontsize=8, fontweight="bold",
                    ha="center", va="bottom", zorder=9).set_parse_math(False)


def _draw_measures(ax: Axes, measures: Sequence[tuple[Measure, BaseGeometry]],
                   mtypes: Mapping[str, Category]) -> None:
    """Squares, lines or areas in the measure type's colour; cancelled ones grey and dashed."""
    from matplotlib.collections import LineCollection

    for m, g in measures:
        mt = mtypes.get(m.type)
        cancelled = m.status == MeasureStatus.CANCELLED
        colour = "#8C8C8C" if cancelled else _hex(mt.colour if mt else "")
        style: Any = (0, (3, 2)) if cancelled else "solid"
        kind = g.geom_type
        if kind in ("Polygon", "MultiPolygon"):
            _shape(ax, g, facecolor=colour + "40", edgecolor=colour, linewidth=1.5, linestyle=style, zorder=5)
        elif kind in ("LineString", "MultiLineString"):
            lines = [np.asarray(line.coords)[:, :2] for line in getattr(g, "geoms", [g])]
            ax.add_collection(LineCollection(lines, colors=[colour], linewidths=3.0,
                                             linestyles=style, capstyle="round", zorder=5))
        elif kind in ("Point", "MultiPoint"):
            pts = np.array([(q.x, q.y) for q in getattr(g, "geoms", [g])])
            ax.scatter(pts[:, 0], pts[:, 1], marker="s", s=60, c=[colour],
                       edgecolors="#222222", linewidths=0.8, zorder=6)


def _draw_observations(ax: Axes, layers: _Layers, cats: Mapping[str, Category]) -> None:
    """Dots in the category's colour (triangles for positive places); resolved, verified and
    closed ones hollow, open ones on top."""
    obs, oe, on = layers.obs, layers.east, layers.north
    if not obs:
        return
    done = np.array([o.status in RESOLVED_STATUSES for o in obs])
    positive = np.array([bool(cats.get(o.category) and cats[o.category].positive) for o in obs])
    colours = np.array([_hex(cats[o.category].colour if o.category in cats else "") for o in obs])
    for is_done in (True, False):
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


def _draw_labels(ax: Axes, layers: _Layers, labels: Mapping[int, str]) -> None:
    """Short labels next to the dots (the walk protocol's point numbers)."""
    from matplotlib.patheffects import withStroke

    halo = [withStroke(linewidth=2.4, foreground="white")]
    for k, o in enumerate(layers.obs):
        label = labels.get(o.id)
        if label is None:
            continue
        ax.annotate(plain(label, 12), (layers.east[k], layers.north[k]), xytext=(4, 3),
                    textcoords="offset points", fontsize=7.5, fontweight="bold",
                    color="#111111", zorder=9, path_effects=halo,
                    annotation_clip=True).set_parse_math(False)


def _draw_scale_bar(ax: Axes, e: _Extent, lang: str) -> None:
    """Bottom left, on a white ground: half black, half white, "0" and its length."""
    from matplotlib.patches import Rectangle

    bar = _nice_length(e.width)
    bx, by = e.x0 + 0.03 * e.width, e.y0 + 0.045 * e.height
    bh = 0.012 * e.height
    ax.add_patch(Rectangle((bx - 0.01 * e.width, by - 0.02 * e.height),
                           bar + 0.02 * e.width + 0.09 * e.width, bh + 0.055 * e.height,
                           facecolor="white", edgecolor="none", alpha=0.85, zorder=10))
    ax.add_patch(Rectangle((bx, by), bar / 2, bh, facecolor="#1F1F1F", edgecolor="#1F1F1F",
                           linewidth=0.6, zorder=11))
    ax.add_patch(Rectangle((bx + bar / 2, by), bar / 2, bh, facecolor="white",
                           edgecolor="#1F1F1F", linewidth=0.6, zorder=11))
    for x, label in ((bx, "0"), (bx + bar, _scale_label(bar, lang))):
        ax.text(x, by + bh * 1.6, label, fontsize=7.5, ha="center" if label == "0" else "left",
                va="bottom", zorder=12).set_parse_math(False)


def _draw_north_and_source(ax: Axes, attribution: Sequence[str], lang: str) -> None:
    """The north arrow (top right) and the source line (bottom right)."""
    ax.annotate("", xy=(0.955, 0.965), xytext=(0.955, 0.875), xycoords="axes fraction",
                arrowprops=dict(arrowstyle="-|>", color="#1F1F1F", linewidth=1.4,
                                mutation_scale=14), zorder=12)
    ax.text(0.955, 0.855, t("report.map.north", lang), transform=ax.transAxes, fontsize=10,
            fontweight="bold", ha="center", va="top", zorder=12).set_parse_math(False)
    src = " · ".join([*attribution, "SWEREF 99 TM"])
    ax.text(0.995, 0.008, src, transform=ax.transAxes, fontsize=6, color="#444444",
            ha="right", va="bottom", zorder=12,
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1.5)
            ).set_parse_math(False)


def _map_axes(e: _Extent, width_px: int, legend_rows: int) -> tuple[Any, Axes]:
    """The figure (map above, legend band below) and the map's axes, set to the extent."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = width_px / _FIG_W
    map_h = _FIG_W * e.ratio
    legend_h = 0.12 + 0.24 * legend_rows if legend_rows else 0.0
    height_px = round((map_h + legend_h) * dpi)
    fig = Figure(figsize=(_FIG_W, height_px / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    total_h = height_px / dpi
    ax = fig.add_axes((0.0, legend_h / total_h, 1.0, map_h / total_h))
    ax.set_xlim(e.x0, e.x1)
    ax.set_ylim(e.y0, e.y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#FFFFFF")
    for spine in ax.spines.values():
        spine.set_edgecolor("#444444")
        spine.set_linewidth(0.8)
    return fig, ax


def map_image(districts: Districts, district_id: str | Sequence[str] | None,
              observations: Sequence[Observation], measures: Sequence[Measure], *,
              width_px: int = 1600, spots: Sequence[HotSpot] = (), catalog: Catalog | None = None,
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

    Returns an RGB PNG, ``width_px`` wide, drawn in SWEREF 99 TM (EPSG:3006), grid north up
    (within 2° of true north in the districts here), with a scale bar in metres and the
    boundary source line; the same input gives the same bytes.  Raises ValueError for an
    unknown district id, a bad ``width_px``, or nothing to draw.
    """
    if catalog is None:
        from ..catalog import load as load_catalog
        catalog = load_catalog()
    if isinstance(width_px, bool) or not isinstance(width_px, int) or not 200 <= width_px <= 6000:
        raise ValueError(f"width_px must be a whole number from 200 to 6000, got {width_px!r}")
    layers = _layers(districts, district_id, observations, measures, spots)
    extent = _extent(layers, lang)
    cats = {c.id: c for c in catalog.categories}
    handles = _legend_handles(layers, cats, lang)
    fig, ax = _map_axes(extent, width_px, math.ceil(len(handles) / _NCOL))
    _draw_districts(ax, layers)
    _draw_spots(ax, layers.spots)
    _draw_measures(ax, layers.measures, {c.id: c for c in catalog.measure_types})
    _draw_observations(ax, layers, cats)
    if labels:
        _draw_labels(ax, layers, labels)
    _draw_scale_bar(ax, extent, lang)
    _draw_north_and_source(ax, layers.attribution, lang)
    if handles:
        leg = fig.legend(handles=handles, loc="lower center", ncol=_NCOL, frameon=False,
                         fontsize=8, bbox_to_anchor=(0.5, 0.0), borderaxespad=0.3,
                         handletextpad=0.4, columnspacing=1.6)
        for text in leg.get_texts():
            text.set_parse_math(False)
    return figure_png(fig)
