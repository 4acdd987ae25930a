"""The promise's figures per activity as a PNG bar chart (matplotlib's Agg canvas, no
``pyplot``), for the meeting PDF; the follow-up page draws the same series with the same
colours (:data:`CHART_SERIES`)."""

from __future__ import annotations

from collections.abc import Sequence

from ..i18n import t
from .base import figure_png, plain
from .rows import ProgressRow

# Okabe–Ito colours: told apart with every common colour-vision deficiency, and in grey print.
CHART_SERIES = (("observations", "#0072B2"), ("resolved", "#009E73"),
                ("measures_planned", "#E69F00"), ("measures_in_progress", "#56B4E9"),
                ("measures_done", "#CC79A7"), ("walks", "#555555"))


def activity_chart(rows: Sequence[ProgressRow], lang: str = "sv", width_px: int = 1400) -> bytes:
    """A PNG bar chart of the promise's figures, one group of horizontal bars per row:
    observations linked, resolved, measures planned, in progress and done, walks held
    (:data:`CHART_SERIES`, fields of the row's :class:`geo.progress.Figures`), each bar
    labelled with its figure.  The rows are drawn top to bottom in the order given; their
    labels are cut at 48 characters.  The same input gives the same bytes.  Raises
    ValueError when there is no row or ``width_px`` is not 300–6000."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    data = list(rows)
    if not data:
        raise ValueError("rows: nothing to draw")
    if isinstance(width_px, bool) or not isinstance(width_px, int) or not 300 <= width_px <= 6000:
        raise ValueError(f"width_px must be a whole number from 300 to 6000, got {width_px!r}")
    names = [t(f"report.chart.{key}", lang) for key, _ in CHART_SERIES]
    n, k = len(data), len(CHART_SERIES)
    fig_w = 8.0
    fig_h = 0.9 + 0.16 * k * n + 0.25 * n
    fig = Figure(figsize=(fig_w, fig_h), dpi=width_px / fig_w, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.36, 0.7 / fig_h, 0.6, 1 - 1.05 / fig_h))
    bar = 0.8 / k
    top = 0.0
    for s_i, (key, colour) in enumerate(CHART_SERIES):
        values = [float(getattr(r.figures, key) or 0) for r in data]
        ys = [g + (s_i - (k - 1) / 2) * bar for g in range(n)]
        bars = ax.barh(ys, values, height=bar * 0.92, color=colour, label=names[s_i])
        for label in ax.bar_label(bars, labels=[f"{v:.0f}" for v in values], padding=2, fontsize=6.5):
            label.set_parse_math(False)
        top = max(top, *values)
    ax.set_yticks(range(n), [plain(r.label, 48) for r in data], fontsize=7.5)
    for text in ax.get_yticklabels():
        text.set_parse_math(False)
    ax.invert_yaxis()  # the first row on top
    ax.set_xlim(0, max(top * 1.12, 1))
    locator = ax.xaxis.get_major_locator()
    if isinstance(locator, MaxNLocator):  # matplotlib's AutoLocator: whole numbers only
        locator.set_params(integer=True)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    leg = fig.legend(loc="lower center", ncol=3, frameon=False, fontsize=7.5,
                     bbox_to_anchor=(0.5, 0.0))
    for text in leg.get_texts():
        text.set_parse_math(False)
    return figure_png(fig)
