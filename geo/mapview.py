"""Folium map builders: plain functions that return folium objects, no Streamlit.

The walk page builds its map from :func:`walk_map` and :func:`walk_pins`; the planner map
(:mod:`geo.plannermap`) reuses the base map, outline, measure and route layers and the
legend.  Every piece of user text passes :func:`geo.safe.html_text` before it reaches
folium, and every map is :func:`geo.mapassets.localize`-d so that Leaflet and its plugins
come from the app itself.  A walk's pins are one GeoJSON layer drawn as circle markers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template

from . import i18n
from .crs import leaflet, leaflet_bounds
from .districts import Districts
from .mapassets import LeafletLanguage, localize
from .model import Category, District, Measure, Observation, Walk
from .outbox import Outbox
from .safe import html_text

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


def osm_attribution(lang: str) -> str:
    """The tiles' attribution in ``lang`` (OpenStreetMap asks for "© OpenStreetMap
    contributors" and accepts it translated), linking to the copyright page."""
    return ('&copy; <a href="https://www.openstreetmap.org/copyright">'
            f'{html_text(i18n.t("leaflet.osm_contributors", lang))}</a>')
OUTLINE_COLOUR = "#1f3b73"
ROUTE_COLOUR = "#5a2a82"
SAFE_SIZE = 26  # px: a safe place's shield, a little larger than a problem's dot


def safe_icon_html(colour: str, label: str, *, fill_opacity: float = 0.9, dash: str | None = None,
                   mine: bool = False) -> str:
    """A safe place's marker: a shield with a tick in the category's colour (problems are
    dots), so it stands apart by shape, not by colour alone.  Its outline is white (dark
    and heavy for the viewer's own pins, as their dots are); the path has the class
    ``tk-safe``; ``label`` (plain text, escaped here) is its accessible name."""
    stroke, width = ("#111111", 3) if mine else ("#ffffff", 2)
    dash_attr = f' stroke-dasharray="{html_text(dash)}"' if dash else ""
    return (f'<svg width="{SAFE_SIZE}" height="{SAFE_SIZE}" '
            f'viewBox="0 0 24 24" style="display:block;overflow:visible" role="img" '
            f'aria-label="{html_text(label)}">'
            f'<path class="tk-safe" d="M12 1.5 21 5v6.2c0 5.5-3.8 9.9-9 11.3-5.2-1.4-9-5.8-9-11.3V5z" '
            f'fill="{html_text(colour)}" fill-opacity="{float(fill_opacity):g}" stroke="{stroke}" '
            f'stroke-width="{width}" stroke-linejoin="round"{dash_attr}/>'
            f'<path d="M7.5 12.2l3 3 6-6.2" fill="none" stroke="#ffffff" stroke-width="2.4" '
            f'stroke-linecap="round" stroke-linejoin="round" pointer-events="none"/></svg>')


def _bounds(geojson: Mapping[str, Any]) -> list[list[float]]:
    from shapely.geometry import shape

    return leaflet_bounds(*shape(geojson).bounds)


def base_map(district: District, *, tiles: bool = True, height: int | None = None,
             zoom_snap: float = 1, lang: str | None = None) -> folium.Map:
    """An empty map fitted to ``district`` with a metric scale; OpenStreetMap tiles unless
    ``tiles`` is False; ``zoom_snap`` below 1 fits the district more closely.  Leaflet's own
    texts (zoom, layers, popups, Leaflet.draw …) and the tiles' attribution are in ``lang``
    (default: the app's default language)."""
    lang = lang or i18n.default_language()
    # keyboard=False: Leaflet's keyboard handler focuses the map on mousedown, and focusing
    # the map's frame scrolls the page when the map is not wholly in view, so the first
    # click landed somewhere else than it was pressed.
    m = folium.Map(location=leaflet(*district.centre), zoom_start=15, tiles=None,
                   height=height or "100%", keyboard=False, zoom_snap=zoom_snap)
    LeafletLanguage(lang).add_to(m)  # first: its script runs before any control is made
    MetricScale().add_to(m)
    if tiles:
        folium.TileLayer(OSM_TILES, attr=osm_attribution(lang), name="OpenStreetMap",
                         max_zoom=19, control=False).add_to(m)
    m.fit_bounds(_bounds(district.geojson))
    return m


def outline_layer(districts: Districts, district_id: str | Sequence[str], lang: str) -> folium.FeatureGroup:
    """The boundary of a district (or of several: a whole municipality)."""
    fg = folium.FeatureGroup(name=i18n.t("map.outline", lang), control=True)
    for one in ([district_id] if isinstance(district_id, str) else district_id):
        d = districts.one(one)
        feature = {"type": "Feature", "geometry": d.geojson,
                   "properties": {"name": html_text(d.name), "area": i18n.t("map.area", lang, km2=d.area_km2)}}
        folium.GeoJson(
            feature, name=d.name,
            style_function=lambda _f: {"color": OUTLINE_COLOUR, "weight": 3, "fillOpacity": 0.04,
                                       "dashArray": "6 4", "className": "tk-outline"},
            tooltip=folium.GeoJsonTooltip(fields=["name", "area"], labels=False),
            interactive=False,
        ).add_to(fg)
    return fg


def observation_features(observations: Iterable[Observation], categories: Mapping[str, Category],
                         walks: Mapping[int, Walk], lang: str,
                         mine: Collection[int] = ()) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of observations with escaped, display-ready properties;
    ``mine`` are the ids drawn with the heavy ring of the viewer's own pins; ``supporters``
    (a number) and ``support`` ("3 håller med", empty when no one) say how many seconded it."""
    features = []
    for o in observations:
        cat = categories.get(o.category)
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(o.lon, 7), round(o.lat, 7)]},
            "properties": {
                "id": o.id,
                "colour": cat.colour if cat else "#555555",
                "positive": bool(cat and cat.positive),
                "category": html_text(cat.label(lang) if cat else o.category),
                "feeling": o.feeling,
                "status": html_text(i18n.t(f"status.observation.{o.status}", lang)),
                "when": i18n.local_time(o.observed_at),
                "walk": html_text(walks[o.walk_id].title if o.walk_id is not None and o.walk_id in walks else ""),
                "text": html_text(o.description, max_len=280),
                "mine": o.id in mine,
                # "Jag håller med": how many seconded it, and in words ("" when no one)
                "supporters": o.supporters,
                "support": html_text(i18n.t("support.count", lang, n=o.supporters)) if o.supporters else "",
            },
        })
    return {"type": "FeatureCollection", "features": features}


def observation_layer(observations: Iterable[Observation], categories: Mapping[str, Category],
                      walks: Mapping[int, Walk], lang: str, mine: Collection[int] = (),
                      interactive: bool = True) -> folium.FeatureGroup:
    """Observations as circle markers coloured by category, bigger when felt less safe;
    safe places (positive categories) as shields (:func:`safe_icon_html`), whose popup
    leaves out the feeling.  With ``interactive`` False the pins have no tooltip or popup
    and a tap on one is a tap on the map (the walk map: the page then offers the pins near
    the tap – "me too", open – or a new pin there, :func:`geo.capture.pins_near`)."""
    data = observation_features(observations, categories, walks, lang, mine)
    fg = folium.FeatureGroup(name=i18n.t("map.observations", lang))
    fields = ["category", "feeling", "status", "when", "walk", "text", "supporters"]
    labels = [i18n.t(k, lang) for k in ("map.category", "map.feeling", "map.status",
                                        "map.observed_at", "map.walk", "map.description", "support.column")]
    problems = [f for f in data["features"] if not f["properties"]["positive"]]
    safe = [f for f in data["features"] if f["properties"]["positive"]]
    def tooltip(shown: list[str]) -> folium.GeoJsonTooltip | None:
        return folium.GeoJsonTooltip(fields=shown, labels=False, max_width=280) if interactive else None

    def popup(shown: list[str], aliases: list[str]) -> folium.GeoJsonPopup | None:
        return folium.GeoJsonPopup(fields=shown, aliases=aliases, max_width=320) if interactive else None

    if problems:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": problems},
            name=i18n.t("map.observations", lang),
            marker=folium.CircleMarker(radius=7, weight=2, fill=True, fill_opacity=0.85, className="tk-obs",
                                       interactive=interactive),
            style_function=_observation_style,
            tooltip=tooltip(["category", "text"]),
            popup=popup(fields, labels),
        ).add_to(fg)
    if safe:
        half = SAFE_SIZE // 2
        folium.GeoJson(
            {"type": "FeatureCollection", "features": safe},
            name=i18n.t("map.safe_places", lang),
            marker=folium.Marker(icon=folium.DivIcon(icon_size=(SAFE_SIZE, SAFE_SIZE), icon_anchor=(half, half),
                                                     class_name="tk-safe-icon"), interactive=interactive),
            style_function=lambda f: _safe_style(f, i18n.t("map.safe_place", lang)),
            tooltip=tooltip(["category", "text"]),
            popup=popup([f for f in fields if f != "feeling"],
                        [a for f, a in zip(fields, labels) if f != "feeling"]),
        ).add_to(fg)
    return fg


def _safe_style(feature: dict[str, Any], label: str) -> dict[str, Any]:
    """A safe place's icon (the options of its ``L.DivIcon``)."""
    p = feature["properties"]
    return {"html": safe_icon_html(p["colour"], label, mine=bool(p.get("mine")))}


def _observation_style(feature: dict[str, Any]) -> dict[str, Any]:
    p = feature["properties"]
    if p.get("mine"):  # the viewer's own pins: a heavy dark ring, a little bigger
        return {"color": "#111111", "fillColor": p["colour"], "radius": 8 + p["feeling"],
                "weight": 4, "fillOpacity": 0.95}
    return {"color": "#ffffff", "fillColor": p["colour"],
            "radius": 5 + p["feeling"], "weight": 2, "fillOpacity": 0.85}


def measure_layer(measures: Iterable[Measure], types: Mapping[str, Category], lang: str) -> folium.FeatureGroup:
    fg = folium.FeatureGroup(name=i18n.t("map.measures", lang))
    features = []
    for m in measures:
        t = types.get(m.type)
        features.append({"type": "Feature", "geometry": m.geometry, "properties": {
            "colour": t.colour if t else "#333333",
            "type": html_text(t.label(lang) if t else m.type),
            "title": html_text(m.title),
            "status": html_text(i18n.t(f"status.measure.{m.status}", lang)),
            "responsible": html_text(i18n.t(f"responsible.{m.responsible}", lang)
                                     + (f" – {m.responsible_name}" if m.responsible_name else "")),
            "due": m.due.isoformat() if m.due else "",
        }})
    if features:
        labels = [i18n.t(k, lang) for k in ("map.measure_type", "map.description", "map.status",
                                            "map.responsible", "map.due")]
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name=i18n.t("map.measures", lang),
            # a ring in the type's colour: measures stand apart from the filled observation dots
            marker=folium.CircleMarker(radius=10, weight=4, fill=True, fill_opacity=0.9,
                                       className="tk-measure"),
            style_function=_measure_style,
            tooltip=folium.GeoJsonTooltip(fields=["type", "title"], labels=False),
            popup=folium.GeoJsonPopup(fields=["type", "title", "status", "responsible", "due"],
                                      aliases=labels),
        ).add_to(fg)
    return fg


def _measure_style(feature: dict[str, Any]) -> dict[str, Any]:
    colour, point = feature["properties"]["colour"], feature["geometry"]["type"] == "Point"
    return {"color": colour, "weight": 4 if point else 5, "fillColor": "#ffffff" if point else colour,
            "fillOpacity": 0.9 if point else 0.25, "dashArray": None if point else "8 6"}


def route_layer(walks: Iterable[Walk], lang: str) -> folium.FeatureGroup:
    fg = folium.FeatureGroup(name=i18n.t("map.routes", lang), show=False)
    for w in walks:
        if w.route:
            folium.PolyLine([leaflet(x, y) for x, y in w.route["coordinates"]], color=ROUTE_COLOUR,
                            weight=4, opacity=0.7, dash_array="1 8",
                            tooltip=html_text(f"{w.title}, {i18n.local_time(w.starts_at, '%Y-%m-%d')}")).add_to(fg)
    return fg


class Legend(MacroElement):
    """A legend in the map's corner, drawn with plain HTML (no branca ColorMap: no CDN)."""

    _template = Template("""
        {% macro html(this, kwargs) %}
        <details id="{{ this.get_name() }}" class="tk-legend" {{ "open" if this.open else "" }}
             style="position:absolute; z-index:9999; {{ this.corner }};
             background:rgba(255,255,255,.95); color:#111; padding:6px 10px;
             border-radius:6px; font:13px/1.35 system-ui,sans-serif; max-width:60%;
             box-shadow:0 1px 4px rgba(0,0,0,.35); max-height:40%; overflow:auto">
          <summary style="cursor:pointer; font-weight:600; min-height:24px">{{ this.title }}</summary>
          {% for colour, label, shape in this.items %}
          <div>{% if shape == "safe" %}<svg width="13" height="13" viewBox="0 0 24 24" aria-hidden="true"
               style="vertical-align:-2px;margin-right:4px"><path
               d="M12 1.5 21 5v6.2c0 5.5-3.8 9.9-9 11.3-5.2-1.4-9-5.8-9-11.3V5z"
               fill="{{ colour }}" stroke="#333" stroke-width="1.5"/></svg>{% else %}<span style="display:inline-block;
               width:11px;height:11px;border-radius:50%;background:{{ colour }};border:1px solid #333;
               margin-right:6px"></span>{% endif %}{{ label }}</div>
          {% endfor %}
        </details>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {  // a tap on the legend is not a tap on the map (no pin placed under it)
          var el = document.getElementById({{ this.get_name()|tojson }});
          if (el) { L.DomEvent.disableClickPropagation(el); L.DomEvent.disableScrollPropagation(el); }
        })();
        {% endmacro %}
    """)
    CORNERS = {"bottomleft": "bottom:24px; left:10px", "topright": "top:10px; right:10px"}

    def __init__(self, title: str, items: list[tuple[str, str] | tuple[str, str, str]],
                 open: bool = True, corner: str = "bottomleft") -> None:
        """``items`` are ``(colour, label)`` (a dot) or ``(colour, label, "safe")`` (a
        safe place's shield); ``corner`` one of :data:`CORNERS`."""
        super().__init__()  # type: ignore[no-untyped-call]
        self.open = open
        self.corner = self.CORNERS[corner]
        self.title = html_text(title)
        self.items = [(html_text(c), html_text(label), shape[0] if shape else "dot")
                      for c, label, *shape in items]


class NightTiles(MacroElement):
    """Darkens the background map for walks after dark (a CSS filter on the tiles: no other
    tile server, so no other third party)."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>.leaflet-tile-pane{filter:invert(1) hue-rotate(180deg) brightness(.85) contrast(.9)}
        .leaflet-container{background:#1b1f24} path.tk-outline{stroke:#9cc2ff}</style>
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres only (``control_scale`` would add feet and miles)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]


class FieldMap(MacroElement):
    """The walk map as a field tool: the map fills its frame (the page gives the frame the
    device's height), zoom buttons of 44 px for a gloved finger, and the map opens fitted to
    the district in quarter zoom steps, so the district fills the screen."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>html,body{height:100%;margin:0}
        #parent,#parent .float-child,#map_div{height:100vh!important}
        .leaflet-touch .leaflet-bar a,.leaflet-bar a{width:44px;height:44px;line-height:44px;font-size:24px}
        .leaflet-control-scale-line{font-size:13px;padding:2px 6px}
        .tk-legend summary{min-height:44px;display:flex;align-items:center}</style>
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]


def walk_map(districts: Districts, walk: Walk, lang: str, *, categories: Sequence[Category] = (),
             tiles: bool = True, night: bool = False) -> folium.Map:
    """The walk's district with its outline and a folded legend of ``categories``: the part
    of the walk map that does not change while people pin, so the browser keeps it (and its
    zoom) when pins arrive."""
    district = districts.get(walk.district_id)
    if district is None:
        raise ValueError(f"unknown district: {walk.district_id!r}")
    m = base_map(district, tiles=tiles, zoom_snap=0.25, lang=lang)
    outline_layer(districts, walk.district_id, lang).add_to(m)
    FieldMap().add_to(m)
    Outbox(walk, lang, categories or None).add_to(m)  # pins made offline (geo.outbox)
    if categories:
        Legend(i18n.t("map.legend", lang),
               [(c.colour, c.label(lang), "safe") if c.positive else (c.colour, c.label(lang))
                for c in categories], open=False, corner="topright").add_to(m)
    if night:
        NightTiles().add_to(m)
    return localize(m)


PENDING_COLOUR = "#d7263d"


def walk_pins(observations: list[Observation], categories: list[Category], walk: Walk, lang: str,
              *, mine: Collection[int] = (), pending: tuple[float, float] | None = None,
              accuracy_m: float | None = None,
              rough: tuple[float, float, float] | None = None) -> folium.FeatureGroup:
    """Everyone's pins on the walk (the viewer's own with a heavy ring; a tap on one is a tap
    on the map), and the pin being placed (a red target, with the GPS accuracy as a circle in
    metres when there is one).  ``rough`` is a GPS reading too uncertain for a pin, ``(lon,
    lat, accuracy_m)``: only its circle, where the person is somewhere, to tap in."""
    fg = observation_layer(observations, {c.id: c for c in categories}, {walk.id: walk}, lang,
                           mine=mine, interactive=False)
    if rough is not None:
        lon, lat, metres = rough
        folium.Circle(leaflet(lon, lat), radius=float(metres), color=PENDING_COLOUR, weight=2,
                      dash_array="6 6", fill=True, fill_opacity=0.08, interactive=False,
                      class_name="tk-rough").add_to(fg)
    if pending is not None:
        lon, lat = pending
        if accuracy_m:
            folium.Circle(leaflet(lon, lat), radius=float(accuracy_m), color=PENDING_COLOUR,
                          weight=1, fill=True, fill_opacity=0.12, interactive=False).add_to(fg)
        folium.CircleMarker(leaflet(lon, lat), radius=16, color=PENDING_COLOUR, weight=4,
                            fill=False, dash_array="4 4", interactive=False,
                            class_name="tk-pending").add_to(fg)
        folium.CircleMarker(leaflet(lon, lat), radius=5, color=PENDING_COLOUR, fill=True,
                            fill_opacity=1, interactive=False).add_to(fg)
    return fg
