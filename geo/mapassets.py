"""Serve folium's JavaScript and CSS from the app itself, never from a CDN.

folium 0.20 makes every map load Leaflet, jQuery, Bootstrap, Font Awesome,
Leaflet.awesome-markers and each plugin from public CDNs (jsDelivr, cdnjs,
code.jquery.com, netdna, a jsDelivr view of folium's own GitHub ``main`` branch).
With no internet the ``st_folium`` iframe stays blank, and every map view tells
those hosts who is looking at which district. :func:`localize` rewrites all of
those links to the copies vendored in ``static/vendor/`` (see its README.md for
packages, versions, licences and how they were fetched), which Streamlit serves
at ``/app/static/vendor/...`` when ``.streamlit/config.toml`` has::

    [server]
    enableStaticServing = true

How it works
------------
folium elements declare their assets in ``default_js`` / ``default_css`` lists of
``(name, url)`` pairs. ``folium.Figure.render`` turns them into header links and
``streamlit_folium.st_folium`` collects them from the map and every descendant
(walking ``_children``) into the ``js_links`` / ``css_links`` its frontend loads.
:func:`localize` walks the same tree, from the root figure down, and gives each
element *new* lists with the local URLs (folium's lists are class attributes
shared by every instance; they are never modified in place). It also rewrites
``JavascriptLink`` / ``CssLink`` elements already sitting in the figure header,
in case the map was rendered before being localized.

There is exactly one mapping, :data:`CDN_TO_LOCAL`. An element that uses a CDN
URL the mapping does not cover makes :func:`localize` raise ``ValueError``
naming that URL, so a newly added plugin can never silently fall back to a CDN:
vendor its files, add them to the mapping, and the tests will check they exist.

Not supported (``localize`` raises ``ValueError``):

* branca ``ColorMap`` (e.g. ``branca.colormap.LinearColormap`` added to a map or
  used as a legend): ``st_folium`` injects two d3 CDN links for every ColorMap
  and branca adds another at render time. Trygghetskartan does not use
  ColorMap; draw legends with plain HTML instead.
* Geocoder and the other plugins not listed in the mapping.

Elements that add links only inside their own ``render`` (``folium.VegaLite``)
cannot be seen beforehand; the unit test that renders a map and looks for
``http(s)://`` catches those.

Leaflet's default marker images
-------------------------------
folium 0.20 does not set ``L.Icon.Default.imagePath``; Leaflet then guesses it
from the computed style of ``leaflet.css`` when the first default marker is
drawn. In the ``st_folium`` iframe the CSS links are appended and the map script
runs at once, before the CSS has loaded, so the guess fails and default markers
(``folium.Marker`` without an icon, Draw's marker tool, FastMarkerCluster) ask
for ``…/leaflet-1.9.3marker-icon.png``. :func:`localize` therefore adds one small
element as the *first* child of the map that sets
``L.Icon.Default.imagePath`` to the vendored ``images/`` folder before any
marker is created.

Every ``url(...)`` inside the vendored CSS files is relative to the CSS file and
resolves inside ``static/vendor`` (Font Awesome ``../webfonts/``, awesome-markers
``images/``, Leaflet ``images/``, Leaflet.draw ``images/``, Leaflet.fullscreen's
svg, the glyphicons ``../fonts/``); a unit test checks every one.

Leaflet's own texts
-------------------
Leaflet and its plugins speak English: the zoom buttons' "Zoom in"/"Zoom out", the layers
control's "Layers", a popup's "Close popup", the attribution's "A JavaScript library for
interactive maps", Leaflet.draw's toolbar and tooltips (``L.drawLocal``), Leaflet.fullscreen's
and the locate control's titles.  :class:`LeafletLanguage` (added by
:func:`geo.mapview.base_map` as the map's first child, so that its script runs before any
control or plugin of the map's children is created) gives them the catalogue's texts in the
map's language (``data/strings.toml``, keys ``leaflet.*``).

This module never imports Streamlit.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

import folium
from branca.element import Element, Link, MacroElement
from folium.template import Template

from . import i18n

__all__ = [
    "CDN_TO_LOCAL",
    "ICON_IMAGE_PATH",
    "LeafletLanguage",
    "STATIC_PREFIX",
    "local_asset_urls",
    "localize",
    "vendor_dir",
]

#: URL prefix under which Streamlit serves ``<app dir>/static/vendor``.
STATIC_PREFIX = "/app/static/vendor"

#: Every CDN URL folium 0.20 uses for the elements we support, mapped to a file
#: path relative to :func:`vendor_dir`. One entry per URL; nothing else is
#: rewritten. Versions match what folium pins (see static/vendor/README.md for
#: the two exceptions: glyphicons and Leaflet.fullscreen's ``.min.js``).
CDN_TO_LOCAL: dict[str, str] = {
    # --- folium.Map (folium/folium.py _default_js / _default_css) ---
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet-1.9.3/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet-1.9.3/leaflet.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": (
        "bootstrap-5.2.2/js/bootstrap.bundle.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": (
        "bootstrap-5.2.2/css/bootstrap.min.css"
    ),
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": (
        "bootstrap-3.4.1-glyphicons/css/bootstrap-glyphicons.css"
    ),
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": (
        "fontawesome-free-6.2.0/css/all.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": (
        "leaflet.awesome-markers-2.0.2/leaflet.awesome-markers.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": (
        "leaflet.awesome-markers-2.0.2/leaflet.awesome-markers.css"
    ),
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": (
        "folium-0.20.0/leaflet.awesome.rotate.min.css"
    ),
    # --- plugins.MarkerCluster and plugins.FastMarkerCluster ---
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js": (
        "leaflet.markercluster-1.1.0/leaflet.markercluster.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css": (
        "leaflet.markercluster-1.1.0/MarkerCluster.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": (
        "leaflet.markercluster-1.1.0/MarkerCluster.Default.css"
    ),
    # --- plugins.HeatMap (folium's patched Leaflet.heat, from its @main branch) ---
    "https://cdn.jsdelivr.net/gh/python-visualization/folium@main/folium/templates/leaflet_heat.min.js": (
        "leaflet.heat-0.2.0-folium/leaflet_heat.min.js"
    ),
    # --- plugins.Draw ---
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.js": (
        "leaflet-draw-1.0.2/leaflet.draw.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css": (
        "leaflet-draw-1.0.2/leaflet.draw.css"
    ),
    # --- plugins.Fullscreen (npm ships no .min.js; jsDelivr minifies on the fly) ---
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": (
        "leaflet.fullscreen-3.0.0/Control.FullScreen.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": (
        "leaflet.fullscreen-3.0.0/Control.FullScreen.css"
    ),
    # --- plugins.LocateControl ---
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-locatecontrol/0.66.2/L.Control.Locate.min.js": (
        "leaflet.locatecontrol-0.66.2/L.Control.Locate.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-locatecontrol/0.66.2/L.Control.Locate.min.css": (
        "leaflet.locatecontrol-0.66.2/L.Control.Locate.min.css"
    ),
}

#: Where Leaflet's default marker images are served (must end with "/").
ICON_IMAGE_PATH = f"{STATIC_PREFIX}/leaflet-1.9.3/images/"

_ICON_PATH_CHILD_NAME = "trygghetskartan_leaflet_icon_path"


def vendor_dir() -> pathlib.Path:
    """Return the folder holding the vendored assets (``<repo>/static/vendor``)."""
    return pathlib.Path(__file__).resolve().parent.parent / "static" / "vendor"


def local_asset_urls() -> list[str]:
    """Return every local URL :func:`localize` can write, sorted, without duplicates."""
    return sorted({f"{STATIC_PREFIX}/{rel}" for rel in CDN_TO_LOCAL.values()})


class _LeafletIconPath(MacroElement):
    """Set ``L.Icon.Default.imagePath`` before any marker is created."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.Icon.Default.imagePath = {{ this.image_path|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, image_path: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "LeafletIconPath"
        self.image_path = image_path


#: Leaflet.draw's ``L.drawLocal``, each text named by its catalogue key below ``leaflet.draw``
#: (the same tree as the plugin's, so that a deep merge replaces exactly these texts).
_DRAW_KEYS: dict[str, Any] = {
    "draw": {
        "toolbar": {
            "actions": {"title": "cancel_title", "text": "cancel"},
            "finish": {"title": "finish_title", "text": "finish"},
            "undo": {"title": "undo_title", "text": "undo"},
            "buttons": {"polyline": "polyline", "polygon": "polygon", "rectangle": "rectangle",
                        "circle": "circle", "marker": "marker", "circlemarker": "circlemarker"},
        },
        "handlers": {
            "circle": {"tooltip": {"start": "circle_start"}, "radius": "radius"},
            "circlemarker": {"tooltip": {"start": "marker_start"}},
            "marker": {"tooltip": {"start": "marker_start"}},
            "polygon": {"tooltip": {"start": "polygon_start", "cont": "polygon_cont", "end": "polygon_end"}},
            "polyline": {"error": "crossing", "tooltip": {"start": "line_start", "cont": "line_cont",
                                                          "end": "line_end"}},
            "rectangle": {"tooltip": {"start": "rectangle_start"}},
            "simpleshape": {"tooltip": {"end": "release"}},
        },
    },
    "edit": {
        "toolbar": {
            "actions": {"save": {"title": "save_title", "text": "save"},
                        "cancel": {"title": "cancel_edit_title", "text": "cancel"},
                        "clearAll": {"title": "clear_all_title", "text": "clear_all"}},
            "buttons": {"edit": "edit", "editDisabled": "edit_disabled", "remove": "remove",
                        "removeDisabled": "remove_disabled"},
        },
        "handlers": {"edit": {"tooltip": {"text": "edit_text", "subtext": "edit_subtext"}},
                     "remove": {"tooltip": {"text": "remove_text"}}},
    },
}


def _texts(tree: dict[str, Any], lang: str) -> dict[str, Any]:
    return {k: _texts(v, lang) if isinstance(v, dict) else i18n.t(f"leaflet.draw.{v}", lang)
            for k, v in tree.items()}


def leaflet_texts(lang: str) -> dict[str, Any]:
    """Every text :class:`LeafletLanguage` gives Leaflet and its plugins, in ``lang``."""
    def t(key: str) -> str:
        return i18n.t(f"leaflet.{key}", lang)

    return {
        "zoomIn": t("zoom_in"), "zoomOut": t("zoom_out"), "layers": t("layers"),
        "closePopup": t("close_popup"), "leafletTitle": t("leaflet_title"),
        "fullscreen": t("fullscreen"), "exitFullscreen": t("exit_fullscreen"),
        "locate": t("locate"), "locatePopup": t("locate_popup"),
        "outsideBounds": t("outside_bounds"),
        "draw": _texts(_DRAW_KEYS, lang),
    }


class LeafletLanguage(MacroElement):
    """Leaflet's and its plugins' built-in texts in ``lang`` (see the module's notes).

    The map's own zoom and attribution controls exist when this script runs: their buttons
    get the texts at once.  Controls and popups made later (the layers control, Leaflet.draw,
    fullscreen, locate) read them from the prototypes and ``L.drawLocal`` changed here.
    Only the texts are changed, never the controls' behaviour."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, tx) {
            function label(el, text) { if (el) { el.title = text; el.setAttribute("aria-label", text); } }
            if (map.zoomControl) {
                label(map.zoomControl._zoomInButton, tx.zoomIn);
                label(map.zoomControl._zoomOutButton, tx.zoomOut);
            }
            L.Control.Zoom.prototype.options.zoomInTitle = tx.zoomIn;
            L.Control.Zoom.prototype.options.zoomOutTitle = tx.zoomOut;
            var attribution = L.Control.Attribution.prototype.options;  // Leaflet's own link
            attribution.prefix = String(attribution.prefix).replace(
                /title="[^"]*"/, 'title="' + tx.leafletTitle.replace(/[&"<>]/g, "") + '"');
            if (map.attributionControl) { map.attributionControl.setPrefix(attribution.prefix); }
            if (!L.Control.Layers.prototype._tkLanguage) {
                var layersLayout = L.Control.Layers.prototype._initLayout;
                L.Control.Layers.prototype._initLayout = function () {
                    layersLayout.apply(this, arguments);
                    label(this._layersLink, window.tkLeafletTexts.layers);
                };
                var popupLayout = L.Popup.prototype._initLayout;
                L.Popup.prototype._initLayout = function () {
                    popupLayout.apply(this, arguments);
                    if (this._closeButton) {
                        this._closeButton.setAttribute("aria-label", window.tkLeafletTexts.closePopup);
                    }
                };
                L.Control.Layers.prototype._tkLanguage = true;
            }
            window.tkLeafletTexts = tx;
            function merge(into, from) {
                for (var k in from) {
                    if (typeof from[k] === "object" && into[k] && typeof into[k] === "object") {
                        merge(into[k], from[k]);
                    } else { into[k] = from[k]; }
                }
            }
            if (L.drawLocal) { merge(L.drawLocal, tx.draw); }
            if (L.Control.FullScreen) {
                L.Control.FullScreen.prototype.options.title = tx.fullscreen;
                L.Control.FullScreen.prototype.options.titleCancel = tx.exitFullscreen;
            }
            if (L.Control.Locate) {
                merge(L.Control.Locate.prototype.options.strings,
                      {title: tx.locate, popup: tx.locatePopup, outsideMapBoundsMsg: tx.outsideBounds});
            }
        })({{ this._parent.get_name() }}, {{ this.texts|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, lang: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "LeafletLanguage"
        self.lang = lang
        self.texts = leaflet_texts(lang)


def _is_local(url: str) -> bool:
    """True for a same-origin URL: no scheme, not protocol-relative."""
    return "://" not in url and not url.startswith("//") and not url.startswith("data:")


def _local_url(url: str, where: str) -> str:
    if _is_local(url):
        return url
    try:
        return f"{STATIC_PREFIX}/{CDN_TO_LOCAL[url]}"
    except KeyError:
        raise ValueError(
            f"{where} loads {url!r}, which has no local copy in static/vendor; "
            "vendor the file and add it to geo.mapassets.CDN_TO_LOCAL "
            "(refusing to let the map fall back to a CDN)"
        ) from None


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(getattr(element, "_children", {}).values()):
        yield from _walk(child)


def _localize_pairs(
    pairs: list[tuple[str, str]], element: Element, kind: str
) -> list[tuple[str, str]]:
    where = f"{type(element).__name__}.{kind}"
    return [(name, _local_url(url, where)) for name, url in pairs]


def _ensure_icon_path_first(m: Any) -> None:
    children = m._children
    if _ICON_PATH_CHILD_NAME not in children:
        child = _LeafletIconPath(ICON_IMAGE_PATH)
        m.add_child(child, name=_ICON_PATH_CHILD_NAME)
    children.move_to_end(_ICON_PATH_CHILD_NAME, last=False)


def localize(m: folium.Map) -> folium.Map:
    """Point every asset link of ``m`` (and of its whole figure) at ``static/vendor``.

    Call it at the end of map building, after all layers and plugins are
    added; calling it again (e.g. after adding more layers) is safe and a
    second call on an unchanged map changes nothing.

    Parameters
    ----------
    m : folium.Map
        The map; it is changed in place.

    Returns
    -------
    folium.Map
        The same map, for chaining.

    Raises
    ------
    ValueError
        If an element uses a CDN URL that :data:`CDN_TO_LOCAL` does not cover
        (the message names the URL and the element), or if the map holds a
        branca ColorMap (``st_folium`` would add d3 from a CDN for it).
    TypeError
        If ``m`` is not a ``folium.Map``.
    """
    if not isinstance(m, folium.Map):
        raise TypeError(f"localize() expects a folium.Map, instead got: {m!r}")
    import branca.colormap  # local import: only needed for the check

    root = m.get_root()
    # Validate everything before changing anything, so a failure leaves the
    # map as it was.
    elements = list(_walk(root))
    updates: list[tuple[Element, str, Any]] = []
    for element in elements:
        if isinstance(element, branca.colormap.ColorMap):
            raise ValueError(
                f"{type(element).__name__} is not supported offline: st_folium loads "
                "'https://d3js.org/d3.v4.min.js' and "
                "'https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js' for it; "
                "draw the legend with plain HTML instead"
            )
        for kind in ("default_js", "default_css"):
            pairs = getattr(element, kind, None)
            if pairs:
                updates.append((element, kind, _localize_pairs(pairs, element, kind)))
        if isinstance(element, Link):
            where = f"{type(element).__name__} in the figure"
            updates.append((element, "url", _local_url(element.url, where)))
    for element, attr, value in updates:
        # A new instance attribute: folium's lists are shared class attributes.
        setattr(element, attr, value)
    _ensure_icon_path_first(m)
    return m
