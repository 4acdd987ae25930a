"""Make user text safe for HTML, including HTML that folium puts inside JavaScript.

folium writes popup HTML into a JavaScript template literal where only backticks are
escaped, so ``${…}`` in a description would run when the map loads; tooltips and
``GeoJsonTooltip``/``GeoJsonPopup`` insert values raw.  Everything a user typed therefore goes
through :func:`html_text` on the server before it reaches folium: the HTML specials become
entities, and so do `` ` ``, ``$`` and ``\\`` (which mean nothing in HTML text but
something in JavaScript).  An apostrophe is an entity too, so it cannot end a quoted string.
"""

from __future__ import annotations

import html

_EXTRA = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def html_text(value: object, max_len: int | None = None) -> str:
    """``value`` as text that is inert in HTML and in a JavaScript string or template."""
    text = "" if value is None else str(value)
    if max_len is not None and len(text) > max_len:
        text = text[: max_len - 1].rstrip() + "…"
    return html.escape(text, quote=True).translate(_EXTRA)


_MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|<>~$:&\"'")


def markdown_text(value: object) -> str:
    """``value`` as literal text inside Streamlit markdown (titles, captions): every markdown
    and HTML special character is backslash-escaped, so a name like ``[x](javascript:…)`` or
    ``<b>`` shows as typed and never becomes a link, a tag or a formula."""
    text = "" if value is None else str(value)
    return "".join("\\" + c if c in _MARKDOWN_SPECIALS else c for c in text).replace("\n", " ")
