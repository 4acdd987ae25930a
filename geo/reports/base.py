"""What the formats share: user text made plain and short, and PNG bytes in and out."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from ..i18n import STOCKHOLM

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CELL_MAX = 600    # characters in one table cell of a PDF
TEXTS_MAX = 1500  # characters in the protocol's "what the participants wrote" cell
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def plain(value: object, limit: int = CELL_MAX) -> str:
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


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG; ValueError (naming ``map_png``) for anything else."""
    if not isinstance(png, (bytes, bytearray)) or png[:8] != PNG_SIGNATURE or len(png) < 24:
        raise ValueError(f"map_png: expected PNG bytes, got {bytes(png[:8])!r}…"
                         if isinstance(png, (bytes, bytearray)) else
                         f"map_png: expected PNG bytes, got {type(png).__name__}")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def figure_png(fig: Figure) -> bytes:
    """A matplotlib figure (on an Agg canvas) as RGB PNG bytes without metadata, encoded by
    Pillow: the same figure gives the same bytes."""
    import numpy as np
    from PIL import Image

    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())  # type: ignore[attr-defined]  # the Agg canvas has it
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(out, format="PNG", compress_level=6)
    return out.getvalue()
