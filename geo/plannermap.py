"""The planner's map: many observations, a heat map, hot spots and measures, as layers.

Built for volume.  The plain approach (one folium ``Marker`` with a ``Popup`` per
observation) sends about 700 bytes of HTML and script per point: 7 MB for 10,000.  Here
the observations travel once, as one compact array (``[lat, lon, category, status, feeling]``,
about 35 bytes a point), and the browser draws them from it: problems as circle markers (on
a canvas when there are many, as SVG paths with the class ``tk-obs`` otherwise), safe places
(positive categories) as shields in a layer of their own (paths with the class ``tk-safe``),
each clustered when asked, and a heat map of the problems from the same array.  No
observation text is sent at all: the tooltip says the category and the feeling (a safe
place's: its category), and a click reports the point to the page
(``st_folium``'s ``last_object_clicked``), which fetches the details from the store.  So the
payload stays small and no user text reaches the map's HTML.

Plain functions, no Streamlit; :func:`planner_map` returns a localized ``folium.Map``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import folium
import folium.plugins
from folium.elements import JSCSSMixin
from folium.map import Layer
from jinja2 import Template

from . import i18n
from .crs import leaflet, leaflet_bounds
from .districts import Districts
from .hotspots import GridCell, HotSpot
from .mapassets import localize
from .mapview import SAFE_SIZE, Legend, base_map, measure_layer, outline_layer, route_layer, safe_icon_html
from .model import Category, Measure, Observation, ObservationStatus, Walk
from .safe import html_text

CANVAS_FROM = 2000  # more points than this are drawn on a canvas (SVG paths get slow)
HOT_COLOUR, COLD_COLOUR, SPOT_COLOUR = "#c0392b", "#2c7fb8", "#8e1b5a"
# how a status looks: fill opacity and outline dash; done and closed spots fade
STATUS_STYLE = {
    ObservationStatus.NEW: (0.9, None),
    ObservationStatus.ASSESSED: (0.9, None),
    ObservationStatus.MEASURE_PLANNED: (0.6, "3 2"),
    ObservationStatus.IN_PROGRESS: (0.6, "3 2"),
    ObservationStatus.RESOLVED: (0.15, None),
    ObservationStatus.VERIFIED: (0.15, None),
    ObservationStatus.CLOSED: (0.05, "1 3"),
}


def compact_rows(observations: Sequence[Observation], categories: Sequence[Category]) -> list[list[float | int]]:
    """``[lat, lon, category index, status index, feeling, supporters]`` per observation (5
    decimals: about a metre), in the order given; ``supporters`` is how many people seconded
    it ("Jag håller med"), shown in its tooltip when there are any."""
    cat_index = {c.id: i for i, c in enumerate(categories)}
    status_index = {s.value: i for i, s in enumerate(ObservationStatus)}
    return [[*leaflet(round(o.lon, 5), round(o.lat, 5)), cat_index.get(o.category, -1),
             status_index.get(o.status, 0), o.feeling, o.supporters] for o in observations]


class _PointData(folium.MacroElement):
    """The shared array the point and heat layers draw from, written once into the page."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {
            rows: {{ this.rows }},
            cats: {{ this.cats }},
            statuses: {{ this.statuses }},
            feeling: {{ this.feeling }},
            support: {{ this.support }},
            safeIcons: {{ this.safe_icons }}
        };
        {% endmacro %}
    """)

    def __init__(self, rows: list[list[float | int]], categories: Sequence[Category], lang: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "TkPointData"
        self.rows = json.dumps(rows, separators=(",", ":"))
        # labels are escaped here: the tooltip is HTML
        self.cats = json.dumps([[html_text(c.colour), html_text(c.label(lang)), c.positive] for c in categories],
                               ensure_ascii=False)
        # a safe place's shield per (category, status), made once: {category index: [html per status]}
        label = i18n.t("map.safe_place", lang)
        self.safe_icons = json.dumps({i: [safe_icon_html(c.colour, label, fill_opacity=max(STATUS_STYLE[s][0], 0.15),
                                                         dash=STATUS_STYLE[s][1]) for s in ObservationStatus]
                                      for i, c in enumerate(categories) if c.positive}, ensure_ascii=False)
        self.statuses = json.dumps([[html_text(i18n.t(f"status.observation.{s}", lang)),
                                     *STATUS_STYLE[s]] for s in ObservationStatus], ensure_ascii=False)
        self.feeling = json.dumps(html_text(i18n.t("map.feeling", lang)), ensure_ascii=False)
        # "{n} håller med", split around the number the browser puts in
        self.support = json.dumps([html_text(part) for part in i18n.t("support.count", lang, n="\0").split("\0", 1)],
                                  ensure_ascii=False)


class PointLayer(JSCSSMixin, Layer):
    """The problems as circle markers, or with ``positive`` the safe places as shields
    (:func:`geo.mapview.safe_icon_html`); clustered when ``cluster``."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var d = {{ this.data.get_name() }};
            // the map's own SVG renderer for a few points (a second one would sit on top of it
            // and take its clicks), one canvas for many
            var renderer = d.rows.length > {{ this.canvas_from }} ? L.canvas({padding: 0.3}) : undefined;
            var group = {{ "L.markerClusterGroup({chunkedLoading: true, disableClusteringAtZoom: 18, "
                            "maxClusterRadius: 45})" if this.cluster else "L.featureGroup()" }};
            var markers = [], icons = {};
            function tipFor(layer) {
                var r = d.rows[layer.tk], cat = d.cats[r[2]] || ["", "?"];
                var state = d.statuses[r[3]][0] + (r[5] > 0 ? " · " + d.support[0] + r[5] + (d.support[1] || "") : "");
                {% if this.positive %}return cat[1] + " · " + state;
                {% else %}return cat[1] + " · " + d.feeling + " " + r[4] + "/5 · " + state;{% endif %}
            }
            for (var i = 0; i < d.rows.length; i++) {
                var r = d.rows[i], cat = d.cats[r[2]] || ["#555555", "?", false], st = d.statuses[r[3]], m;
                {% if this.positive %}
                if (!cat[2]) { continue; }
                var key = r[2] + "/" + r[3];
                icons[key] = icons[key] || L.divIcon({html: d.safeIcons[r[2]][r[3]], className: "tk-safe-icon",
                                                      iconSize: [{{ this.size }}, {{ this.size }}],
                                                      iconAnchor: [{{ this.size // 2 }}, {{ this.size // 2 }}]});
                m = L.marker([r[0], r[1]], {icon: icons[key]});
                {% else %}
                if (cat[2]) { continue; }
                m = L.circleMarker([r[0], r[1]], {
                    renderer: renderer, radius: 4 + r[4], weight: 2, color: "#ffffff", fillColor: cat[0],
                    fillOpacity: st[1], dashArray: st[2], className: "tk-obs"});
                {% endif %}
                m.tk = i;
                m.bindTooltip(tipFor, {sticky: false});
                markers.push(m);
            }
            if (group.addLayers) { group.addLayers(markers); }
            else { markers.forEach(function (m) { group.addLayer(m); }); }
            return group;
        })();
        {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
        {% endmacro %}
    """)

    def __init__(self, data: _PointData, name: str, cluster: bool, show: bool = True,
                 positive: bool = False) -> None:
        super().__init__(name=name, show=show, overlay=True, control=True)
        self._name = "TkSafe" if positive else "TkPoints"
        self.data, self.cluster, self.canvas_from = data, cluster, CANVAS_FROM
        self.positive, self.size = positive, SAFE_SIZE
        self.default_js = list(folium.plugins.MarkerCluster.default_js) if cluster else []
        self.default_css = list(folium.plugins.MarkerCluster.default_css) if cluster else []


class HeatLayer(JSCSSMixin, Layer):
    """A heat map of the same points, problems only, weighted by how unsafe each felt."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.heatLayer(
            {{ this.data.get_name() }}.rows.filter(function (r) {
                var cat = {{ this.data.get_name() }}.cats[r[2]]; return !(cat && cat[2]);
            }).map(function (r) { return [r[0], r[1], r[4] / 5]; }),
            {radius: 22, blur: 18, minOpacity: 0.3, maxZoom: 17});
        {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
        {% endmacro %}
    """)

    def __init__(self, data: _PointData, name: str, show: bool = False) -> None:
        super().__init__(name=name, show=show, overlay=True, control=True)
        self._name = "TkHeat"
        self.data = data
        self.default_js = list(folium.plugins.HeatMap.default_js)


def hot_spot_layer(spots: Sequence[HotSpot], categories: Sequence[Category], lang: str,
                   show: bool = True) -> folium.FeatureGroup:
    """Hot spots as areas labelled with their count, main categories, mean feeling and the
    share already resolved (``spots`` are :class:`geo.hotspots.HotSpot`)."""
    labels = {c.id: c.label(lang) for c in categories}
    fg = folium.FeatureGroup(name=i18n.t("map.hot_spots", lang), show=show)
    for s in spots:
        main = ", ".join(f"{labels.get(c, c)} ({n})" for c, n in s.main_categories)
        tip = html_text(i18n.t("map.hot_spot_tip", lang, id=s.id, n=s.count, main=main,
                               feeling=s.mean_feeling, resolved=round(100 * s.resolved_share)))
        folium.GeoJson({"type": "Feature", "geometry": s.area, "properties": {}},
                       style_function=lambda _f: {"color": SPOT_COLOUR, "weight": 2, "fillOpacity": 0.18,
                                                  "fillColor": SPOT_COLOUR, "className": "tk-hotspot"},
                       tooltip=tip).add_to(fg)
        # the count sits above the pins and safe places around it, and a click on it chooses
        # the hot spot (it reports the spot's centre, which lies in the spot's area)
        folium.Marker(leaflet(*s.centre), icon=folium.DivIcon(
            html=f'<div class="tk-spot-count" style="cursor:pointer;font:700 13px system-ui;color:#fff;'
                 f'background:{SPOT_COLOUR};'
                 f'border-radius:12px;padding:2px 7px;transform:translate(-50%,-50%);display:inline-block">'
                 f'{int(s.count)}</div>', icon_size=(0, 0)), keyboard=False, z_index_offset=1000).add_to(fg)
    return fg


def gi_layer(cells: Sequence[GridCell], lang: str, show: bool = False) -> folium.FeatureGroup:
    """Getis-Ord Gi* grid cells: significantly hot (red) and cold (blue) cells only."""
    fg = folium.FeatureGroup(name=i18n.t("map.gi_star", lang), show=show)
    features = [{"type": "Feature", "geometry": c.area,
                 "properties": {"kind": c.kind, "tip": html_text(i18n.t(
                     "map.gi_tip", lang, kind=i18n.t(f"map.gi_{c.kind}", lang), z=c.z, p=c.p, n=c.count))}}
                for c in cells if c.kind in ("hot", "cold")]
    if features:
        folium.GeoJson({"type": "FeatureCollection", "features": features},
                       style_function=lambda f: {
                           "color": HOT_COLOUR if f["properties"]["kind"] == "hot" else COLD_COLOUR,
                           "weight": 0.5, "fillOpacity": 0.35, "className": "tk-gi"},
                       tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False)).add_to(fg)
    return fg


def planner_map(districts: Districts, district_id: str | Sequence[str], *, observations: Sequence[Observation],
                measures: Sequence[Measure], walks: Sequence[Walk], categories: Sequence[Category],
                measure_types: Sequence[Category], lang: str, spots: Sequence[HotSpot] = (),
                cells: Sequence[GridCell] = (), cluster: bool = False, heat: bool = False,
                tiles: bool = True, draw: bool = False) -> folium.Map:
    """The district (or several: a municipality's) with switchable layers: observations
    (coloured by category, faded as they are resolved), safe places (positive categories, as
    shields), heat map, hot spots, Gi* cells, measures and walk routes, and a legend.
    ``spots`` and ``cells`` are drawn as given: compute them without the safe places
    (:mod:`geo.hotspots` does by default).
    With ``draw`` the map has Leaflet.draw's point, line and area tools for placing a measure."""
    ids = [district_id] if isinstance(district_id, str) else list(district_id)
    if not ids or any(districts.get(i) is None for i in ids):
        raise ValueError(f"unknown district: expected some of {[d.id for d in districts]}, got {district_id!r}")
    m = base_map(districts.one(ids[0]), tiles=tiles, lang=lang)
    if len(ids) > 1:  # a whole municipality: fit all its districts
        from shapely.geometry import shape
        from shapely.ops import unary_union

        m.fit_bounds(leaflet_bounds(*unary_union([shape(districts.one(i).geojson) for i in ids]).bounds))
    outline_layer(districts, ids, lang).add_to(m)
    route_layer(walks, lang).add_to(m)
    data = _PointData(compact_rows(observations, categories), categories, lang)
    data.add_to(m)
    HeatLayer(data, i18n.t("map.heat", lang), show=heat).add_to(m)
    gi_layer(cells, lang).add_to(m)
    hot_spot_layer(spots, categories, lang).add_to(m)
    measure_layer(measures, {t.id: t for t in measure_types}, lang).add_to(m)
    PointLayer(data, i18n.t("map.observations", lang), cluster=cluster).add_to(m)
    PointLayer(data, i18n.t("map.safe_places", lang), cluster=cluster, positive=True).add_to(m)
    present = {o.category for o in observations}
    used = [c for c in categories if c.id in present]
    Legend(i18n.t("map.legend", lang), [(c.colour, c.label(lang)) for c in used if not c.positive]
           + [(c.colour, c.label(lang), "safe") for c in used if c.positive]
           + [("transparent", i18n.t("map.legend_faded", lang))], open=False).add_to(m)
    if draw:
        folium.plugins.Draw(export=False, draw_options={
            "polyline": {"shapeOptions": {"color": "#1f3b73"}}, "polygon": True, "marker": True,
            "rectangle": False, "circle": False, "circlemarker": False},
            edit_options={"edit": False, "remove": True}).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return localize(m)
