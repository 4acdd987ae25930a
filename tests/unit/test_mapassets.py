"""geo.mapassets: every folium asset is served from static/vendor, never a CDN."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import branca.colormap
import folium
import pytest
from folium import plugins
from folium.elements import JSCSSMixin

from geo import mapassets
from geo.mapassets import STATIC_PREFIX, local_asset_urls, localize, vendor_dir

URL_RE = re.compile(r"https?://[^\s\"'<>\\)]+")
CSS_URL_RE = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)")
LOCAL_RE = re.compile(re.escape(STATIC_PREFIX) + r"/[^\s\"'<>\\)]+")

POLYGON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"namn": "Andersberg"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[12.88, 56.66], [12.90, 56.66], [12.90, 56.67], [12.88, 56.67], [12.88, 56.66]]
                ],
            },
        }
    ],
}
POINTS = [[56.662, 12.885], [56.664, 12.889], [56.666, 12.893], [56.668, 12.897]]


def build_map() -> folium.Map:
    """A map with every element kind the app uses (and LocateControl)."""
    m = folium.Map(location=[56.665, 12.89], zoom_start=14)
    folium.GeoJson(POLYGON, name="Område", tooltip=folium.GeoJsonTooltip(["namn"])).add_to(m)
    cluster = plugins.MarkerCluster(name="Observationer").add_to(m)
    for lat, lon in POINTS:
        folium.CircleMarker([lat, lon], radius=6).add_to(cluster)
    folium.Marker(
        POINTS[0], icon=folium.Icon(icon="lightbulb", prefix="fa", color="red", angle=15)
    ).add_to(m)
    folium.Marker(POINTS[1]).add_to(m)  # Leaflet's default icon
    folium.Marker(POINTS[2], icon=folium.Icon()).add_to(m)  # glyphicon "info-sign"
    plugins.HeatMap(POINTS, name="Värmekarta").add_to(m)
    plugins.FastMarkerCluster(POINTS).add_to(m)
    plugins.Draw().add_to(m)
    plugins.Fullscreen().add_to(m)
    plugins.LocateControl().add_to(m)
    folium.LayerControl().add_to(m)
    return m


def walk(element):
    yield element
    for child in element._children.values():
        yield from walk(child)


def asset_links(m: folium.Map) -> list[str]:
    """The links streamlit_folium's st_folium hands to its frontend (same walk)."""
    links = []
    for element in walk(m):
        for kind in ("default_js", "default_css"):
            links += [url for _, url in getattr(element, kind, [])]
    return links


def local_path(url: str) -> Path:
    assert url.startswith(STATIC_PREFIX + "/"), url
    return vendor_dir() / url[len(STATIC_PREFIX) + 1 :]


def allowed_remote_urls(m: folium.Map) -> set[str]:
    """Tile URL templates and the links inside tile attributions: nothing else."""
    allowed = set()
    for element in walk(m):
        if isinstance(element, folium.TileLayer):
            allowed.add(element.tiles)
            allowed.update(URL_RE.findall(element.options.get("attribution", "")))
    return allowed


@pytest.fixture
def localized_map() -> folium.Map:
    return localize(build_map())


def test_rendered_html_loads_nothing_remote(localized_map):
    html = localized_map.get_root().render()
    allowed = allowed_remote_urls(localized_map)
    assert any("{z}" in url and "tile.openstreetmap.org" in url for url in allowed)
    remote = set(URL_RE.findall(html)) - allowed
    assert not remote, f"remote URLs left in the map HTML: {sorted(remote)}"
    assert "cdn" not in html.lower()


def test_st_folium_links_are_all_local(localized_map):
    links = asset_links(localized_map)
    assert len(links) >= 20
    assert all(url.startswith(STATIC_PREFIX + "/") for url in links), links


def test_every_local_url_exists(localized_map):
    html = localized_map.get_root().render()
    referenced = set(LOCAL_RE.findall(html)) | set(asset_links(localized_map))
    missing = [u for u in referenced if not u.endswith("/") and not local_path(u).is_file()]
    assert not missing
    assert not [u for u in local_asset_urls() if not local_path(u).is_file()]


def test_leaflet_default_icon_path_is_local_and_set_before_markers(localized_map):
    html = localized_map.get_root().render()
    setter = f'L.Icon.Default.imagePath = "{mapassets.ICON_IMAGE_PATH}";'
    assert setter in html
    assert html.index(setter) < html.index("L.marker(")
    images = local_path(mapassets.ICON_IMAGE_PATH.rstrip("/"))
    for name in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"):
        assert (images / name).is_file()


def test_every_css_url_resolves_to_a_vendored_file():
    css_files = sorted(vendor_dir().rglob("*.css"))
    assert len(css_files) >= 10
    checked = 0
    for css in css_files:
        for _, ref in CSS_URL_RE.findall(css.read_text(encoding="utf-8")):
            if ref.startswith(("data:", "#")):
                continue
            assert "://" not in ref and not ref.startswith("/"), f"{css}: {ref}"
            target = (css.parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.is_file(), f"{css.relative_to(vendor_dir())}: url({ref}) missing"
            assert vendor_dir().resolve() in target.parents
            checked += 1
    assert checked >= 20  # Font Awesome webfonts, awesome-markers, Leaflet, draw, …


def test_unknown_cdn_url_raises_naming_it():
    class NewPlugin(JSCSSMixin):
        default_js = [("new_js", "https://unpkg.com/leaflet-new-plugin@1.0.0/new.min.js")]

    m = build_map()
    NewPlugin().add_to(m)
    url = "https://unpkg.com/leaflet-new-plugin@1.0.0/new.min.js"
    with pytest.raises(ValueError, match=re.escape(url)):
        localize(m)
    # nothing was half-changed
    assert any(url.startswith("https://") for url in asset_links(m))


def test_unvendored_folium_plugin_raises():
    m = build_map()
    plugins.Geocoder().add_to(m)
    with pytest.raises(ValueError, match="Control.Geocoder"):
        localize(m)


def test_colormap_is_refused():
    m = build_map()
    branca.colormap.LinearColormap(["green", "red"], vmin=0, vmax=1).add_to(m)
    with pytest.raises(ValueError, match="d3"):
        localize(m)


def snapshot(m: folium.Map):
    return [
        (
            type(e).__name__,
            list(e._children),
            getattr(e, "default_js", None),
            getattr(e, "default_css", None),
        )
        for e in walk(m.get_root())
    ]


def test_localize_is_idempotent():
    m = localize(build_map())
    once = snapshot(m)
    assert localize(m) is m
    assert snapshot(m) == once
    # and after rendering. folium's own render is not idempotent (each call adds
    # script and children such as Marker set_icon calls), so compare the header
    # links and the asset lists, not the page.
    root = m.get_root()
    root.render()
    header_once = root.header.render()
    assets_once = [(e, js, css) for e, _, js, css in snapshot(m) if js or css]
    localize(m)
    root.render()
    assert root.header.render() == header_once
    assert [(e, js, css) for e, _, js, css in snapshot(m) if js or css] == assets_once


def test_localize_after_more_layers_and_after_render():
    m = localize(build_map())
    m.get_root().render()  # header now holds links
    plugins.HeatMap(POINTS).add_to(m)
    folium.Marker(POINTS[3]).add_to(m)
    localize(m)
    html = m.get_root().render()
    assert not set(URL_RE.findall(html)) - allowed_remote_urls(m)
    assert list(m._children)[0] == "trygghetskartan_leaflet_icon_path"

    rendered_first = build_map()
    rendered_first.get_root().render()  # CDN links already in the header
    localize(rendered_first)
    html = rendered_first.get_root().render()
    assert not set(URL_RE.findall(html)) - allowed_remote_urls(rendered_first)


def test_folium_class_defaults_are_not_mutated():
    localize(build_map())
    assert folium.Map.default_js[0][1].startswith("https://")
    assert plugins.MarkerCluster.default_js[0][1].startswith("https://")
    assert asset_links(folium.Map())[0].startswith("https://")


def test_mapping_covers_every_url_folium_uses_for_supported_elements():
    m = build_map()
    assert set(asset_links(m)) <= set(mapassets.CDN_TO_LOCAL)


def test_vendor_folder_is_small_and_licensed():
    files = [p for p in vendor_dir().rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 3 * 1024 * 1024
    assert not [p for p in files if p.suffix == ".map"]
    readme = (vendor_dir() / "README.md").read_text(encoding="utf-8")
    for package_dir in (p for p in vendor_dir().iterdir() if p.is_dir()):
        assert any("LICEN" in f.name.upper() for f in package_dir.iterdir()), package_dir
        assert package_dir.name in readme


def test_mapassets_does_not_import_streamlit():
    tree = ast.parse(Path(mapassets.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert not {"streamlit", "streamlit_folium"} & imported


def test_localize_refuses_a_non_map():
    with pytest.raises(TypeError, match="folium.Map"):
        localize(folium.Figure())  # type: ignore[arg-type]
